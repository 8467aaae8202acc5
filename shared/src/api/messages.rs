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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
}

/// `POST /chats/{id}/messages` (the WebSocket `message` frame carries the same fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessageRequest {
    /// 1–4096 characters after trimming.
    pub text: String,
    /// The idempotency key: sending it again returns the original message.
    pub request_id: RequestId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MessageId>,
}

/// `GET /chats/{id}/messages?limit&before&after`: keyset pagination on `seq`. With neither
/// `before` nor `after`, the newest page. Messages are always in ascending `seq`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct HistoryQuery {
    /// 1–200, default 50.
    #[serde(default)]
    pub limit: Option<u32>,
    /// Only messages with `seq < before` (the page just before it).
    #[serde(default)]
    pub before: Option<i64>,
    /// Only messages with `seq > after` (the page just after it): how a client fills a gap.
    #[serde(default)]
    pub after: Option<i64>,
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
