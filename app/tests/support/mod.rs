//! Support for the end-to-end tests: app clients built on the app's own executor and
//! reducer, and a TCP proxy that can cut one client off the server.

pub mod client;
pub mod proxy;
