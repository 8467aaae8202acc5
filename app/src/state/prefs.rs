//! The person's preferences (the settings screen) and what notifications were shown, so a
//! burst of messages in one chat does not become a storm.

use chrono::{DateTime, FixedOffset, Offset as _, Utc};
use natter_shared::ChatId;
use serde::{Deserialize, Serialize};

/// Settings that persist across restarts (with the language and the server address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Desktop notifications for new messages.
    pub notifications: bool,
    /// Show the sender and text in notifications (else just "New message").
    pub previews: bool,
    /// Ask the notification service to play its sound.
    pub sound: bool,
    pub theme: Theme,
    /// Chats that never notify.
    pub muted: Vec<ChatId>,
    /// Ctrl+Enter sends and Enter starts a new line (else Enter sends, Shift+Enter a new line).
    pub ctrl_enter_sends: bool,
    /// Check for new versions at start and every 6 hours.
    pub check_updates: bool,
    /// The signed release manifest's address; empty: the server's own
    /// ([`crate::build_info::manifest_url`]).
    pub update_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            notifications: true,
            previews: true,
            sound: true,
            theme: Theme::System,
            muted: Vec::new(),
            ctrl_enter_sends: false,
            check_updates: true,
            update_url: String::new(),
        }
    }
}

impl Settings {
    pub fn is_muted(&self, chat: ChatId) -> bool {
        self.muted.contains(&chat)
    }
}

/// The colour theme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the operating system.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];
}

/// One change on the settings screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preference {
    Notifications(bool),
    Previews(bool),
    Sound(bool),
    Theme(Theme),
    CtrlEnterSends(bool),
    CheckUpdates(bool),
}

/// The wall clock as the views see it: set once per frame by the app, injected by tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub now: DateTime<Utc>,
    /// The local time zone's offset, for "today", HH:MM and day separators.
    pub offset: FixedOffset,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            now: DateTime::<Utc>::UNIX_EPOCH,
            offset: Utc.fix(),
        }
    }
}

/// The last notification shown for a chat, for coalescing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notified {
    pub at: DateTime<Utc>,
    /// Messages notified since the chat was last looked at.
    pub count: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_saved_before_the_send_mode_existed_load_with_enter_sending() {
        let old =
            r#"{"notifications":false,"previews":true,"sound":true,"theme":"dark","muted":[]}"#;
        let settings: Settings = serde_json::from_str(old).unwrap();
        assert!(!settings.ctrl_enter_sends);
        assert!(!settings.notifications);
        assert_eq!(settings.theme, Theme::Dark);
    }
}
