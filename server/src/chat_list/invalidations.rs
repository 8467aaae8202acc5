//! Chat-list cache entries that must be dropped because Redis could not be told of a change.
//!
//! Two kinds, both dropped by `update::sweep` (at start-up and every second by
//! `update::start_invalidator`, in every process):
//! - **Unmarked changes** (no in-flight mark could be taken: Redis slow or down). Their
//!   members are noted in PostgreSQL (`chat_list_stale`) *before* the change is written, so
//!   the note survives a SIGKILL of the process as the change does. A sweep drops the
//!   noted lists whenever it reaches Redis, and deletes a note only once it is older than
//!   [`SETTLE`]: every change it stood for has committed by then or never will
//!   (`db::batch::COMMIT_DEADLINE` counts from the note), so the last drop came after the
//!   last commit. Until then the lists are dropped again each second, and a rebuild that
//!   read PostgreSQL before a commit cannot stay (its `rebuilding` token is dropped too).
//!
//!   A user noted less than [`RENOTE_AFTER`] ago by this process is not noted again: a
//!   change that leans on that note commits within `COMMIT_DEADLINE` of its own start, so
//!   before the note is [`SETTLE`]d (5 + 15 < 30 s), and a Redis outage costs the writer one
//!   upsert per user every few seconds rather than one per batch.
//! - **Failed cache updates** after a commit (in memory: a crash before the note loses it;
//!   such an entry is bounded by the lists' `LIST_TTL`).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::PgConnection;
use natter_shared::{ChatId, UserId};

use crate::db::{self, DbPool};

/// A durable note is deleted once it is this old: twice the writer's commit deadline, as for
/// in-flight marks (`update::STALE_MARK`).
pub const SETTLE: Duration = Duration::from_secs(30);
/// A user noted this recently (by this process) is not noted again; see the module docs.
pub const RENOTE_AFTER: Duration = Duration::from_secs(5);
/// Past this many users remembered as noted, those noted long ago are forgotten.
const NOTED_REMEMBERED: usize = 4096;

/// Most noted users one sweep drops.
const SWEEP_LIMIT: i32 = 10_000;

/// Users whose list, and chats whose entry, must be dropped.
pub struct Invalidations {
    db: DbPool,
    users: Mutex<HashSet<UserId>>,
    chats: Mutex<HashSet<ChatId>>,
    /// When this process last noted each user in PostgreSQL.
    noted: Mutex<HashMap<UserId, Instant>>,
}

impl Invalidations {
    pub fn new(db: DbPool) -> Self {
        Self {
            db,
            users: Mutex::default(),
            chats: Mutex::default(),
            noted: Mutex::default(),
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
        let ids = self.due(users, at);
        if ids.is_empty() {
            return Some(at);
        }
        match db::chat_list_stale::note(conn, &ids) {
            Ok(()) => {
                self.noted(&ids, at);
                Some(at)
            }
            Err(e) => {
                self.not_noted(users, &e);
                None
            }
        }
    }

    /// [`Self::note_durably_on`] from async code, on a pooled connection.
    pub async fn note_durably(&self, users: &[UserId]) -> Option<Instant> {
        let at = Instant::now();
        let ids = self.due(users, at);
        if ids.is_empty() {
            return Some(at);
        }
        let noting = ids.clone();
        match db::run(&self.db, move |conn| {
            Ok(db::chat_list_stale::note(conn, &noting)?)
        })
        .await
        {
            Ok(()) => {
                self.noted(&ids, at);
                Some(at)
            }
            Err(e) => {
                self.not_noted(users, &e);
                None
            }
        }
    }

    /// The users of `users` this process has not noted in the last [`RENOTE_AFTER`].
    fn due(&self, users: &[UserId], now: Instant) -> Vec<uuid::Uuid> {
        let noted = self.noted.lock().unwrap_or_else(|p| p.into_inner());
        due(&noted, users, now)
    }

    fn noted(&self, ids: &[uuid::Uuid], at: Instant) {
        let mut noted = self.noted.lock().unwrap_or_else(|p| p.into_inner());
        if noted.len() > NOTED_REMEMBERED {
            noted.retain(|_, t| at.saturating_duration_since(*t) < RENOTE_AFTER);
        }
        for id in ids {
            noted.insert(UserId(*id), at);
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

    /// What a sweep (`update::sweep`) is to drop: noted in memory and in PostgreSQL.
    pub async fn to_sweep(&self) -> anyhow::Result<Sweep> {
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
        Ok(Sweep {
            users,
            chats,
            in_memory,
            noted,
            cutoff,
        })
    }

    /// After Redis dropped `sweep`'s entries: forgets them, and the notes that are settled.
    pub async fn swept(&self, sweep: Sweep) -> anyhow::Result<()> {
        self.done(&sweep.users[..sweep.in_memory], &sweep.chats);
        if let Some(cutoff) = sweep.cutoff {
            let noted = sweep.noted;
            db::run(&self.db, move |conn| {
                Ok(db::chat_list_stale::clear(conn, &noted, cutoff)?)
            })
            .await
            .map_err(|e| anyhow::anyhow!("clearing chat_list_stale: {e}"))?;
        }
        Ok(())
    }
}

/// The users whose lists, and the chats whose entries, a sweep drops.
pub struct Sweep {
    pub users: Vec<UserId>,
    pub chats: Vec<ChatId>,
    in_memory: usize,
    noted: Vec<uuid::Uuid>,
    cutoff: Option<chrono::DateTime<chrono::Utc>>,
}

/// See [`Invalidations::due`].
fn due(noted: &HashMap<UserId, Instant>, users: &[UserId], now: Instant) -> Vec<uuid::Uuid> {
    users
        .iter()
        .filter(|u| {
            noted
                .get(u)
                .is_none_or(|t| now.saturating_duration_since(*t) >= RENOTE_AFTER)
        })
        .map(|u| u.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_noted_recently_is_not_noted_again_until_the_renote_period_passed() {
        let t0 = Instant::now();
        let (a, b) = (UserId(uuid::Uuid::new_v4()), UserId(uuid::Uuid::new_v4()));
        let mut noted = HashMap::new();
        assert_eq!(due(&noted, &[a, b], t0), vec![a.0, b.0]);
        noted.insert(a, t0);
        assert_eq!(due(&noted, &[a, b], t0 + Duration::from_secs(1)), vec![b.0]);
        assert_eq!(due(&noted, &[a, b], t0 + RENOTE_AFTER), vec![a.0, b.0]);
    }

    #[test]
    fn a_change_leaning_on_an_earlier_note_commits_before_the_note_settles() {
        // the latest commit: noted RENOTE_AFTER ago at most, then the whole commit deadline,
        // then one sweep (every second) must still find the note
        let latest = RENOTE_AFTER + crate::db::batch::COMMIT_DEADLINE + Duration::from_secs(1);
        assert!(latest < SETTLE, "{latest:?} vs {SETTLE:?}");
    }
}
