//! The notification thread: shows desktop notifications through notify-rust (D-Bus via
//! zbus on Linux), one per chat: a newer notification for a chat replaces the shown one
//! instead of piling up. Where no notification service runs, it says so once in the log
//! and stops trying.

use std::collections::HashMap;
use std::sync::mpsc::Receiver;

use natter_shared::ChatId;

use crate::effect::Notification;

/// What the notification thread is asked to do.
pub enum NotifyCommand {
    Show(Notification),
    /// Close the chat's notification (its message was deleted).
    Withdraw(ChatId),
}

/// Runs until the channel closes (the executor was dropped).
pub fn notify_loop(requests: &Receiver<NotifyCommand>) {
    let mut shown: HashMap<ChatId, Shown> = HashMap::new();
    let mut available = true;
    while let Ok(command) = requests.recv() {
        if !available {
            continue;
        }
        let request = match command {
            NotifyCommand::Show(request) => request,
            NotifyCommand::Withdraw(chat) => {
                if let Some(handle) = shown.remove(&chat) {
                    close(handle);
                }
                continue;
            }
        };
        let mut notification = notify_rust::Notification::new();
        notification
            .appname("Natter")
            .summary(&request.title)
            .body(&request.body);
        if request.sound {
            notification.sound_name("message-new-instant");
        }
        replace(&mut notification, shown.get(&request.chat_id).map(shown_id));
        match notification.show() {
            Ok(handle) => {
                shown.insert(request.chat_id, keep(handle));
            }
            Err(error) => {
                tracing::warn!(
                    %error,
                    "desktop notifications are unavailable (no notification service?); \
                     carrying on without them"
                );
                available = false;
            }
        }
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
fn replace(notification: &mut notify_rust::Notification, previous: Option<u32>) {
    if let Some(id) = previous {
        notification.id(id);
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn replace(_notification: &mut notify_rust::Notification, _previous: Option<u32>) {}

/// A shown notification, kept so it can be replaced and closed (freedesktop only; elsewhere
/// notify-rust can do neither and nothing is kept).
#[cfg(all(unix, not(target_os = "macos")))]
type Shown = notify_rust::NotificationHandle;
#[cfg(not(all(unix, not(target_os = "macos"))))]
type Shown = ();

#[cfg(all(unix, not(target_os = "macos")))]
fn keep(handle: notify_rust::NotificationHandle) -> Shown {
    handle
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn keep(_handle: notify_rust::NotificationHandle) -> Shown {}

#[cfg(all(unix, not(target_os = "macos")))]
fn shown_id(handle: &Shown) -> u32 {
    handle.id()
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn shown_id(_handle: &Shown) -> u32 {
    0
}

#[cfg(all(unix, not(target_os = "macos")))]
fn close(handle: Shown) {
    handle.close();
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn close(_handle: Shown) {}
