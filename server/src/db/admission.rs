//! Admission by time, not by count: a send (or change) that cannot be persisted within
//! `NATTER_SEND_ADMIT_MS` is refused at once with `overloaded` instead of waiting in a queue
//! that, past capacity, only grows (congestion collapse: everything late, nothing refused).
//!
//! Three checks, cheapest first:
//! 1. On the way in, the wait is estimated — the age of the batch being written plus the
//!    queued sends times the recent cost of one send in a batch — and a send that would wait
//!    longer than the queue's target (a quarter of the budget, [`QUEUE_SHARE`]; less when
//!    the send already waited for part of the budget before it came) is refused without
//!    being queued. Under overload the queue settles where the estimate meets the target,
//!    so accepted sends wait about that long, not the whole budget, and the rest of the
//!    budget absorbs what the estimate gets wrong: the later checks, which refuse a send only
//!    after it waited, then rarely fire.
//! 2. A queued send whose asker gave up at the budget ([`Ticket::abandon`]) is skipped by the
//!    writer; one taken by the writer first is answered when its batch is written.
//! 3. The writer refuses a send that has waited past the budget when it takes it (no database
//!    work), should the asker not have given up yet.
//!
//! The channel's count (`QUEUE_CAPACITY`) stays as a last resort.

use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What the writer measured, shared with those who submit.
#[derive(Debug)]
pub struct Admission {
    budget: Duration,
    /// The longest estimated wait a send is queued for: `budget / QUEUE_SHARE`.
    target: Duration,
    queued: AtomicUsize,
    /// Recent cost of one send in a batch of [`SAMPLE_BATCH`] or more, ns (0: not known yet).
    per_send_ns: AtomicU64,
    /// When the batch being written began, ns after `epoch` (0: none is).
    batch_started_ns: AtomicU64,
    epoch: Instant,
}

/// Batches at least this big tell what one more send costs (smaller ones mostly cost the
/// round trips every batch pays).
const SAMPLE_BATCH: usize = 32;

/// The queue is kept to this fraction of the budget (see the module docs): with a quarter,
/// an estimate off by up to four times still gets a send written within the budget.
const QUEUE_SHARE: u32 = 4;

impl Admission {
    pub fn new(budget: Duration) -> Self {
        Self {
            budget,
            target: budget / QUEUE_SHARE,
            queued: AtomicUsize::new(0),
            per_send_ns: AtomicU64::new(0),
            batch_started_ns: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    /// `NATTER_SEND_ADMIT_MS`.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// How long a send queued now would wait before its batch is written, estimated.
    pub fn estimated_wait(&self) -> Duration {
        let started = self.batch_started_ns.load(Ordering::Relaxed);
        let running = if started == 0 {
            0
        } else {
            (self.epoch.elapsed().as_nanos() as u64).saturating_sub(started)
        };
        let queued = self.queued.load(Ordering::Relaxed) as u64;
        let per_send = self.per_send_ns.load(Ordering::Relaxed);
        Duration::from_nanos(running.saturating_add(queued.saturating_mul(per_send)))
    }

    /// Whether a send arriving now may be queued: its estimated wait is within the queue's
    /// target.
    pub fn admits(&self) -> bool {
        self.estimated_wait() <= self.target
    }

    /// [`Self::admits`] for a send with only `left` of its budget left (it waited for the
    /// rest before it reached the writer).
    pub fn admits_within(&self, left: Duration) -> bool {
        self.estimated_wait() <= self.target.min(left)
    }

    pub(super) fn queued(&self) {
        self.queued.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn dequeued(&self) {
        self.queued.fetch_sub(1, Ordering::Relaxed);
    }

    pub(super) fn batch_began(&self) {
        let now = (self.epoch.elapsed().as_nanos() as u64).max(1);
        self.batch_started_ns.store(now, Ordering::Relaxed);
    }

    pub(super) fn batch_ended(&self, size: usize, took: Duration) {
        self.batch_started_ns.store(0, Ordering::Relaxed);
        if size < SAMPLE_BATCH {
            return;
        }
        let sample = took.as_nanos() as u64 / size as u64;
        let old = self.per_send_ns.load(Ordering::Relaxed);
        // a moving average over about eight batches
        let new = if old == 0 {
            sample
        } else {
            old - old / 8 + sample / 8
        };
        self.per_send_ns.store(new, Ordering::Relaxed);
    }
}

/// Who has a queued send: still the queue, the writer (it will be written), or its asker
/// (it gave up; the writer skips it).
#[derive(Debug, Default)]
pub struct Ticket(AtomicU8);

const QUEUED: u8 = 0;
const TAKEN: u8 = 1;
const ABANDONED: u8 = 2;

impl Ticket {
    /// The writer takes the send; false when its asker gave up on it.
    pub fn take(&self) -> bool {
        self.0
            .compare_exchange(QUEUED, TAKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The asker gives up; false when the writer took the send already (it will be answered).
    pub fn abandon(&self) -> bool {
        self.0
            .compare_exchange(QUEUED, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_the_running_batch_and_the_queue_times_the_cost_of_a_send() {
        let a = Admission::new(Duration::from_millis(1000));
        assert!(a.admits());
        // 64 sends in 64 ms: 1 ms a send
        a.batch_ended(64, Duration::from_millis(64));
        for _ in 0..240 {
            a.queued();
        }
        assert!(a.admits());
        assert!(
            !a.admits_within(Duration::from_millis(200)),
            "240 ms of queue, 200 ms of its budget left"
        );
        for _ in 0..20 {
            a.queued();
        }
        assert!(
            !a.admits(),
            "260 sends at 1 ms each wait past the target, a quarter of the 1 s budget"
        );
        for _ in 0..260 {
            a.dequeued();
        }
        assert!(a.admits());
    }

    #[test]
    fn a_batch_that_hangs_refuses_what_comes_after_it() {
        let a = Admission::new(Duration::from_millis(10));
        a.batch_began();
        std::thread::sleep(Duration::from_millis(20));
        assert!(!a.admits());
        a.batch_ended(1, Duration::from_millis(20));
        assert!(a.admits());
    }

    #[test]
    fn a_send_is_either_taken_or_abandoned_never_both() {
        let t = Ticket::default();
        assert!(t.take());
        assert!(!t.abandon());
        let t = Ticket::default();
        assert!(t.abandon());
        assert!(!t.take());
    }
}
