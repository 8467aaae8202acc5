//! The message writer: group commit for every send of this process.
//!
//! Sends from all rooms queue here; one thread takes everything waiting (up to
//! [`MAX_BATCH`]) and persists it in one transaction. That transaction locks each chat row it
//! touches (in id order, so writers of several processes never deadlock), advances the chat's
//! `last_seq` and `last_event_seq`, and inserts the messages with consecutive seqs and their
//! `message_created` events with consecutive event seqs: both are gap-free and follow commit
//! order. A `request_id` seen before returns the original message and consumes no seq.
//! When a batch fails as a whole, its sends are retried one by one so only the culprit fails.

use std::collections::BTreeSet;
use std::sync::{Arc, mpsc};
use std::time::Instant;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use tokio::sync::oneshot;
use uuid::Uuid;

use natter_shared::UserId;

use super::DbPool;
use super::batch::{self, Item, ItemResult, Persisted, SendRejected};
use crate::chat_list::marks::{Mark, Marker};

/// Most sends persisted in one transaction.
pub const MAX_BATCH: usize = 512;
/// Sends waiting beyond this are refused (503) rather than queued without bound.
pub const QUEUE_CAPACITY: usize = 50_000;

/// A validated send from a member (the room checked membership).
#[derive(Debug)]
pub struct SendCommand {
    pub chat_id: Uuid,
    pub sender_id: Uuid,
    pub request_id: Uuid,
    pub text: String,
    pub reply_to: Option<Uuid>,
    /// A forwarded copy: the original's sender and time.
    pub forwarded: Option<(Uuid, DateTime<Utc>)>,
    /// Members mentioned with `@username` (the room resolved them).
    pub mentions: Vec<Uuid>,
    /// Files to carry.
    pub attachments: Vec<Uuid>,
    /// The chat's members: their lists are marked in flight while the batch is written.
    pub members: Arc<[UserId]>,
    /// The chat's `members_version` the room read `members` at: when the chat's has moved
    /// since, the sender's membership is checked again in the transaction.
    pub members_version: i64,
    pub reply: oneshot::Sender<Result<Written, SendRejected>>,
}

/// A send's answer: what was stored, the batch's in-flight mark (to be dropped once the
/// chat-list cache has the message), and the chat's `members_version` at the commit (the
/// room reloads its members when it differs from the one it sent).
#[derive(Debug)]
pub struct Written {
    pub persisted: Persisted,
    pub mark: Arc<Mark>,
    pub members_version: i64,
}
/// The handle rooms submit sends through.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::SyncSender<SendCommand>,
}

impl Writer {
    /// Starts the writer thread; it ends when every handle is dropped.
    pub fn start(pool: DbPool, marker: Marker) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::sync_channel(QUEUE_CAPACITY);
        std::thread::Builder::new()
            .name("natter-writer".into())
            .spawn(move || run(&pool, &marker, &rx))?;
        Ok(Self { tx })
    }

    /// Queues a send; the answer arrives on the command's `reply`.
    pub fn submit(&self, cmd: SendCommand) {
        if let Err(e) = self.tx.try_send(cmd) {
            let cmd = match e {
                mpsc::TrySendError::Full(c) => c,
                mpsc::TrySendError::Disconnected(c) => c,
            };
            let _ = cmd.reply.send(Err(SendRejected::Overloaded));
        }
    }
}

fn run(pool: &DbPool, marker: &Marker, rx: &mpsc::Receiver<SendCommand>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(cmd) => batch.push(cmd),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        let size = batch.len();
        persist_batch(pool, marker, batch);
        metrics::histogram!("natter_writer_batch_seconds").record(started.elapsed().as_secs_f64());
        metrics::histogram!("natter_writer_batch_size").record(size as f64);
    }
}

fn persist_batch(pool: &DbPool, marker: &Marker, batch: Vec<SendCommand>) {
    let mut conn = match pool.get() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "writer: no database connection");
            for cmd in batch {
                let _ = cmd.reply.send(Err(SendRejected::Unavailable));
            }
            return;
        }
    };
    let members: BTreeSet<UserId> = batch
        .iter()
        .flat_map(|c| c.members.iter().copied())
        .collect();
    let marking = Instant::now();
    let mark = Arc::new(marker.mark_blocking(members.into_iter().collect()));
    metrics::histogram!("natter_writer_mark_seconds").record(marking.elapsed().as_secs_f64());
    let marked_at = mark.marked_at();
    let items: Vec<Item<'_>> = batch.iter().map(|c| item_of(c, marked_at)).collect();
    match transact(&mut conn, &items) {
        Ok(results) => reply_all(batch, results, &mark),
        Err(e) if batch.len() == 1 => {
            tracing::error!(error = %e, "writer: send failed");
            reply_all(batch, vec![Err(classify(&e))], &mark);
        }
        Err(e) => {
            tracing::warn!(error = %e, size = batch.len(), "writer: batch failed; retrying one by one");
            for cmd in batch {
                let item = [item_of(&cmd, marked_at)];
                let result = transact(&mut conn, &item)
                    .map_err(|e| {
                        tracing::error!(error = %e, "writer: send failed");
                        classify(&e)
                    })
                    .and_then(|mut r| r.pop().unwrap_or(Err(SendRejected::Unavailable)))
                    .map(|(persisted, members_version)| Written {
                        persisted,
                        mark: mark.clone(),
                        members_version,
                    });
                let _ = cmd.reply.send(result);
            }
        }
    }
}

/// One transaction of `write`, tried again when it broke a unique index: another process
/// committed the same request id after this one looked (both sent the same resend), and the
/// next try finds the stored message and answers with it.
fn transact(conn: &mut PgConnection, items: &[Item<'_>]) -> QueryResult<Vec<ItemResult>> {
    use diesel::result::{DatabaseErrorKind, Error};
    let mut tries = 0;
    loop {
        match conn.transaction(|conn| batch::write(conn, items)) {
            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) if tries < 2 => {
                tries += 1;
                metrics::counter!("natter_writer_retries_total").increment(1);
            }
            other => return other,
        }
    }
}

fn classify(e: &diesel::result::Error) -> SendRejected {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            SendRejected::RequestIdReused
        }
        // refuse_to_commit_late: the send waited too long
        Error::RollbackTransaction => SendRejected::Overloaded,
        _ => SendRejected::Unavailable,
    }
}

fn reply_all(batch: Vec<SendCommand>, results: Vec<ItemResult>, mark: &Arc<Mark>) {
    for (cmd, result) in batch.into_iter().zip(results) {
        // the asker may have gone (connection closed): its message is stored all the same
        let _ = cmd
            .reply
            .send(result.map(|(persisted, members_version)| Written {
                persisted,
                mark: mark.clone(),
                members_version,
            }));
    }
}

/// The part of `c` the transaction needs.
fn item_of(c: &SendCommand, marked_at: Option<Instant>) -> Item<'_> {
    Item {
        chat_id: c.chat_id,
        sender_id: c.sender_id,
        request_id: c.request_id,
        text: &c.text,
        reply_to: c.reply_to,
        forwarded: c.forwarded,
        mentions: &c.mentions,
        attachments: &c.attachments,
        members_version: c.members_version,
        marked_at,
    }
}
