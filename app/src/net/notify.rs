//! The notification thread: shows desktop notifications through notify-rust (D-Bus via
//! zbus on Linux), one per chat: a newer notification for a chat replaces the shown one
//! instead of piling up. Where no notification service runs, it says so once in the log
//! and stops trying.

use std::collections::HashMap;
use std::sync::mpsc::Receiver;

use natter_shared::ChatId;

use crate::effect::Notification;

/// Runs until the channel closes (the executor was dropped).
pub fn notify_loop(requests: &Receiver<Notification>) {
    let mut shown: HashMap<ChatId, u32> = HashMap::new();
    let mut available = true;
    while let Ok(request) = requests.recv() {
        if !available {
            continue;
        }
        let mut notification = notify_rust::Notification::new();
        notification
            .appname("Natter")
            .summary(&request.title)
            .body(&request.body);
        if request.sound {
            notification.sound_name("message-new-instant");
        }
        replace(&mut notification, shown.get(&request.chat_id).copied());
        match notification.show() {
            Ok(handle) => {
                shown.insert(request.chat_id, handle_id(&handle));
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

#[cfg(all(unix, not(target_os = "macos")))]
fn handle_id(handle: &notify_rust::NotificationHandle) -> u32 {
    handle.id()
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn handle_id(_handle: &notify_rust::NotificationHandle) -> u32 {
    0
}
