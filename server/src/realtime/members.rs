//! A chat room's members as it last read them, kept by the room actor and reachable
//! through its handle. Plain data: reading them is the room's.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use natter_shared::api::ChatKind;
use natter_shared::{ChatId, UserId};
use uuid::Uuid;

/// What a room shares through its handle: its chat and its members' cell.
pub struct Shared {
    pub chat_id: ChatId,
    pub members: Cell,
}

/// The members as the room last read them (`None`: read them again).
pub type Cell = Arc<Mutex<Slot>>;

/// The members last read, and how many times they were forgotten: a read that began before
/// the latest change is not kept (it may predate it).
#[derive(Default)]
pub struct Slot {
    pub members: Option<Arc<Members>>,
    pub generation: u64,
}

/// Who the room delivers to, as of the chat's `members_version`.
pub struct Members {
    pub version: i64,
    pub kind: ChatKind,
    pub blocked: bool,
    pub request_from: Option<UserId>,
    pub ids: Arc<[UserId]>,
    pub muted: HashSet<UserId>,
    pub by_username: HashMap<String, UserId>,
}

impl Members {
    /// The members `@username`s in `text` name (groups only), each once.
    pub fn mentioned(&self, text: &str) -> Vec<Uuid> {
        if self.kind != ChatKind::Group {
            return Vec::new();
        }
        let mut found = Vec::new();
        let mut prev: Option<char> = None;
        for (i, c) in text.char_indices() {
            let starts = c == '@' && !prev.is_some_and(|p| p.is_alphanumeric() || p == '_');
            prev = Some(c);
            if !starts {
                continue;
            }
            let rest = &text[i + 1..];
            let end = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '.'))
                .unwrap_or(rest.len());
            let name = rest[..end].trim_end_matches('.').to_ascii_lowercase();
            if let Some(id) = self.by_username.get(&name)
                && !found.contains(&id.0)
            {
                found.push(id.0);
            }
        }
        found
    }
}
