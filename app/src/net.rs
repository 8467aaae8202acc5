//! Talking to the server: the HTTP calls and the threads that run effects.

pub mod client;
pub mod dialog;
pub mod download;
pub mod http;
pub mod notify;
pub mod socket;
pub mod timer;
pub mod tls;
pub mod transfer;
pub mod transfer_io;
pub mod upload;
pub mod wake;
pub mod worker;
pub mod ws;

pub use wake::Wake;
pub use worker::Executor;
