//! Writes to the cache after something happened (message, read, new chat, profile edit),
//! and the dropping of entries whose update failed while Redis was unreachable.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::web;
use natter_shared::api::Message;
use natter_shared::{ChatId, UserId};

use super::keys::*;
use crate::db::chats::ChatRow;
use crate::startup::AppState;

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
