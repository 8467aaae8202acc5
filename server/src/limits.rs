//! Rate limits shared by every server process: fixed one-minute windows counted in Redis.
//! While Redis does not answer, each process counts on its own (`local_limits`): a limit
//! stays a limit in an outage (at most N times it with N processes), and nobody waits for
//! Redis to come back.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use chrono::Utc;
use natter_shared::UserId;

use crate::auth::extractor::{VerifiedToken, bearer_token};
use crate::client_addr;
use crate::error::ApiError;
use crate::state::AppState;

const WINDOW: Duration = Duration::from_secs(60);

/// The current window: its number and the seconds until it ends.
fn window() -> (i64, u64) {
    let now = Utc::now().timestamp();
    let window = WINDOW.as_secs() as i64;
    (now / window, (window - now % window).max(1) as u64)
}

/// Counts one event for `who` in `bucket` (`count`) or only reads how many there were;
/// answers the number in the current window.
async fn tally(state: &AppState, bucket: &str, who: &str, count: bool) -> u64 {
    let (slot, _) = window();
    let key = counter_key(state, bucket, who, slot);
    let mut conn = state.redis.conn();
    let counted: redis::RedisResult<(Option<u64>,)> = if count {
        redis::pipe()
            .cmd("INCR")
            .arg(&key)
            .cmd("EXPIRE")
            .arg(&key)
            .arg(WINDOW.as_secs() * 2)
            .ignore()
            .query_async(&mut conn)
            .await
    } else {
        redis::pipe()
            .cmd("GET")
            .arg(&key)
            .query_async(&mut conn)
            .await
    };
    match counted {
        Ok((n,)) => n.unwrap_or(0),
        Err(e) => {
            metrics::counter!("natter_redis_errors_total", "op" => "rate_limit").increment(1);
            tracing::warn!(error = %e, "rate limit counted in this process only: Redis error");
            if count {
                state.local_limits.increment(&key, slot)
            } else {
                state.local_limits.get(&key, slot)
            }
        }
    }
}

fn limited() -> ApiError {
    ApiError::RateLimited {
        retry_after_secs: window().1,
    }
}

/// Counts one event for `who` in `bucket`; `RateLimited` once more than `limit` happened in
/// the current window.
pub async fn check(state: &AppState, bucket: &str, who: &str, limit: u32) -> Result<(), ApiError> {
    if tally(state, bucket, who, true).await > u64::from(limit) {
        return Err(limited());
    }
    Ok(())
}

/// Whether `username` may try to sign in now: `RateLimited` after
/// `NATTER_RATE_LOGIN_FAILURES_PER_MIN` failed attempts in this window, from any address (a
/// guesser spread over many addresses still meets it).
pub async fn check_login(state: &AppState, username: &str) -> Result<(), ApiError> {
    let failures = tally(state, "login", &username.to_lowercase(), false).await;
    if failures >= u64::from(state.settings.login_failures_per_min) {
        return Err(limited());
    }
    Ok(())
}

/// Counts a failed sign-in of `username`.
pub async fn login_failed(state: &AppState, username: &str) {
    tally(state, "login", &username.to_lowercase(), true).await;
}

/// `rl:<bucket>:<who>:<slot>`: the counter of one window.
pub(crate) fn counter_key(state: &AppState, bucket: &str, who: &str, slot: i64) -> String {
    state.redis.key(&format!("rl:{bucket}:{who}:{slot}"))
}

/// The per-user message rate (WebSocket and REST sends): decided in this process at once,
/// the counts reconciled with Redis in the background (`local_limits::MessageLimiter`), so no
/// send waits
/// for Redis.
pub async fn check_messages(state: &AppState, user: UserId) -> Result<(), ApiError> {
    let (slot, _) = window();
    if state
        .message_limiter
        .admit(user, slot, state.settings.message_rate_per_min)
    {
        Ok(())
    } else {
        Err(limited())
    }
}

/// The requests of a file's bytes: appending to an upload, asking its offset, and ranged
/// downloads of files and pictures. They are bounded by the size limit and quota instead (a
/// 100 MB file is a hundred 1 MB PATCHes), and each still needs a valid token.
fn bulk_transfer(req: &ServiceRequest) -> bool {
    use actix_web::http::Method;
    let path = req.path();
    let under = |p: &str| {
        path.strip_prefix(natter_shared::API_PREFIX)
            .is_some_and(|rest| rest.starts_with(p))
    };
    match *req.method() {
        Method::PATCH | Method::HEAD | Method::OPTIONS => under("/uploads/") || under("/uploads"),
        Method::GET => {
            under("/files/")
                || (under("/users/") || under("/chats/"))
                    && (path.ends_with("/avatar") || path.ends_with("/photo"))
        }
        _ => false,
    }
}

/// `?token=` of a WebSocket upgrade.
fn url_token(req: &ServiceRequest) -> Option<&str> {
    if !req.path().ends_with("/ws") {
        return None;
    }
    req.query_string()
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .filter(|t| !t.is_empty())
}

/// Middleware: the per-user REST rate for `/api/v1`. Signed-in requests count per user (from
/// the token's subject), others per client address (behind a trusted proxy, the address it
/// forwards).
pub async fn rest_rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(state) = req.app_data::<web::Data<AppState>>().cloned() {
        if bulk_transfer(&req) {
            return next.call(req).await;
        }
        let header = bearer_token(req.request());
        // a socket opened the deprecated way, with its token in the URL, counts for the
        // token's (verified) owner like any other signed-in request
        let token = header.or_else(|| url_token(&req));
        let verified = token.map(|t| state.jwt.verify(t));
        let who = verified
            .as_ref()
            .and_then(|v| v.as_ref().ok())
            .map(|claims| format!("u:{}", claims.sub))
            .unwrap_or_else(|| {
                let ip = client_addr::client_ip(req.request());
                format!("ip:{}", ip.map(|ip| ip.to_string()).unwrap_or_default())
            });
        check(&state, "rest", &who, state.settings.rest_rate_per_min).await?;
        if let Some(result) = verified.filter(|_| header.is_some()) {
            req.extensions_mut().insert(VerifiedToken(result));
        }
    }
    next.call(req).await
}

/// Adds this process's message counts to Redis every `local_limits::FLUSH_EVERY`, off the
/// send path.
pub fn start_message_flusher(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(crate::local_limits::FLUSH_EVERY);
        loop {
            tick.tick().await;
            let taken = state.message_limiter.take();
            if taken.is_empty() {
                continue;
            }
            let mut pipe = redis::pipe();
            for (user, slot, n) in &taken {
                let key = counter_key(&state, "msg", &user.to_string(), *slot);
                pipe.cmd("INCRBY").arg(&key).arg(*n);
                pipe.cmd("EXPIRE").arg(&key).arg(120).ignore();
            }
            let mut conn = state.redis.conn();
            match pipe.query_async::<Vec<u64>>(&mut conn).await {
                Ok(totals) => state.message_limiter.flushed(&taken, Some(&totals)),
                Err(e) => {
                    metrics::counter!("natter_redis_errors_total", "op" => "rate_limit")
                        .increment(1);
                    tracing::debug!(error = %e, "message counts kept here: Redis error");
                    state.message_limiter.flushed(&taken, None);
                }
            }
        }
    });
}
