//! The message writer: group commit for every send of this process.
//!
//! Sends from all rooms queue here; one thread takes everything waiting (up to
//! [`MAX_BATCH`]) and persists it in one transaction. That transaction locks each chat row it
//! touches (in id order, so writers of several processes never deadlock), advances the chat's
//! `last_seq` and `last_event_seq`, and inserts the messages with consecutive seqs and their
//! `message_created` events with consecutive event seqs: both are gap-free and follow commit
//! order. A `request_id` seen before returns the original message and consumes no seq,
//! also when another process stored the same resend at the same moment: the insert that
//! broke the unique index is tried again, and a send that still breaks it alone reads the
//! stored message and answers with it.
//! When a batch fails as a whole, it is split in two and each half written on its own,
//! again and again (bisection): a bad send costs about 2·log2(batch) transactions instead of
//! one per send, and only the culprit fails. A failure no split can help (the connection
//! broke, the commit deadline passed) answers the whole batch at once.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};
use tokio::sync::oneshot;
use uuid::Uuid;

use natter_shared::UserId;

use super::DbPool;
use super::admission::{Admission, Pass, Ticket};
use super::batch::{self, Item, ItemResult, Persisted, SendRejected};
use crate::chat_list::marks::{Mark, Marker};

/// Most sends persisted in one transaction.
pub const MAX_BATCH: usize = 512;
/// A last resort: sends are refused by time first (`admission`); past this many waiting,
/// whatever the estimate, a send is refused at once.
pub const QUEUE_CAPACITY: usize = 50_000;
/// `NATTER_SEND_ADMIT_MS`'s default, for writers started without settings (tests).
pub const DEFAULT_ADMIT: Duration = Duration::from_millis(1000);

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
/// A send in the queue: when it came, and whether its asker still waits for it.
struct Queued {
    cmd: SendCommand,
    at: Instant,
    ticket: Arc<Ticket>,
}

/// The handle rooms submit sends through.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::SyncSender<Queued>,
    transactions: Arc<AtomicU64>,
    admission: Arc<Admission>,
}

impl Writer {
    /// Starts the writer thread with the default admission budget; it ends when every handle
    /// is dropped.
    pub fn start(pool: DbPool, marker: Marker) -> std::io::Result<Self> {
        Self::start_with(pool, marker, DEFAULT_ADMIT)
    }

    /// Starts the writer thread; a send that cannot be written within `admit` is refused
    /// with `Overloaded` (see `admission`).
    pub fn start_with(pool: DbPool, marker: Marker, admit: Duration) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::sync_channel(QUEUE_CAPACITY);
        let transactions = Arc::new(AtomicU64::new(0));
        let counter = transactions.clone();
        let admission = Arc::new(Admission::new(admit));
        let measured = admission.clone();
        std::thread::Builder::new()
            .name("natter-writer".into())
            .spawn(move || run(&pool, &marker, &rx, &counter, &measured))?;
        Ok(Self {
            tx,
            transactions,
            admission,
        })
    }

    /// What the writer measured: whether a send or change arriving now may wait its turn.
    pub fn admission(&self) -> &Arc<Admission> {
        &self.admission
    }

    /// Transactions the writer has begun since it started (committed or not).
    pub fn transactions(&self) -> u64 {
        self.transactions.load(Ordering::Relaxed)
    }

    /// Queues a send; the answer arrives on the command's `reply` (`Overloaded` at once when
    /// it would wait past the queue's target, a quarter of the admission budget).
    pub fn submit(&self, cmd: SendCommand) {
        self.enqueue(cmd, self.admission.budget(), None);
    }

    /// Queues a send with `left` of its budget left, unless its estimated wait is past that
    /// or the queue's target (`Admission::admits_within`). The send's `pass`, if it had one,
    /// ends here: queued, it counts in the queue instead.
    fn enqueue(&self, cmd: SendCommand, left: Duration, pass: Option<Pass>) -> Option<Arc<Ticket>> {
        if !self.admission.admits_within(left) {
            refused("admission");
            let _ = cmd.reply.send(Err(SendRejected::Overloaded));
            return None;
        }
        let ticket = Arc::new(Ticket::default());
        let queued = Queued {
            cmd,
            at: Instant::now(),
            ticket: ticket.clone(),
        };
        self.admission.queued();
        drop(pass);
        match self.tx.try_send(queued) {
            Ok(()) => Some(ticket),
            Err(e) => {
                self.admission.dequeued();
                let q = match e {
                    mpsc::TrySendError::Full(q) => {
                        refused("full");
                        q
                    }
                    mpsc::TrySendError::Disconnected(q) => q,
                };
                let _ = q.cmd.reply.send(Err(SendRejected::Overloaded));
                None
            }
        }
    }

    /// Queues a send (whose `reply` is `answer`'s sender) and waits for its answer, at most
    /// `within` (what is left of the admission budget) unless the writer has taken it: a send still queued then
    /// is withdrawn and refused with `Overloaded` (it will never be written).
    pub async fn persist(
        &self,
        cmd: SendCommand,
        mut answer: oneshot::Receiver<Result<Written, SendRejected>>,
        within: Duration,
        pass: Option<Pass>,
    ) -> Result<Written, SendRejected> {
        let stopped = || SendRejected::Unavailable;
        let Some(ticket) = self.enqueue(cmd, within, pass) else {
            return answer.await.unwrap_or_else(|_| Err(stopped()));
        };
        match actix_web::rt::time::timeout(within, &mut answer).await {
            Ok(result) => result.unwrap_or_else(|_| Err(stopped())),
            Err(_) if ticket.abandon() => {
                refused("timeout");
                Err(SendRejected::Overloaded)
            }
            // being written: its answer comes with its batch's
            Err(_) => answer.await.unwrap_or_else(|_| Err(stopped())),
        }
    }
}

/// Counts a send refused for time (`why`: admission estimate, waited past the budget in the
/// queue, withdrawn by its asker, queue full).
fn refused(why: &'static str) {
    metrics::counter!("natter_writer_refused_total", "why" => why).increment(1);
}

fn run(
    pool: &DbPool,
    marker: &Marker,
    rx: &mpsc::Receiver<Queued>,
    count: &AtomicU64,
    admission: &Admission,
) {
    let budget = admission.budget();
    // a send is taken when its asker still waits and it has not waited past the budget
    let take = |q: Queued, batch: &mut Vec<SendCommand>| {
        admission.dequeued();
        if !q.ticket.take() {
            return;
        }
        if q.at.elapsed() > budget {
            refused("expired");
            let _ = q.cmd.reply.send(Err(SendRejected::Overloaded));
            return;
        }
        batch.push(q.cmd);
    };
    while let Ok(first) = rx.recv() {
        let mut batch = Vec::new();
        take(first, &mut batch);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(q) => take(q, &mut batch),
                Err(_) => break,
            }
        }
        if batch.is_empty() {
            continue;
        }
        let started = Instant::now();
        let size = batch.len();
        admission.batch_began();
        persist_batch(pool, marker, batch, count);
        let took = started.elapsed();
        admission.batch_ended(size, took);
        metrics::histogram!("natter_writer_batch_seconds").record(took.as_secs_f64());
        metrics::histogram!("natter_writer_batch_size").record(size as f64);
    }
}

fn persist_batch(pool: &DbPool, marker: &Marker, batch: Vec<SendCommand>, count: &AtomicU64) {
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
    let mark = Arc::new(marker.mark_blocking(&mut conn, members.into_iter().collect()));
    metrics::histogram!("natter_writer_mark_seconds").record(marking.elapsed().as_secs_f64());
    let marked_at = mark.marked_at();
    let items: Vec<Item<'_>> = batch.iter().map(|c| item_of(c, marked_at)).collect();
    let results = write_bisecting(&items, &mut |part| {
        count.fetch_add(1, Ordering::Relaxed);
        match transact(&mut conn, part) {
            // one send whose request id another process stored meanwhile: its message
            Err(e @ Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
                if part.len() == 1 =>
            {
                match batch::answer_stored(&mut conn, &part[0]) {
                    Ok(Some(answer)) => Ok(vec![answer]),
                    Ok(None) => Err(e),
                    Err(read) => Err(read),
                }
            }
            other => other,
        }
    });
    reply_all(batch, results, &mark);
}

/// Writes `items` with `write` (one transaction per call); a part that fails is split in two
/// halves written on their own, down to the one send that fails alone.
fn write_bisecting<T>(
    items: &[T],
    write: &mut impl FnMut(&[T]) -> QueryResult<Vec<ItemResult>>,
) -> Vec<ItemResult> {
    match write(items) {
        Ok(results) => results,
        Err(e) if items.len() == 1 || !splitting_may_help(&e) => {
            tracing::error!(error = %e, size = items.len(), "writer: send failed");
            let rejected = classify(&e);
            items.iter().map(|_| Err(rejected)).collect()
        }
        Err(e) => {
            tracing::warn!(error = %e, size = items.len(), "writer: batch failed; splitting it");
            metrics::counter!("natter_writer_splits_total").increment(1);
            let (first, second) = items.split_at(items.len() / 2);
            let mut results = write_bisecting(first, write);
            results.extend(write_bisecting(second, write));
            results
        }
    }
}

/// Whether a failed batch may succeed in parts: a statement refused for one send's data
/// may; a broken connection or a missed commit deadline fails every part alike.
fn splitting_may_help(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(e, Error::DatabaseError(kind, _) if !matches!(kind, DatabaseErrorKind::ClosedConnection))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails any part holding a poisoned send, counting its transactions.
    fn bisect(len: usize, poisoned: &[usize]) -> (Vec<ItemResult>, usize) {
        let items: Vec<usize> = (0..len).collect();
        let mut transactions = 0;
        let results = write_bisecting(&items, &mut |part: &[usize]| {
            transactions += 1;
            if part.iter().any(|i| poisoned.contains(i)) {
                return Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::Unknown,
                    Box::new("invalid byte sequence".to_owned()),
                ));
            }
            Ok(part
                .iter()
                .map(|_| Err(SendRejected::ReplyNotFound))
                .collect())
        });
        (results, transactions)
    }

    #[test]
    fn one_bad_send_costs_a_logarithm_of_the_batch_not_a_transaction_per_send() {
        let (results, transactions) = bisect(512, &[300]);
        assert_eq!(results.len(), 512);
        for (i, r) in results.iter().enumerate() {
            let expected = if i == 300 {
                SendRejected::Unavailable
            } else {
                SendRejected::ReplyNotFound
            };
            assert_eq!(r.as_ref().err(), Some(&expected), "send {i}");
        }
        // the whole batch, then two halves at each of the nine levels down to one send
        assert_eq!(transactions, 1 + 2 * 9);
    }

    #[test]
    fn every_bad_send_fails_alone_and_answers_stay_in_order() {
        let (results, _) = bisect(7, &[0, 6]);
        let failed: Vec<usize> = (0..7)
            .filter(|i| results[*i].as_ref().err() == Some(&SendRejected::Unavailable))
            .collect();
        assert_eq!(failed, vec![0, 6]);
    }

    #[test]
    fn a_broken_connection_answers_the_batch_without_splitting() {
        let items = [1, 2, 3, 4];
        let mut transactions = 0;
        let results = write_bisecting(&items, &mut |_: &[i32]| {
            transactions += 1;
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                Box::new("closed".to_owned()),
            ))
        });
        assert_eq!(transactions, 1);
        assert!(
            results
                .iter()
                .all(|r| r.as_ref().err() == Some(&SendRejected::Unavailable))
        );
    }
}
