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
//!
//! A send a WebSocket session lets through still has a way to go before it is queued (the
//! rate limit, the room's mailbox, its members): under overload a few hundred are on that
//! way at any moment. Each carries a [`Pass`] until it is queued, and the session's check
//! counts them as queued already. Without that, every send read in the moment the queue
//! dips below its target is let through, and the writer's own check refuses the ones that
//! arrive behind the others — after their trip, a hundred milliseconds or more under load,
//! where the session's refusal costs the reading poll. The queue's own check (1.) still
//! holds a send with a pass to the target: it refuses the few that arrive while a batch
//! ran long (judged only by its budget there, every send a slow batch met was queued, and
//! at 4× the acks' p99 rose from 0.68–0.76 s to 0.87–1.05 s; docs/decisions.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What the writer measured, shared with those who submit.
#[derive(Debug)]
pub struct Admission {
    budget: Duration,
    /// The longest estimated wait a send is queued for: `budget / QUEUE_SHARE`.
    target: Duration,
    queued: AtomicUsize,
    /// Sends let through and not queued yet: the [`Pass`]es alive.
    on_the_way: AtomicUsize,
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
            on_the_way: AtomicUsize::new(0),
            per_send_ns: AtomicU64::new(0),
            batch_started_ns: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    /// `NATTER_SEND_ADMIT_MS`.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// How long a send behind `sends` others would wait before its batch is written,
    /// estimated: the running batch plus `sends` at the recent cost of one.
    fn wait_behind(&self, sends: usize) -> Duration {
        let started = self.batch_started_ns.load(Ordering::Relaxed);
        let running = if started == 0 {
            0
        } else {
            (self.epoch.elapsed().as_nanos() as u64).saturating_sub(started)
        };
        let per_send = self.per_send_ns.load(Ordering::Relaxed);
        Duration::from_nanos(running.saturating_add((sends as u64).saturating_mul(per_send)))
    }

    /// Whether a send arriving now may be let through: its estimated wait, behind the
    /// queue and the sends already on their way to it, is within the queue's target.
    pub fn admits(&self) -> bool {
        let ahead = self.queued.load(Ordering::Relaxed) + self.on_the_way.load(Ordering::Relaxed);
        self.wait_behind(ahead) <= self.target
    }

    /// Lets a send through when [`Self::admits`]: it counts as on its way to the queue
    /// until the pass is dropped (when it is queued, refused or given up on). The check and
    /// the count are two steps: sends let through in the same instant on both workers may
    /// pass the target by one each, which the queue's own check absorbs.
    pub fn pass(self: &Arc<Self>) -> Option<Pass> {
        if !self.admits() {
            return None;
        }
        self.on_the_way.fetch_add(1, Ordering::Relaxed);
        Some(Pass(self.clone()))
    }

    /// Whether a send reaching the queue with only `left` of its budget left (it waited for
    /// the rest on its way) may be queued: its estimated wait behind the queue alone is
    /// within that and the queue's target.
    pub fn admits_within(&self, left: Duration) -> bool {
        self.wait_behind(self.queued.load(Ordering::Relaxed)) <= self.target.min(left)
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

/// A send on its way to the writer's queue (see the module docs); dropping it ends that.
#[derive(Debug)]
pub struct Pass(Arc<Admission>);

impl Drop for Pass {
    fn drop(&mut self) {
        self.0.on_the_way.fetch_sub(1, Ordering::Relaxed);
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
    fn sends_on_their_way_count_for_those_let_through_after_them_not_for_themselves() {
        let a = Arc::new(Admission::new(Duration::from_millis(1000)));
        // 64 sends in 64 ms: 1 ms a send; the target is 250 ms
        a.batch_ended(64, Duration::from_millis(64));
        let passes: Vec<Pass> = (0..300).map_while(|_| a.pass()).collect();
        assert_eq!(
            passes.len(),
            251,
            "the 251st is let through behind 250 ms of sends on their way: the target"
        );
        assert!(a.pass().is_none(), "one more would wait past it");
        assert!(!a.admits());
        // the queue itself is empty: a send on its way is queued behind what is queued
        assert!(a.admits_within(Duration::from_millis(1000)));
        for pass in passes {
            a.queued();
            drop(pass);
        }
        assert!(a.pass().is_none(), "queued now, the same 251 sends");
        for _ in 0..10 {
            a.dequeued();
        }
        assert!(a.pass().is_some(), "the writer took ten");
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
