//! Writes to the cache after something happened (message, change, read, new chat, profile
//! edit), the in-flight marks that make readers go to PostgreSQL while a change is between
//! its commit and its cache update, and the dropping of entries whose update failed while
//! Redis was unreachable.
//!
//! Why the list cannot stay behind PostgreSQL, crash point by crash point (a send, edit or
//! delete of chat C with members M):
//! 1. A [`Mark`] adds a token to `cl:<m>:busy` of every member before the change is written
//!    (the writer marks a batch of sends at once; a room marks an edit, delete, reaction or
//!    pin). A crash before this: nothing was written.
//! 2. The transaction commits. A crash between 1 and the commit: nothing was written; the
//!    token stays, readers of M go to PostgreSQL (correct) until it is stale.
//! 3. The cache is updated ([`on_message`], [`on_change`]), and then the token is removed
//!    (when the last holder of the mark drops it; a failed update keeps it). A crash between 2 and 3: the cache is behind, but the
//!    token stays, so every reader of M goes to PostgreSQL, from the next request on. A reader
//!    that finds a token older than [`STALE_MARK`] rebuilds the list from PostgreSQL and then
//!    removes the tokens older than that: a writer never commits a change marked longer ago
//!    than `db::batch::COMMIT_DEADLINE` (half of it), so everything such a token stood for
//!    is committed or never will be, and the rebuild saw it.
//! 4. After 3 the cache holds the change; its updates only move values forward, so a late
//!    or repeated update cannot take it back.
//!
//! When Redis cannot be reached at 1, the change goes ahead unmarked (Redis down must not
//! stop sends), and its members are noted in PostgreSQL before it is written: the note is
//! as durable as the change, and whichever process next reaches Redis drops their lists
//! (see `invalidations`). The commit deadline counts from the note then.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use natter_shared::api::Message;
use natter_shared::{ChatId, UserId};

use super::coalesce::{Stored, coalesce};
use super::invalidations::Invalidations;
use super::keys::{self, ADD_IF_COMPLETE, ChatMeta, ENTRY_TTL, LIST_TTL, SET_CHAT, SET_MAX, us};
use super::marks::{Mark, MessageUpdate};
use crate::cache::Redis;
use crate::db::chats::ChatRow;
use crate::state::AppState;

/// Drops what is noted for dropping ([`sweep`]) every second: lists noted in
/// PostgreSQL by any process (one that crashed included) and this process's failed updates.
pub fn start_invalidator(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            sweep(&state).await;
        }
    });
}

/// One sweep (also run once at start-up, before the server listens); failures are logged and
/// the next sweep tries again.
pub async fn sweep(state: &AppState) {
    let dropped = async {
        let sweep = state.invalidations.to_sweep().await?;
        if sweep.users.is_empty() && sweep.chats.is_empty() {
            return Ok(0);
        }
        let mut pipe = redis::pipe();
        for u in &sweep.users {
            pipe.del(keys::complete(&state.redis, *u)).ignore();
            // a rebuild that read PostgreSQL before a commit must not mark the list complete
            pipe.del(keys::rebuilding(&state.redis, *u)).ignore();
        }
        for c in &sweep.chats {
            pipe.del(keys::chat(&state.redis, *c)).ignore();
        }
        let mut conn = state.redis.conn();
        pipe.query_async::<()>(&mut conn).await?;
        let users = sweep.users.len();
        state.invalidations.swept(sweep).await?;
        Ok::<usize, anyhow::Error>(users)
    };
    match dropped.await {
        Ok(0) => {}
        Ok(users) => tracing::info!(users, "chat-list cache: stale lists dropped"),
        Err(e) => {
            metrics::counter!("natter_redis_errors_total", "op" => "chat_list sweep").increment(1);
            tracing::debug!(error = %e, "chat-list cache: cannot drop stale lists yet");
        }
    }
}

pub(super) fn redis_failed(
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

/// A mark older than this was left by a crashed process (see the module docs).
pub const STALE_MARK: Duration = Duration::from_secs(30);

/// Sends the queued cache updates of stored messages to Redis, everything waiting in one
/// pipeline (see `marks::MessageUpdates`) coalesced per chat and per member
/// ([`messages_pipeline`]), and drops their marks once Redis has them.
pub fn start_message_updater(
    redis: Redis,
    invalidations: Arc<Invalidations>,
    mut rx: tokio::sync::mpsc::Receiver<MessageUpdate>,
) {
    actix_web::rt::spawn(async move {
        let mut batch = Vec::with_capacity(UPDATES_BATCH);
        while rx.recv_many(&mut batch, UPDATES_BATCH).await > 0 {
            let stored: Vec<Stored> = batch
                .iter()
                .map(|u: &MessageUpdate| Stored {
                    members: &u.members,
                    message: &u.message,
                    event_seq: u.event_seq,
                })
                .collect();
            let sent = send_messages(&redis, &stored).await;
            drop(stored);
            if let Err(e) = sent {
                for u in &batch {
                    u.mark.keep();
                    failed(
                        &invalidations,
                        "chat_list message",
                        &e,
                        &u.members,
                        Some(u.message.chat_id),
                    );
                }
            }
            // the marks go (when these were their last holders) now that Redis has it
            batch.clear();
        }
    });
}

/// Most updates in one pipeline.
const UPDATES_BATCH: usize = 256;

fn failed(
    invalidations: &Invalidations,
    op: &'static str,
    e: &dyn std::fmt::Display,
    users: &[UserId],
    chat: Option<ChatId>,
) {
    metrics::counter!("natter_redis_errors_total", "op" => op).increment(1);
    tracing::debug!(error = %e, op, "chat-list cache update failed; will drop the entries");
    invalidations.note(users, chat);
}

/// After a message was stored (or found stored before, which repairs an entry a crash left
/// behind): the chat's activity and every member's list order; then the mark goes.
pub async fn on_message(
    state: &AppState,
    members: &[UserId],
    message: &Message,
    event_seq: i64,
    mark: &Mark,
) {
    let stored = [Stored {
        members,
        message,
        event_seq,
    }];
    if let Err(e) = send_messages(&state.redis, &stored).await {
        mark.keep();
        failed(
            &state.invalidations,
            "chat_list message",
            &e,
            members,
            Some(message.chat_id),
        );
    }
}

/// Why a batch of message updates did not reach Redis.
#[derive(Debug, thiserror::Error)]
enum SendFailed {
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    #[error("cannot serialise a message for the cache: {0}")]
    Json(#[from] serde_json::Error),
}

async fn send_messages(redis: &Redis, stored: &[Stored<'_>]) -> Result<(), SendFailed> {
    let pipe = messages_pipeline(redis, stored)?;
    let mut conn = redis.conn();
    keys::run(&pipe, &mut conn).await?;
    Ok(())
}

/// The commands of the updates `stored`, coalesced (`coalesce`): a `SET_CHAT` per chat,
/// a `ZADD` per member and chat, a `SET_MAX` per mentioned user and chat and per sender and
/// chat. Redis ends as it would after every update's commands one by one, in any order.
fn messages_pipeline(redis: &Redis, stored: &[Stored<'_>]) -> serde_json::Result<redis::Pipeline> {
    let c = coalesce(stored);
    let mut pipe = redis::Pipeline::with_capacity(
        c.chats.len() + c.lists.values.len() + c.mentions.values.len() + c.reads.values.len(),
    );
    let mut field = [0; uuid::fmt::Hyphenated::LENGTH];
    let entry_ttl = ENTRY_TTL.as_millis() as i64;
    let marks_ttl = LIST_TTL.as_millis() as i64 * 2;
    for &(message, event_seq) in &c.chats {
        keys::evalsha(&mut pipe, &SET_CHAT, 1)
            .arg(keys::chat(redis, message.chat_id))
            .arg(message.seq)
            .arg(us(message.created_at))
            .arg(serde_json::to_vec(message)?)
            .arg("")
            .arg(entry_ttl)
            .arg(event_seq)
            .ignore();
    }
    for &(member, chat, at) in &c.lists.values {
        pipe.cmd("ZADD")
            .arg(keys::list(redis, member))
            .arg("XX")
            .arg("GT")
            .arg(at)
            .arg(keys::chat_field(chat, &mut field))
            .ignore();
    }
    for (marks, key) in [
        (&c.mentions, keys::mentions as fn(&Redis, UserId) -> String),
        (&c.reads, keys::reads),
    ] {
        for &(user, chat, seq) in &marks.values {
            keys::evalsha(&mut pipe, &SET_MAX, 1)
                .arg(key(redis, user))
                .arg(keys::chat_field(chat, &mut field))
                .arg(seq)
                .arg(marks_ttl)
                .ignore();
        }
    }
    Ok(pipe)
}

/// After a change of a stored message (edit, delete, reaction, pin): the chat's newest
/// event, and its last message when that is the one changed; then the mark goes. `message`
/// is as everyone sees it; `event_seq` is `None` when nothing changed.
pub async fn on_change(
    state: &AppState,
    members: &[UserId],
    message: &Message,
    event_seq: Option<i64>,
    mark: &Mark,
) {
    let Some(event_seq) = event_seq else {
        return;
    };
    let mut pipe = redis::pipe();
    {
        // the list's last message carries no reactions (as when built from PostgreSQL)
        let shown = natter_shared::api::Message {
            reactions: Vec::new(),
            ..message.clone()
        };
        let Ok(last) = serde_json::to_string(&shown) else {
            return;
        };
        keys::evalsha(&mut pipe, &SET_CHAT, 1)
            .arg(keys::chat(&state.redis, message.chat_id))
            .arg(message.seq)
            .arg("")
            .arg(last)
            .arg("")
            .arg(ENTRY_TTL.as_millis() as i64)
            .arg(event_seq)
            .ignore();
    }
    let mut conn = state.redis.conn();
    if let Err(e) = keys::run(&pipe, &mut conn).await {
        mark.keep();
        redis_failed(
            state,
            "chat_list change",
            &e,
            members,
            Some(message.chat_id),
        );
    }
}

/// After a read cursor moved.
pub async fn on_read(state: &AppState, user: UserId, chat: ChatId, seq: i64) {
    let mut pipe = redis::pipe();
    let mut field = [0; uuid::fmt::Hyphenated::LENGTH];
    keys::evalsha(&mut pipe, &SET_MAX, 1)
        .arg(keys::reads(&state.redis, user))
        .arg(keys::chat_field(chat, &mut field))
        .arg(seq)
        .arg(LIST_TTL.as_millis() as i64 * 2)
        .ignore();
    let mut conn = state.redis.conn();
    if let Err(e) = keys::run(&pipe, &mut conn).await {
        redis_failed(state, "chat_list read", &e, &[user], None);
    }
}

/// After a chat was created: it joins each member's cached list.
pub async fn on_chat_created(state: &AppState, chat: &ChatRow, members: &[UserId]) {
    let meta = ChatMeta::of(chat, members.to_vec());
    let Ok(meta) = serde_json::to_string(&meta) else {
        return;
    };
    let id = ChatId(chat.id);
    let mut pipe = redis::pipe();
    let mut field = [0; uuid::fmt::Hyphenated::LENGTH];
    keys::evalsha(&mut pipe, &SET_CHAT, 1)
        .arg(keys::chat(&state.redis, id))
        .arg(chat.last_seq)
        .arg(us(chat.updated_at))
        .arg("")
        .arg(meta)
        .arg(ENTRY_TTL.as_millis() as i64)
        .arg(chat.last_event_seq)
        .arg(chat.members_version)
        .ignore();
    for m in members {
        keys::evalsha(&mut pipe, &ADD_IF_COMPLETE, 2)
            .arg(keys::list(&state.redis, *m))
            .arg(keys::complete(&state.redis, *m))
            .arg(us(chat.updated_at))
            .arg(keys::chat_field(id, &mut field))
            .ignore();
        // a rebuild under way read PostgreSQL before this chat: it must not complete
        pipe.del(keys::rebuilding(&state.redis, *m)).ignore();
    }
    let mut conn = state.redis.conn();
    if let Err(e) = keys::run(&pipe, &mut conn).await {
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
