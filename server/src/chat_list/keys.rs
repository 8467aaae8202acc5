//! Key names, scripts and small conversions shared by the cache's readers and writers.

use std::time::Duration;

use chrono::{DateTime, Utc};
use natter_shared::UserId;
use natter_shared::api::{ChatKind, ChatPartner, User};
use serde::{Deserialize, Serialize};

use crate::db::chats::ChatRow;
use crate::startup::AppState;

/// How long a user's cached list is trusted before it is rebuilt.
pub(super) const LIST_TTL: Duration = Duration::from_secs(600);
/// How long chat and profile entries live without being touched.
pub(super) const ENTRY_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// What a chat is, apart from its activity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct ChatMeta {
    pub(super) kind: ChatKind,
    pub(super) title: Option<String>,
    pub(super) members: Vec<UserId>,
    pub(super) created_at: DateTime<Utc>,
}

/// Sets a chat hash's activity only if `last_seq` is not behind the cached one. With an empty
/// `meta` it only updates an existing entry (an entry without meta would be unusable).
pub(super) const SET_CHAT: &str = r"
local cur = tonumber(redis.call('HGET', KEYS[1], 'last_seq') or '-1')
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'meta', ARGV[4])
elseif cur < 0 then
  return 0
end
if tonumber(ARGV[1]) >= cur then
  redis.call('HSET', KEYS[1], 'last_seq', ARGV[1], 'updated_us', ARGV[2], 'last', ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
";

/// Raises a hash field to a number, never lowers it.
pub(super) const SET_MAX: &str = r"
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

pub(super) fn k(state: &AppState, suffix: &str) -> String {
    state.redis.key(suffix)
}

/// Activity times are kept in microseconds, as PostgreSQL keeps them (they fit a sorted
/// set's score exactly), so the cache and the database answer identically.
pub(super) fn us(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// `direct` or `group`, as stored.
pub(super) fn kind_of(chat: &ChatRow) -> ChatKind {
    if chat.kind == "direct" {
        ChatKind::Direct
    } else {
        ChatKind::Group
    }
}

/// The partner of a direct chat as the list shows them.
pub(crate) fn partner_of(u: &User, online: bool) -> ChatPartner {
    ChatPartner {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        online,
        last_seen_at: u.last_seen_at,
    }
}
