//! Reducer tests: one behaviour each, no window, no network, no clock.

mod auth;
mod chats;
mod connection;
mod events;
mod files;
mod gaps;
mod kept;
mod outbox;
mod page_errors;
mod presence_reads;
mod quotes;
mod screens;
mod search;
mod security;
mod session;
mod shell;
mod support;
mod two_factor;
mod window;
