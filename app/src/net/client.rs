//! The one HTTP client of the app (REST calls, transfers, updates): a `ureq` agent over
//! rustls that trusts the system's roots, Mozilla's bundle, and an optional extra CA file for
//! self-hosted servers (`NATTER_EXTRA_CA`), set once at start with [`configure`].

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

static EXTRA_CA: OnceLock<Option<PathBuf>> = OnceLock::new();
static AGENT: OnceLock<ureq::Agent> = OnceLock::new();

/// Sets the extra CA file; only the first call counts (call it before any request).
pub fn configure(extra_ca: Option<PathBuf>) {
    let _ = EXTRA_CA.set(extra_ca);
}

/// The shared agent: statuses are answers (not errors), no overall time limit (each caller
/// sets its own).
pub fn agent() -> &'static ureq::Agent {
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .build()
            .new_agent()
    })
}
