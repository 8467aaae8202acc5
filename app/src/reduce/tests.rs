//! Reducer tests: one behaviour each, no window, no network, no clock.

mod auth;
mod session;
mod shell;
mod support;
