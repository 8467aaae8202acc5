//! The chat list (`GET /chats`): served from Redis, built from PostgreSQL when the cache is
//! cold, flushed or unreachable.
//!
//! Keys (under the deployment prefix):
//! - `cl:<user>` sorted set: chat id → last activity (µs); the list's order
//! - `cl:<user>:r` hash: chat id → the user's read cursor
//! - `cl:<user>:ok`: present while the two above hold every chat of the user
//! - `c:<chat>` hash: `meta` (JSON: kind, title, members, created), `last_seq`, `updated_us`,
//!   `last` (the newest message, JSON)
//! - `u:<user>`: the public profile (JSON), dropped when the profile changes
//!
//! Every write only moves values forward (newer activity, higher seq, later cursor), so
//! concurrent updates and rebuilds cannot make the cache go back in time. Updates that fail
//! while Redis is unreachable are remembered and the affected entries dropped once it is
//! back, so a stale entry cannot outlive the outage; `ok` markers also expire after
//! [`LIST_TTL`], bounding staleness in any case.

mod keys;
mod postgres;
mod read;
mod update;

pub(crate) use keys::partner_of;
pub use postgres::{summary, summary_for};
pub use read::{list, rebuild};
pub use update::{
    Invalidations, on_chat_created, on_message, on_profile_changed, on_read, start_invalidator,
};
