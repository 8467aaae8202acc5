//! Support for the integration tests (each test file uses its own part): app clients built
//! on the app's own executor and reducer, a TCP proxy that can cut one client off the
//! server, and signed-in states for the view tests. Fixtures shared with the unit tests live
//! in `natter::testing`.
#![allow(dead_code, unused_imports)]

pub mod client;
pub mod desktop;
pub mod proxy;
pub mod ui;
