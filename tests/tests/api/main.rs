//! Black-box tests of the REST API: the real server, PostgreSQL and Redis.

// A test crate: unwrap is how a failed step reports itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod health;
mod login;
mod malformed;
mod openapi;
mod register;
mod sessions;
mod tokens;
mod users;
