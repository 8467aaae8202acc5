//! The streaming HTTP client of the updates: one `ureq` agent over rustls with Mozilla's
//! roots (as `ehttp`, which the REST calls and transfers use, has).

use std::sync::OnceLock;
use std::time::Duration;

static AGENT: OnceLock<ureq::Agent> = OnceLock::new();

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
