//! The chat list (`GET /chats`): served from Redis, built from PostgreSQL when the cache is
//! cold, flushed or unreachable. The keys are listed (and only built) in `keys`.
//!
//! Every write only moves values forward (newer activity, higher seq, later cursor), so
//! concurrent updates and rebuilds cannot make the cache go back in time. Changes made while
//! Redis is unreachable are noted in PostgreSQL (updates that fail after a commit in memory)
//! and the affected entries dropped once it is back, so a stale entry cannot outlive the
//! outage, nor a crash during it; `ok` markers also expire after
//! `LIST_TTL`, bounding staleness in any case.

mod coalesce;
pub mod invalidations;
mod keys;
pub mod marks;
mod members;
mod postgres;
mod read;
mod update;

pub use invalidations::Invalidations;
pub(crate) use keys::partner_of;
pub use members::on_members_changed;
pub use postgres::{partner_shown_to, shown_to, summary, summary_for};
pub use read::{list, rebuild};
pub use update::{
    STALE_MARK, on_change, on_chat_created, on_message, on_profile_changed, on_read,
    start_invalidator, start_message_updater, sweep,
};
