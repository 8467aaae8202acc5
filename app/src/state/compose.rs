//! What the person is writing and choosing: per-chat drafts (persisted), the chat-list
//! filter, and the "new chat" / "new group" dialog with its debounced user search.

use chrono::{DateTime, Utc};
use natter_shared::api::{CreateChatRequest, User};
use natter_shared::{ChatId, ChatTitle, MessageId};
use serde::{Deserialize, Serialize};

use super::UiError;

/// The unsent text of one chat and the message it answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub text: String,
    pub reply_to: Option<MessageId>,
    /// The own message being edited in the composer (its text is the draft's text).
    pub editing: Option<MessageId>,
    /// Files attached and uploading; the message takes them when sent.
    pub attachments: Vec<crate::transfers::UploadKey>,
}

impl Draft {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
            && self.reply_to.is_none()
            && self.editing.is_none()
            && self.attachments.is_empty()
    }
}

/// What the message actions have open: the delete confirmation, the forward picker and the
/// multi-selection (Ctrl+click) of the open chat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageActions {
    /// "Delete?" asked about a message.
    pub confirm_delete: Option<(ChatId, MessageId)>,
    /// The forward picker: what is forwarded, and the chats picked so far.
    pub forward: Option<ForwardPicker>,
    /// Messages selected with Ctrl+click in the open chat, in the order picked.
    pub selected: Vec<MessageId>,
}

/// The forward dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardPicker {
    pub from: ChatId,
    pub messages: Vec<MessageId>,
    pub targets: Vec<ChatId>,
}

/// The "new chat" (one person) or "new group" (title and members) dialog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewChat {
    pub group: bool,
    /// The search text as typed.
    pub query: String,
    /// When the typed query is due to be searched (debounce).
    pub search_due: Option<DateTime<Utc>>,
    /// The query whose search is in flight.
    pub searching: Option<String>,
    /// The query the results belong to.
    pub results_for: String,
    pub results: Vec<User>,
    /// Group title as typed.
    pub title: String,
    /// Members picked for the group.
    pub members: Vec<User>,
    /// `POST /chats` is in flight.
    pub creating: bool,
    pub error: Option<UiError>,
}

impl NewChat {
    /// Whether the group in the dialog can be created: a valid title and at least one
    /// member, within the size limit.
    pub fn group_ready(&self) -> bool {
        ChatTitle::parse(&self.title).is_ok()
            && !self.members.is_empty()
            && self.members.len() < CreateChatRequest::MEMBERS_MAX
    }
}
