//! What one WebSocket connection may ask of the server: a token bucket of client frames
//! ([`FrameBudget`]) and the relay rule for typing frames ([`TypingThrottle`]). Plain values
//! with the time passed in, so their tests need no clock.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use natter_shared::ChatId;

/// Refused frames within this window that close the connection once they reach the burst.
const ABUSE_WINDOW: Duration = Duration::from_secs(10);

/// What to do with a client frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the budget: handle it.
    Take,
    /// Over the budget: answer `rate_limited`, do nothing else.
    Refuse,
    /// Over the budget again and again: close the connection.
    Close,
}

/// A token bucket: `burst` frames at once, refilled at `per_sec`; a connection that keeps
/// sending while refused (`burst` refusals within [`ABUSE_WINDOW`]) is closed.
#[derive(Debug)]
pub struct FrameBudget {
    per_sec: f64,
    burst: f64,
    tokens: f64,
    refilled: Instant,
    refused: u32,
    refused_since: Instant,
}

impl FrameBudget {
    pub fn new(per_sec: u32, burst: u32, now: Instant) -> Self {
        Self {
            per_sec: f64::from(per_sec),
            burst: f64::from(burst),
            tokens: f64::from(burst),
            refilled: now,
            refused: 0,
            refused_since: now,
        }
    }

    /// Charges one frame arriving at `now`.
    pub fn charge(&mut self, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.burst);
        self.refilled = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Verdict::Take;
        }
        self.strike(now)
    }

    /// Counts a refusal (over the budget, or a frame about a chat that is not the user's)
    /// towards closing the connection.
    pub fn strike(&mut self, now: Instant) -> Verdict {
        if now.saturating_duration_since(self.refused_since) > ABUSE_WINDOW {
            self.refused = 0;
            self.refused_since = now;
        }
        self.refused += 1;
        if f64::from(self.refused) >= self.burst {
            Verdict::Close
        } else {
            Verdict::Refuse
        }
    }
}

/// How often `typing: true` is relayed per chat while typing goes on.
pub const TYPING_RESEND: Duration = Duration::from_secs(3);

/// Which typing frames of one connection are relayed: a `true` at most every
/// [`TYPING_RESEND`] per chat, a `false` only after a relayed `true`. So a chat sees at most
/// two typing frames from a connection in that time, whatever it sends.
#[derive(Debug, Default)]
pub struct TypingThrottle {
    /// Per chat: when `true` was last relayed, and whether `false` has followed it.
    chats: HashMap<ChatId, (Instant, bool)>,
}

impl TypingThrottle {
    /// Whether to relay `is_typing` in `chat` now.
    pub fn relay(&mut self, chat: ChatId, is_typing: bool, now: Instant) -> bool {
        match (self.chats.get_mut(&chat), is_typing) {
            (Some((at, _)), true) if now.saturating_duration_since(*at) < TYPING_RESEND => false,
            (_, true) => {
                self.chats.insert(chat, (now, false));
                true
            }
            (Some((_, stopped @ false)), false) => {
                *stopped = true;
                true
            }
            (_, false) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_taken_then_frames_come_at_the_rate() {
        let t0 = Instant::now();
        let mut budget = FrameBudget::new(10, 5, t0);
        for _ in 0..5 {
            assert_eq!(budget.charge(t0), Verdict::Take);
        }
        assert_eq!(budget.charge(t0), Verdict::Refuse);
        // a tenth of a second later one more token
        let t1 = t0 + Duration::from_millis(100);
        assert_eq!(budget.charge(t1), Verdict::Take);
        assert_eq!(budget.charge(t1), Verdict::Refuse);
        // never more than the burst, however long the pause
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..5 {
            assert_eq!(budget.charge(t2), Verdict::Take);
        }
        assert_eq!(budget.charge(t2), Verdict::Refuse);
    }

    #[test]
    fn refusals_piling_up_close_but_old_ones_are_forgotten() {
        let t0 = Instant::now();
        let mut budget = FrameBudget::new(1, 4, t0);
        for _ in 0..4 {
            budget.charge(t0);
        }
        assert_eq!(budget.charge(t0), Verdict::Refuse);
        assert_eq!(budget.charge(t0), Verdict::Refuse);
        // long after, the count starts again
        let later = t0 + ABUSE_WINDOW + Duration::from_secs(1);
        assert_eq!(budget.strike(later), Verdict::Refuse);
        assert_eq!(budget.strike(later), Verdict::Refuse);
        assert_eq!(budget.strike(later), Verdict::Refuse);
        assert_eq!(budget.strike(later), Verdict::Close);
    }

    #[test]
    fn typing_is_relayed_at_most_twice_per_resend_period_whatever_is_sent() {
        let chat = ChatId::new_random();
        let t0 = Instant::now();
        let mut typing = TypingThrottle::default();
        assert!(!typing.relay(chat, false, t0), "a stop before any start");
        assert!(typing.relay(chat, true, t0));
        let mut relayed = 0;
        for i in 0..1000u64 {
            let at = t0 + Duration::from_micros(i);
            relayed += usize::from(typing.relay(chat, i % 2 == 0, at));
        }
        assert_eq!(relayed, 1, "only the stop after the start");
        assert!(!typing.relay(chat, false, t0 + Duration::from_millis(2)));
        // once the period is over, a start goes out again
        assert!(typing.relay(chat, true, t0 + TYPING_RESEND));
        // other chats have their own
        assert!(typing.relay(ChatId::new_random(), true, t0));
    }
}
