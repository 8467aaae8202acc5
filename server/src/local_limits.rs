//! Rate-limit counters of this process alone, for while Redis (where the shared counters
//! live) does not answer: a limit stays a limit during an outage, counted per process (with N
//! processes a person gets at most N times the limit) instead of not at all.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use natter_shared::UserId;

/// Beyond this many counters, those of past windows are dropped.
const PRUNE_ABOVE: usize = 10_000;
/// How often the message counts go to Redis (`limits::start_message_flusher`).
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// Fixed-window counters by key, in memory.
#[derive(Debug, Default)]
pub struct LocalCounters {
    counts: Mutex<HashMap<String, (i64, u64)>>,
}

impl LocalCounters {
    /// Counts one event under `key` in window `slot`; answers the count in that window.
    pub fn increment(&self, key: &str, slot: i64) -> u64 {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > PRUNE_ABOVE {
            counts.retain(|_, (s, _)| *s >= slot);
        }
        let entry = counts.entry(key.to_owned()).or_insert((slot, 0));
        if entry.0 != slot {
            *entry = (slot, 0);
        }
        entry.1 += 1;
        entry.1
    }

    /// The count under `key` in window `slot`, without counting.
    pub fn get(&self, key: &str, slot: i64) -> u64 {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts
            .get(key)
            .filter(|(s, _)| *s == slot)
            .map_or(0, |(_, n)| *n)
    }
}

// The per-user message rate without a Redis round trip on the send path (`MessageLimiter`;
// its flusher is `limits::start_message_flusher`):
// Each process counts a user's sends of the current one-minute window in memory and decides
// there, at once; a background task adds the local counts to the shared Redis counter
// (`rl:msg:<user>:<window>`) every [`FLUSH_EVERY`] and learns the total of every process
// from the answer. A user's limit therefore stays approximately global: what other processes
// counted is seen here within about one flush (plus a Redis round trip), so a person sending
// through several processes at once can pass the limit by what those processes accept in
// that moment. While Redis does not answer, each process keeps counting on its own (at most
// the limit once per process), and the counts are added when Redis is back.
#[derive(Debug, Default, Clone, Copy)]
struct Entry {
    slot: i64,
    /// Counted here and not yet sent to Redis.
    unflushed: u64,
    /// Sent to Redis, answer not back yet.
    flushing: u64,
    /// The window's total of every process, as Redis last answered (ours included).
    global: u64,
}

/// Per-user counters of this process, reconciled with Redis in the background.
#[derive(Debug, Default)]
pub struct MessageLimiter {
    counts: Mutex<HashMap<UserId, Entry>>,
}

/// Counts taken for Redis: the user, the window, how many.
pub type Flush = Vec<(UserId, i64, u64)>;

impl MessageLimiter {
    /// Counts one send by `user` in window `slot`; whether it is within `limit` (every
    /// attempt counts, refused ones too, as the shared counter always did).
    pub fn admit(&self, user: UserId, slot: i64, limit: u32) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > PRUNE_ABOVE {
            counts.retain(|_, e| e.slot >= slot || e.unflushed + e.flushing > 0);
        }
        let e = counts.entry(user).or_default();
        if e.slot != slot {
            *e = Entry {
                slot,
                ..Entry::default()
            };
        }
        e.unflushed += 1;
        e.global + e.flushing + e.unflushed <= u64::from(limit)
    }

    /// The counts to add to Redis now (moved from unflushed to flushing).
    pub fn take(&self) -> Flush {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts
            .iter_mut()
            .filter(|(_, e)| e.unflushed > 0)
            .map(|(u, e)| {
                let n = e.unflushed;
                e.flushing += n;
                e.unflushed = 0;
                (*u, e.slot, n)
            })
            .collect()
    }

    /// Redis added `taken`; `totals` are the windows' totals it answered, in the same order
    /// (`None`: it did not answer, and the counts are kept to be sent again).
    pub fn flushed(&self, taken: &Flush, totals: Option<&[u64]>) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        for (i, (user, slot, n)) in taken.iter().enumerate() {
            let Some(e) = counts.get_mut(user).filter(|e| e.slot == *slot) else {
                // the window ended meanwhile
                continue;
            };
            e.flushing = e.flushing.saturating_sub(*n);
            match totals.and_then(|t| t.get(i)) {
                Some(total) => e.global = e.global.max(*total),
                None => e.unflushed += n,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_window() {
        let c = LocalCounters::default();
        assert_eq!(c.increment("a", 1), 1);
        assert_eq!(c.increment("a", 1), 2);
        assert_eq!(c.increment("b", 1), 1);
        assert_eq!(c.get("a", 1), 2);
        // a new window starts from nothing
        assert_eq!(c.increment("a", 2), 1);
        assert_eq!(c.get("a", 1), 0);
    }

    #[test]
    fn old_windows_are_dropped_when_there_are_many() {
        let c = LocalCounters::default();
        for i in 0..=PRUNE_ABOVE {
            c.increment(&format!("k{i}"), 1);
        }
        c.increment("new", 2);
        let left = c.counts.lock().unwrap().len();
        assert_eq!(left, 1);
    }
}

#[cfg(test)]
mod limiter_tests {
    use super::*;

    fn user(n: u128) -> UserId {
        UserId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn counts_locally_up_to_the_limit() {
        let l = MessageLimiter::default();
        assert!(l.admit(user(1), 7, 2));
        assert!(l.admit(user(1), 7, 2));
        assert!(!l.admit(user(1), 7, 2));
        assert!(l.admit(user(2), 7, 2), "per user");
        assert!(l.admit(user(1), 8, 2), "a new window starts from nothing");
    }

    #[test]
    fn other_processes_counts_arrive_with_the_flush() {
        let l = MessageLimiter::default();
        assert!(l.admit(user(1), 7, 10));
        let taken = l.take();
        assert_eq!(taken, vec![(user(1), 7, 1)]);
        // Redis answers 9: eight more were counted elsewhere
        l.flushed(&taken, Some(&[9]));
        assert!(l.admit(user(1), 7, 10));
        assert!(!l.admit(user(1), 7, 10));
    }

    #[test]
    fn counts_redis_did_not_take_are_sent_again() {
        let l = MessageLimiter::default();
        l.admit(user(1), 7, 10);
        l.admit(user(1), 7, 10);
        let taken = l.take();
        l.flushed(&taken, None);
        assert_eq!(l.take(), vec![(user(1), 7, 2)]);
    }
}
