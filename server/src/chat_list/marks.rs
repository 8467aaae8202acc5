//! In-flight marks: while a change of a chat is between its commit and its chat-list cache
//! update, each member's `cl:<user>:busy` holds a token, and readers of those lists go to
//! PostgreSQL (see `chat_list::update` for why this is correct at every crash point).
//!
//! A [`Mark`] is made before the change is written and removed when the last holder drops it
//! — after the cache update — unless an update failed ([`Mark::keep`]): then it stays and goes
//! stale, and a reader repairs the list. Sends are marked by the writer, one mark per batch
//! on its own connection ([`Marker`]); other changes by their room ([`mark`]).
//!
//! When Redis does not take a mark in time, the change goes ahead unmarked (no send waits
//! for Redis) and its members are noted in PostgreSQL first (`Invalidations`), which
//! survives a crash; a mark's time is then the note's.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use diesel::PgConnection;
use natter_shared::UserId;
use natter_shared::api::Message;

use super::invalidations::Invalidations;
use crate::cache::Redis;

/// How long the writer (or a room) waits for Redis to take a mark before writing without
/// one. Short: a mark is one pipelined round trip, and a send must not wait for a slow Redis.
const MARK_TIMEOUT: Duration = Duration::from_millis(50);
/// After a mark failed, changes go unmarked (their lists noted for dropping) for this long
/// before Redis is tried again: a slow or stopped Redis costs one timeout per pause,
/// not one per batch.
const MARK_PAUSE: Duration = Duration::from_secs(1);

/// Whether marks are paused after a failure (shared by the writer and the rooms).
#[derive(Debug, Default)]
pub struct MarkPause(Mutex<Option<Instant>>);

impl MarkPause {
    fn paused(&self) -> bool {
        let until = self.0.lock().unwrap_or_else(|p| p.into_inner());
        until.is_some_and(|u| Instant::now() < u)
    }

    fn failed(&self) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + MARK_PAUSE);
    }
}

/// Marks are paused process-wide after a failure (see [`MARK_PAUSE`]).
static PAUSE: MarkPause = MarkPause(Mutex::new(None));

/// `cl:<user>:busy`: the tokens of changes in flight on the user's chats, scored by when
/// they were made (ms since the epoch).
pub fn busy(redis: &Redis, user: UserId) -> String {
    redis.key(&format!("cl:{user}:busy"))
}

/// Milliseconds since the epoch: marks are compared across processes.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// How long the busy sets live untouched (a safety net; marks are removed one by one).
const BUSY_TTL_MS: i64 = 20 * 60 * 1000;

/// Adds the token ARGV[1], scored ARGV[2], to every busy set in KEYS, each to live ARGV[3]
/// ms more: a mark of any number of users is one command (by its SHA1; `redis::Script`
/// loads it again when Redis answers `NOSCRIPT`).
static MARK: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[2], ARGV[1])
  redis.call('PEXPIRE', key, ARGV[3])
end
return 1
",
    )
});

/// Removes the token ARGV[1] from every busy set in KEYS.
static UNMARK: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        r"
for _, key in ipairs(KEYS) do redis.call('ZREM', key, ARGV[1]) end
return 1
",
    )
});

/// A change in flight on the lists of `users`.
pub struct Mark {
    token: String,
    users: Vec<UserId>,
    at: Option<Instant>,
    /// Whether Redis holds the token (else the change is unmarked: nothing to remove).
    in_redis: bool,
    keep: AtomicBool,
    redis: Redis,
    runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for Mark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mark")
            .field("token", &self.token)
            .field("users", &self.users.len())
            .field("at", &self.at)
            .field("in_redis", &self.in_redis)
            .finish()
    }
}

impl Mark {
    /// When Redis took the mark, or, when it could not, when the members were noted in
    /// PostgreSQL (the lists are dropped once Redis answers: see `Invalidations`); the
    /// change must not commit `COMMIT_DEADLINE` after it. `None` when neither took it.
    pub fn marked_at(&self) -> Option<Instant> {
        self.at
    }

    /// A cache update failed: the mark stays (readers go to PostgreSQL, then repair).
    pub fn keep(&self) {
        self.keep.store(true, Ordering::Relaxed);
    }

    /// The one command that marks `users` with `token`.
    fn add(redis: &Redis, users: &[UserId], token: &str) -> redis::ScriptInvocation<'static> {
        let mut add = MARK.prepare_invoke();
        for u in users {
            add.key(busy(redis, *u));
        }
        add.arg(token).arg(now_ms()).arg(BUSY_TTL_MS);
        add
    }
}

impl Drop for Mark {
    fn drop(&mut self) {
        if !self.in_redis || self.keep.load(Ordering::Relaxed) || self.users.is_empty() {
            return;
        }
        let mut remove = UNMARK.prepare_invoke();
        for u in &self.users {
            remove.key(busy(&self.redis, *u));
        }
        remove.arg(&self.token);
        let mut conn = self.redis.conn();
        self.runtime.spawn(async move {
            if let Err(e) = remove.invoke_async::<()>(&mut conn).await {
                // the mark goes stale and a reader clears it; lists read PostgreSQL meanwhile
                metrics::counter!("natter_redis_errors_total", "op" => "chat_list unmark")
                    .increment(1);
                tracing::debug!(error = %e, "cannot remove an in-flight mark");
            }
        });
    }
}

fn token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Marks a change by the members `users` from async code (a room), on the shared connection.
pub async fn mark(redis: &Redis, invalidations: &Invalidations, users: &[UserId]) -> Mark {
    let token = token();
    let add = Mark::add(redis, users, &token);
    let mut conn = redis.conn();
    let failure = if PAUSE.paused() {
        Some("marks paused after a Redis failure".to_owned())
    } else if users.is_empty() {
        None
    } else {
        match actix_web::rt::time::timeout(MARK_TIMEOUT, add.invoke_async::<()>(&mut conn)).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => {
                PAUSE.failed();
                Some(e.to_string())
            }
            Err(_) => {
                PAUSE.failed();
                Some("timed out".to_owned())
            }
        }
    };
    let (at, in_redis) = match failure {
        None => (Some(Instant::now()), true),
        Some(e) => {
            unmarked(users, &e);
            (invalidations.note_durably(users).await, false)
        }
    };
    Mark {
        token,
        users: users.to_vec(),
        at,
        in_redis,
        keep: AtomicBool::new(false),
        redis: redis.clone(),
        runtime: tokio::runtime::Handle::current(),
    }
}

fn unmarked(users: &[UserId], e: &dyn std::fmt::Display) {
    metrics::counter!("natter_redis_errors_total", "op" => "chat_list mark").increment(1);
    tracing::debug!(
        error = %e,
        users = users.len(),
        "cannot mark a change in flight; its lists are noted for dropping"
    );
}

/// The writer's marker: a blocking connection of its own, so marking a batch is one round
/// trip that never queues behind the rest of the server's Redis traffic.
pub struct Marker {
    redis: Redis,
    invalidations: Arc<Invalidations>,
    conn: Mutex<Option<redis::Connection>>,
    runtime: tokio::runtime::Handle,
}

impl Marker {
    /// Must be made inside the server's runtime (marks are removed on it).
    pub fn new(redis: Redis, invalidations: Arc<Invalidations>) -> Self {
        Self {
            redis,
            invalidations,
            conn: Mutex::new(None),
            runtime: tokio::runtime::Handle::current(),
        }
    }

    /// Marks a batch by `users` (blocking, at most about [`MARK_TIMEOUT`]); when Redis does
    /// not take it, notes them on `db` (the writer's connection, one statement) instead.
    pub fn mark_blocking(&self, db: &mut PgConnection, users: Vec<UserId>) -> Mark {
        let token = token();
        let add = Mark::add(&self.redis, &users, &token);
        let mut slot = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let marked = if PAUSE.paused() {
            unmarked(&users, &"marks paused after a Redis failure");
            false
        } else if users.is_empty() {
            true
        } else {
            let result = match slot.as_mut() {
                Some(conn) => add.invoke::<()>(conn),
                None => self.connect().and_then(|mut conn| {
                    let r = add.invoke::<()>(&mut conn);
                    *slot = Some(conn);
                    r
                }),
            };
            match result {
                Ok(()) => true,
                Err(e) => {
                    // a broken connection is made again next time; marks pause for a while
                    PAUSE.failed();
                    *slot = None;
                    unmarked(&users, &e);
                    false
                }
            }
        };
        drop(slot);
        let at = if marked {
            Some(Instant::now())
        } else {
            self.invalidations.note_durably_on(db, &users)
        };
        Mark {
            token,
            users,
            at,
            in_redis: marked,
            keep: AtomicBool::new(false),
            redis: self.redis.clone(),
            runtime: self.runtime.clone(),
        }
    }

    fn connect(&self) -> redis::RedisResult<redis::Connection> {
        let conn = self
            .redis
            .client()
            .get_connection_with_timeout(MARK_TIMEOUT)?;
        conn.set_read_timeout(Some(MARK_TIMEOUT))?;
        conn.set_write_timeout(Some(MARK_TIMEOUT))?;
        Ok(conn)
    }
}

/// A stored message's cache update, waiting for the updater (`update::start_message_updater`).
pub struct MessageUpdate {
    pub members: Arc<[UserId]>,
    pub message: Message,
    pub event_seq: i64,
    /// Dropped (the in-flight mark removed) once the update is in Redis.
    pub mark: Arc<Mark>,
}

/// Updates for stored messages, sent to Redis by one task, everything waiting in one
/// pipeline: no send waits for Redis, and a busy second costs a round trip per batch instead
/// of one per message. Updates beyond [`UPDATES_WAITING`] are not queued: their marks are
/// kept (readers go to PostgreSQL and repair the lists), as for a failed update.
#[derive(Clone)]
pub struct MessageUpdates {
    tx: tokio::sync::mpsc::Sender<MessageUpdate>,
}

/// Most updates waiting for Redis.
const UPDATES_WAITING: usize = 65_536;

impl MessageUpdates {
    /// The handle, and the queue the updater reads.
    pub fn channel() -> (Self, tokio::sync::mpsc::Receiver<MessageUpdate>) {
        let (tx, rx) = tokio::sync::mpsc::channel(UPDATES_WAITING);
        (Self { tx }, rx)
    }

    /// After a message was stored (or found stored before, which repairs an entry a crash
    /// left behind): queues the chat's activity and every member's list order; the mark goes
    /// once they are in Redis.
    pub fn message(
        &self,
        members: Arc<[UserId]>,
        message: Message,
        event_seq: i64,
        mark: Arc<Mark>,
    ) {
        if let Err(e) = self.tx.try_send(MessageUpdate {
            members,
            message,
            event_seq,
            mark,
        }) {
            let u = e.into_inner();
            u.mark.keep();
            metrics::counter!("natter_redis_errors_total", "op" => "chat_list queue full")
                .increment(1);
        }
    }
}
