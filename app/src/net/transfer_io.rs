//! What one running transfer works with: the shared [`TokenCell`], its [`Stop`], the
//! [`Context`] it reports through, the backoff between attempts, and [`send`], one request
//! with the current token (and once more with a refreshed one after a 401).

use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use natter_shared::API_PREFIX;

use crate::action::Action;
use crate::net::client::Http;
use crate::net::wake::Wake;
use crate::transfers::{TransferEvent, TransferKey};

/// The current access token, shared by the UI thread (which sets it after every change)
/// and the transfers (which read it for each request).
#[derive(Default)]
pub struct TokenCell {
    token: Mutex<Option<String>>,
    changed: Condvar,
}

impl TokenCell {
    pub fn set(&self, token: Option<&str>) {
        let mut held = self.token.lock().unwrap_or_else(PoisonError::into_inner);
        if held.as_deref() != token {
            *held = token.map(str::to_owned);
            self.changed.notify_all();
        }
    }

    pub fn get(&self) -> Option<String> {
        self.token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits up to `limit` for a token other than `refused` (`None`: any token).
    pub fn wait_other(&self, refused: Option<&str>, limit: Duration) -> Option<String> {
        let held = self.token.lock().unwrap_or_else(PoisonError::into_inner);
        let (held, _) = self
            .changed
            .wait_timeout_while(held, limit, |t| t.is_none() || t.as_deref() == refused)
            .unwrap_or_else(PoisonError::into_inner);
        held.clone().filter(|t| Some(t.as_str()) != refused)
    }
}

/// Tells a transfer to stop; its waits end at once when it does.
#[derive(Default)]
pub struct Stop {
    stopped: Mutex<bool>,
    changed: Condvar,
    /// The transfer's last word (done or failed) is out: a new command for the same file
    /// starts a new transfer.
    finished: std::sync::atomic::AtomicBool,
}

impl Stop {
    pub fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.changed.notify_all();
    }

    pub fn is_finished(&self) -> bool {
        self.finished.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits `delay` (a backoff) unless stopped first; true when stopped.
    pub fn wait(&self, delay: Duration) -> bool {
        let held = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        let (held, _) = self
            .changed
            .wait_timeout_while(held, delay, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        *held
    }
}

/// What one running transfer needs: where to send its events, the token, its stop.
pub struct Context {
    pub server_url: String,
    /// The app's HTTP client (its trusted roots).
    pub http: Http,
    pub tokens: Arc<TokenCell>,
    pub stop: Arc<Stop>,
    actions: Sender<Action>,
    wake: Wake,
    /// Progress is reported at most this often (and always at the end).
    last_progress: Option<Instant>,
}

/// How often progress reaches the UI.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// The longest backoff between attempts while the server cannot be reached.
pub const MAX_BACKOFF: Duration = Duration::from_secs(8);

impl Context {
    pub fn report(&self, event: TransferEvent) {
        let last = matches!(
            event,
            TransferEvent::Uploaded { .. }
                | TransferEvent::Downloaded { .. }
                | TransferEvent::Failed { .. }
        );
        if last {
            // before it goes: the answer to it (Retry) must find this transfer finished
            self.stop
                .finished
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        if self.actions.send(Action::Transfer(event)).is_ok() {
            (self.wake)();
        }
    }

    /// The network failed (attempt `failures`): says the transfer waits, then backs off;
    /// true when stopped meanwhile. Counts the failure.
    pub fn wait_for_network(&self, key: TransferKey, failures: &mut u32) -> bool {
        self.report(TransferEvent::Waiting {
            key,
            why: crate::transfers::Waiting::Network,
        });
        let stopped = self.stop.wait(backoff(*failures));
        *failures = failures.saturating_add(1);
        stopped
    }

    /// Reports progress unless it was reported a moment ago (the last one always goes).
    pub fn progress(&mut self, key: TransferKey, done: u64, total: u64, per_second: u64) {
        let due = self
            .last_progress
            .is_none_or(|at| at.elapsed() >= PROGRESS_EVERY);
        if due || done >= total {
            self.last_progress = Some(Instant::now());
            self.report(TransferEvent::Progress {
                key,
                done,
                total,
                per_second,
            });
        }
    }

    /// The absolute URL of an API path, or of a `Location` the server gave.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else if path.starts_with(API_PREFIX) {
            format!("{}{path}", self.server_url)
        } else {
            format!("{}{API_PREFIX}{path}", self.server_url)
        }
    }

    /// The token to send, waiting (while not stopped) until there is one.
    pub fn token(&self) -> Option<String> {
        loop {
            if self.stop.is_stopped() {
                return None;
            }
            if let Some(token) = self.tokens.wait_other(None, Duration::from_secs(1)) {
                return Some(token);
            }
        }
    }

    /// After a 401: says so (the reducer refreshes) and waits for a different token.
    pub fn reauthorize(&self, refused: &str) -> bool {
        self.report(TransferEvent::Unauthorized);
        loop {
            if self.stop.is_stopped() {
                return false;
            }
            if self
                .tokens
                .wait_other(Some(refused), Duration::from_secs(1))
                .is_some()
            {
                return true;
            }
        }
    }
}

/// The backoff before attempt `attempt` (0-based) after a network failure.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250)
        .saturating_mul(2u32.saturating_pow(attempt.min(6)))
        .min(MAX_BACKOFF)
}

/// The bytes per second of `bytes` moved since `since`.
pub fn rate(bytes: u64, since: Instant) -> u64 {
    let micros = since.elapsed().as_micros().max(1);
    u64::try_from(u128::from(bytes) * 1_000_000 / micros).unwrap_or(u64::MAX)
}

impl Context {
    pub fn new(
        server_url: String,
        http: &Http,
        tokens: &Arc<TokenCell>,
        actions: &Sender<Action>,
        wake: &Wake,
    ) -> Self {
        Self {
            server_url,
            http: http.clone(),
            tokens: Arc::clone(tokens),
            stop: Arc::new(Stop::default()),
            actions: actions.clone(),
            wake: Arc::clone(wake),
            last_progress: None,
        }
    }
}

/// How one request went.
pub enum Sent {
    Answer(ehttp::Response),
    /// Never answered: the server is unreachable or the connection broke.
    Network(String),
    /// Told to stop while waiting for a token.
    Stopped,
}

/// Makes the request `build(token)` makes, with the current token, once more with a
/// refreshed token if the server answers 401.
pub fn send(cx: &Context, build: &dyn Fn(&str) -> ehttp::Request) -> Sent {
    loop {
        let Some(token) = cx.token() else {
            return Sent::Stopped;
        };
        match cx.http.fetch(&build(&token)) {
            Ok(response) if response.status == 401 => {
                if !cx.reauthorize(&token) {
                    return Sent::Stopped;
                }
            }
            Ok(response) => return Sent::Answer(response),
            Err(detail) => return Sent::Network(detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_ends_a_backoff_at_once() {
        let stop = Arc::new(Stop::default());
        let other = Arc::clone(&stop);
        let waiter = std::thread::spawn(move || other.wait(Duration::from_secs(600)));
        stop.stop();
        assert!(waiter.join().unwrap(), "stopped, not timed out");
    }

    #[test]
    fn a_refused_token_is_waited_past() {
        let cell = Arc::new(TokenCell::default());
        cell.set(Some("old"));
        assert_eq!(cell.wait_other(Some("old"), Duration::from_millis(1)), None);
        let other = Arc::clone(&cell);
        let waiter =
            std::thread::spawn(move || other.wait_other(Some("old"), Duration::from_secs(600)));
        cell.set(Some("new"));
        assert_eq!(waiter.join().unwrap().as_deref(), Some("new"));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(0), Duration::from_millis(250));
        assert_eq!(backoff(1), Duration::from_millis(500));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}
