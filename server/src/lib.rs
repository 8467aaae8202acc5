//! The Natter server: REST under `/api/v1` over actix-web, PostgreSQL through diesel,
//! Redis for caches and limits. `main.rs` is thin; tests start the real thing through
//! [`Application::build`] on port 0.

pub mod auth;
pub mod cache;
pub mod config;
pub mod db;
pub mod error;
pub mod openapi;
pub mod routes;
pub mod startup;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
