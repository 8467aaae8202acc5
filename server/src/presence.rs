//! Who is online. For each user a Redis sorted set holds the processes where they have a
//! connection, scored by when that entry expires; each process refreshes its entries, so a
//! crashed process's users turn offline within the TTL (`NATTER_PRESENCE_TTL_SECS`) instead
//! of staying online forever. `user_online` / `user_offline` go to everyone who shares a chat
//! with the user when the first connection anywhere opens and the last one closes — and, for
//! a user whose last process died without a goodbye, when the dead process's entry runs out:
//! the refreshers sweep `pr:due` (see [`sweep`]), so nobody is shown online for ever.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::web;
use chrono::{DateTime, Utc};
use natter_shared::UserId;
use natter_shared::api::PresenceVisibility;
use natter_shared::ws::{PresenceEvent, ServerFrame};

use crate::db;
use crate::state::AppState;

/// At most this many users are looked at per sweep (the rest at the next).
const SWEEP_BATCH: usize = 1000;

/// `pr:<user>`: the processes holding a connection of the user.
fn key(state: &AppState, user: UserId) -> String {
    state.redis.key(&format!("pr:{user}"))
}

/// `pr:due`: every user some process holds online, scored by when (ms) that runs out unless
/// a refresh comes first.
fn due_key(state: &AppState) -> String {
    state.redis.key("pr:due")
}

/// How long a process's presence entry lives without a refresh, in ms.
fn ttl_ms(state: &AppState) -> i64 {
    i64::try_from(state.settings.ws.presence_ttl.as_millis()).unwrap_or(i64::MAX / 2)
}

/// How often each process refreshes the entries of its connected users (and sweeps).
fn refresh_every(state: &AppState) -> Duration {
    state.settings.ws.presence_ttl / 3
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The user's first connection on this process opened.
pub async fn connected(state: &AppState, user: UserId) {
    let key = key(state, user);
    let now = now_ms();
    let ttl = ttl_ms(state);
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
        .arg(now + ttl)
        .arg(state.registry.process_id.to_string())
        .cmd("PEXPIRE")
        .arg(&key)
        .arg(ttl)
        .ignore()
        .cmd("ZADD")
        .arg(due_key(state))
        .arg("GT")
        .arg(now + ttl)
        .arg(user.to_string())
        .ignore()
        .query_async(&mut conn)
        .await;
    let at = Utc::now();
    match result {
        Ok((0, _)) => announce(state, user, PresenceEvent::UserOnline, at).await,
        Ok(_) => {}
        Err(e) => redis_error("presence connect", &e),
    }
    // even if this process later dies without a goodbye, "last seen" is no older than this
    note_last_seen(state, user, at).await;
}

async fn note_last_seen(state: &AppState, user: UserId, at: DateTime<Utc>) {
    if let Err(e) = db::run(&state.db, move |conn| {
        Ok(db::users::touch_last_seen(conn, user.0, at)?)
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
    let at = Utc::now();
    note_last_seen(state, user, at).await;
    match result {
        Ok((0,)) => {
            // nothing left to run out: the sweep has nothing to say about this user
            let gone: redis::RedisResult<i64> = redis::cmd("ZREM")
                .arg(due_key(state))
                .arg(user.to_string())
                .query_async(&mut conn)
                .await;
            if let Err(e) = gone {
                redis_error("presence disconnect", &e);
            }
            announce(state, user, PresenceEvent::UserOffline, at).await;
        }
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

/// Keeps this process's entries alive while it runs, and announces the users whose last
/// process died ([`sweep`]).
pub fn start_refresher(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(refresh_every(&state));
        loop {
            tick.tick().await;
            refresh(&state).await;
            sweep(&state).await;
        }
    });
}

async fn refresh(state: &AppState) {
    let users = state.registry.local_users();
    if users.is_empty() {
        return;
    }
    let ttl = ttl_ms(state);
    let expires = now_ms() + ttl;
    let process = state.registry.process_id.to_string();
    let due = due_key(state);
    let mut pipe = redis::pipe();
    for user in users {
        let key = key(state, user);
        pipe.cmd("ZADD")
            .arg(&key)
            .arg(expires)
            .arg(&process)
            .ignore();
        pipe.cmd("PEXPIRE").arg(&key).arg(ttl).ignore();
        pipe.cmd("ZADD")
            .arg(&due)
            .arg("GT")
            .arg(expires)
            .arg(user.to_string())
            .ignore();
    }
    let mut conn = state.redis.conn();
    if let Err(e) = pipe.query_async::<()>(&mut conn).await {
        redis_error("presence refresh", &e);
    }
}

/// Users whose presence ran out without a goodbye (their last process died): each is claimed
/// by one process (`ZREM` answers 1 to one caller only), which announces `user_offline`
/// unless a connection still holds them (then the user is due again a TTL later; a live
/// process's refresh moves that on). Last seen becomes the dead process's last refresh.
pub async fn sweep(state: &AppState) {
    let now = now_ms();
    let due = due_key(state);
    let mut conn = state.redis.conn();
    let found: redis::RedisResult<Vec<(String, f64)>> = redis::cmd("ZRANGEBYSCORE")
        .arg(&due)
        .arg("-inf")
        .arg(now)
        .arg("WITHSCORES")
        .arg("LIMIT")
        .arg(0)
        .arg(SWEEP_BATCH)
        .query_async(&mut conn)
        .await;
    let found: Vec<(UserId, f64)> = match found {
        Ok(found) => found
            .into_iter()
            .filter_map(|(u, at)| uuid::Uuid::parse_str(&u).ok().map(|u| (UserId(u), at)))
            .collect(),
        Err(e) => return redis_error("presence sweep", &e),
    };
    if found.is_empty() {
        return;
    }
    let mut pipe = redis::pipe();
    for (user, _) in &found {
        pipe.cmd("ZREM").arg(&due).arg(user.to_string());
        pipe.cmd("ZCOUNT")
            .arg(key(state, *user))
            .arg(now)
            .arg("+inf");
    }
    let answers: Vec<i64> = match pipe.query_async(&mut conn).await {
        Ok(a) => a,
        Err(e) => return redis_error("presence sweep", &e),
    };
    let ttl = ttl_ms(state);
    for ((user, ran_out), answer) in found.iter().zip(answers.chunks(2)) {
        match answer {
            [1, 0] => {
                // the entry ran out at `ran_out`; it was last refreshed a TTL before that
                let at = chrono::DateTime::from_timestamp_millis(ran_out.round() as i64 - ttl)
                    .unwrap_or_else(Utc::now);
                note_last_seen(state, *user, at).await;
                announce(state, *user, PresenceEvent::UserOffline, at).await;
            }
            [1, _] => {
                let again: redis::RedisResult<i64> = redis::cmd("ZADD")
                    .arg(&due)
                    .arg("GT")
                    .arg(now + ttl)
                    .arg(user.to_string())
                    .query_async(&mut conn)
                    .await;
                if let Err(e) = again {
                    redis_error("presence sweep", &e);
                }
            }
            _ => {} // another process claimed it
        }
    }
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
async fn announce(state: &AppState, user: UserId, event: PresenceEvent, at: DateTime<Utc>) {
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
        timestamp: at,
    };
    crate::realtime::deliver::fan_out(state, None, contacts.into_iter().map(UserId), &frame, None);
}

fn redis_error(op: &'static str, e: &redis::RedisError) {
    metrics::counter!("natter_redis_errors_total", "op" => op).increment(1);
    tracing::warn!(error = %e, op, "Redis error");
}
