//! What the local store (`crate::store`) keeps of one signed-in account, as plain data: the
//! chats with the tail of their history, members and cursors, the outbox (sends, changes,
//! the attachments' uploads), the drafts and the person's own profile. The reducer turns the
//! state into these (writes) and back (at start); the store only reads and writes them.
//! [`KeptMarks`] is what the store was last given, for the reducer to compare with.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use natter_shared::api::{ChatMember, ChatSummary, FileInfo, GroupInfo, Message, User};
use natter_shared::{ChatId, MessageId, RequestId, UserId};
use serde::{Deserialize, Serialize};

use super::chats::{ChatEntry, Outgoing, OutgoingState, PendingChange};
use super::compose::Draft;
use super::transfers::{Upload, UploadPhase, UploadPurpose};
use crate::transfers::UploadKey;

/// How many of a chat's newest messages are kept (the rest is fetched when scrolled to).
pub const KEPT_MESSAGES: usize = 100;

/// Everything kept for one account, as loaded at start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kept {
    /// The person's own profile as last seen (the shell opens with it before any answer).
    pub user: Option<User>,
    pub chats: Vec<KeptChat>,
    pub sends: Vec<KeptSend>,
    pub changes: Vec<KeptChange>,
    pub uploads: Vec<KeptUpload>,
    pub drafts: Vec<(ChatId, Draft)>,
}

/// One chat: the list's view of it, the gap-free tail of its history up to `synced_seq`,
/// and where its event log and read cursors stood.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptChat {
    pub summary: ChatSummary,
    /// Oldest first; every seq from the first up to `synced_seq` (none missing).
    pub messages: Vec<Message>,
    pub synced_seq: Option<i64>,
    /// The last event of the chat's log applied to `messages`.
    pub event_seq: Option<i64>,
    /// The highest seq this person has had on screen.
    pub read_wanted: i64,
    /// Other members' read cursors (the "read" ticks).
    pub others_read: HashMap<UserId, i64>,
    pub members: Vec<ChatMember>,
    pub group: Option<GroupInfo>,
    /// The pinned messages, newest pin first (the pinned bar of an offline start).
    pub pins: Vec<Message>,
}

/// What the store was last given, kept in the state so that after an action the reducer
/// compares the state with it in place (`reduce/kept.rs`): nothing is copied unless it
/// changed. A cache, not part of what the state means: any two compare equal.
#[derive(Clone, Default)]
pub struct KeptMarks {
    /// Taken from the state once (the first action, or what the store loaded).
    pub primed: bool,
    pub user: Option<User>,
    pub sends: Vec<KeptSend>,
    pub changes: Vec<KeptChange>,
    pub uploads: Vec<KeptUpload>,
    pub drafts: HashMap<ChatId, Draft>,
    pub chats: HashMap<ChatId, ChatMark>,
}

impl PartialEq for KeptMarks {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for KeptMarks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptMarks")
            .field("primed", &self.primed)
            .field("chats", &self.chats.len())
            .finish_non_exhaustive()
    }
}

/// What a chat's kept form was made from (its messages by their count and ends only: a
/// change inside the tail moves `event_seq`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMark {
    pub summary: ChatSummary,
    pub synced_seq: Option<i64>,
    pub event_seq: Option<i64>,
    pub count: usize,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub read_wanted: i64,
    pub others_read: HashMap<UserId, i64>,
    pub members: Vec<ChatMember>,
    pub group: Option<GroupInfo>,
    pub pins: Vec<Message>,
    /// A window opened at an older message: not the tail, not kept until back at the end.
    pub detached: bool,
}

impl ChatMark {
    pub fn of(entry: &ChatEntry) -> Self {
        Self {
            summary: entry.summary.clone(),
            synced_seq: entry.synced_seq,
            event_seq: entry.event_seq,
            count: entry.messages.len(),
            first: entry.messages.keys().next().copied(),
            last: entry.messages.keys().next_back().copied(),
            read_wanted: entry.read.wanted,
            others_read: entry.others_read.clone(),
            members: entry.members.clone(),
            group: entry.group.clone(),
            pins: entry.pins.clone(),
            detached: entry.history.detached,
        }
    }

    /// Whether `entry` is still what this mark was taken of (compared in place, no copies).
    pub fn matches(&self, entry: &ChatEntry) -> bool {
        self.synced_seq == entry.synced_seq
            && self.event_seq == entry.event_seq
            && self.count == entry.messages.len()
            && self.first == entry.messages.keys().next().copied()
            && self.last == entry.messages.keys().next_back().copied()
            && self.read_wanted == entry.read.wanted
            && self.detached == entry.history.detached
            && self.summary == entry.summary
            && self.others_read == entry.others_read
            && self.members == entry.members
            && self.group == entry.group
            && self.pins == entry.pins
    }
}

/// Why the local store could not be written, for the person (`ui/words.rs` says it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreProblem {
    /// No room left on the disk.
    DiskFull,
    /// The file or its folder may not be written (permissions, a read-only disk).
    ReadOnly,
    /// Another program holds the file (another Natter of the same account?).
    Busy,
    /// Anything else, as SQLite or the system said it.
    Other(String),
}

/// A send not yet acknowledged (whatever its state: all go out again after a restart, with
/// their request ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptSend {
    pub request_id: RequestId,
    pub chat_id: ChatId,
    pub text: String,
    pub reply_to: Option<MessageId>,
    #[serde(default)]
    pub uploads: Vec<UploadKey>,
    pub created_at: DateTime<Utc>,
}

impl KeptSend {
    pub fn of(o: &Outgoing) -> Self {
        Self {
            request_id: o.request_id,
            chat_id: o.chat_id,
            text: o.text.clone(),
            reply_to: o.reply_to,
            uploads: o.uploads.clone(),
            created_at: o.created_at,
        }
    }

    /// Whether `o` is still what this was made of (compared in place).
    pub fn matches(&self, o: &Outgoing) -> bool {
        self.request_id == o.request_id
            && self.chat_id == o.chat_id
            && self.created_at == o.created_at
            && self.reply_to == o.reply_to
            && self.text == o.text
            && self.uploads == o.uploads
    }

    /// Back into the outbox: queued, to go out on the next connection.
    pub fn into_outgoing(self) -> Outgoing {
        Outgoing {
            request_id: self.request_id,
            chat_id: self.chat_id,
            text: self.text,
            reply_to: self.reply_to,
            uploads: self.uploads,
            created_at: self.created_at,
            state: OutgoingState::Queued,
        }
    }
}

/// An edit, delete, reaction, pin or forward not yet answered, as its frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptChange {
    pub request_id: RequestId,
    pub chat_id: ChatId,
    pub frame: natter_shared::ws::ClientFrame,
}

impl KeptChange {
    pub fn of(c: &PendingChange) -> Self {
        Self {
            request_id: c.request_id,
            chat_id: c.chat_id,
            frame: c.frame.clone(),
        }
    }

    /// Whether `c` is still what this was made of (compared in place).
    pub fn matches(&self, c: &PendingChange) -> bool {
        self.request_id == c.request_id && self.chat_id == c.chat_id && self.frame == c.frame
    }

    /// Back among the pending changes, unsent.
    pub fn into_pending(self) -> PendingChange {
        PendingChange {
            request_id: self.request_id,
            chat_id: self.chat_id,
            frame: self.frame,
            sent: false,
            before: None,
        }
    }
}

/// The upload of an attachment (of a send or of a draft): resumed at start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptUpload {
    pub key: UploadKey,
    pub chat_id: ChatId,
    pub path: PathBuf,
    pub size: Option<u64>,
    pub location: Option<String>,
    /// Once it is a file.
    pub file: Option<FileInfo>,
}

impl KeptUpload {
    /// What is kept of an upload: attachments only (a profile or group photo is not resumed).
    pub fn of(u: &Upload) -> Option<Self> {
        match u.purpose {
            UploadPurpose::Attachment(chat_id) => Some(Self {
                key: u.key,
                chat_id,
                path: u.path.clone(),
                size: u.size,
                location: u.location.clone(),
                file: u.file().cloned(),
            }),
            UploadPurpose::Photo | UploadPurpose::GroupPhoto(_) => None,
        }
    }

    /// Whether an upload like `u` is kept at all (attachments are).
    pub fn is_kept(u: &Upload) -> bool {
        matches!(u.purpose, UploadPurpose::Attachment(_))
    }

    /// Whether `u` is kept and still what this was made of (compared in place).
    pub fn matches(&self, u: &Upload) -> bool {
        u.purpose == UploadPurpose::Attachment(self.chat_id)
            && self.key == u.key
            && self.size == u.size
            && self.path == u.path
            && self.location == u.location
            && self.file.as_ref() == u.file()
    }

    /// Back as an upload to resume (or ready, when it became a file).
    pub fn into_upload(self) -> Upload {
        let mut upload = Upload::new(self.key, UploadPurpose::Attachment(self.chat_id), self.path);
        upload.size = self.size;
        upload.location = self.location;
        if let Some(file) = self.file {
            upload.done = u64::try_from(file.size).unwrap_or(0);
            upload.phase = UploadPhase::Ready(file);
        }
        upload
    }
}
