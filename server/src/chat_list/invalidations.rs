//! Chat-list cache entries whose update failed while Redis was unreachable. They are
//! dropped once it answers again (by `update::start_invalidator`), so a stale entry cannot
//! outlive an outage.

use std::collections::HashSet;
use std::sync::Mutex;

use natter_shared::{ChatId, UserId};

/// Users whose list, and chats whose entry, must be dropped.
#[derive(Default)]
pub struct Invalidations {
    users: Mutex<HashSet<UserId>>,
    chats: Mutex<HashSet<ChatId>>,
}

impl Invalidations {
    /// Remembers entries to drop.
    pub fn note(&self, users: &[UserId], chat: Option<ChatId>) {
        self.users
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(users.iter().copied());
        if let Some(c) = chat {
            self.chats
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(c);
        }
    }

    /// What is waiting to be dropped.
    pub fn pending(&self) -> (Vec<UserId>, Vec<ChatId>) {
        let users = self
            .users
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        let chats = self
            .chats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        (users, chats)
    }

    /// Forgets entries that have been dropped.
    pub fn done(&self, users: &[UserId], chats: &[ChatId]) {
        let mut pending = self.users.lock().unwrap_or_else(|p| p.into_inner());
        for u in users {
            pending.remove(u);
        }
        drop(pending);
        let mut pending = self.chats.lock().unwrap_or_else(|p| p.into_inner());
        for c in chats {
            pending.remove(c);
        }
    }
}
