//! Changes of messages: edit, delete, reactions, pins, forwarding. Each is the same action as
//! its WebSocket frame (`realtime::actions`), delivered to the other members as a
//! `chat_event` (a forward as `new_message`s).

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use natter_shared::api::{
    ChangeResult, DeleteMessageQuery, EditMessageRequest, ForwardRequest, Forwarded, Pins,
    ReactionRequest,
};
use natter_shared::{ChatId, ErrorBody, MessageId};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::{self, changes::Applied};
use crate::error::ApiError;
use crate::realtime::actions::{self, Asked};
use crate::routes::extractor_errors::Body;
use crate::state::AppState;

fn answer(applied: Applied) -> web::Json<ChangeResult> {
    web::Json(ChangeResult {
        message: applied.message,
        event_seq: applied.event.map(|e| e.event_seq),
    })
}

/// The one path of every change request: validated, applied by the chat's room, answered.
async fn apply(
    state: &web::Data<AppState>,
    auth: &AuthUser,
    (chat, message): (Uuid, Uuid),
    asked: Asked,
) -> Result<web::Json<ChangeResult>, ApiError> {
    let applied = actions::change(
        state,
        auth.user_id,
        None,
        ChatId(chat),
        MessageId(message),
        asked,
    )
    .await?;
    Ok(answer(applied))
}

/// Edits one's own message within the edit window (`NATTER_EDIT_WINDOW_SECS`, 48 h by
/// default). A `request_id` seen before for this message changes nothing.
#[utoipa::path(tag = "messages", security(("bearer" = [])), request_body = EditMessageRequest,
    params(("id" = Uuid, Path, description = "chat id"), ("message_id" = Uuid, Path)),
    responses(
        (status = 200, body = ChangeResult),
        (status = 400, description = "empty or over-long text", body = ErrorBody),
        (status = 403, description = "not_your_message, or edit_window_expired", body = ErrorBody),
        (status = 404, description = "no such chat or message, or not a member", body = ErrorBody),
        (status = 409, description = "message_deleted", body = ErrorBody),
    ))]
#[patch("/chats/{id}/messages/{message_id}")]
pub async fn edit_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    body: Body<EditMessageRequest>,
) -> Result<web::Json<ChangeResult>, ApiError> {
    let (chat, message) = path.into_inner();
    let body = body.into_inner();
    let asked = Asked::Edit {
        text: body.text,
        request_id: body.request_id,
    };
    apply(&state, &auth, (chat, message), asked).await
}

/// Deletes a message for everyone (`for_everyone=true`: one's own, or any in a group one is
/// an admin of; the text is erased, the seq stays as a tombstone) or for the caller only.
/// Deleting again changes nothing.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), ("message_id" = Uuid, Path), DeleteMessageQuery),
    responses(
        (status = 200, body = ChangeResult),
        (status = 403, description = "not_your_message", body = ErrorBody),
        (status = 404, description = "no such chat or message, or not a member", body = ErrorBody),
    ))]
#[delete("/chats/{id}/messages/{message_id}")]
pub async fn delete_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<DeleteMessageQuery>,
) -> Result<web::Json<ChangeResult>, ApiError> {
    let (chat, message) = path.into_inner();
    let asked = Asked::Delete {
        for_everyone: query.for_everyone.unwrap_or(false),
    };
    apply(&state, &auth, (chat, message), asked).await
}

/// Adds a reaction (one emoji; at most 20 different ones per message; giving the same again
/// changes nothing).
#[utoipa::path(tag = "messages", security(("bearer" = [])), request_body = ReactionRequest,
    params(("id" = Uuid, Path, description = "chat id"), ("message_id" = Uuid, Path)),
    responses(
        (status = 200, body = ChangeResult),
        (status = 400, description = "not exactly one emoji", body = ErrorBody),
        (status = 404, description = "no such chat or message, or not a member", body = ErrorBody),
        (status = 409, description = "message_deleted, or too_many_reactions", body = ErrorBody),
    ))]
#[post("/chats/{id}/messages/{message_id}/reactions")]
pub async fn add_reaction(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    body: Body<ReactionRequest>,
) -> Result<web::Json<ChangeResult>, ApiError> {
    let (chat, message) = path.into_inner();
    let asked = Asked::React {
        emoji: body.into_inner().emoji,
        remove: false,
    };
    apply(&state, &auth, (chat, message), asked).await
}

/// Takes one's reaction back (one not given changes nothing).
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), ("message_id" = Uuid, Path),
        ("emoji" = String, Path, description = "the emoji, percent-encoded")),
    responses(
        (status = 200, body = ChangeResult),
        (status = 400, description = "not exactly one emoji", body = ErrorBody),
        (status = 404, description = "no such chat or message, or not a member", body = ErrorBody),
        (status = 409, description = "message_deleted", body = ErrorBody),
    ))]
#[delete("/chats/{id}/messages/{message_id}/reactions/{emoji}")]
pub async fn remove_reaction(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid, String)>,
) -> Result<web::Json<ChangeResult>, ApiError> {
    let (chat, message, emoji) = path.into_inner();
    let asked = Asked::React {
        emoji,
        remove: true,
    };
    apply(&state, &auth, (chat, message), asked).await
}

/// Pins a message (several can be pinned; pinning again changes nothing).
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), ("message_id" = Uuid, Path)),
    responses(
        (status = 200, body = ChangeResult),
        (status = 404, description = "no such chat or message, or not a member", body = ErrorBody),
        (status = 409, description = "message_deleted", body = ErrorBody),
    ))]
#[put("/chats/{id}/pins/{message_id}")]
pub async fn pin_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<ChangeResult>, ApiError> {
    let (chat, message) = path.into_inner();
    let asked = Asked::Pin { unpin: false };
    apply(&state, &auth, (chat, message), asked).await
}

/// Unpins a message.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), ("message_id" = Uuid, Path)),
    responses(
        (status = 200, body = ChangeResult),
        (status = 404, description = "no such chat or message, or not a member", body = ErrorBody),
        (status = 409, description = "message_deleted", body = ErrorBody),
    ))]
#[delete("/chats/{id}/pins/{message_id}")]
pub async fn unpin_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<web::Json<ChangeResult>, ApiError> {
    let (chat, message) = path.into_inner();
    let asked = Asked::Pin { unpin: true };
    apply(&state, &auth, (chat, message), asked).await
}

/// The pinned messages of a chat, newest pin first.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 200, body = Pins),
        (status = 404, description = "no such chat, or not a member", body = ErrorBody),
    ))]
#[get("/chats/{id}/pins")]
pub async fn list_pins(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<Pins>, ApiError> {
    let (chat, user) = (path.into_inner(), auth.user_id.0);
    let messages = db::run(&state.db, move |conn| {
        db::chats::membership(conn, chat, user)?.ok_or_else(|| ApiError::not_found("chat"))?;
        let rows = db::messages::pinned(conn, chat)?;
        Ok(db::messages::to_api_for(conn, &rows, user)?)
    })
    .await?;
    Ok(web::Json(Pins { messages }))
}

/// Forwards messages of another chat the caller belongs to into this one, in the order
/// given. Each copy names the original's sender and time; a retry with the same `request_id`
/// answers the same copies.
#[utoipa::path(tag = "messages", security(("bearer" = [])), request_body = ForwardRequest,
    params(("id" = Uuid, Path, description = "the chat to forward into")),
    responses(
        (status = 200, body = Forwarded),
        (status = 400, description = "no messages, too many, or one twice", body = ErrorBody),
        (status = 404, description = "either chat unknown or not a member, or a message not in from_chat_id", body = ErrorBody),
        (status = 409, description = "message_deleted", body = ErrorBody),
        (status = 429, description = "rate limited; see Retry-After", body = ErrorBody),
    ))]
#[post("/chats/{id}/forward")]
pub async fn forward_messages(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Body<ForwardRequest>,
) -> Result<HttpResponse, ApiError> {
    let copies = actions::forward(
        &state,
        auth.user_id,
        None,
        ChatId(path.into_inner()),
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(Forwarded {
        messages: copies.into_iter().map(|(m, _)| m).collect(),
    }))
}
