//! `AppState`: the shared server context every handler, actor and background task works
//! with. It sits below everything that uses it: this file names only the building blocks
//! (settings, pool, Redis, keys, the registry, the bus, the writer), none of the code that
//! uses them.

use std::sync::Arc;

use crate::auth::tokens::JwtKeys;
use crate::cache::Redis;
use crate::chat_list::invalidations::Invalidations;
use crate::config::Settings;
use crate::db::DbPool;
use crate::db::rosters::RosterLoader;
use crate::db::writer::Writer;
use crate::files::storage::Storage;
use crate::local_limits::LocalCounters;
use crate::realtime::bus::Bus;
use crate::realtime::registry::Registry;

/// Shared by every request handler (as `web::Data<AppState>`).
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: DbPool,
    pub redis: Redis,
    pub jwt: JwtKeys,
    /// A hash to verify against when a username does not exist, so a failed login takes
    /// as long for unknown users as for wrong passwords (no username probing by timing).
    pub dummy_password_hash: String,
    /// This process's connections and rooms.
    pub registry: Arc<Registry>,
    /// Events to and from the other server processes.
    pub bus: Bus,
    /// Group commit of message sends.
    pub writer: Writer,
    /// Rooms' member lists, read in batches.
    pub rosters: RosterLoader,
    /// Chat-list cache entries to drop once Redis answers again.
    pub invalidations: Arc<Invalidations>,
    /// Chat-list cache updates of stored messages, batched off the send path.
    pub message_updates: crate::chat_list::marks::MessageUpdates,
    /// Where finished files are kept.
    pub storage: Storage,
    /// Rate-limit counters of this process, used while Redis does not answer.
    pub local_limits: LocalCounters,
    /// The per-user message counts of this process (see `local_limits::MessageLimiter`).
    pub message_limiter: crate::local_limits::MessageLimiter,
}
