//! `GET /api/v1/ws`: the WebSocket. The access token comes in the `Authorization` header or
//! as `?token=`; an invalid, expired or revoked one gets a 401 before any upgrade.

use actix_web::{HttpRequest, HttpResponse, get, web};
use actix_web_actors::ws;
use natter_shared::ErrorBody;
use serde::Deserialize;

use crate::auth::{AuthUser, extractor::bearer_token};
use crate::error::ApiError;
use crate::realtime::WsSession;
use crate::realtime::events::ConnSocket;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WsQuery {
    /// The access token, for clients that cannot set headers on a WebSocket.
    token: Option<String>,
}

/// Opens the real-time connection (JSON text frames, see `natter_shared::ws`).
#[utoipa::path(tag = "realtime", params(WsQuery), responses(
    (status = 101, description = "switching to the WebSocket protocol"),
    (status = 401, description = "missing, invalid, expired or revoked token", body = ErrorBody),
    (status = 429, description = "the user has as many connections open as allowed (`NATTER_WS_CONNECTIONS_PER_USER`)", body = ErrorBody),
))]
#[get("/ws")]
pub async fn connect_ws(
    req: HttpRequest,
    stream: web::Payload,
    state: web::Data<AppState>,
    query: web::Query<WsQuery>,
) -> Result<HttpResponse, ApiError> {
    let token = bearer_token(&req)
        .map(str::to_owned)
        .or_else(|| query.into_inner().token)
        .ok_or_else(|| {
            ApiError::unauthorized(
                natter_shared::ErrorCode::MissingToken,
                "send the access token in Authorization or ?token=",
            )
        })?;
    let auth = AuthUser::from_token(&state, &token).await?;
    let cap = state.settings.ws.connections_per_user;
    if state.registry.connections_of(auth.user_id) >= cap {
        metrics::counter!("natter_ws_refused_total", "reason" => "too_many_connections")
            .increment(1);
        return Err(ApiError::client(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            natter_shared::ErrorCode::RateLimited,
            format!("too many open connections: at most {cap} per user; close one first"),
        )
        .with_header("Retry-After", "5".to_owned()));
    }
    // one frame may be as large as a whole message; fragments are counted by the session
    let frame_size = state.settings.ws.message_max_bytes;
    ws::WsResponseBuilder::new(
        WsSession::new(
            state,
            auth.user_id,
            auth.session_id,
            req.conn_data::<ConnSocket>().cloned(),
        ),
        &req,
        stream,
    )
    .frame_size(frame_size)
    .start()
    .map_err(|e| {
        ApiError::bad_request(
            natter_shared::ErrorCode::InvalidJson,
            format!("not a WebSocket handshake: {e}"),
        )
    })
}
