//! Which servers the app trusts: the system's root certificates, plus an optional extra CA
//! file (PEM) for a self-hosted server whose certificate comes from a private certificate
//! authority. One [`Trust`] is made at start and every connection uses it: the REST calls,
//! transfers and updates through one `ureq` agent ([`crate::net::client::Http`]), the
//! WebSocket through [`Trust::rustls_config`].
//!
//! A certificate the roots do not vouch for is refused; [`describe`] turns the TLS error into
//! words that say so, and how to trust a private CA.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;

pub use crate::config::ExtraCa;

/// The words every refused certificate is reported with; the HTTP layer recognises them
/// ([`crate::net::http::net_error_kind`]).
pub const UNTRUSTED: &str = "the server's certificate is not trusted";

/// The roots the app trusts, and the TLS client configuration made from them.
#[derive(Clone)]
pub struct Trust {
    roots: Arc<Vec<CertificateDer<'static>>>,
    config: Arc<rustls::ClientConfig>,
    extra: ExtraCa,
}

impl std::fmt::Debug for Trust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trust")
            .field("roots", &self.roots.len())
            .field("extra", &self.extra)
            .finish()
    }
}

impl Trust {
    /// The system's roots and, when `extra_ca` names one, the certificates of that PEM file.
    /// Never fails: a file that cannot be read is reported in [`Trust::extra`] and logged,
    /// and its server is then refused as untrusted.
    pub fn load(extra_ca: Option<&Path>) -> Trust {
        let native = rustls_native_certs::load_native_certs();
        for error in &native.errors {
            tracing::debug!(%error, "a system root certificate could not be read");
        }
        if native.certs.is_empty() {
            tracing::warn!("no system root certificates found: only the extra CA is trusted");
        }
        let mut roots = native.certs;
        let extra = match extra_ca {
            None => ExtraCa::None,
            Some(path) => match read_pem(path) {
                Ok(certs) => {
                    tracing::info!(path = %path.display(), count = certs.len(), "extra CA trusted");
                    let certificates = certs.len();
                    roots.extend(certs);
                    ExtraCa::Loaded {
                        path: path.to_owned(),
                        certificates,
                    }
                }
                Err(reason) => {
                    tracing::warn!(path = %path.display(), %reason, "extra CA not usable");
                    ExtraCa::Failed {
                        path: path.to_owned(),
                        reason,
                    }
                }
            },
        };
        let mut store = rustls::RootCertStore::empty();
        let (_, ignored) = store.add_parsable_certificates(roots.iter().cloned());
        if ignored > 0 {
            tracing::debug!(ignored, "root certificates rustls cannot use were skipped");
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map(|builder| builder.with_root_certificates(store).with_no_client_auth());
        let config = match config {
            Ok(config) => config,
            Err(error) => {
                // ring supports the default versions; this cannot happen with this build
                tracing::error!(%error, "no TLS configuration");
                rustls::ClientConfig::builder()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth()
            }
        };
        Trust {
            roots: Arc::new(roots),
            config: Arc::new(config),
            extra,
        }
    }

    /// The trusted roots (the system's and the extra CA's), DER.
    pub fn roots(&self) -> &[CertificateDer<'static>] {
        &self.roots
    }

    /// A TLS client configuration trusting exactly [`Trust::roots`].
    pub fn rustls_config(&self) -> Arc<rustls::ClientConfig> {
        Arc::clone(&self.config)
    }

    /// What the extra CA file gave.
    pub fn extra(&self) -> &ExtraCa {
        &self.extra
    }
}

/// The certificates of a PEM file; an error when there are none.
fn read_pem(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not a PEM certificate file: {e}"))?;
    if certs.is_empty() {
        return Err(
            "no certificate in the file (expected PEM: -----BEGIN CERTIFICATE-----)".into(),
        );
    }
    Ok(certs)
}

/// Words for a TLS error: a refused certificate says [`UNTRUSTED`] and why; anything else
/// is `None` (the caller reports it as it is).
pub fn describe(error: &rustls::Error) -> Option<String> {
    use rustls::CertificateError as C;
    let why = match error {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            "it is not issued by an authority this computer trusts (a private CA? add its \
             certificate as the extra CA file)"
                .to_owned()
        }
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "it has expired".to_owned()
        }
        rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        ) => "it is for another address".to_owned(),
        rustls::Error::InvalidCertificate(other) => format!("{other:?}"),
        _ => return None,
    };
    Some(format!("{UNTRUSTED}: {why}"))
}

/// [`describe`] for an I/O error that carries a TLS error (as the TLS streams report them).
pub fn describe_io(error: &std::io::Error) -> Option<String> {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .and_then(describe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_extra_ca_is_reported_not_fatal() {
        let missing = std::env::temp_dir().join("natter-no-such-ca.pem");
        let trust = Trust::load(Some(&missing));
        assert!(
            matches!(trust.extra(), ExtraCa::Failed { path, .. } if *path == missing),
            "{:?}",
            trust.extra()
        );
        let not_pem = std::env::temp_dir().join(format!("natter-ca-{}.pem", std::process::id()));
        std::fs::write(&not_pem, "hello").unwrap();
        let trust = Trust::load(Some(&not_pem));
        assert!(
            matches!(trust.extra(), ExtraCa::Failed { reason, .. } if reason.contains("no certificate")),
            "{:?}",
            trust.extra()
        );
        std::fs::remove_file(&not_pem).unwrap();
        assert_eq!(Trust::load(None).extra(), &ExtraCa::None);
    }

    #[test]
    fn refused_certificates_are_described_as_untrusted() {
        let unknown = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let text = describe(&unknown).unwrap();
        assert!(
            text.starts_with(UNTRUSTED) && text.contains("extra CA"),
            "{text}"
        );
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, unknown);
        assert_eq!(describe_io(&io), Some(text));
        assert_eq!(describe(&rustls::Error::HandshakeNotComplete), None);
    }
}
