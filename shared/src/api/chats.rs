//! `/chats`: direct and group chats, the chat list.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::groups::ChatRole;
use crate::api::messages::Message;
use crate::api::users::shown_name;
use crate::ids::{ChatId, UserId};
use crate::validation::{DisplayName, Username};

crate::named_enum!(
    /// Direct (two people) or group.
    pub enum ChatKind {
        Direct = "direct",
        Group = "group",
    }
);

/// `POST /chats`: `{partner_id}` opens the direct chat with that user (created once, the same
/// chat every time after); `{title, member_ids}` creates a group with the caller as admin.
/// Either shape, never a mix: anything else does not deserialize.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, try_from = "CreateChatBody")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CreateChatRequest {
    Direct {
        partner_id: UserId,
    },
    Group {
        /// Checked with [`crate::ChatTitle`] by the server.
        title: String,
        #[serde(default)]
        member_ids: Vec<UserId>,
    },
}

impl CreateChatRequest {
    /// Most members a group can be created with (the creator included).
    pub const MEMBERS_MAX: usize = 500;
}

/// What a `POST /chats` body may hold, before it is known to be one shape.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateChatBody {
    #[serde(default)]
    partner_id: Option<UserId>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    member_ids: Option<Vec<UserId>>,
}

impl TryFrom<CreateChatBody> for CreateChatRequest {
    type Error = &'static str;

    fn try_from(body: CreateChatBody) -> Result<Self, Self::Error> {
        match body {
            CreateChatBody {
                partner_id: Some(partner_id),
                title: None,
                member_ids: None,
            } => Ok(Self::Direct { partner_id }),
            CreateChatBody {
                partner_id: None,
                title: Some(title),
                member_ids,
            } => Ok(Self::Group {
                title,
                member_ids: member_ids.unwrap_or_default(),
            }),
            _ => {
                Err("send either {partner_id} for a direct chat or {title, member_ids} for a group")
            }
        }
    }
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
    /// Their photo (`GET /users/{id}/avatar`); the id changes when the photo does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<crate::ids::FileId>,
}

impl ChatPartner {
    /// What to call this person: the display name, else the username.
    pub fn name(&self) -> &str {
        shown_name(&self.username, self.display_name.as_ref())
    }
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
    /// The newest `event_seq` of the chat's event log (0 when nothing happened yet). A client
    /// that has applied less catches up with `GET /chats/{id}/events?after=`.
    #[serde(default)]
    pub last_event_seq: i64,
    /// The caller's read cursor.
    pub read_seq: i64,
    /// `last_seq - read_seq`.
    pub unread_count: i64,
    /// An unread message mentions the caller (the `@` badge).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unread_mention: bool,
    pub member_count: i64,
    /// A direct chat that is still a message request: who opened it. The other person sees
    /// it among their requests (accept, decline or block); the one who opened it sees
    /// neither their presence nor their reads until it is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_from: Option<UserId>,
    /// One of the two blocks the other: nothing is delivered either way.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
    /// A group's photo (`GET /chats/{id}/photo`); the id changes with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<crate::ids::FileId>,
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
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
    #[serde(default)]
    // u32: past int32, which the document's integer would otherwise imply
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>, minimum = 0, maximum = 4294967295.0))]
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
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub muted: bool,
    pub read_seq: i64,
}

impl ChatMember {
    /// What to call this person: the display name, else the username.
    pub fn name(&self) -> &str {
        shown_name(&self.username, self.display_name.as_ref())
    }
}

/// `GET /chats/{id}`: the summary and the members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatDetails {
    pub chat: ChatSummary,
    pub members: Vec<ChatMember>,
    /// A group's info and rules (absent for direct chats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<crate::api::groups::GroupInfo>,
}
