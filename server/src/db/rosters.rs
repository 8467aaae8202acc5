//! Who a room delivers to, read from PostgreSQL in batches.
//!
//! A room reads its members when it starts and again when they change. A freshly started
//! server starts a room for every chat that gets a send in its first second — thousands at
//! once under load — and one transaction per room on a blocking thread each made that
//! first second a queue of a thousand transactions behind a pool of sixteen connections.
//! [`RosterLoader`] answers the asks that arrive while a read runs with the next read: one
//! transaction of two statements for all of them.
//!
//! Every ask is answered by a read that began after it was made, so a room that forgot its
//! members after a change never gets a roster older than the change (what the room's
//! generation check relies on).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use diesel::prelude::*;
use indexmap::IndexMap;
use natter_shared::UserId;
use natter_shared::api::ChatKind;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::names::Stored;
use super::pool::{DbPool, run};
use super::schema::{chat_members, chats, users};
use crate::error::ApiError;

/// Who a room delivers to and checks senders against, as of `version`.
#[derive(Debug, Clone)]
pub struct Roster {
    pub version: i64,
    pub kind: ChatKind,
    /// A direct chat one of whose two blocks the other: it delivers nothing.
    pub blocked: bool,
    /// A pending message request: who sent it.
    pub request_from: Option<UserId>,
    /// `(member, username, muted)`.
    pub members: Vec<(UserId, String, bool)>,
}

/// The chats' members with their usernames (for `@mentions`), each at its `members_version`;
/// a chat that does not exist is absent from the map.
pub fn rosters(conn: &mut PgConnection, chat_ids: &[Uuid]) -> QueryResult<HashMap<Uuid, Roster>> {
    conn.transaction(|conn| {
        let mut found: HashMap<Uuid, Roster> = chats::table
            .filter(chats::id.eq_any(chat_ids))
            .select((
                chats::id,
                chats::members_version,
                chats::kind,
                chats::blocked,
                chats::request_from,
            ))
            .load::<(Uuid, i64, Stored<ChatKind>, bool, Option<Uuid>)>(conn)?
            .into_iter()
            .map(|(id, version, kind, blocked, request_from)| {
                let roster = Roster {
                    version,
                    kind: kind.0,
                    blocked,
                    request_from: request_from.map(UserId),
                    members: Vec::new(),
                };
                (id, roster)
            })
            .collect();
        let members = chat_members::table
            .inner_join(users::table)
            .filter(chat_members::chat_id.eq_any(chat_ids))
            .select((
                chat_members::chat_id,
                chat_members::user_id,
                users::username,
                chat_members::muted,
            ))
            .load::<(Uuid, Uuid, String, bool)>(conn)?;
        for (chat, user, name, muted) in members {
            if let Some(roster) = found.get_mut(&chat) {
                roster.members.push((UserId(user), name, muted));
            }
        }
        Ok(found)
    })
}

/// The most chats one read asks for (one array parameter each statement).
const MAX_BATCH: usize = 1024;
/// Reads running at once: the second starts while the first waits for PostgreSQL, so a
/// single slow read does not hold every room.
const MAX_READING: usize = 2;

type Answer = Result<Option<Roster>, ApiError>;

/// Batches rooms' roster reads (see the module's text). Cheap to clone.
#[derive(Clone)]
pub struct RosterLoader {
    inner: Arc<Inner>,
}

struct Inner {
    pool: DbPool,
    queue: Mutex<Queue>,
    /// Reads made so far (each one transaction, whatever it asked for).
    reads: AtomicU64,
}

#[derive(Default)]
struct Queue {
    /// The asks no read has taken yet, by chat, in the order the chats were first asked for:
    /// a read takes the oldest, so no chat is passed over while more than a batch waits.
    waiting: IndexMap<Uuid, Vec<oneshot::Sender<Answer>>>,
    reading: usize,
}

impl RosterLoader {
    pub fn new(pool: DbPool) -> Self {
        Self {
            inner: Arc::new(Inner {
                pool,
                queue: Mutex::new(Queue::default()),
                reads: AtomicU64::new(0),
            }),
        }
    }

    /// The chat's roster as of a read that began after this call; `None`: no such chat.
    /// A pool timeout or a lost connection is a 503, as for any query.
    pub async fn load(&self, chat: Uuid) -> Answer {
        let (tx, rx) = oneshot::channel();
        let reader = {
            let mut queue = self.inner.lock();
            queue.waiting.entry(chat).or_default().push(tx);
            (queue.reading < MAX_READING).then(|| {
                queue.reading += 1;
                // the slot's guard exists from here: if the task is dropped before its
                // first poll, dropping the guard gives the slot back
                Reading {
                    inner: self.inner.clone(),
                    released: false,
                }
            })
        };
        if let Some(reader) = reader {
            tokio::spawn(reader.drain());
        }
        rx.await.map_err(|_| {
            ApiError::Unavailable(anyhow::anyhow!("the members' read ended without an answer"))
        })?
    }

    /// How many reads (transactions) answered the asks so far.
    pub fn reads(&self) -> u64 {
        self.inner.reads.load(Ordering::Relaxed)
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running reader's slot, given back under the lock when no ask waits. Dropped while
/// still held (its task dropped before or during a read), it gives the slot back, and when it
/// was the last reader answers the asks still waiting with an error rather than leaving them
/// to wait.
struct Reading {
    inner: Arc<Inner>,
    released: bool,
}

impl Reading {
    /// Reads batches, oldest chats first, until no ask waits.
    async fn drain(mut self) {
        loop {
            let batch: Vec<(Uuid, Vec<oneshot::Sender<Answer>>)> = {
                let mut queue = self.inner.lock();
                if queue.waiting.is_empty() {
                    // under the lock: an ask made after this starts a reader of its own
                    queue.reading = queue.reading.saturating_sub(1);
                    self.released = true;
                    return;
                }
                let oldest = queue.waiting.len().min(MAX_BATCH);
                queue.waiting.drain(..oldest).collect()
            };
            let ids: Vec<Uuid> = batch.iter().map(|(id, _)| *id).collect();
            self.inner.reads.fetch_add(1, Ordering::Relaxed);
            metrics::histogram!("natter_roster_read_chats").record(ids.len() as f64);
            let read = run(&self.inner.pool, move |conn| Ok(rosters(conn, &ids)?)).await;
            match read {
                Ok(mut found) => {
                    for (chat, asks) in batch {
                        let roster = found.remove(&chat);
                        for ask in asks {
                            let _ = ask.send(Ok(roster.clone()));
                        }
                    }
                }
                Err(e) => {
                    let unavailable = matches!(e, ApiError::Unavailable(_));
                    let text = format!("{e:#}");
                    for ask in batch.into_iter().flat_map(|(_, asks)| asks) {
                        let why = anyhow::anyhow!("reading the members: {text}");
                        let _ = ask.send(Err(if unavailable {
                            ApiError::Unavailable(why)
                        } else {
                            ApiError::Internal(why)
                        }));
                    }
                }
            }
        }
    }
}

impl Drop for Reading {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        let mut queue = self.inner.lock();
        queue.reading = queue.reading.saturating_sub(1);
        if queue.reading == 0 {
            // dropping the senders answers each ask with "ended without an answer"
            queue.waiting.clear();
        }
    }
}
