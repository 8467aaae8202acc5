//! `/chats/{id}/messages` and `/chats/{id}/read`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ChatId, MessageId, RequestId, UserId};

/// A stored message. `seq` numbers the messages of a chat 1, 2, 3 … with no gaps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: MessageId,
    pub chat_id: ChatId,
    pub seq: i64,
    pub sender_id: UserId,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
    /// The sender's idempotency key: lets the sender's devices match a pending send to the
    /// stored message it became (from the ack, a `new_message`, or a history page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    pub created_at: DateTime<Utc>,
    /// When the text was last changed ("edited").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
    /// Deleted for everyone: a tombstone that keeps its `seq`; `text` is empty and nothing
    /// else of the message is kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// Deleted by the caller for themselves only: shown to nobody else this way; `text` is
    /// empty in the caller's answers.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    /// A forwarded message: who wrote the original, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_from: Option<ForwardedFrom>,
    /// Reactions, one entry per distinct emoji, in the order they were first given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// When the message was pinned (absent when it is not pinned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned_at: Option<DateTime<Utc>>,
    /// A service message ("Alice added Bob"): what happened; `text` is empty and the app
    /// draws it in its words, centred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<crate::api::groups::ServiceAction>,
    /// Members this message mentions with `@username` (resolved by the server).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<UserId>,
    /// The files it carries, in the order sent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::api::files::FileInfo>,
}

impl Message {
    /// Most distinct emoji on one message.
    pub const REACTIONS_MAX: usize = 20;

    /// Whether the message is gone for the caller (deleted for everyone, or for them).
    pub fn is_gone(&self) -> bool {
        self.deleted || self.hidden
    }
}

/// Where a forwarded message came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForwardedFrom {
    pub sender_id: UserId,
    pub created_at: DateTime<Utc>,
}

/// One emoji on a message: how many gave it, and who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reaction {
    pub emoji: String,
    pub count: i64,
    /// Who gave it, earliest first.
    pub user_ids: Vec<UserId>,
}

/// `PATCH /chats/{id}/messages/{message_id}`: a new text for one's own message, within the
/// edit window. `request_id` makes a retry harmless: an edit seen before changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EditMessageRequest {
    /// 1–4096 characters after trimming.
    pub text: String,
    pub request_id: RequestId,
}

/// `DELETE /chats/{id}/messages/{message_id}?for_everyone=`: for everyone (own messages, and
/// in groups any message for the chat's admins) or, by default, for the caller only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DeleteMessageQuery {
    #[serde(default)]
    pub for_everyone: Option<bool>,
}

/// `POST /chats/{id}/messages/{message_id}/reactions`: add one emoji (adding it again
/// changes nothing). `DELETE …/reactions/{emoji}` takes it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactionRequest {
    /// Exactly one emoji (see [`crate::Emoji`]).
    pub emoji: String,
}

/// `POST /chats/{id}/forward`: copies messages of another chat the caller belongs to into
/// this one, in their order. Each copy's idempotency key is derived from `request_id` and
/// its position, so a retry returns the same copies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForwardRequest {
    pub from_chat_id: ChatId,
    /// 1–[`ForwardRequest::MAX`] messages of `from_chat_id`.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub message_ids: Vec<MessageId>,
    pub request_id: RequestId,
}

impl ForwardRequest {
    /// Most messages forwarded at once.
    pub const MAX: usize = 100;

    /// The idempotency key of the `index`-th copy.
    pub fn copy_request_id(request_id: RequestId, index: usize) -> RequestId {
        RequestId(uuid::Uuid::new_v5(
            &request_id.0,
            &(index as u64).to_be_bytes(),
        ))
    }
}

/// The copies a forward made (or made before, for a retry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Forwarded {
    pub messages: Vec<Message>,
}

/// `GET /chats/{id}/pins`: the pinned messages, newest pin first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pins {
    pub messages: Vec<Message>,
}

/// `POST /chats/{id}/messages` (the WebSocket `message` frame carries the same fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessageRequest {
    /// 1–4096 characters after trimming; may be empty when the message carries files.
    /// Required by the schema for a text message; a message that carries files may leave it
    /// out or send `""`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub text: String,
    /// The idempotency key: sending it again returns the original message.
    pub request_id: RequestId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
    /// Up to 10 finished uploads of one's own (`ready`), in the order to show them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub attachments: Vec<crate::ids::FileId>,
}

/// `GET /chats/{id}/messages?limit&before&after&around&around_id`: keyset pagination on
/// `seq`. With none of `before`, `after`, `around` and `around_id`, the newest page. Messages
/// are always in ascending `seq`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct HistoryQuery {
    /// 1–200, default 50.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    /// Only messages with `seq < before` (the page just before it).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub before: Option<i64>,
    /// Only messages with `seq > after` (the page just after it): how a client fills a gap.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub after: Option<i64>,
    /// The page around this seq (about half before, half after, the message itself
    /// included): how a client opens history at a search hit or a quoted message. Not with
    /// `before` or `after`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub around: Option<i64>,
    /// The page around this message, as `around` its seq: how a client opens a reply's
    /// original when it knows only its id. A message the caller cannot read there (unknown,
    /// of another chat, deleted, after they left) is 404, as an unknown one. Not with
    /// `around`, `before` or `after`.
    #[serde(default)]
    pub around_id: Option<MessageId>,
}

impl HistoryQuery {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 200;
}

/// A page of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagePage {
    pub messages: Vec<Message>,
    /// Older messages exist before this page.
    pub has_previous: bool,
    /// Newer messages exist after this page.
    pub has_next: bool,
}

/// `POST /chats/{id}/read`: the caller has read up to `seq`. The cursor only moves forward.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadRequest {
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    #[serde(deserialize_with = "crate::numbers::whole")]
    pub seq: i64,
}

/// The caller's read state after `POST /chats/{id}/read`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadState {
    pub chat_id: ChatId,
    pub read_seq: i64,
    pub unread_count: i64,
}
