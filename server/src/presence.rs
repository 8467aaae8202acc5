//! Who is online. For each user a Redis sorted set holds the processes where they have a
//! connection, scored by when that entry expires; each process refreshes its entries, so a
//! crashed process's users turn offline within [`TTL`] instead of staying online forever.
//! `user_online` / `user_offline` go to everyone who shares a chat with the user when the
//! first connection anywhere opens and the last one closes.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::web;
use chrono::Utc;
use natter_shared::UserId;
use natter_shared::api::PresenceVisibility;
use natter_shared::ws::{PresenceEvent, ServerFrame};

use crate::db;
use crate::state::AppState;

/// How long a process's presence entry lives without a refresh.
pub const TTL: Duration = Duration::from_secs(60);
/// How often each process refreshes the entries of its connected users.
pub const REFRESH: Duration = Duration::from_secs(20);

/// `pr:<user>`: the processes holding a connection of the user.
fn key(state: &AppState, user: UserId) -> String {
    state.redis.key(&format!("pr:{user}"))
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The user's first connection on this process opened.
pub async fn connected(state: &AppState, user: UserId) {
    let key = key(state, user);
    let now = now_ms();
    let mut conn = state.redis.conn();
    let result: redis::RedisResult<(i64, i64)> = redis::pipe()
        .cmd("ZREMRANGEBYSCORE")
        .arg(&key)
        .arg("-inf")
        .arg(now)
        .ignore()
        .cmd("ZCOUNT")
        .arg(&key)
        .arg(now)
        .arg("+inf")
        .cmd("ZADD")
        .arg(&key)
        .arg(now + TTL.as_millis() as i64)
        .arg(state.registry.process_id.to_string())
        .cmd("PEXPIRE")
        .arg(&key)
        .arg(TTL.as_millis() as i64)
        .ignore()
        .query_async(&mut conn)
        .await;
    match result {
        Ok((0, _)) => announce(state, user, PresenceEvent::UserOnline).await,
        Ok(_) => {}
        Err(e) => redis_error("presence connect", &e),
    }
    // even if this process later dies without a goodbye, "last seen" is no older than this
    note_last_seen(state, user).await;
}

async fn note_last_seen(state: &AppState, user: UserId) {
    let now = Utc::now();
    if let Err(e) = db::run(&state.db, move |conn| {
        Ok(db::users::touch_last_seen(conn, user.0, now)?)
    })
    .await
    {
        tracing::warn!(error = %e, "cannot note last seen");
        return;
    }
    crate::chat_list::on_profile_changed(state, user).await;
}

/// The user's last connection on this process closed.
pub async fn disconnected(state: &AppState, user: UserId) {
    let key = key(state, user);
    let now = now_ms();
    let mut conn = state.redis.conn();
    let result: redis::RedisResult<(i64,)> = redis::pipe()
        .cmd("ZREM")
        .arg(&key)
        .arg(state.registry.process_id.to_string())
        .ignore()
        .cmd("ZREMRANGEBYSCORE")
        .arg(&key)
        .arg("-inf")
        .arg(now)
        .ignore()
        .cmd("ZCARD")
        .arg(&key)
        .query_async(&mut conn)
        .await;
    note_last_seen(state, user).await;
    match result {
        Ok((0,)) => announce(state, user, PresenceEvent::UserOffline).await,
        Ok(_) => {}
        Err(e) => redis_error("presence disconnect", &e),
    }
}

/// Whether each of `users` is online anywhere (offline when Redis cannot say).
pub async fn online(state: &AppState, users: &[UserId]) -> HashMap<UserId, bool> {
    if users.is_empty() {
        return HashMap::new();
    }
    let now = now_ms();
    let mut pipe = redis::pipe();
    for user in users {
        pipe.cmd("ZCOUNT")
            .arg(key(state, *user))
            .arg(now)
            .arg("+inf");
    }
    let mut conn = state.redis.conn();
    match pipe.query_async::<Vec<i64>>(&mut conn).await {
        Ok(counts) => users
            .iter()
            .copied()
            .zip(counts.into_iter().map(|c| c > 0))
            .collect(),
        Err(e) => {
            redis_error("presence read", &e);
            users.iter().map(|u| (*u, false)).collect()
        }
    }
}

/// Keeps this process's entries alive while it runs.
pub fn start_refresher(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(REFRESH);
        loop {
            tick.tick().await;
            let users = state.registry.local_users();
            if users.is_empty() {
                continue;
            }
            let expires = now_ms() + TTL.as_millis() as i64;
            let process = state.registry.process_id.to_string();
            let mut pipe = redis::pipe();
            for user in users {
                let key = key(&state, user);
                pipe.cmd("ZADD")
                    .arg(&key)
                    .arg(expires)
                    .arg(&process)
                    .ignore();
                pipe.cmd("PEXPIRE")
                    .arg(&key)
                    .arg(TTL.as_millis() as i64)
                    .ignore();
            }
            let mut conn = state.redis.conn();
            if let Err(e) = pipe.query_async::<()>(&mut conn).await {
                redis_error("presence refresh", &e);
            }
        }
    });
}

/// Whether `viewer` sees the presence of `owner` (who shows it to `visibility`), `shares_chat`
/// saying whether they share a chat: the contract's one rule
/// (`PresenceVisibility::visible_to`), here under the name the server's readers look for.
pub fn visible_to(
    visibility: PresenceVisibility,
    owner: UserId,
    viewer: UserId,
    shares_chat: bool,
) -> bool {
    visibility.visible_to(owner == viewer, shares_chat)
}

/// Tells the user's contacts that they came online or went offline, unless the user shows
/// their presence to nobody. (The contacts are people who share a chat with them, so
/// "everyone" and "people I chat with" send to the same people.)
async fn announce(state: &AppState, user: UserId, event: PresenceEvent) {
    let contacts = match db::run(&state.db, move |conn| {
        let hidden = db::users::find(conn, user.0)?
            .is_none_or(|row| !visible_to(row.visibility(), user, UserId(uuid::Uuid::nil()), true));
        if hidden {
            return Ok(Vec::new());
        }
        Ok(db::chats::contacts(conn, user.0)?)
    })
    .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "presence: cannot load contacts");
            return;
        }
    };
    let frame = ServerFrame::Presence {
        event,
        user_id: user,
        timestamp: Utc::now(),
    };
    crate::realtime::deliver::fan_out(state, None, contacts.into_iter().map(UserId), &frame, None);
}

fn redis_error(op: &'static str, e: &redis::RedisError) {
    metrics::counter!("natter_redis_errors_total", "op" => op).increment(1);
    tracing::warn!(error = %e, op, "Redis error");
}
