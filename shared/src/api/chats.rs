//! `/chats`: direct and group chats, the chat list.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::messages::Message;
use crate::ids::{ChatId, UserId};
use crate::validation::{DisplayName, Username};

/// Direct (two people) or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ChatKind {
    Direct,
    Group,
}

/// A member's role in a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ChatRole {
    Admin,
    Member,
}

/// `POST /chats`: `{partner_id}` opens the direct chat with that user (created once, the same
/// chat every time after); `{title, member_ids}` creates a group with the caller as admin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateChatRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_ids: Option<Vec<UserId>>,
}

impl CreateChatRequest {
    /// Longest group title, in characters.
    pub const TITLE_MAX: usize = 128;
    /// Most members a group can be created with (the creator included).
    pub const MEMBERS_MAX: usize = 500;
}

/// The other person of a direct chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatPartner {
    pub id: UserId,
    pub username: Username,
    pub display_name: Option<DisplayName>,
    pub online: bool,
    /// When they were last connected (absent for someone never connected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// One chat as the caller sees it (unread count and partner are the caller's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatSummary {
    pub id: ChatId,
    pub kind: ChatKind,
    /// The group title; `None` for direct chats (show the partner's name).
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<ChatPartner>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<Message>,
    /// The newest message's `seq` (0 when there is none). A client that has seen less
    /// fetches the gap: this is how no message is ever missed.
    pub last_seq: i64,
    /// The caller's read cursor.
    pub read_seq: i64,
    /// `last_seq - read_seq`.
    pub unread_count: i64,
    pub member_count: i64,
    pub created_at: DateTime<Utc>,
    /// Last activity: creation or the newest message.
    pub updated_at: DateTime<Utc>,
}

/// `GET /chats?limit&offset&unread_only`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ChatListQuery {
    /// 1–200, default 50.
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub offset: Option<u32>,
    /// Only chats with unread messages.
    #[serde(default)]
    pub unread_only: Option<bool>,
}

impl ChatListQuery {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 200;
}

/// The caller's chats, most recent activity first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatList {
    pub chats: Vec<ChatSummary>,
    /// All chats matching the filter, not just this page.
    pub total: i64,
    pub has_more: bool,
}

/// A member, as listed by `GET /chats/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatMember {
    pub id: UserId,
    pub username: Username,
    pub display_name: Option<DisplayName>,
    pub role: ChatRole,
    pub read_seq: i64,
}

/// `GET /chats/{id}`: the summary and the members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatDetails {
    pub chat: ChatSummary,
    pub members: Vec<ChatMember>,
}
