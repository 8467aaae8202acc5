//! Rate-limit counters of this process alone, for while Redis (where the shared counters
//! live) does not answer: a limit stays a limit during an outage, counted per process (with N
//! processes a person gets at most N times the limit) instead of not at all.

use std::collections::HashMap;
use std::sync::Mutex;

/// Beyond this many counters, those of past windows are dropped.
const PRUNE_ABOVE: usize = 10_000;

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
