//! `GET /api/v1/ws`: the WebSocket, and `POST /api/v1/ws/ticket`, a single-use ticket to open
//! it with. The socket is opened with the access token in the `Authorization` header, or with
//! `?ticket=` (for clients that cannot set headers: no token in the URL), or — deprecated, for
//! the clients of before — with `?token=`. An invalid, expired or revoked one gets a 401
//! before any upgrade. The socket closes when its access token expires unless the client
//! sends a fresh one on it (`{"type":"auth","token":…}`).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use actix_web_actors::ws;
use natter_shared::ws::{BearerToken, WsTicket};
use natter_shared::{ErrorBody, ErrorCode, SessionId, UserId};
use serde::Deserialize;

use crate::auth::{AuthUser, extractor::bearer_token};
use crate::error::ApiError;
use crate::realtime::WsSession;
use crate::state::AppState;

/// How long a socket ticket stays valid.
pub const TICKET_TTL_SECS: u64 = 30;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WsQuery {
    /// A ticket from `POST /api/v1/ws/ticket` (single use, valid for 30 s).
    ticket: Option<String>,
    /// Deprecated: the access token in the URL, where proxies and logs may keep it. Use the
    /// `Authorization` header or a ticket; this stays only for clients of before.
    token: Option<String>,
}

/// Who a socket is opened for, and when its access token expires (Unix seconds).
struct Opener {
    user: UserId,
    session: SessionId,
    expires_at: i64,
}

/// Opens the real-time connection (JSON text frames, see `natter_shared::ws`).
#[utoipa::path(tag = "realtime", params(WsQuery), responses(
    (status = 101, description = "switching to the WebSocket protocol"),
    (status = 401, description = "missing, invalid, expired or revoked token or ticket", body = ErrorBody),
    (status = 429, description = "the user has as many connections open as allowed (`NATTER_WS_CONNECTIONS_PER_USER`)", body = ErrorBody),
    (status = 503, description = "a ticket cannot be checked while Redis is down", body = ErrorBody),
))]
#[get("/ws")]
pub async fn connect_ws(
    req: HttpRequest,
    stream: web::Payload,
    state: web::Data<AppState>,
    query: web::Query<WsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let opener = match (bearer_token(&req), query.ticket) {
        (Some(token), _) => by_token(&state, token).await?,
        (None, Some(ticket)) => by_ticket(&state, &ticket).await?,
        (None, None) => match query.token {
            Some(token) => {
                metrics::counter!("natter_ws_token_in_url_total").increment(1);
                by_token(&state, &token).await?
            }
            None => {
                return Err(ApiError::unauthorized(
                    ErrorCode::MissingToken,
                    "send the access token in Authorization, or a ticket as ?ticket=",
                ));
            }
        },
    };
    let cap = state.settings.ws.connections_per_user;
    if state.registry.connections_of(opener.user) >= cap {
        metrics::counter!("natter_ws_refused_total", "reason" => "too_many_connections")
            .increment(1);
        return Err(ApiError::client(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!("too many open connections: at most {cap} per user; close one first"),
        )
        .with_header("Retry-After", "5".to_owned()));
    }
    // one frame may be as large as a whole message; fragments are counted by the session
    let frame_size = state.settings.ws.message_max_bytes;
    ws::WsResponseBuilder::new(
        WsSession::new(state, opener.user, opener.session, opener.expires_at),
        &req,
        stream,
    )
    .frame_size(frame_size)
    .start()
    .map_err(|e| {
        ApiError::bad_request(
            ErrorCode::InvalidJson,
            format!("not a WebSocket handshake: {e}"),
        )
    })
}

/// A single-use ticket to open the socket with `?ticket=`, for clients that cannot send the
/// `Authorization` header on a WebSocket: no token goes into a URL.
#[utoipa::path(tag = "realtime", security(("bearer" = [])), responses(
    (status = 200, body = WsTicket),
    (status = 401, description = "not signed in", body = ErrorBody),
    (status = 503, description = "Redis, which keeps tickets, is down", body = ErrorBody),
))]
#[post("/ws/ticket")]
pub async fn create_ws_ticket(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<web::Json<WsTicket>, ApiError> {
    let expires_at = bearer_token(&req)
        .and_then(|t| state.jwt.verify(t).ok())
        .map_or(0, |claims| claims.exp);
    let (ticket, hash) = crate::auth::tokens::new_refresh_token();
    let value = format!("{}:{}:{expires_at}", auth.user_id, auth.session_id);
    let mut conn = state.redis.conn();
    let _: () = redis::cmd("SET")
        .arg(ticket_key(&state, &hash))
        .arg(value)
        .arg("EX")
        .arg(TICKET_TTL_SECS)
        .query_async(&mut conn)
        .await
        .map_err(|e| ApiError::Unavailable(anyhow::Error::new(e).context("storing a ticket")))?;
    Ok(web::Json(WsTicket {
        ticket: BearerToken(ticket),
        expires_in: TICKET_TTL_SECS,
    }))
}

/// `ws:ticket:<sha-256 of the ticket>`: who a ticket opens a socket for. Only the hash is
/// stored, as with refresh tokens.
fn ticket_key(state: &AppState, hash: &[u8]) -> String {
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    state.redis.key(&format!("ws:ticket:{hex}"))
}

async fn by_token(state: &AppState, token: &str) -> Result<Opener, ApiError> {
    let verified = state.jwt.verify(token);
    let expires_at = verified.as_ref().map_or(0, |claims| claims.exp);
    let auth = AuthUser::from_verified(state, verified).await?;
    Ok(Opener {
        user: auth.user_id,
        session: auth.session_id,
        expires_at,
    })
}

/// Spends a ticket (GETDEL: a second use finds nothing) and checks its session is still on.
async fn by_ticket(state: &AppState, ticket: &str) -> Result<Opener, ApiError> {
    let invalid = || ApiError::unauthorized(ErrorCode::InvalidToken, "unknown or spent ticket");
    let hash = crate::auth::tokens::hash_refresh_token(ticket);
    let mut conn = state.redis.conn();
    let value: Option<String> = redis::cmd("GETDEL")
        .arg(ticket_key(state, &hash))
        .query_async(&mut conn)
        .await
        .map_err(|e| ApiError::Unavailable(anyhow::Error::new(e).context("spending a ticket")))?;
    let value = value.ok_or_else(invalid)?;
    let mut parts = value.splitn(3, ':');
    let (Some(user), Some(session), Some(expires_at)) = (
        parts.next().and_then(|u| uuid::Uuid::parse_str(u).ok()),
        parts.next().and_then(|s| uuid::Uuid::parse_str(s).ok()),
        parts.next().and_then(|e| e.parse::<i64>().ok()),
    ) else {
        return Err(invalid());
    };
    if expires_at <= chrono::Utc::now().timestamp() {
        return Err(ApiError::unauthorized(
            ErrorCode::TokenExpired,
            "the access token the ticket was taken with has expired",
        ));
    }
    let signed_in = AuthUser::of_active_session(state, user, session).await?;
    Ok(Opener {
        user: signed_in.user_id,
        session: signed_in.session_id,
        expires_at,
    })
}
