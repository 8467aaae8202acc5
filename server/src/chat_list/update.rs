//! Writes to the cache after something happened (message, read, new chat, profile edit),
//! and the dropping of entries whose update failed while Redis was unreachable.

use std::time::Duration;

use actix_web::web;
use natter_shared::api::Message;
use natter_shared::{ChatId, UserId};

use super::keys::{self, ADD_IF_COMPLETE, ChatMeta, ENTRY_TTL, LIST_TTL, SET_CHAT, SET_MAX, us};
use crate::db::chats::ChatRow;
use crate::state::AppState;

/// Retries the dropping of stale entries every second while there are any.
pub fn start_invalidator(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let (users, chats) = state.invalidations.pending();
            if users.is_empty() && chats.is_empty() {
                continue;
            }
            let mut pipe = redis::pipe();
            for u in &users {
                pipe.del(keys::complete(&state.redis, *u)).ignore();
            }
            for c in &chats {
                pipe.del(keys::chat(&state.redis, *c)).ignore();
            }
            let mut conn = state.redis.conn();
            if pipe.query_async::<()>(&mut conn).await.is_ok() {
                state.invalidations.done(&users, &chats);
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
        .arg(keys::chat(&state.redis, chat))
        .arg(message.seq)
        .arg(at)
        .arg(last)
        .arg("")
        .arg(ENTRY_TTL.as_millis() as i64)
        .ignore();
    for m in members {
        pipe.cmd("ZADD")
            .arg(keys::list(&state.redis, *m))
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
        .arg(keys::reads(&state.redis, message.sender_id))
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
        .arg(keys::reads(&state.redis, user))
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
        kind: chat.kind,
        title: chat.title.clone(),
        members: members.to_vec(),
        created_at: chat.created_at,
    };
    let Ok(meta) = serde_json::to_string(&meta) else {
        return;
    };
    let id = ChatId(chat.id);
    let mut pipe = redis::pipe();
    pipe.cmd("EVAL")
        .arg(SET_CHAT)
        .arg(1)
        .arg(keys::chat(&state.redis, id))
        .arg(chat.last_seq)
        .arg(us(chat.updated_at))
        .arg("")
        .arg(meta)
        .arg(ENTRY_TTL.as_millis() as i64)
        .ignore();
    for m in members {
        pipe.cmd("EVAL")
            .arg(ADD_IF_COMPLETE)
            .arg(2)
            .arg(keys::list(&state.redis, *m))
            .arg(keys::complete(&state.redis, *m))
            .arg(us(chat.updated_at))
            .arg(id.to_string())
            .ignore();
    }
    let mut conn = state.redis.conn();
    if let Err(e) = pipe.query_async::<()>(&mut conn).await {
        redis_failed(state, "chat_list create", &e, members, Some(id));
    }
}

/// After a profile changed.
pub async fn on_profile_changed(state: &AppState, user: UserId) {
    let mut conn = state.redis.conn();
    let result: redis::RedisResult<()> = redis::cmd("DEL")
        .arg(keys::profile(&state.redis, user))
        .query_async(&mut conn)
        .await;
    if let Err(e) = result {
        // a stale name in lists until the entry expires; the profile itself is in PostgreSQL
        metrics::counter!("natter_redis_errors_total", "op" => "profile").increment(1);
        tracing::warn!(error = %e, "cannot drop a cached profile");
    }
}
