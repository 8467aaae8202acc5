//! The chat list (`GET /chats`): served from Redis, built from PostgreSQL when the cache is
//! cold, flushed or unreachable.
//!
//! Keys (under the deployment prefix):
//! - `cl:<user>` sorted set: chat id → last activity (µs); the list's order
//! - `cl:<user>:r` hash: chat id → the user's read cursor
//! - `cl:<user>:ok`: present while the two above hold every chat of the user
//! - `c:<chat>` hash: `meta` (JSON: kind, title, members, created), `last_seq`, `updated_us`,
//!   `last` (the newest message, JSON)
//! - `u:<user>`: the public profile (JSON), dropped when the profile changes
//!
//! Every write only moves values forward (newer activity, higher seq, later cursor), so
//! concurrent updates and rebuilds cannot make the cache go back in time. Updates that fail
//! while Redis is unreachable are remembered and the affected entries dropped once it is
//! back, so a stale entry cannot outlive the outage; `ok` markers also expire after
//! [`LIST_TTL`], bounding staleness in any case.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use actix_web::web;
use chrono::{DateTime, TimeZone, Utc};
use natter_shared::api::{
    ChatKind, ChatList, ChatListQuery, ChatPartner, ChatSummary, Message, User,
};
use natter_shared::{ChatId, UserId};
use serde::{Deserialize, Serialize};

use crate::db::{self, chats::ChatRow};
use crate::error::ApiError;
use crate::presence;
use crate::startup::AppState;

/// How long a user's cached list is trusted before it is rebuilt.
const LIST_TTL: Duration = Duration::from_secs(600);
/// How long chat and profile entries live without being touched.
const ENTRY_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// What a chat is, apart from its activity.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChatMeta {
    kind: ChatKind,
    title: Option<String>,
    members: Vec<UserId>,
    created_at: DateTime<Utc>,
}

/// Sets a chat hash's activity only if `last_seq` is not behind the cached one. With an empty
/// `meta` it only updates an existing entry (an entry without meta would be unusable).
const SET_CHAT: &str = r"
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
const SET_MAX: &str = r"
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

fn k(state: &AppState, suffix: &str) -> String {
    state.redis.key(suffix)
}

/// Activity times are kept in microseconds, as PostgreSQL keeps them (they fit a sorted
/// set's score exactly), so the cache and the database answer identically.
fn us(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Entries whose update failed while Redis was unreachable; dropped once it answers again.
#[derive(Default)]
pub struct Invalidations {
    users: Mutex<HashSet<UserId>>,
    chats: Mutex<HashSet<ChatId>>,
}

impl Invalidations {
    fn note(&self, users: &[UserId], chat: Option<ChatId>) {
        self.users
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(users.iter().copied());
        if let Some(c) = chat {
            self.chats
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(c);
        }
    }
}

/// Retries the dropping of stale entries every second while there are any.
pub fn start_invalidator(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let users: Vec<UserId> = state
                .invalidations
                .users
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .copied()
                .collect();
            let chats: Vec<ChatId> = state
                .invalidations
                .chats
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .copied()
                .collect();
            if users.is_empty() && chats.is_empty() {
                continue;
            }
            let mut pipe = redis::pipe();
            for u in &users {
                pipe.del(k(&state, &format!("cl:{u}:ok"))).ignore();
            }
            for c in &chats {
                pipe.del(k(&state, &format!("c:{c}"))).ignore();
            }
            let mut conn = state.redis.conn();
            if pipe.query_async::<()>(&mut conn).await.is_ok() {
                let mut pending = state
                    .invalidations
                    .users
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                for u in &users {
                    pending.remove(u);
                }
                drop(pending);
                let mut pending = state
                    .invalidations
                    .chats
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                for c in &chats {
                    pending.remove(c);
                }
                tracing::info!(
                    users = users.len(),
                    chats = chats.len(),
                    "chat-list cache: stale entries dropped"
                );
            }
        }
    });
}

fn redis_failed(
    state: &AppState,
    op: &'static str,
    e: &redis::RedisError,
    users: &[UserId],
    chat: Option<ChatId>,
) {
    metrics::counter!("natter_redis_errors_total", "op" => op).increment(1);
    tracing::warn!(error = %e, op, "chat-list cache update failed; will drop the entries");
    state.invalidations.note(users, chat);
}

/// After a message was stored: the chat's activity and every member's list order.
pub async fn on_message(state: &AppState, members: &[UserId], message: &Message) {
    let chat = message.chat_id;
    let last = match serde_json::to_string(message) {
        Ok(j) => j,
        Err(_) => return,
    };
    let at = us(message.created_at);
    let mut pipe = redis::pipe();
    pipe.cmd("EVAL")
        .arg(SET_CHAT)
        .arg(1)
        .arg(k(state, &format!("c:{chat}")))
        .arg(message.seq)
        .arg(at)
        .arg(last)
        .arg("")
        .arg(ENTRY_TTL.as_millis() as i64)
        .ignore();
    for m in members {
        pipe.cmd("ZADD")
            .arg(k(state, &format!("cl:{m}")))
            .arg("XX")
            .arg("GT")
            .arg(at)
            .arg(chat.to_string())
            .ignore();
    }
    // one's own message is read
    pipe.cmd("EVAL")
        .arg(SET_MAX)
        .arg(1)
        .arg(k(state, &format!("cl:{}:r", message.sender_id)))
        .arg(chat.to_string())
        .arg(message.seq)
        .arg(LIST_TTL.as_millis() as i64 * 2)
        .ignore();
    let mut conn = state.redis.conn();
    if let Err(e) = pipe.query_async::<()>(&mut conn).await {
        redis_failed(state, "chat_list message", &e, members, Some(chat));
    }
}

/// After a read cursor moved.
pub async fn on_read(state: &AppState, user: UserId, chat: ChatId, seq: i64) {
    let mut conn = state.redis.conn();
    let result: redis::RedisResult<()> = redis::cmd("EVAL")
        .arg(SET_MAX)
        .arg(1)
        .arg(k(state, &format!("cl:{user}:r")))
        .arg(chat.to_string())
        .arg(seq)
        .arg(LIST_TTL.as_millis() as i64 * 2)
        .query_async(&mut conn)
        .await;
    if let Err(e) = result {
        redis_failed(state, "chat_list read", &e, &[user], None);
    }
}

/// After a chat was created: it joins each member's cached list.
pub async fn on_chat_created(state: &AppState, chat: &ChatRow, members: &[UserId]) {
    let meta = ChatMeta {
        kind: kind_of(chat),
        title: chat.title.clone(),
        members: members.to_vec(),
        created_at: chat.created_at,
    };
    let Ok(meta) = serde_json::to_string(&meta) else {
        return;
    };
    let id = chat.id.to_string();
    let mut pipe = redis::pipe();
    pipe.cmd("EVAL")
        .arg(SET_CHAT)
        .arg(1)
        .arg(k(state, &format!("c:{id}")))
        .arg(chat.last_seq)
        .arg(us(chat.updated_at))
        .arg("")
        .arg(meta)
        .arg(ENTRY_TTL.as_millis() as i64)
        .ignore();
    for m in members {
        let list = k(state, &format!("cl:{m}"));
        let ok = k(state, &format!("cl:{m}:ok"));
        // only a complete cached list gains the chat; an incomplete one is rebuilt anyway
        pipe.cmd("EVAL")
            .arg("if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('ZADD', KEYS[1], 'GT', ARGV[1], ARGV[2]) end return 1")
            .arg(2)
            .arg(&list)
            .arg(&ok)
            .arg(us(chat.updated_at))
            .arg(&id)
            .ignore();
    }
    let mut conn = state.redis.conn();
    if let Err(e) = pipe.query_async::<()>(&mut conn).await {
        redis_failed(
            state,
            "chat_list create",
            &e,
            members,
            Some(ChatId(chat.id)),
        );
    }
}

/// After a profile changed.
pub async fn on_profile_changed(state: &AppState, user: UserId) {
    let mut conn = state.redis.conn();
    let result: redis::RedisResult<()> = redis::cmd("DEL")
        .arg(k(state, &format!("u:{user}")))
        .query_async(&mut conn)
        .await;
    if let Err(e) = result {
        // a stale name in lists until the entry expires; the profile itself is in PostgreSQL
        metrics::counter!("natter_redis_errors_total", "op" => "profile").increment(1);
        tracing::warn!(error = %e, "cannot drop a cached profile");
    }
}

fn kind_of(chat: &ChatRow) -> ChatKind {
    if chat.kind == "direct" {
        ChatKind::Direct
    } else {
        ChatKind::Group
    }
}

/// `GET /chats`: from the cache when it is complete, else from PostgreSQL (and the cache is
/// rebuilt in the background).
pub async fn list(
    state: &web::Data<AppState>,
    user: UserId,
    query: &ChatListQuery,
) -> Result<ChatList, ApiError> {
    let limit = i64::from(query.limit.unwrap_or(ChatListQuery::DEFAULT_LIMIT));
    let offset = i64::from(query.offset.unwrap_or(0));
    let unread_only = query.unread_only.unwrap_or(false);
    match from_cache(state, user, limit, offset, unread_only).await {
        Ok(Some(list)) => {
            metrics::counter!("natter_chat_list_total", "source" => "redis").increment(1);
            return Ok(list);
        }
        Ok(None) => {
            let state = state.clone();
            actix_web::rt::spawn(async move {
                if let Err(e) = rebuild(&state, user).await {
                    tracing::warn!(error = %e, "chat-list cache rebuild failed");
                }
            });
        }
        Err(e) => {
            metrics::counter!("natter_redis_errors_total", "op" => "chat_list read").increment(1);
            tracing::warn!(error = %e, "chat list from PostgreSQL: Redis error");
        }
    }
    metrics::counter!("natter_chat_list_total", "source" => "postgres").increment(1);
    from_db(state, user, limit, offset, unread_only).await
}

type CachedChat = (Option<String>, Option<i64>, Option<i64>, Option<String>);

async fn from_cache(
    state: &AppState,
    user: UserId,
    limit: i64,
    offset: i64,
    unread_only: bool,
) -> redis::RedisResult<Option<ChatList>> {
    let list = k(state, &format!("cl:{user}"));
    let mut conn = state.redis.conn();
    let (ok, total, ids): (bool, i64, Vec<String>) = if unread_only {
        redis::pipe()
            .exists(k(state, &format!("cl:{user}:ok")))
            .zcard(&list)
            .zrevrange(&list, 0, -1)
            .query_async(&mut conn)
            .await?
    } else {
        redis::pipe()
            .exists(k(state, &format!("cl:{user}:ok")))
            .zcard(&list)
            .zrevrange(&list, offset as isize, (offset + limit - 1) as isize)
            .query_async(&mut conn)
            .await?
    };
    if !ok {
        return Ok(None);
    }
    let mut pipe = redis::pipe();
    for id in &ids {
        pipe.cmd("HMGET").arg(k(state, &format!("c:{id}"))).arg(&[
            "meta",
            "last_seq",
            "updated_us",
            "last",
        ]);
    }
    pipe.cmd("HMGET")
        .arg(k(state, &format!("cl:{user}:r")))
        .arg(&ids);
    let mut rows: Vec<redis::Value> = if ids.is_empty() {
        Vec::new()
    } else {
        pipe.query_async(&mut conn).await?
    };
    let reads: Vec<Option<i64>> = match rows.pop() {
        Some(v) if !ids.is_empty() => redis::from_redis_value(v)?,
        _ => Vec::new(),
    };
    let mut chats = Vec::with_capacity(ids.len());
    for ((id, row), read) in ids.iter().zip(rows).zip(reads) {
        let (meta, last_seq, updated_us, last): CachedChat = redis::from_redis_value(row)?;
        let (Some(meta), Some(last_seq), Some(updated_us)) = (meta, last_seq, updated_us) else {
            // an entry expired or was flushed: rebuild
            return Ok(None);
        };
        let Ok(meta) = serde_json::from_str::<ChatMeta>(&meta) else {
            return Ok(None);
        };
        let Ok(id) = id.parse::<ChatId>() else {
            return Ok(None);
        };
        let last: Option<Message> = last
            .filter(|l| !l.is_empty())
            .and_then(|l| serde_json::from_str(&l).ok());
        let read_seq = read.unwrap_or(0);
        chats.push((id, meta, last_seq, updated_us, last, read_seq));
    }
    let (total, page) = if unread_only {
        let unread: Vec<_> = chats.into_iter().filter(|c| c.2 > c.5).collect();
        let total = unread.len() as i64;
        (
            total,
            unread
                .into_iter()
                .skip(offset as usize)
                .take(limit as usize)
                .collect(),
        )
    } else {
        (total, chats)
    };
    // partners of direct chats: cached profiles, then PostgreSQL for the missing ones
    let partner_ids: Vec<UserId> = page
        .iter()
        .filter(|c| c.1.kind == ChatKind::Direct)
        .filter_map(|c| c.1.members.iter().copied().find(|m| *m != user))
        .collect();
    let profiles = profiles(state, &partner_ids).await?;
    let online = presence::online(state, &partner_ids).await;
    let mut summaries = Vec::with_capacity(page.len());
    for (id, meta, last_seq, updated_us, last, read_seq) in page {
        let partner = if meta.kind == ChatKind::Direct {
            let pid = meta.members.iter().copied().find(|m| *m != user);
            match pid.and_then(|p| profiles.get(&p)) {
                Some(u) => Some(partner_of(u, online.get(&u.id).copied().unwrap_or(false))),
                None => return Ok(None),
            }
        } else {
            None
        };
        summaries.push(ChatSummary {
            id,
            kind: meta.kind,
            title: meta.title,
            partner,
            last_message: last,
            last_seq,
            read_seq,
            unread_count: (last_seq - read_seq).max(0),
            member_count: meta.members.len() as i64,
            created_at: meta.created_at,
            updated_at: Utc
                .timestamp_micros(updated_us)
                .single()
                .unwrap_or(meta.created_at),
        });
    }
    Ok(Some(ChatList {
        has_more: offset + (summaries.len() as i64) < total,
        chats: summaries,
        total,
    }))
}

fn partner_of(u: &User, online: bool) -> ChatPartner {
    ChatPartner {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        online,
    }
}

/// Public profiles, from the cache or PostgreSQL (then cached).
async fn profiles(state: &AppState, ids: &[UserId]) -> redis::RedisResult<HashMap<UserId, User>> {
    let mut found = HashMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let keys: Vec<String> = ids.iter().map(|u| k(state, &format!("u:{u}"))).collect();
    let mut conn = state.redis.conn();
    let cached: Vec<Option<String>> = redis::cmd("MGET").arg(&keys).query_async(&mut conn).await?;
    let mut missing = Vec::new();
    for (id, json) in ids.iter().zip(cached) {
        match json.and_then(|j| serde_json::from_str::<User>(&j).ok()) {
            Some(u) => {
                found.insert(*id, u);
            }
            None => missing.push(id.0),
        }
    }
    if !missing.is_empty() {
        let rows = db::run(&state.db, move |conn| {
            Ok(db::users::find_many(conn, &missing)?)
        })
        .await
        .map_err(|e| {
            redis::RedisError::from((
                redis::ErrorKind::Client,
                "profiles from PostgreSQL",
                e.to_string(),
            ))
        })?;
        let mut pipe = redis::pipe();
        for row in rows {
            let user = row.to_api();
            if let Ok(j) = serde_json::to_string(&user) {
                pipe.cmd("SET")
                    .arg(k(state, &format!("u:{}", user.id)))
                    .arg(j)
                    .arg("PX")
                    .arg(ENTRY_TTL.as_millis() as i64)
                    .ignore();
            }
            found.insert(user.id, user);
        }
        pipe.query_async::<()>(&mut conn).await?;
    }
    Ok(found)
}

/// Loads a user's whole list from PostgreSQL into the cache and marks it complete.
pub async fn rebuild(state: &AppState, user: UserId) -> anyhow::Result<()> {
    let (chats, members, lasts) = db::run(&state.db, move |conn| {
        let (chats, _) = db::chats::list_for_user(conn, user.0, i64::MAX, 0, false)?;
        let ids: Vec<uuid::Uuid> = chats.iter().map(|c| c.0.id).collect();
        let members = db::chats::members_of(conn, &ids)?;
        let pairs: Vec<(uuid::Uuid, i64)> = chats
            .iter()
            .filter(|c| c.0.last_seq > 0)
            .map(|c| (c.0.id, c.0.last_seq))
            .collect();
        let lasts = db::messages::by_chat_seq(conn, &pairs)?;
        Ok((chats, members, lasts))
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut by_chat: HashMap<uuid::Uuid, Vec<UserId>> = HashMap::new();
    for (chat, member) in members {
        by_chat.entry(chat).or_default().push(UserId(member));
    }
    let lasts: HashMap<uuid::Uuid, Message> =
        lasts.into_iter().map(|m| (m.chat_id, m.to_api())).collect();
    let list = k(state, &format!("cl:{user}"));
    let reads = k(state, &format!("cl:{user}:r"));
    let mut pipe = redis::pipe();
    for (chat, read_seq) in &chats {
        let meta = ChatMeta {
            kind: kind_of(chat),
            title: chat.title.clone(),
            members: by_chat.remove(&chat.id).unwrap_or_default(),
            created_at: chat.created_at,
        };
        let last = lasts
            .get(&chat.id)
            .and_then(|m| serde_json::to_string(m).ok())
            .unwrap_or_default();
        pipe.cmd("EVAL")
            .arg(SET_CHAT)
            .arg(1)
            .arg(k(state, &format!("c:{}", chat.id)))
            .arg(chat.last_seq)
            .arg(us(chat.updated_at))
            .arg(last)
            .arg(serde_json::to_string(&meta)?)
            .arg(ENTRY_TTL.as_millis() as i64)
            .ignore();
        pipe.cmd("ZADD")
            .arg(&list)
            .arg("GT")
            .arg(us(chat.updated_at))
            .arg(chat.id.to_string())
            .ignore();
        pipe.cmd("EVAL")
            .arg(SET_MAX)
            .arg(1)
            .arg(&reads)
            .arg(chat.id.to_string())
            .arg(*read_seq)
            .arg(LIST_TTL.as_millis() as i64 * 2)
            .ignore();
    }
    pipe.cmd("PEXPIRE")
        .arg(&list)
        .arg(LIST_TTL.as_millis() as i64 * 2)
        .ignore();
    pipe.cmd("SET")
        .arg(k(state, &format!("cl:{user}:ok")))
        .arg(1)
        .arg("PX")
        .arg(LIST_TTL.as_millis() as i64)
        .ignore();
    let mut conn = state.redis.conn();
    pipe.query_async::<()>(&mut conn).await?;
    Ok(())
}

/// The list straight from PostgreSQL.
async fn from_db(
    state: &AppState,
    user: UserId,
    limit: i64,
    offset: i64,
    unread_only: bool,
) -> Result<ChatList, ApiError> {
    let (chats, total, partners, counts, lasts) = db::run(&state.db, move |conn| {
        let (chats, total) = db::chats::list_for_user(conn, user.0, limit, offset, unread_only)?;
        let direct: Vec<uuid::Uuid> = chats
            .iter()
            .filter(|c| c.0.kind == "direct")
            .map(|c| c.0.id)
            .collect();
        let all: Vec<uuid::Uuid> = chats.iter().map(|c| c.0.id).collect();
        let partners = db::chats::partners(conn, &direct, user.0)?;
        let counts = db::chats::member_counts(conn, &all)?;
        let pairs: Vec<(uuid::Uuid, i64)> = chats
            .iter()
            .filter(|c| c.0.last_seq > 0)
            .map(|c| (c.0.id, c.0.last_seq))
            .collect();
        let lasts = db::messages::by_chat_seq(conn, &pairs)?;
        Ok((chats, total, partners, counts, lasts))
    })
    .await?;
    let partner_ids: Vec<UserId> = partners.iter().map(|p| UserId(p.1.id)).collect();
    let online = presence::online(state, &partner_ids).await;
    let partners: HashMap<uuid::Uuid, User> =
        partners.into_iter().map(|(c, u)| (c, u.to_api())).collect();
    let counts: HashMap<uuid::Uuid, i64> = counts.into_iter().collect();
    let lasts: HashMap<uuid::Uuid, Message> =
        lasts.into_iter().map(|m| (m.chat_id, m.to_api())).collect();
    let n = chats.len() as i64;
    let chats = chats
        .into_iter()
        .map(|(chat, read_seq)| {
            let partner = partners
                .get(&chat.id)
                .map(|u| partner_of(u, online.get(&u.id).copied().unwrap_or(false)));
            summary(
                &chat,
                read_seq,
                counts.get(&chat.id).copied().unwrap_or(0),
                partner,
                lasts.get(&chat.id).cloned(),
            )
        })
        .collect();
    Ok(ChatList {
        chats,
        total,
        has_more: offset + n < total,
    })
}

/// One chat as `read_seq`'s owner sees it.
pub fn summary(
    chat: &ChatRow,
    read_seq: i64,
    member_count: i64,
    partner: Option<ChatPartner>,
    last_message: Option<Message>,
) -> ChatSummary {
    ChatSummary {
        id: ChatId(chat.id),
        kind: kind_of(chat),
        title: chat.title.clone(),
        partner,
        last_message,
        last_seq: chat.last_seq,
        read_seq,
        unread_count: (chat.last_seq - read_seq).max(0),
        member_count,
        created_at: chat.created_at,
        updated_at: chat.updated_at,
    }
}

/// The summary of one chat for `user`, from PostgreSQL (`GET /chats/{id}`, `chat_updated`).
pub async fn summary_for(
    state: &AppState,
    chat: ChatId,
    user: UserId,
) -> Result<Option<ChatSummary>, ApiError> {
    let found = db::run(&state.db, move |conn| {
        let Some((row, read_seq)) = db::chats::membership(conn, chat.0, user.0)? else {
            return Ok(None);
        };
        let partner = if row.kind == "direct" {
            db::chats::partners(conn, &[row.id], user.0)?
                .pop()
                .map(|p| p.1)
        } else {
            None
        };
        let count = db::chats::member_counts(conn, &[row.id])?
            .pop()
            .map_or(0, |c| c.1);
        let last = db::messages::by_chat_seq(conn, &[(row.id, row.last_seq)])?.pop();
        Ok(Some((row, read_seq, partner, count, last)))
    })
    .await?;
    let Some((row, read_seq, partner, count, last)) = found else {
        return Ok(None);
    };
    let partner = match partner {
        Some(p) => {
            let online = presence::online(state, &[UserId(p.id)]).await;
            let u = p.to_api();
            Some(partner_of(&u, online.get(&u.id).copied().unwrap_or(false)))
        }
        None => None,
    };
    Ok(Some(summary(
        &row,
        read_seq,
        count,
        partner,
        last.map(|m| m.to_api()),
    )))
}
