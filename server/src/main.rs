//! `natter-server`: settings → telemetry → build → run.

use std::process::ExitCode;

use natter_server::{Application, Settings, telemetry};

/// mimalloc rather than glibc's malloc: at saturation glibc's malloc/free took ≈ 16 % of the
/// server's CPU (BENCHMARKS.md, issue 16's profile); the app uses it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    if std::env::args()
        .skip(1)
        .any(|a| a == "--version" || a == "-V")
    {
        // the commit comes from build.rs
        println!(
            "natter-server {} ({})",
            env!("CARGO_PKG_VERSION"),
            env!("NATTER_COMMIT")
        );
        return ExitCode::SUCCESS;
    }
    // A `.env` beside the binary is optional; real environment variables win.
    let _ = dotenvy::dotenv();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("natter-server: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings);
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("natter-server: {e:#}");
            return ExitCode::from(1);
        }
    };
    match app.run_until_stopped().await {
        Ok(()) => {
            tracing::info!("natter-server stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("natter-server: {e}");
            ExitCode::from(1)
        }
    }
}
