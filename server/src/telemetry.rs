//! Telemetry: logging (`tracing` with an env filter, human or JSON lines) and the
//! process-wide Prometheus recorder behind `/metrics`.

use std::sync::OnceLock;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing::Span;
use tracing::field::Empty;
use tracing_actix_web::{RequestId, RootSpan, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

use crate::client_addr;
use crate::config::{LogFormat, Settings};

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(settings: &Settings) {
    let filter =
        EnvFilter::try_new(&settings.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()));
    let result = match settings.log_format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    // Err only means a subscriber is already installed, as in a test process.
    drop(result);
}

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's own figures (`process_cpu_seconds_total`, `process_resident_memory_bytes`,
/// open files, threads …), read from the OS at each scrape.
static PROCESS: OnceLock<metrics_process::Collector> = OnceLock::new();

/// The Prometheus text of this process: its metrics and its process figures as of now.
pub fn render() -> String {
    let Some(handle) = metrics_recorder() else {
        return String::new();
    };
    PROCESS
        .get_or_init(|| {
            let collector = metrics_process::Collector::default();
            collector.describe();
            collector
        })
        .collect();
    handle.render()
}

/// The process-wide Prometheus recorder (metrics are per process by nature: several test
/// servers in one process share it).
pub fn metrics_recorder() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let latency = [
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &latency)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("natter_writer_batch_size".into()),
                        &[1.0, 4.0, 16.0, 64.0, 128.0, 256.0, 512.0],
                    )
                })
                .and_then(|b| b.install_recorder())
                .map_err(|e| tracing::warn!(error = %e, "no metrics recorder"))
                .ok()
        })
        .clone()
}

/// The span of one HTTP request (and of a WebSocket for its whole life). Its fields are the
/// ones a log stack follows a request by: `request_id` (the proxy's `X-Request-Id` when it
/// sent a sane one, else a new UUID), `client_ip` (behind trusted proxies, the real client),
/// `user_id` and `chat_id` once the request is authenticated. The target is the path only:
/// query strings (which may carry a token) and secret path segments (`{token}`) never reach
/// a log line.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let route = request.match_pattern();
        let target = match &route {
            Some(pattern) if pattern.contains("{token}") => pattern.clone(),
            _ => request.path().to_owned(),
        };
        let client_ip = client_addr::client_ip(request.request())
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        let request_id = request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|id| sane_request_id(id))
            .map(str::to_owned)
            .or_else(|| {
                request
                    .extensions()
                    .get::<RequestId>()
                    .map(|id| id.to_string())
            })
            .unwrap_or_default();
        request
            .extensions_mut()
            .insert(Started(std::time::Instant::now()));
        request
            .extensions_mut()
            .insert(LoggedRequestId(request_id.clone()));
        tracing::info_span!(
            "request",
            http.method = %request.method(),
            http.route = route.as_deref().unwrap_or("-"),
            http.target = %target,
            client_ip = %client_ip,
            request_id = %request_id,
            user_id = Empty,
            chat_id = Empty,
            http.status_code = Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let (status, started) = match outcome {
            Ok(response) => (
                response.status(),
                response.request().extensions().get::<Started>().copied(),
            ),
            Err(error) => (error.as_response_error().status_code(), None),
        };
        span.record("http.status_code", status.as_u16());
        // the access log: one line a request, inside its span (so with its id, client, user
        // and chat); a WebSocket's line is its upgrade
        let millis = started.map(|s| s.0.elapsed().as_secs_f64() * 1000.0);
        span.in_scope(|| {
            tracing::info!(
                status = status.as_u16(),
                duration_ms = millis.unwrap_or_default(),
                "request"
            );
        });
    }
}

/// The id a request is logged under, for its response's `X-Request-Id`.
#[derive(Clone)]
struct LoggedRequestId(String);

/// The id `req` is logged under (its response's `X-Request-Id`).
pub fn logged_request_id(req: &ServiceRequest) -> Option<String> {
    req.extensions()
        .get::<LoggedRequestId>()
        .map(|id| id.0.clone())
}

/// When a request arrived, for its access-log line.
#[derive(Clone, Copy)]
struct Started(std::time::Instant);

/// What a proxy may hand us as a request id: up to 64 letters, digits, `-` and `_`.
fn sane_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Records the signed-in user (and the chat, for `/chats/{id}/…`) on the request's span.
pub fn record_caller(req: &actix_web::HttpRequest, user_id: impl std::fmt::Display) {
    let extensions = req.extensions();
    let Some(span) = extensions.get::<RootSpan>() else {
        return;
    };
    span.record("user_id", tracing::field::display(user_id));
    let under_chats = req
        .match_pattern()
        .is_some_and(|p| p.contains("/chats/{id}"));
    if under_chats && let Some(chat) = req.match_info().get("id") {
        span.record("chat_id", chat);
    }
}

/// How often each HTTP worker measures its lag ([`watch_worker_lag`]).
pub const LAG_TICK: std::time::Duration = std::time::Duration::from_millis(10);

/// Measures, forever, how late this worker's [`LAG_TICK`] timer fires, into the
/// `natter_worker_lag_seconds` histogram: about how long a frame that arrives now waits for
/// the worker to read it (its other work and the cores it waits for), a wait the writer's
/// admission does not see. Spawned on each HTTP worker.
pub async fn watch_worker_lag() {
    loop {
        let asked = std::time::Instant::now();
        tokio::time::sleep(LAG_TICK).await;
        let lag = asked.elapsed().saturating_sub(LAG_TICK);
        metrics::histogram!("natter_worker_lag_seconds").record(lag.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_request_ids_are_taken_from_the_proxy() {
        assert!(super::sane_request_id("3f2a9c0e5b7d4a1f8e6c2b9d0a7f5e3c"));
        assert!(super::sane_request_id("req_1-2"));
        assert!(!super::sane_request_id(""));
        assert!(!super::sane_request_id("a b"));
        assert!(!super::sane_request_id("x\"}{\"user_id\":\"1"));
        assert!(!super::sane_request_id(&"a".repeat(65)));
    }
}
