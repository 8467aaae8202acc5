//! Black-box tests of the REST API: the real server, PostgreSQL and Redis.

// A test crate: unwrap is how a failed step reports itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod account;
mod around;
mod changes;
mod chats;
mod contract;
mod events;
mod files;
mod groups;
mod health;
mod invites;
mod limits;
mod links;
mod list_truth;
mod login;
mod malformed;
mod messages;
mod metrics_auth;
mod metrics_labels;
mod nul;
mod openapi;
mod overload;
mod privacy;
mod promises;
mod register;
mod requests;
mod s3;
mod scanning;
mod schema_rules;
mod search;
mod sessions;
mod tokens;
mod two_factor;
mod updates;
mod uploads;
mod users;
mod ws;
mod ws_auth;
mod ws_backpressure;
mod ws_fragments;
mod ws_frames;
mod ws_limits;
