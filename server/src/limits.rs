//! Rate limits shared by every server process: fixed one-minute windows counted in Redis.
//! When Redis is down the limits are not enforced (and the error is counted): a cache outage
//! must not stop people from chatting.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use chrono::Utc;
use natter_shared::UserId;

use crate::auth::extractor::{VerifiedToken, bearer_token};
use crate::client_addr::TrustedProxies;
use crate::error::ApiError;
use crate::state::AppState;

const WINDOW: Duration = Duration::from_secs(60);

/// Counts one event for `who` in `bucket`; `RateLimited` once more than `limit` happened in
/// the current window.
pub async fn check(state: &AppState, bucket: &str, who: &str, limit: u32) -> Result<(), ApiError> {
    let now = Utc::now().timestamp();
    let window = WINDOW.as_secs() as i64;
    let slot = now / window;
    let key = counter_key(state, bucket, who, slot);
    let mut conn = state.redis.conn();
    let counted: redis::RedisResult<(i64,)> = redis::pipe()
        .cmd("INCR")
        .arg(&key)
        .cmd("EXPIRE")
        .arg(&key)
        .arg(window * 2)
        .ignore()
        .query_async(&mut conn)
        .await;
    match counted {
        Ok((n,)) if n > i64::from(limit) => Err(ApiError::RateLimited {
            retry_after_secs: (window - now % window).max(1) as u64,
        }),
        Ok(_) => Ok(()),
        Err(e) => {
            metrics::counter!("natter_redis_errors_total", "op" => "rate_limit").increment(1);
            tracing::warn!(error = %e, "rate limit not enforced: Redis error");
            Ok(())
        }
    }
}

/// `rl:<bucket>:<who>:<slot>`: the counter of one window.
fn counter_key(state: &AppState, bucket: &str, who: &str, slot: i64) -> String {
    state.redis.key(&format!("rl:{bucket}:{who}:{slot}"))
}

/// The per-user message rate (WebSocket and REST sends).
pub async fn check_messages(state: &AppState, user: UserId) -> Result<(), ApiError> {
    check(
        state,
        "msg",
        &user.to_string(),
        state.settings.message_rate_per_min,
    )
    .await
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
        let verified = bearer_token(req.request()).map(|t| state.jwt.verify(t));
        let who = verified
            .as_ref()
            .and_then(|v| v.as_ref().ok())
            .map(|claims| format!("u:{}", claims.sub))
            .unwrap_or_else(|| {
                let ip = req
                    .app_data::<web::Data<TrustedProxies>>()
                    .and_then(|proxies| proxies.client_ip(req.request()))
                    .or_else(|| req.peer_addr().map(|a| a.ip()));
                format!("ip:{}", ip.map(|ip| ip.to_string()).unwrap_or_default())
            });
        check(&state, "rest", &who, state.settings.rest_rate_per_min).await?;
        if let Some(result) = verified {
            req.extensions_mut().insert(VerifiedToken(result));
        }
    }
    next.call(req).await
}
