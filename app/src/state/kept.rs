//! What the local store (`crate::store`) keeps of one signed-in account, as plain data: the
//! chats with the tail of their history, members and cursors, the outbox (sends, changes,
//! the attachments' uploads), the drafts and the person's own profile. The reducer turns the
//! state into these (writes) and back (at start); the store only reads and writes them.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use natter_shared::api::{ChatMember, ChatSummary, FileInfo, GroupInfo, Message, User};
use natter_shared::{ChatId, MessageId, RequestId, UserId};
use serde::{Deserialize, Serialize};

use super::chats::{Outgoing, OutgoingState, PendingChange};
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
