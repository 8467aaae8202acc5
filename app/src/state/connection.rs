//! The WebSocket link as the reducer sees it: which attempt is current, whether it is up,
//! and when the next attempt is due. The reconnection policy (exponential backoff with
//! jitter) lives here too, as pure functions of the state, so tests can pin it.

use chrono::{DateTime, TimeDelta, Utc};

/// First wait after a failure.
pub const BACKOFF_BASE_MS: i64 = 500;
/// Longest wait between two attempts.
pub const BACKOFF_CAP_MS: i64 = 30_000;
/// The server pings every 15 s; a link silent for this long is taken for dead.
pub const SILENCE_LIMIT: TimeDelta = TimeDelta::seconds(45);
/// An attempt that has not opened in this long is given up (a black-holed address would
/// otherwise hang until the OS gives up on the TCP handshake).
pub const CONNECT_TIMEOUT: TimeDelta = TimeDelta::seconds(15);
/// How long "back online" stays on screen after the link recovered.
pub const BACK_ONLINE_SHOWN: TimeDelta = TimeDelta::seconds(3);

/// The link to the server's WebSocket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    pub status: LinkStatus,
    /// The current attempt; events of earlier attempts are dropped.
    pub conn: u64,
    /// The token generation the current attempt was opened with.
    pub token_generation: u64,
    /// Failed attempts since the link was last up; drives the backoff.
    pub failures: u32,
    /// When the last frame or ping arrived on the current link.
    pub last_heard: Option<DateTime<Utc>>,
    /// The link was up before in this session, so the next open is a "back online".
    pub was_online: bool,
    /// An attempt is due but waits for a fresh access token (refresh in flight).
    pub awaiting_token: bool,
}

/// What the connection banner shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LinkStatus {
    /// Not signed in: no link is wanted.
    #[default]
    Idle,
    /// An attempt is under way (or waits for a fresh token).
    Connecting { since: DateTime<Utc> },
    /// Frames flow. `back_online_until` is set for a moment after a recovery.
    Online {
        since: DateTime<Utc>,
        back_online_until: Option<DateTime<Utc>>,
    },
    /// Down; the next attempt starts at `retry_at`.
    Offline { retry_at: DateTime<Utc> },
}

impl Connection {
    pub fn is_online(&self) -> bool {
        matches!(self.status, LinkStatus::Online { .. })
    }
}

/// The wait before the next attempt after `failures` failed ones (1-based): 0.5 s, 1 s, 2 s
/// … capped at 30 s, then "equal jitter": a value in `[d/2, d]` picked by `seed`, so many
/// clients dropped at once by a restarting server do not come back in one wave.
pub fn backoff(failures: u32, seed: u64) -> TimeDelta {
    let exponent = failures.saturating_sub(1).min(16);
    let full = BACKOFF_BASE_MS
        .saturating_mul(1_i64 << exponent)
        .min(BACKOFF_CAP_MS);
    let half = full / 2;
    let spread = u64::try_from(half).unwrap_or(0).saturating_add(1);
    let jitter = i64::try_from(seed % spread).unwrap_or(0);
    TimeDelta::milliseconds(half + jitter)
}

/// A well-mixed 64-bit value from the inputs (splitmix64), so the jitter differs between
/// clients (each has its own session id) and between attempts, yet the reducer stays pure.
pub fn jitter_seed(session: u128, conn: u64, failures: u32) -> u64 {
    let mut x = (session as u64)
        ^ ((session >> 64) as u64)
        ^ conn.rotate_left(17)
        ^ u64::from(failures).rotate_left(41);
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_half_a_second_and_stops_at_thirty() {
        let cases = [
            (1, 250, 500, "first retry waits about half a second"),
            (2, 500, 1_000, "then about a second"),
            (3, 1_000, 2_000, "doubling"),
            (7, 15_000, 30_000, "capped at 30 s"),
            (40, 15_000, 30_000, "still capped, no overflow"),
        ];
        for (failures, low, high, reason) in cases {
            for seed in [0, 1, 12_345, u64::MAX] {
                let wait = backoff(failures, seed).num_milliseconds();
                assert!((low..=high).contains(&wait), "{reason}: {wait}");
            }
        }
    }

    #[test]
    fn jitter_spreads_clients_that_failed_together() {
        let waits: std::collections::BTreeSet<i64> = (0..20u128)
            .map(|session| backoff(3, jitter_seed(session, 2, 3)).num_milliseconds())
            .collect();
        assert!(waits.len() > 10, "{waits:?}");
    }
}
