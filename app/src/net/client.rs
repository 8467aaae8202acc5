//! The one HTTP client of the app (REST calls, transfers, updates): a `ureq` agent over
//! rustls trusting the roots of a [`Trust`] (the system's, plus the optional extra CA).
//! Requests are described with `ehttp`'s types, which the callers already build; `ehttp`'s
//! own client would trust only its built-in roots.

use std::io::Read as _;
use std::time::Duration;

use crate::net::tls::{self, Trust};

/// A cheap handle on the shared agent (clones share its connection pool).
#[derive(Clone)]
pub struct Http {
    agent: ureq::Agent,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Http")
    }
}

impl Http {
    /// An agent trusting `trust`'s roots: statuses are answers (not errors), no overall time
    /// limit (each caller sets its own).
    pub fn new(trust: &Trust) -> Http {
        let roots: Vec<ureq::tls::Certificate<'static>> = trust
            .roots()
            .iter()
            .map(|der| ureq::tls::Certificate::from_der(der.as_ref()).to_owned())
            .collect();
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
            .unversioned_rustls_crypto_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .tls_config(tls)
            .build()
            .new_agent();
        Http { agent }
    }

    /// The agent, for streaming requests (update archives).
    pub fn agent(&self) -> &ureq::Agent {
        &self.agent
    }

    fn run<B: ureq::AsSendBody>(
        &self,
        request: ureq::http::Request<B>,
        timeout: Option<Duration>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(timeout)
            .build();
        self.agent.run(request)
    }

    /// Sends `request` and reads the whole answer, as `ehttp::fetch_blocking` does: `Ok` for
    /// any status, `Err` with words when there is no answer.
    pub fn fetch(&self, request: &ehttp::Request) -> Result<ehttp::Response, String> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        // an empty body is no body (a GET with `Content-Length: 0` is not what was meant)
        let sent = if request.body.is_empty() {
            let http = builder.body(()).map_err(|e| e.to_string())?;
            self.run(http, request.timeout)
        } else {
            let http = builder
                .body(request.body.clone())
                .map_err(|e| e.to_string())?;
            self.run(http, request.timeout)
        };
        let mut response = sent.map_err(|e| describe(&e))?;
        let status = response.status();
        let mut headers = ehttp::Headers::default();
        for (name, value) in response.headers() {
            if let Ok(value) = value.to_str() {
                headers.insert(name.as_str(), value);
            }
        }
        let mut bytes = Vec::new();
        let read = response
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .reader()
            .read_to_end(&mut bytes);
        // a HEAD answer announces a body it does not carry
        if let Err(error) = read
            && request.method != ehttp::Method::HEAD
        {
            return Err(format!("reading the answer: {error}"));
        }
        Ok(ehttp::Response {
            url: request.url.clone(),
            ok: status.is_success(),
            status: status.as_u16(),
            status_text: status.canonical_reason().unwrap_or("").to_owned(),
            headers,
            bytes,
        })
    }
}

/// A ureq error in words; a refused certificate in the words of [`tls::describe`].
pub fn describe(error: &ureq::Error) -> String {
    let described = match error {
        ureq::Error::Rustls(tls_error) => tls::describe(tls_error),
        ureq::Error::Io(io) => tls::describe_io(io),
        _ => None,
    };
    described.unwrap_or_else(|| error.to_string())
}
