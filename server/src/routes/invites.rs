//! Invitations into groups: `POST /chats/{id}/invites` (the invitee gets `invite_received`
//! live), `GET /invites`, and `POST /invites/{id}/accept` or `/decline` (the inviter gets
//! `invite_answered`).

use actix_web::{HttpResponse, get, post, web};
use natter_shared::api::{ChatSummary, Invite, InviteList, UserRef};
use natter_shared::ws::ServerFrame;
use natter_shared::{ChatId, ErrorBody, InviteId, UserId};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::chat_list;
use crate::db::{self, invites::InviteRow};
use crate::error::ApiError;
use crate::members;
use crate::realtime::deliver::fan_out;
use crate::routes::extractor_errors::Body;
use crate::state::AppState;

/// Invites someone into the group (members, or admins when the group says so). A second
/// invitation renews the first. Banned people cannot be invited.
#[utoipa::path(tag = "groups", security(("bearer" = [])), request_body = UserRef,
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 201, body = Invite),
        (status = 403, description = "role_too_low, banned", body = ErrorBody),
        (status = 404, description = "no such chat or user", body = ErrorBody),
        (status = 409, description = "already_member, member_limit_reached, not_a_group", body = ErrorBody),
    ))]
#[post("/chats/{id}/invites")]
pub async fn invite_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Body<UserRef>,
) -> Result<HttpResponse, ApiError> {
    let chat = path.into_inner();
    let (inviter, invitee) = (auth.user_id.0, body.user_id.0);
    let limits = members::limits(&state);
    let invite = db::run(&state.db, move |conn| {
        let row = db::invites::invite(conn, chat, inviter, invitee, limits)?
            .map_err(members::rejected)?;
        shown(conn, &row)
    })
    .await?;
    fan_out(
        &state,
        None,
        [UserId(invitee)],
        &ServerFrame::InviteReceived {
            invite: invite.clone(),
        },
        None,
    );
    Ok(HttpResponse::Created().json(invite))
}

/// An invitation as the invitee sees it.
fn shown(conn: &mut diesel::PgConnection, row: &InviteRow) -> Result<Invite, ApiError> {
    let chat = db::chats::membership(conn, row.chat_id, row.inviter_id)?
        .map(|c| c.0)
        .ok_or_else(|| ApiError::not_found("chat"))?;
    let inviter =
        db::users::find(conn, row.inviter_id)?.ok_or_else(|| ApiError::not_found("user"))?;
    let count = db::chats::member_counts(conn, &[row.chat_id])?
        .pop()
        .map_or(0, |c| c.1);
    Ok(row.to_api(&chat, count, &inviter))
}

/// The caller's open invitations, newest first.
#[utoipa::path(tag = "groups", security(("bearer" = [])), responses((status = 200, body = InviteList)))]
#[get("/invites")]
pub async fn list_invites(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<web::Json<InviteList>, ApiError> {
    let me = auth.user_id.0;
    let invites = db::run(&state.db, move |conn| Ok(db::invites::open_for(conn, me)?)).await?;
    Ok(web::Json(InviteList { invites }))
}

/// Accepts an invitation: the caller joins as a member and the group appears in their list
/// with its history. Answers the chat as the list shows it.
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "invitation id")),
    responses(
        (status = 200, body = ChatSummary),
        (status = 403, description = "banned", body = ErrorBody),
        (status = 404, description = "no such invitation (or not yours)", body = ErrorBody),
        (status = 409, description = "already_member, member_limit_reached", body = ErrorBody),
        (status = 410, description = "invite_expired", body = ErrorBody),
    ))]
#[post("/invites/{id}/accept")]
pub async fn accept_invite(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<ChatSummary>, ApiError> {
    let me = auth.user_id;
    let answered = answer(&state, path.into_inner(), me, true).await?;
    chat_list::summary_for(&state, ChatId(answered.chat_id), me)
        .await?
        .map(web::Json)
        .ok_or_else(|| ApiError::not_found("chat"))
}

/// Declines an invitation; the inviter is told.
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "invitation id")),
    responses(
        (status = 204, description = "declined"),
        (status = 404, description = "no such invitation (or not yours)", body = ErrorBody),
    ))]
#[post("/invites/{id}/decline")]
pub async fn decline_invite(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    answer(&state, path.into_inner(), auth.user_id, false).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn answer(
    state: &web::Data<AppState>,
    id: Uuid,
    me: UserId,
    accept: bool,
) -> Result<InviteRow, ApiError> {
    let limits = members::limits(state);
    let chat = db::run(&state.db, move |conn| {
        Ok(db::invites::chat_of(conn, id, me.0)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("invitation"))?;
    let mark = members::mark_chat(state, ChatId(chat), None, Some(me.0)).await?;
    let answered = db::run(&state.db, move |conn| {
        Ok(db::invites::answer(conn, id, me.0, accept, limits)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("invitation"))?
    .map_err(members::rejected)?;
    let invite = answered.invite;
    let chat_id = ChatId(invite.chat_id);
    members::announce(state, chat_id, &answered.changed, mark).await;
    fan_out(
        state,
        Some(chat_id),
        [UserId(invite.inviter_id), me],
        &ServerFrame::InviteAnswered {
            invite_id: InviteId(invite.id),
            chat_id,
            user_id: me,
            accepted: accept,
        },
        None,
    );
    Ok(invite)
}
