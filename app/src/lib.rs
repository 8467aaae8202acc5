//! Natter, the desktop messenger: eframe/egui app.
//!
//! Views ([`ui`]) and the network ([`net`]) produce [`action::Action`]s;
//! [`reduce::reduce`] applies them to [`state::AppState`] and returns
//! [`effect::Effect`]s, which [`net::Executor`] runs off the UI thread.

rust_i18n::i18n!("locales", fallback = "en");

pub mod action;
pub mod api;
pub mod app;
pub mod build_info;
pub mod cli;
pub mod config;
pub mod effect;
pub mod i18n;
#[cfg(test)]
mod name_rule_tests;
pub mod net;
pub mod reduce;
pub mod state;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod token_store;
pub mod transfers;
pub mod ui;
pub mod update;

pub use app::run;
