//! `/users/*`: profiles and search.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;
use crate::validation::{DisplayName, Username};

/// A user's public profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub display_name: Option<DisplayName>,
    pub bio: String,
    pub created_at: DateTime<Utc>,
    /// When the user's first connection last opened or last one closed; with `online`
    /// (where shown) it says "last seen at".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Their photo (`GET /users/{id}/avatar`); the id changes when the photo does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<crate::ids::FileId>,
    /// Who sees my last seen and online state: only in my own profile (`GET /users/me`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_visibility: Option<PresenceVisibility>,
}

crate::named_enum!(
    /// Who sees a user's last seen and online state. The user always sees their own.
    pub enum PresenceVisibility {
        /// Everyone signed in (the default).
        Everyone = "everyone",
        /// People who share a chat with the user (not the sender of a message request the
        /// user has not accepted, nor across a block).
        Contacts = "contacts",
        /// Nobody: no last seen, never online, no presence frames.
        Nobody = "nobody",
    }
);

impl PresenceVisibility {
    /// The one rule: whether a viewer sees the owner's last seen and online state, given
    /// whether the viewer is the owner and whether they share a chat.
    pub fn visible_to(self, is_self: bool, shares_chat: bool) -> bool {
        is_self
            || match self {
                Self::Everyone => true,
                Self::Contacts => shares_chat,
                Self::Nobody => false,
            }
    }
}

impl User {
    /// What to call this person: the display name, else the username.
    pub fn name(&self) -> &str {
        shown_name(&self.username, self.display_name.as_ref())
    }
}

/// What to call a person: the display name, else the username (the one rule for every type
/// that carries both).
pub fn shown_name<'a>(username: &'a Username, display_name: Option<&'a DisplayName>) -> &'a str {
    display_name.map_or(username.as_str(), DisplayName::as_str)
}

/// `PATCH /users/me`: absent fields stay as they are; `display_name: ""` clears it.
/// Read only from a JSON object: every field may be absent, so serde's derive would take
/// `[]` too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    try_from = "serde_json::Map<String, serde_json::Value>"
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateProfileRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    /// Who sees my last seen and online state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_visibility: Option<PresenceVisibility>,
}

impl TryFrom<serde_json::Map<String, serde_json::Value>> for UpdateProfileRequest {
    type Error = serde_json::Error;

    fn try_from(object: serde_json::Map<String, serde_json::Value>) -> Result<Self, Self::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Fields {
            #[serde(default)]
            display_name: Option<String>,
            #[serde(default)]
            bio: Option<String>,
            #[serde(default)]
            presence_visibility: Option<PresenceVisibility>,
        }
        let Fields {
            display_name,
            bio,
            presence_visibility,
        } = serde_json::from_value(serde_json::Value::Object(object))?;
        Ok(Self {
            display_name,
            bio,
            presence_visibility,
        })
    }
}

/// `GET /users?query=&limit=&offset=`: prefix search on username and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct UserSearchQuery {
    /// 3–50 characters after trimming (fewer would list everyone by one-letter prefixes);
    /// matched case-insensitively anywhere in the username or display name.
    pub query: String,
    /// 1–50, default 20.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 50))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 50))]
    pub limit: Option<u32>,
    /// Default 0.
    #[serde(default)]
    // u32: past int32, which the document's integer would otherwise imply
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>, minimum = 0, maximum = 4294967295.0))]
    pub offset: Option<u32>,
}

impl UserSearchQuery {
    pub const DEFAULT_LIMIT: u32 = 20;
    pub const MAX_LIMIT: u32 = 50;
    pub const MAX_QUERY: usize = 50;
    /// The shortest query answered (characters after trimming).
    pub const MIN_QUERY: usize = 3;

    /// Whether `query` is long enough to be sent (the server answers 400 to a shorter one).
    pub fn long_enough(query: &str) -> bool {
        query.trim().chars().count() >= Self::MIN_QUERY
    }
}

/// The answer of a user search, ordered by username.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSearchResponse {
    pub users: Vec<User>,
    pub has_more: bool,
}
