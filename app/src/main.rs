//! The `natter` binary: logging, then the window.

use std::time::Instant;

fn main() -> anyhow::Result<()> {
    // first thing, so the "first frame" log line can say how long start-up took
    let started = Instant::now();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    natter::run(started)
}
