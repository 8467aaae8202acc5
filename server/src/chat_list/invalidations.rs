//! Chat-list cache entries that must be dropped because Redis could not be told of a change.
//!
//! Two kinds, both dropped by [`Invalidations::sweep`] (at start-up and every second by
//! `update::start_invalidator`, in every process):
//! - **Unmarked changes** (no in-flight mark could be taken: Redis slow or down). Their
//!   members are noted in PostgreSQL (`chat_list_stale`) *before* the change is written, so
//!   the note survives a SIGKILL of the process as the change does. A sweep drops the
//!   noted lists whenever it reaches Redis, and deletes a note only once it is older than
//!   [`SETTLE`]: every change it stood for has committed by then or never will
//!   (`db::batch::COMMIT_DEADLINE` counts from the note), so the last drop came after the
//!   last commit. Until then the lists are dropped again each second, and a rebuild that
//!   read PostgreSQL before a commit cannot stay (its `rebuilding` token is dropped too).
//! - **Failed cache updates** after a commit (in memory: a crash before the note loses it;
//!   such an entry is bounded by the lists' `LIST_TTL`).

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::PgConnection;
use natter_shared::{ChatId, UserId};

use super::keys;
use crate::cache::Redis;
use crate::db::{self, DbPool};

/// A durable note is deleted once it is this old: twice the writer's commit deadline, as for
/// in-flight marks (`update::STALE_MARK`).
pub const SETTLE: Duration = Duration::from_secs(30);
/// Most noted users one sweep drops.
const SWEEP_LIMIT: i32 = 10_000;

/// Users whose list, and chats whose entry, must be dropped.
pub struct Invalidations {
    db: DbPool,
    users: Mutex<HashSet<UserId>>,
    chats: Mutex<HashSet<ChatId>>,
}

impl Invalidations {
    pub fn new(db: DbPool) -> Self {
        Self {
            db,
            users: Mutex::default(),
            chats: Mutex::default(),
        }
    }

    /// Remembers entries to drop (in memory: for updates that failed after a commit).
    pub fn note(&self, users: &[UserId], chat: Option<ChatId>) {
        self.users
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(users.iter().copied());
        if let Some(c) = chat {
            self.chats
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(c);
        }
    }

    /// Before an unmarked change is written: notes its members in PostgreSQL on `conn` (the
    /// writer's). The answer is the time to count the commit deadline from; `None` when
    /// PostgreSQL did not take the note either (then it is kept in memory, as before).
    pub fn note_durably_on(&self, conn: &mut PgConnection, users: &[UserId]) -> Option<Instant> {
        let at = Instant::now();
        let ids: Vec<uuid::Uuid> = users.iter().map(|u| u.0).collect();
        match db::chat_list_stale::note(conn, &ids) {
            Ok(()) => Some(at),
            Err(e) => {
                self.not_noted(users, &e);
                None
            }
        }
    }

    /// [`Self::note_durably_on`] from async code, on a pooled connection.
    pub async fn note_durably(&self, users: &[UserId]) -> Option<Instant> {
        let at = Instant::now();
        let ids: Vec<uuid::Uuid> = users.iter().map(|u| u.0).collect();
        match db::run(&self.db, move |conn| {
            Ok(db::chat_list_stale::note(conn, &ids)?)
        })
        .await
        {
            Ok(()) => Some(at),
            Err(e) => {
                self.not_noted(users, &e);
                None
            }
        }
    }

    fn not_noted(&self, users: &[UserId], e: &dyn std::fmt::Display) {
        metrics::counter!("natter_chat_list_stale_errors_total").increment(1);
        tracing::warn!(error = %e, "cannot note unmarked chat lists in PostgreSQL");
        self.note(users, None);
    }

    /// What is waiting in memory to be dropped.
    fn pending(&self) -> (Vec<UserId>, Vec<ChatId>) {
        let users = self
            .users
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        let chats = self
            .chats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        (users, chats)
    }

    /// Forgets entries that have been dropped.
    fn done(&self, users: &[UserId], chats: &[ChatId]) {
        let mut pending = self.users.lock().unwrap_or_else(|p| p.into_inner());
        for u in users {
            pending.remove(u);
        }
        drop(pending);
        let mut pending = self.chats.lock().unwrap_or_else(|p| p.into_inner());
        for c in chats {
            pending.remove(c);
        }
    }

    /// Drops what is noted, in memory and in PostgreSQL (see the module docs): the lists
    /// marked complete, the rebuilds under way and the chats' entries, in one pipeline.
    /// Answers how many users' lists were dropped.
    pub async fn sweep(&self, redis: &Redis) -> anyhow::Result<usize> {
        let (mut users, chats) = self.pending();
        let in_memory = users.len();
        let (noted, cutoff) = db::run(&self.db, |conn| {
            Ok(db::chat_list_stale::pending(
                conn,
                SWEEP_LIMIT,
                SETTLE.as_secs_f64(),
            )?)
        })
        .await
        .map_err(|e| anyhow::anyhow!("reading chat_list_stale: {e}"))?;
        users.extend(noted.iter().copied().map(UserId));
        if users.is_empty() && chats.is_empty() {
            return Ok(0);
        }
        let mut pipe = redis::pipe();
        for u in &users {
            pipe.del(keys::complete(redis, *u)).ignore();
            pipe.del(keys::rebuilding(redis, *u)).ignore();
        }
        for c in &chats {
            pipe.del(keys::chat(redis, *c)).ignore();
        }
        let mut conn = redis.conn();
        pipe.query_async::<()>(&mut conn).await?;
        self.done(&users[..in_memory], &chats);
        if let Some(cutoff) = cutoff {
            db::run(&self.db, move |conn| {
                Ok(db::chat_list_stale::clear(conn, &noted, cutoff)?)
            })
            .await
            .map_err(|e| anyhow::anyhow!("clearing chat_list_stale: {e}"))?;
        }
        Ok(users.len())
    }
}
