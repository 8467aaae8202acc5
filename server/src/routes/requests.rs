//! Message requests (`POST /chats/{id}/request/accept`, `/decline`) and blocking
//! (`PUT /users/{id}/block`, `DELETE /users/{id}/block`, `GET /users/me/blocks`).

use actix_web::{HttpResponse, delete, get, post, put, web};
use natter_shared::api::{ChatSummary, User};
use natter_shared::{ChatId, ErrorBody};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::chat_list;
use crate::db;
use crate::error::ApiError;
use crate::members;
use crate::state::AppState;

/// Accepts a message request: a normal chat from now on (the sender sees your presence and
/// reads). Answers the chat as the list shows it.
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "direct chat id")),
    responses(
        (status = 200, body = ChatSummary),
        (status = 404, description = "no such chat, or not yours", body = ErrorBody),
        (status = 409, description = "not_a_request", body = ErrorBody),
    ))]
#[post("/chats/{id}/request/accept")]
pub async fn accept_request(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<ChatSummary>, ApiError> {
    let chat = ChatId(path.into_inner());
    let me = auth.user_id;
    let mark = members::mark_members(&state, chat, me, None).await?;
    let changed = db::run(&state.db, move |conn| {
        Ok(db::requests::accept(conn, chat.0, me.0)?)
    })
    .await?
    .map_err(members::rejected)?;
    members::announce(&state, chat, &changed, mark).await;
    chat_list::summary_for(&state, chat, me)
        .await?
        .map(web::Json)
        .ok_or_else(|| ApiError::not_found("chat"))
}

/// Declines a message request: you leave the chat (its sender is not told).
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "direct chat id")),
    responses(
        (status = 204, description = "declined"),
        (status = 404, description = "no such chat, or not yours", body = ErrorBody),
        (status = 409, description = "not_a_request", body = ErrorBody),
    ))]
#[post("/chats/{id}/request/decline")]
pub async fn decline_request(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let chat = ChatId(path.into_inner());
    let me = auth.user_id;
    let mark = members::mark_members(&state, chat, me, None).await?;
    let changed = db::run(&state.db, move |conn| {
        Ok(db::requests::decline(conn, chat.0, me.0)?)
    })
    .await?
    .map_err(members::rejected)?;
    members::announce(&state, chat, &changed, mark).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Blocks someone: they cannot open a direct chat with you, invite you or see your presence,
/// and your direct chat delivers nothing either way. A request from them is declined.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses(
        (status = 204, description = "blocked"),
        (status = 404, description = "no such user (or yourself)", body = ErrorBody),
    ))]
#[put("/users/{id}/block")]
pub async fn block_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set_block(&state, auth, path.into_inner(), true).await
}

/// Unblocks someone.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses(
        (status = 204, description = "unblocked"),
        (status = 404, description = "no such user (or yourself)", body = ErrorBody),
    ))]
#[delete("/users/{id}/block")]
pub async fn unblock_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    set_block(&state, auth, path.into_inner(), false).await
}

async fn set_block(
    state: &web::Data<AppState>,
    auth: AuthUser,
    other: Uuid,
    on: bool,
) -> Result<HttpResponse, ApiError> {
    let me = auth.user_id.0;
    let chat = db::run(&state.db, move |conn| {
        let key = db::chats::direct_key(me, other);
        Ok(db::chats::direct_chat(conn, &key)?)
    })
    .await?;
    let mark = match chat {
        Some(c) => Some(members::mark_chat(state, ChatId(c), None, None).await?),
        None => None,
    };
    let changed = db::run(&state.db, move |conn| {
        Ok(db::requests::set_block(conn, me, other, on)?)
    })
    .await?
    .map_err(members::rejected)?;
    if let (Some(c), Some(changed), Some(mark)) = (chat, changed.chat, mark) {
        members::announce(state, ChatId(c), &changed, mark).await;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The people you block, the latest first.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses((status = 200, body = Vec<User>)))]
#[get("/users/me/blocks")]
pub async fn list_blocks(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<web::Json<Vec<User>>, ApiError> {
    let me = auth.user_id.0;
    let rows = db::run(&state.db, move |conn| {
        Ok(db::requests::blocked_by(conn, me)?)
    })
    .await?;
    Ok(web::Json(rows.iter().map(|r| r.to_api()).collect()))
}
