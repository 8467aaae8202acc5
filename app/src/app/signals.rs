//! Closing the window when the system asks the process to end (SIGTERM when the desktop
//! session logs out or shuts down, SIGINT, SIGHUP): the window closes as if the person had
//! closed it, so eframe saves the state (drafts, the unsent outbox) before the process ends.
//! Elsewhere than on Unix the window's own close event is the only way out.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Watches for the signals from now on; `asked` turns true and `wake` runs when one arrives.
#[cfg(unix)]
pub fn watch(asked: Arc<AtomicBool>, wake: impl Fn() + Send + 'static) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = match signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]) {
        Ok(signals) => signals,
        Err(error) => {
            tracing::warn!(%error, "cannot watch for SIGTERM: the state is saved only on close");
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("natter-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                tracing::info!(signal, "asked to end: closing the window");
                asked.store(true, std::sync::atomic::Ordering::SeqCst);
                wake();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot watch for SIGTERM");
    }
}

#[cfg(not(unix))]
pub fn watch(_asked: Arc<AtomicBool>, _wake: impl Fn() + Send + 'static) {}
