//! Every Redis key of the chat list, built by a named function (nothing else formats them),
//! the scripts that write them, and small conversions shared by the cache's readers and
//! writers.
//!
//! Keys (under the deployment prefix):
//! - [`list`] `cl:<user>` sorted set: chat id → last activity (µs); the list's order
//! - [`reads`] `cl:<user>:r` hash: chat id → the user's read cursor
//! - [`complete`] `cl:<user>:ok`: present while the two above hold every chat of the user
//! - `cl:<user>:busy` (built in `marks`, which the writer uses too): tokens of changes in
//!   flight on the user's chats; while it is not empty the list is read from PostgreSQL
//! - [`chat`] `c:<chat>` hash: `meta` (JSON: kind, title, members, created), `last_seq`,
//!   `updated_us`, `last` (the newest message, JSON), `last_ev` (the event seq `last` is as
//!   of), `last_event_seq`
//! - [`profile`] `u:<user>`: the public profile (JSON), dropped when the profile changes
//!
//! The scripts go to Redis by their SHA1 (`EVALSHA`, added with [`evalsha`]): the text and
//! Redis's hashing of it cost nothing per call. [`run`] sends a pipeline of them and loads
//! them again when Redis answers `NOSCRIPT` (restarted, or `SCRIPT FLUSH`).

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use natter_shared::api::{ChatKind, ChatPartner, PresenceVisibility, User};
use natter_shared::{ChatId, UserId};
use serde::{Deserialize, Serialize};

use redis::aio::ConnectionManager;
use redis::{Pipeline, RedisError, RedisResult, Script, ServerErrorKind};

use crate::cache::Redis;

/// How long a user's cached list is trusted before it is rebuilt.
pub(super) const LIST_TTL: Duration = Duration::from_secs(600);
/// How long chat and profile entries live without being touched.
pub(super) const ENTRY_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// `cl:<user>`: the user's chats by last activity.
pub(super) fn list(redis: &Redis, user: UserId) -> String {
    redis.key_with(format_args!("cl:{user}"))
}

/// `cl:<user>:r`: the user's read cursor per chat.
pub(super) fn reads(redis: &Redis, user: UserId) -> String {
    redis.key_with(format_args!("cl:{user}:r"))
}

/// `cl:<user>:m`: the seq of the newest message mentioning the user, per chat.
pub(super) fn mentions(redis: &Redis, user: UserId) -> String {
    redis.key_with(format_args!("cl:{user}:m"))
}

/// `cl:<user>:ok`: the marker of a complete cached list.
pub(super) fn complete(redis: &Redis, user: UserId) -> String {
    redis.key_with(format_args!("cl:{user}:ok"))
}

/// `cl:<user>:rb`: the token of the rebuild under way; a new chat of the user deletes it, so
/// a rebuild that read PostgreSQL before the chat existed does not mark the list complete.
pub(super) fn rebuilding(redis: &Redis, user: UserId) -> String {
    redis.key_with(format_args!("cl:{user}:rb"))
}

/// Marks a list complete (KEYS[2], TTL ARGV[2] ms) only if the rebuild's token (KEYS[1])
/// is still ARGV[1]: nothing was added to the user's chats while it read PostgreSQL.
pub(super) static COMPLETE_IF_UNTOUCHED: LazyLock<Script> =
    LazyLock::new(|| Script::new(COMPLETE_IF_UNTOUCHED_LUA));
const COMPLETE_IF_UNTOUCHED_LUA: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], 1, 'PX', ARGV[2])
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// `c:<chat>`: a chat's meta and activity.
pub(super) fn chat(redis: &Redis, chat: ChatId) -> String {
    redis.key_with(format_args!("c:{chat}"))
}

/// A chat's id as a field of the per-user hashes and a member of the list's sorted set (as
/// `ChatId`'s `Display` writes it), written into `buf`: no allocation per command.
pub(super) fn chat_field(chat: ChatId, buf: &mut [u8; uuid::fmt::Hyphenated::LENGTH]) -> &str {
    chat.0.hyphenated().encode_lower(buf)
}

/// `u:<user>`: a cached public profile.
pub(super) fn profile(redis: &Redis, user: UserId) -> String {
    redis.key_with(format_args!("u:{user}"))
}

/// What a chat is, apart from its activity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct ChatMeta {
    pub(super) kind: ChatKind,
    pub(super) title: Option<String>,
    pub(super) members: Vec<UserId>,
    pub(super) created_at: DateTime<Utc>,
    #[serde(default)]
    pub(super) request_from: Option<UserId>,
    #[serde(default)]
    pub(super) blocked: bool,
    #[serde(default)]
    pub(super) photo: Option<uuid::Uuid>,
}

impl ChatMeta {
    /// The meta of `chat` with `members`.
    pub(super) fn of(chat: &crate::db::chats::ChatRow, members: Vec<UserId>) -> Self {
        Self {
            kind: chat.kind,
            title: chat.title.clone(),
            members,
            created_at: chat.created_at,
            request_from: chat.request_from.map(UserId),
            blocked: chat.blocked,
            photo: chat.photo_id,
        }
    }
}

/// Moves a chat hash forward, never back. ARGV: 1 the message's seq, 2 `updated_us` (empty:
/// keep), 3 the message (JSON, may be empty), 4 `meta` (empty: keep; then only an existing
/// entry is updated, as one without meta would be unusable), 5 the TTL (ms), 6 the event seq
/// the message is as of, 7 (with `meta`) the chat's `members_version` the meta is as of: an
/// older meta never replaces a newer one. `last` is replaced by a newer message, or by a newer state of the
/// same message (an edit or delete of the newest one); `last_event_seq` only rises.
pub(super) static SET_CHAT: LazyLock<Script> = LazyLock::new(|| Script::new(SET_CHAT_LUA));
const SET_CHAT_LUA: &str = r"
local cur = tonumber(redis.call('HGET', KEYS[1], 'last_seq') or '-1')
if ARGV[4] ~= '' then
  local mv = tonumber(ARGV[7] or '0')
  local cur_mv = tonumber(redis.call('HGET', KEYS[1], 'meta_v') or '-1')
  if mv >= cur_mv then redis.call('HSET', KEYS[1], 'meta', ARGV[4], 'meta_v', mv) end
elseif cur < 0 then
  return 0
end
local seq = tonumber(ARGV[1])
local ev = tonumber(ARGV[6])
local cur_ev = tonumber(redis.call('HGET', KEYS[1], 'last_event_seq') or '-1')
local last_ev = tonumber(redis.call('HGET', KEYS[1], 'last_ev') or '-1')
if ev > cur_ev then redis.call('HSET', KEYS[1], 'last_event_seq', ev) end
if seq > cur or (seq == cur and ev >= last_ev) then
  redis.call('HSET', KEYS[1], 'last_seq', seq, 'last', ARGV[3], 'last_ev', ev)
  if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'updated_us', ARGV[2]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
";

/// Raises a hash field to a number, never lowers it.
pub(super) static SET_MAX: LazyLock<Script> = LazyLock::new(|| Script::new(SET_MAX_LUA));
const SET_MAX_LUA: &str = r"
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

/// Adds a chat to a user's list (KEYS[1]) only while the list is complete (KEYS[2]): an
/// incomplete one is rebuilt anyway.
pub(super) static ADD_IF_COMPLETE: LazyLock<Script> =
    LazyLock::new(|| Script::new(ADD_IF_COMPLETE_LUA));
const ADD_IF_COMPLETE_LUA: &str = r"
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('ZADD', KEYS[1], 'GT', ARGV[1], ARGV[2]) end
return 1
";

/// Every script of the chat list, as [`run`] loads them.
const SCRIPTS: [&str; 4] = [
    SET_CHAT_LUA,
    SET_MAX_LUA,
    ADD_IF_COMPLETE_LUA,
    COMPLETE_IF_UNTOUCHED_LUA,
];

/// Adds `EVALSHA <script's SHA1> <keys>` to `pipe`; the keys, then the arguments, follow as
/// `.arg`s.
pub(super) fn evalsha<'p>(
    pipe: &'p mut Pipeline,
    script: &Script,
    keys: usize,
) -> &'p mut Pipeline {
    pipe.cmd("EVALSHA").arg(script.get_hash()).arg(keys)
}

/// Runs `pipe` (its replies ignored). When Redis does not know a script (restarted, or its
/// scripts flushed, since they were last loaded), loads every script and runs the pipeline
/// once more; a second failure is returned like any other. The commands that did run the
/// first time run twice, which is harmless as every write of the chat list only moves values
/// forward or deletes; but until the second run the pipeline's effects are in part, so a
/// command that must follow all the others (a rebuild's completion) goes in a `run` of its
/// own.
pub(super) async fn run(pipe: &Pipeline, conn: &mut ConnectionManager) -> RedisResult<()> {
    match pipe.query_async::<()>(conn).await {
        Err(e) if no_script(&e) => {
            let mut load = redis::pipe();
            for code in SCRIPTS {
                load.cmd("SCRIPT").arg("LOAD").arg(code).ignore();
            }
            load.query_async::<()>(conn).await?;
            tracing::debug!("chat-list scripts loaded into Redis");
            pipe.query_async::<()>(conn).await
        }
        other => other,
    }
}

/// Whether any command of a pipeline failed because Redis did not know its script.
fn no_script(e: &RedisError) -> bool {
    e.clone().into_server_errors().is_some_and(|errors| {
        errors
            .iter()
            .any(|(_, error)| error.kind() == Some(ServerErrorKind::NoScript))
    })
}

/// Activity times are kept in microseconds, as PostgreSQL keeps them (they fit a sorted
/// set's score exactly), so the cache and the database answer identically.
pub(super) fn us(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The partner of a direct chat as the list shows them: `u` is their full profile
/// (`UserRow::to_api_own`), whose setting decides whether the other member of the chat sees
/// their presence.
pub(crate) fn partner_of(u: &User, online: bool) -> ChatPartner {
    let shown = u
        .presence_visibility
        .unwrap_or(PresenceVisibility::Everyone)
        .visible_to(false, true);
    ChatPartner {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        online: shown && online,
        last_seen_at: u.last_seen_at.filter(|_| shown),
        avatar: u.avatar,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_field_is_the_chat_id_as_displayed() {
        let chat = ChatId::new_random();
        let mut buf = [0; uuid::fmt::Hyphenated::LENGTH];
        assert_eq!(chat_field(chat, &mut buf), chat.to_string());
    }

    #[test]
    fn the_scripts_loaded_on_noscript_are_those_called() {
        let loaded: Vec<String> = SCRIPTS
            .iter()
            .map(|code| Script::new(code).get_hash().to_owned())
            .collect();
        for script in [
            &*SET_CHAT,
            &*SET_MAX,
            &*ADD_IF_COMPLETE,
            &*COMPLETE_IF_UNTOUCHED,
        ] {
            assert!(loaded.iter().any(|h| h == script.get_hash()));
        }
    }
}
