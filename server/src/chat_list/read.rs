//! `GET /chats` from the cache, and the rebuild of a user's cached list from PostgreSQL.

use std::collections::HashMap;

use actix_web::web;
use chrono::{TimeZone, Utc};
use natter_shared::api::{ChatKind, ChatList, ChatListQuery, ChatSummary, Message, User};
use natter_shared::{ChatId, UserId};

use super::keys::*;
use super::postgres::from_db;
use crate::db::{self};
use crate::error::ApiError;
use crate::presence;
use crate::startup::AppState;

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
        let lasts = db::messages::last_messages(conn, chats.iter().map(|c| &c.0))?;
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
