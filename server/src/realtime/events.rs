//! What is delivered to a WebSocket connection (its actor's messages), the id that names a
//! connection within this process, and its [`Outbox`]: how far behind its writer is.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix::Message as ActixMessage;

/// One WebSocket connection of this process.
pub type ConnId = u64;

/// Write this serialized server frame to the connection.
#[derive(ActixMessage, Clone)]
#[rtype(result = "()")]
pub struct Deliver(pub Arc<str>);

/// Close the connection: its session was signed out.
#[derive(ActixMessage, Clone, Copy)]
#[rtype(result = "()")]
pub struct Disconnect;

/// `HttpServer::on_connect`: a connection whose bytes cannot leave for `stall` is closed by
/// the kernel (`TCP_USER_TIMEOUT`: unacknowledged data, or data held back by a zero window
/// because the client stopped reading). A WebSocket whose client stopped reading stalls its
/// actor (actix polls it only while the socket takes bytes), so closing it cannot be the
/// actor's job; and it costs no second descriptor per connection (a duplicate of each would
/// halve the connections one process can hold under its open-files limit).
pub fn limit_stalls(conn: &dyn std::any::Any, stall: Duration) {
    #[cfg(target_os = "linux")]
    if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>()
        && let Err(e) = socket2::SockRef::from(tcp).set_tcp_user_timeout(Some(stall))
    {
        tracing::warn!(error = %e, "cannot set TCP_USER_TIMEOUT");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (conn, stall);
}

/// Why a connection was closed from outside its actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Its client fell further behind than the outgoing bounds allow.
    Behind,
    /// Nothing heard from it (no frame, no pong) for too long.
    Idle,
}

impl Cut {
    fn label(self) -> &'static str {
        match self {
            Cut::Behind => "behind",
            Cut::Idle => "idle",
        }
    }
}

/// A connection's outgoing queue as its deliverers see it: frames and bytes handed to the
/// connection and not yet taken by its actor, bounded; and when its client was last heard.
/// Shared by the registry (which delivers), the actor (which writes and hears) and a
/// watchdog (which closes the socket when the actor cannot).
pub struct Outbox {
    frames: AtomicUsize,
    bytes: AtomicUsize,
    max_frames: usize,
    max_bytes: usize,
    started: Instant,
    /// Milliseconds after `started` the client was last heard.
    heard_ms: AtomicU64,
    cut: AtomicBool,
    stopped: AtomicBool,
}

impl Outbox {
    pub fn new(max_frames: usize, max_bytes: usize) -> Self {
        Self {
            frames: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            max_frames,
            max_bytes,
            started: Instant::now(),
            heard_ms: AtomicU64::new(0),
            cut: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        }
    }

    /// Counts a frame of `len` bytes handed to the connection; false (and the connection is
    /// cut) when that would pass a bound: the frame must not be sent.
    pub fn push(&self, len: usize) -> bool {
        if self.cut.load(Ordering::Relaxed) {
            return false;
        }
        let frames = self.frames.fetch_add(1, Ordering::Relaxed) + 1;
        let bytes = self.bytes.fetch_add(len, Ordering::Relaxed) + len;
        if frames > self.max_frames || bytes > self.max_bytes {
            self.frames.fetch_sub(1, Ordering::Relaxed);
            self.bytes.fetch_sub(len, Ordering::Relaxed);
            self.cut(Cut::Behind);
            return false;
        }
        true
    }

    /// The actor took a frame of `len` bytes to write.
    pub fn taken(&self, len: usize) {
        self.frames.fetch_sub(1, Ordering::Relaxed);
        self.bytes.fetch_sub(len, Ordering::Relaxed);
    }

    /// Frames waiting.
    pub fn waiting(&self) -> usize {
        self.frames.load(Ordering::Relaxed)
    }

    /// The client sent something (a frame, a pong).
    pub fn heard(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.heard_ms.store(ms, Ordering::Relaxed);
    }

    /// How long since the client was last heard.
    pub fn silent_for(&self) -> Duration {
        let heard = Duration::from_millis(self.heard_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(heard)
    }

    /// Whether the connection was cut.
    pub fn is_cut(&self) -> bool {
        self.cut.load(Ordering::Relaxed)
    }

    /// Gives the connection up (once), whatever its actor is doing: nothing more is queued for
    /// it, the actor closes it when it next runs, and a stalled one is closed by the kernel
    /// ([`limit_stalls`]). Its client reconnects and resyncs by seq.
    pub fn cut(&self, why: Cut) {
        if self.cut.swap(true, Ordering::Relaxed) || self.stopped.load(Ordering::Relaxed) {
            return;
        }
        metrics::counter!("natter_ws_closed_total", "reason" => why.label()).increment(1);
        tracing::info!(reason = why.label(), "giving a WebSocket up");
    }

    /// The actor stopped: nothing to cut any more, and its watchdog ends.
    pub fn stopped(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_past_either_bound_are_refused_and_cut_the_connection() {
        let outbox = Outbox::new(3, 1000);
        assert!(outbox.push(10));
        assert!(outbox.push(10));
        assert!(outbox.push(10));
        assert!(!outbox.push(10), "a fourth frame");
        assert!(outbox.is_cut());
        assert!(!outbox.push(1), "nothing more once cut");
        assert_eq!(outbox.waiting(), 3);

        let outbox = Outbox::new(100, 1000);
        assert!(outbox.push(600));
        assert!(!outbox.push(600), "past the bytes");
        assert!(outbox.is_cut());
    }

    #[test]
    fn frames_taken_make_room() {
        let outbox = Outbox::new(2, 1000);
        for _ in 0..100 {
            assert!(outbox.push(400));
            assert!(outbox.push(400));
            outbox.taken(400);
            outbox.taken(400);
        }
        assert!(!outbox.is_cut());
        assert_eq!(outbox.waiting(), 0);
    }
}
