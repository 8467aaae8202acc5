//! `natter-server`: settings → telemetry → build → run.

use std::process::ExitCode;

use natter_server::{Application, Settings, telemetry};

#[actix_web::main]
async fn main() -> ExitCode {
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
