//! The Natter server: REST under `/api/v1` and a WebSocket over actix-web (each connection
//! and each active chat an actor), PostgreSQL through diesel, Redis for the chat-list cache,
//! presence, rate limits and pub/sub between server processes. `main.rs` is thin; tests start the real thing through
//! [`Application::build`] on port 0.

pub mod auth;
pub mod cache;
pub mod chat_list;
pub mod client_addr;
pub mod config;
pub mod db;
pub mod error;
pub mod file_settings;
pub mod files;
pub mod limits;
pub mod local_limits;
pub mod members;
pub mod openapi;
pub mod presence;
pub mod realtime;
pub mod routes;
pub mod search;
pub mod setting_parse;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::Settings;
pub use startup::Application;
