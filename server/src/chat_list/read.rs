//! `GET /chats` from the cache, and the rebuild of a user's cached list from PostgreSQL.

use std::collections::HashMap;

use actix_web::web;
use chrono::{TimeZone, Utc};
use natter_shared::api::{
    ChatKind, ChatList, ChatListQuery, ChatPartner, ChatSummary, Message, User,
};
use natter_shared::{ChatId, UserId};

use super::keys::{
    self, COMPLETE_IF_UNTOUCHED, ChatMeta, ENTRY_TTL, LIST_TTL, SET_CHAT, SET_MAX, partner_of, us,
};
use super::marks::{self, now_ms};
use super::postgres::from_db;
use super::update::STALE_MARK;
use crate::db;
use crate::error::ApiError;
use crate::presence;
use crate::state::AppState;

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
        Ok(Cached::List(list)) => {
            metrics::counter!("natter_chat_list_total", "source" => "redis").increment(1);
            return Ok(list);
        }
        Ok(Cached::InFlight { stale_before: None }) => {}
        Ok(Cached::InFlight {
            stale_before: Some(cutoff),
        }) => {
            let state = state.clone();
            actix_web::rt::spawn(async move {
                if let Err(e) = repair(&state, user, cutoff).await {
                    tracing::warn!(error = %e, "chat-list cache repair failed");
                }
            });
        }
        Ok(Cached::Missing) => {
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

/// What the cache can say about a user's list.
enum Cached {
    List(ChatList),
    /// Not all of it is cached: rebuild.
    Missing,
    /// A change of one of the user's chats is in flight: the cache may be behind, so the
    /// list comes from PostgreSQL. `stale_before` is set when a mark is older than
    /// [`STALE_MARK`] (its writer crashed): the marks before that time are to be cleared.
    InFlight {
        stale_before: Option<i64>,
    },
}

/// Rebuilds a list a crash left marked in flight, then clears the marks made before
/// `cutoff`: no change marked then can still commit (see `update`'s module docs), so the
/// rebuild saw all of them.
async fn repair(state: &AppState, user: UserId, cutoff: i64) -> anyhow::Result<()> {
    rebuild(state, user).await?;
    let mut conn = state.redis.conn();
    let removed: i64 = redis::cmd("ZREMRANGEBYSCORE")
        .arg(marks::busy(&state.redis, user))
        .arg("-inf")
        .arg(cutoff)
        .query_async(&mut conn)
        .await?;
    metrics::counter!("natter_chat_list_repairs_total").increment(1);
    tracing::info!(user_id = %user, marks = removed, "chat-list cache repaired after a crash");
    Ok(())
}

/// What `HMGET` of [`CHAT_FIELDS`] answers.
type CachedFields = (
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
);

/// The `HMGET` fields of a cached chat, in the order they are asked for.
const CHAT_FIELDS: [&str; 5] = ["meta", "last_seq", "updated_us", "last", "last_event_seq"];

/// One chat of a cached list, read back: its entry and the user's read cursor.
struct CachedChat {
    id: ChatId,
    meta: ChatMeta,
    last_seq: i64,
    updated_us: i64,
    last: Option<Message>,
    last_event_seq: i64,
    read_seq: i64,
    mention_seq: i64,
}

impl CachedChat {
    /// `None` when the entry is missing a field (it expired or was flushed: rebuild).
    fn decode(
        id: ChatId,
        fields: redis::Value,
        read_seq: Option<i64>,
        mention_seq: Option<i64>,
    ) -> redis::RedisResult<Option<Self>> {
        let (meta, last_seq, updated_us, last, last_event_seq): CachedFields =
            redis::from_redis_value(fields)?;
        let (Some(meta), Some(last_seq), Some(updated_us), Some(last_event_seq)) =
            (meta, last_seq, updated_us, last_event_seq)
        else {
            return Ok(None);
        };
        let Ok(meta) = serde_json::from_str::<ChatMeta>(&meta) else {
            return Ok(None);
        };
        let last = last
            .filter(|l| !l.is_empty())
            .and_then(|l| serde_json::from_str(&l).ok());
        Ok(Some(Self {
            id,
            meta,
            last_seq,
            updated_us,
            last,
            last_event_seq,
            read_seq: read_seq.unwrap_or(0),
            mention_seq: mention_seq.unwrap_or(0),
        }))
    }

    fn is_unread(&self) -> bool {
        self.last_seq > self.read_seq
    }

    /// The partner of a direct chat.
    fn partner_id(&self, user: UserId) -> Option<UserId> {
        (self.meta.kind == ChatKind::Direct)
            .then(|| self.meta.members.iter().copied().find(|m| *m != user))
            .flatten()
    }

    fn into_summary(self, partner: Option<ChatPartner>) -> ChatSummary {
        ChatSummary {
            id: self.id,
            kind: self.meta.kind,
            title: self.meta.title,
            partner,
            last_message: self.last,
            last_seq: self.last_seq,
            last_event_seq: self.last_event_seq,
            read_seq: self.read_seq,
            unread_count: (self.last_seq - self.read_seq).max(0),
            unread_mention: self.mention_seq > self.read_seq,
            member_count: self.meta.members.len() as i64,
            request_from: self.meta.request_from,
            blocked: self.meta.blocked,
            photo: self.meta.photo.map(natter_shared::FileId),
            created_at: self.meta.created_at,
            updated_at: Utc
                .timestamp_micros(self.updated_us)
                .single()
                .unwrap_or(self.meta.created_at),
        }
    }
}

async fn from_cache(
    state: &AppState,
    user: UserId,
    limit: i64,
    offset: i64,
    unread_only: bool,
) -> redis::RedisResult<Cached> {
    let list = keys::list(&state.redis, user);
    let (start, stop) = if unread_only {
        (0, -1)
    } else {
        (offset as isize, (offset + limit - 1) as isize)
    };
    let mut conn = state.redis.conn();
    let (ok, oldest_mark, total, ids): (bool, Vec<(String, f64)>, i64, Vec<String>) = redis::pipe()
        .exists(keys::complete(&state.redis, user))
        .zrange_withscores(marks::busy(&state.redis, user), 0, 0)
        .zcard(&list)
        .zrevrange(&list, start, stop)
        .query_async(&mut conn)
        .await?;
    if let Some((_, marked)) = oldest_mark.first() {
        let cutoff = now_ms() - STALE_MARK.as_millis() as i64;
        return Ok(Cached::InFlight {
            stale_before: (*marked as i64 <= cutoff).then_some(cutoff),
        });
    }
    if !ok {
        return Ok(Cached::Missing);
    }
    let Ok(ids) = ids
        .iter()
        .map(|id| id.parse::<ChatId>())
        .collect::<Result<Vec<_>, _>>()
    else {
        return Ok(Cached::Missing);
    };
    let mut chats = Vec::with_capacity(ids.len());
    if !ids.is_empty() {
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.cmd("HMGET")
                .arg(keys::chat(&state.redis, *id))
                .arg(&CHAT_FIELDS);
        }
        let id_strings: Vec<String> = ids.iter().map(ToString::to_string).collect();
        pipe.cmd("HMGET")
            .arg(keys::reads(&state.redis, user))
            .arg(&id_strings);
        pipe.cmd("HMGET")
            .arg(keys::mentions(&state.redis, user))
            .arg(&id_strings);
        let mut rows: Vec<redis::Value> = pipe.query_async(&mut conn).await?;
        let mentions: Vec<Option<i64>> = match rows.pop() {
            Some(v) => redis::from_redis_value(v)?,
            None => Vec::new(),
        };
        let reads: Vec<Option<i64>> = match rows.pop() {
            Some(v) => redis::from_redis_value(v)?,
            None => Vec::new(),
        };
        let mentions = mentions.into_iter().chain(std::iter::repeat(None));
        for (((id, fields), read), mention) in ids.iter().zip(rows).zip(reads).zip(mentions) {
            match CachedChat::decode(*id, fields, read, mention)? {
                // an entry that does not count the user among its members is stale for them
                Some(chat) if chat.meta.members.contains(&user) => chats.push(chat),
                _ => return Ok(Cached::Missing),
            }
        }
    }
    let (total, page): (i64, Vec<CachedChat>) = if unread_only {
        let unread: Vec<CachedChat> = chats.into_iter().filter(CachedChat::is_unread).collect();
        let total = unread.len() as i64;
        let page = unread
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        (total, page)
    } else {
        (total, chats)
    };
    // partners of direct chats: cached profiles, then PostgreSQL for the missing ones
    let partner_ids: Vec<UserId> = page.iter().filter_map(|c| c.partner_id(user)).collect();
    let profiles = profiles(state, &partner_ids).await?;
    let online = presence::online(state, &partner_ids).await;
    let mut summaries = Vec::with_capacity(page.len());
    for chat in page {
        let partner = match chat.partner_id(user) {
            Some(pid) => match profiles.get(&pid) {
                Some(u) => Some(partner_of(u, online.get(&u.id).copied().unwrap_or(false))),
                None => return Ok(Cached::Missing),
            },
            None if chat.meta.kind == ChatKind::Direct => return Ok(Cached::Missing),
            None => None,
        };
        summaries.push(super::postgres::shown_to(chat.into_summary(partner), user));
    }
    Ok(Cached::List(ChatList {
        has_more: offset + (summaries.len() as i64) < total,
        chats: summaries,
        total,
    }))
}

/// Public profiles, from the cache or PostgreSQL (then cached).
async fn profiles(state: &AppState, ids: &[UserId]) -> redis::RedisResult<HashMap<UserId, User>> {
    let mut found = HashMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let profile_keys: Vec<String> = ids
        .iter()
        .map(|u| keys::profile(&state.redis, *u))
        .collect();
    let mut conn = state.redis.conn();
    let cached: Vec<Option<String>> = redis::cmd("MGET")
        .arg(&profile_keys)
        .query_async(&mut conn)
        .await?;
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
            // with the setting: the partner is made from it (`keys::partner_of`)
            let user = row.to_api_own();
            if let Ok(j) = serde_json::to_string(&user) {
                pipe.cmd("SET")
                    .arg(keys::profile(&state.redis, user.id))
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
    // a chat created for the user from now on deletes this token (see `keys::rebuilding`)
    let token = uuid::Uuid::new_v4().to_string();
    let rebuilding = keys::rebuilding(&state.redis, user);
    {
        let mut conn = state.redis.conn();
        redis::cmd("SET")
            .arg(&rebuilding)
            .arg(&token)
            .arg("PX")
            .arg(LIST_TTL.as_millis() as i64)
            .query_async::<()>(&mut conn)
            .await?;
    }
    let (chats, members, lasts, mentions) = db::run(&state.db, move |conn| {
        let (chats, _) = db::chats::list_for_user(conn, user.0, i64::MAX, 0, false)?;
        let ids: Vec<uuid::Uuid> = chats.iter().map(|c| c.0.id).collect();
        let members = db::chats::members_of(conn, &ids)?;
        let lasts = db::messages::last_messages(conn, chats.iter().map(|c| &c.0))?;
        let mentions = db::messages::mention_seqs(conn, user.0, &ids)?;
        Ok((chats, members, lasts, mentions))
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut by_chat: HashMap<uuid::Uuid, Vec<UserId>> = HashMap::new();
    for (chat, member) in members {
        by_chat.entry(chat).or_default().push(UserId(member));
    }
    let lasts: HashMap<uuid::Uuid, Message> =
        lasts.into_iter().map(|m| (m.chat_id, m.to_api())).collect();
    let list = keys::list(&state.redis, user);
    let reads = keys::reads(&state.redis, user);
    let mut pipe = redis::pipe();
    for (chat, seq) in &mentions {
        keys::evalsha(&mut pipe, &SET_MAX, 1)
            .arg(keys::mentions(&state.redis, user))
            .arg(chat.to_string())
            .arg(*seq)
            .arg(LIST_TTL.as_millis() as i64 * 2)
            .ignore();
    }
    for (chat, read_seq) in &chats {
        let meta = ChatMeta::of(chat, by_chat.remove(&chat.id).unwrap_or_default());
        let last = lasts
            .get(&chat.id)
            .and_then(|m| serde_json::to_string(m).ok())
            .unwrap_or_default();
        keys::evalsha(&mut pipe, &SET_CHAT, 1)
            .arg(keys::chat(&state.redis, ChatId(chat.id)))
            .arg(chat.last_seq)
            .arg(us(chat.updated_at))
            .arg(last)
            .arg(serde_json::to_string(&meta)?)
            .arg(ENTRY_TTL.as_millis() as i64)
            .arg(chat.last_event_seq)
            .arg(chat.members_version)
            .ignore();
        pipe.cmd("ZADD")
            .arg(&list)
            .arg("GT")
            .arg(us(chat.updated_at))
            .arg(chat.id.to_string())
            .ignore();
        keys::evalsha(&mut pipe, &SET_MAX, 1)
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
    let mut conn = state.redis.conn();
    keys::run(&pipe, &mut conn).await?;
    // only once all of it is in: a pipeline that found a script missing ran in part before
    // `run` ran it again, and the list must not be complete meanwhile
    let mut complete = redis::pipe();
    keys::evalsha(&mut complete, &COMPLETE_IF_UNTOUCHED, 2)
        .arg(&rebuilding)
        .arg(keys::complete(&state.redis, user))
        .arg(&token)
        .arg(LIST_TTL.as_millis() as i64)
        .ignore();
    keys::run(&complete, &mut conn).await?;
    Ok(())
}
