//! What the load connections measure. Each connection keeps raw samples (a push per ack,
//! delivery or refusal); the histograms are made once, after the run, when [`Totals::add`]
//! takes every connection's samples in.
//!
//! Issue 16: each connection used to keep its own histograms — three for the run and two
//! for every [`WINDOW`], made by all 2,000 connections in the same moment. Zeroing and
//! faulting in those pages (168 KiB a histogram at 3 digits, 24 KiB at 2) took the
//! generator's one core from reading its sockets, and so showed up as the server's latency.
//! A run's samples are a few megabytes in all.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use natter_shared::MessageId;

/// The span of send times one [`Windowed`] covers.
pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(10);

/// A latency, µs, of a send made in window `window`, and how much of it the answer waited
/// in the generator's socket before the generator read it (`lag`, see `arrival`).
#[derive(Debug, Clone, Copy)]
struct Timed {
    window: u32,
    us: u32,
    lag: u32,
}

impl Timed {
    fn since(base: Instant, at: Instant, lag: Duration) -> Self {
        let window = at.saturating_duration_since(base).as_secs() / WINDOW.as_secs();
        let us = micros(at.elapsed().as_micros());
        Self {
            window: u32::try_from(window).unwrap_or(u32::MAX),
            us,
            lag: u32::try_from(lag.as_micros())
                .unwrap_or(u32::MAX)
                .min(us - 1),
        }
    }

    /// The latency up to the answer's arrival in the generator's socket.
    fn at_arrival(self) -> u64 {
        u64::from(self.us - self.lag)
    }
}

/// µs as a sample: at least 1 (histograms start there), at most `u32::MAX` (71 minutes).
fn micros(us: u128) -> u32 {
    u32::try_from(us.max(1)).unwrap_or(u32::MAX)
}

/// What one connection measured; [`Totals::add`] merges it into the report's figures.
#[derive(Default)]
pub struct ConnStats {
    /// send→ack of its sends, with the window of the send time
    ack: Vec<Timed>,
    /// send→delivery of every message delivered to it, µs
    delivery: Vec<u32>,
    /// send→`overloaded` error (sends the server refused), with the window of the send time
    refused: Vec<Timed>,
    pub sent: u64,
    pub acked: u64,
    pub delivered: u64,
    pub errors: HashMap<String, u64>,
    /// Operations sent, by kind (send, edit, react, delete).
    pub ops: HashMap<String, u64>,
    pub dropped_connection: bool,
    /// send→delivery of each message to this connection, µs, by message id; merged by the
    /// latest, so the report can say how long a message took to reach its last member.
    pub per_message: HashMap<MessageId, u64>,
}

impl ConnStats {
    pub fn new() -> Self {
        Self::default()
    }

    /// An ack of a send made at `at` is read now, `lag` after it arrived.
    pub fn record_ack(&mut self, base: Instant, at: Instant, lag: Duration) {
        self.acked += 1;
        self.ack.push(Timed::since(base, at, lag));
    }

    /// An `overloaded` refusal of a send made at `at` is read now, `lag` after it arrived.
    pub fn record_refusal(&mut self, base: Instant, at: Instant, lag: Duration) {
        self.refused.push(Timed::since(base, at, lag));
    }

    /// Message `id` reached this connection `us` after it was sent.
    pub fn record_delivery(&mut self, id: MessageId, us: u128) {
        self.delivered += 1;
        let us = micros(us);
        self.delivery.push(us);
        self.per_message.insert(id, u64::from(us));
    }
}

/// The acks and refusals of the sends made within one [`WINDOW`].
pub struct Windowed {
    pub ack: Histogram<u64>,
    pub refused: Histogram<u64>,
    /// `refused` up to the refusal's arrival in the generator's socket
    pub refused_arrival: Histogram<u64>,
}

/// Every connection's figures together.
pub struct Totals {
    /// send→ack, µs
    pub ack: Histogram<u64>,
    /// send→delivery, µs (every delivery to every connection)
    pub delivery: Histogram<u64>,
    /// send→`overloaded` error, µs
    pub refused: Histogram<u64>,
    /// `ack` and `refused` up to the answer's arrival in the generator's socket, before the
    /// generator read it
    pub ack_arrival: Histogram<u64>,
    pub refused_arrival: Histogram<u64>,
    /// How long acks and refusals waited in the generator's sockets before it read them, µs
    pub read_lag: Histogram<u64>,
    /// `ack` and `refused` again, by [`WINDOW`] of the send time (from the start of sending):
    /// whether a tail is the first seconds or spread over the run.
    pub windows: Vec<Windowed>,
    pub sent: u64,
    pub acked: u64,
    pub delivered: u64,
    pub errors: HashMap<String, u64>,
    pub ops: HashMap<String, u64>,
    /// The latest send→delivery of each message over all connections, µs.
    pub per_message: HashMap<MessageId, u64>,
}

impl Totals {
    pub fn new() -> Self {
        Self {
            ack: histogram(),
            delivery: histogram(),
            refused: histogram(),
            ack_arrival: histogram(),
            refused_arrival: histogram(),
            read_lag: histogram(),
            windows: Vec::new(),
            sent: 0,
            acked: 0,
            delivered: 0,
            errors: HashMap::new(),
            ops: HashMap::new(),
            per_message: HashMap::new(),
        }
    }

    /// The window of index `i`.
    fn window(&mut self, i: u32) -> &mut Windowed {
        let i = i as usize;
        while self.windows.len() <= i {
            self.windows.push(Windowed {
                ack: histogram(),
                refused: histogram(),
                refused_arrival: histogram(),
            });
        }
        &mut self.windows[i]
    }

    pub fn add(&mut self, conn: &ConnStats) {
        for t in &conn.ack {
            let _ = self.ack.record(u64::from(t.us));
            let _ = self.ack_arrival.record(t.at_arrival());
            let _ = self.read_lag.record(u64::from(t.lag).max(1));
            let _ = self.window(t.window).ack.record(u64::from(t.us));
        }
        for t in &conn.refused {
            let _ = self.refused.record(u64::from(t.us));
            let _ = self.refused_arrival.record(t.at_arrival());
            let _ = self.read_lag.record(u64::from(t.lag).max(1));
            let w = self.window(t.window);
            let _ = w.refused.record(u64::from(t.us));
            let _ = w.refused_arrival.record(t.at_arrival());
        }
        for us in &conn.delivery {
            let _ = self.delivery.record(u64::from(*us));
        }
        self.sent += conn.sent;
        self.acked += conn.acked;
        self.delivered += conn.delivered;
        for (k, v) in &conn.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &conn.ops {
            *self.ops.entry(k.clone()).or_default() += v;
        }
        for (id, us) in &conn.per_message {
            let latest = self.per_message.entry(*id).or_default();
            *latest = (*latest).max(*us);
        }
    }
}

impl Default for Totals {
    fn default() -> Self {
        Self::new()
    }
}

/// A histogram of microseconds from 1 µs to 10 minutes, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).unwrap_or_else(|_| {
        Histogram::new(3).unwrap_or_else(|_| unreachable!("3 digits are valid"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn samples_land_in_the_window_of_their_send_time_and_in_the_totals() {
        let base = Instant::now() - Duration::from_secs(25);
        let mut a = ConnStats::new();
        a.record_ack(base, base + Duration::from_secs(1), Duration::ZERO);
        a.record_refusal(
            base,
            base + Duration::from_secs(21),
            Duration::from_millis(1_500),
        );
        let mut b = ConnStats::new();
        b.record_ack(base, base + Duration::from_secs(12), Duration::ZERO);
        b.record_delivery(MessageId(uuid::Uuid::nil()), 7_000);
        a.record_delivery(MessageId(uuid::Uuid::nil()), 9_000);
        let mut t = Totals::new();
        t.add(&a);
        t.add(&b);
        assert_eq!((t.acked, t.ack.len(), t.refused.len()), (2, 2, 1));
        assert_eq!(t.windows.len(), 3);
        assert_eq!(
            t.windows
                .iter()
                .map(|w| (w.ack.len(), w.refused.len()))
                .collect::<Vec<_>>(),
            [(1, 0), (1, 0), (0, 1)]
        );
        // the ack of a send made 24 s ago, at 3 significant digits
        let p = t.windows[0].ack.max();
        assert!((23_900_000..=24_100_000).contains(&p), "{p}");
        // the refusal, read 4 s after its send, had waited 1.5 s in the socket
        let (read, arrived) = (t.refused.max(), t.refused_arrival.max());
        assert!((3_990_000..=4_100_000).contains(&read), "{read}");
        assert!((2_490_000..=2_600_000).contains(&arrived), "{arrived}");
        assert_eq!(t.windows[2].refused_arrival.max(), arrived);
        let lag = t.read_lag.max();
        assert!((1_499_000..=1_502_000).contains(&lag), "{lag}");
        assert_eq!(
            t.per_message.get(&MessageId(uuid::Uuid::nil())),
            Some(&9_000)
        );
        assert_eq!(t.delivered, 2);
    }
}
