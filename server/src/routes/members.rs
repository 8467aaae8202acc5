//! Running a group: `/chats/{id}/members`, `/chats/{id}/bans`, `/chats/{id}/owner`, and the
//! group's info (`PATCH /chats/{id}`). Who may do what is `natter_shared::api::may`; each
//! refusal is a 403 with its own code, and a chat the caller is not in is a 404.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use natter_shared::api::{
    ChatDetails, MemberInfo, MemberList, MembersQuery, UpdateChatRequest, UpdateMemberRequest,
    UserRef,
};
use natter_shared::{ChatDescription, ChatId, ChatTitle, ErrorBody, ErrorCode, UserId};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::{self, membership::MemberOp};
use crate::error::ApiError;
use crate::members;
use crate::presence;
use crate::routes::chats::details;
use crate::routes::extractor_errors::Body;
use crate::state::AppState;

/// The members, the most powerful first, with their roles and online state; the caller's
/// own role and the group's rules, for what the app offers.
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), MembersQuery),
    responses(
        (status = 200, body = MemberList),
        (status = 400, description = "bad limit", body = ErrorBody),
        (status = 404, description = "no such chat, or not a member", body = ErrorBody),
    ))]
#[get("/chats/{id}/members")]
pub async fn list_members(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<MembersQuery>,
) -> Result<web::Json<MemberList>, ApiError> {
    let chat = path.into_inner();
    let limit = query.limit.unwrap_or(MembersQuery::DEFAULT_LIMIT);
    if !(1..=MembersQuery::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!("limit: must be from 1 to {}", MembersQuery::MAX_LIMIT),
        ));
    }
    let offset = i64::from(query.offset.unwrap_or(0));
    let me = auth.user_id.0;
    let (chat_row, mine, (rows, total), hidden) = db::run(&state.db, move |conn| {
        let (chat_row, _) =
            db::chats::membership(conn, chat, me)?.ok_or_else(|| ApiError::not_found("chat"))?;
        let mine =
            db::members::member(conn, chat, me)?.ok_or_else(|| ApiError::not_found("chat"))?;
        if chat_row.kind != natter_shared::api::ChatKind::Group {
            return Err(crate::members::rejected(
                db::members::GroupRejected::NotAGroup,
            ));
        }
        let page = db::members::page(conn, chat, i64::from(limit), offset)?;
        let ids: Vec<Uuid> = page.0.iter().map(|(m, _)| m.user_id).collect();
        let hidden = db::requests::blocked_among(conn, me, &ids)?;
        Ok((chat_row, mine, page, hidden))
    })
    .await?;
    let ids: Vec<UserId> = rows.iter().map(|(m, _)| UserId(m.user_id)).collect();
    let online = presence::online(&state, &ids).await;
    let members = rows
        .into_iter()
        .map(|(m, u)| {
            // across a block, nobody sees whether the other is online; nor when they show it
            // to nobody (a fellow member is one of the people they chat with)
            let shown = !hidden.contains(&u.id)
                && u.visibility().visible_to(u.id == auth.user_id.0, true)
                && online.get(&UserId(u.id)).copied().unwrap_or(false);
            let user = u.to_api_seen_by(auth.user_id.0, true);
            m.to_api(user, shown)
        })
        .collect();
    Ok(web::Json(MemberList {
        members,
        total,
        my_role: mine.role,
        my_muted: mine.muted,
        rules: db::members::rules_of(&chat_row),
    }))
}

/// Gives a member another role and/or mutes or unmutes them. Answers the member as now.
#[utoipa::path(tag = "groups", security(("bearer" = [])), request_body = UpdateMemberRequest,
    params(("id" = Uuid, Path, description = "chat id"), ("user_id" = Uuid, Path, description = "member")),
    responses(
        (status = 200, body = MemberInfo),
        (status = 403, description = "role_too_low, target_role_too_high, role_above_yours", body = ErrorBody),
        (status = 404, description = "no such chat or member", body = ErrorBody),
        (status = 409, description = "not_a_group", body = ErrorBody),
    ))]
#[patch("/chats/{id}/members/{user_id}")]
pub async fn update_member(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
    body: Body<UpdateMemberRequest>,
) -> Result<web::Json<MemberInfo>, ApiError> {
    let (chat, target) = path.into_inner();
    let body = body.into_inner();
    let op = MemberOp::Update {
        target,
        role: body.role,
        muted: body.muted,
    };
    members::change(&state, ChatId(chat), auth.user_id, op).await?;
    let (row, user) = db::run(&state.db, move |conn| {
        let row = db::members::member(conn, chat, target)?
            .ok_or_else(|| ApiError::not_found("member"))?;
        let user = db::users::find(conn, target)?.ok_or_else(|| ApiError::not_found("member"))?;
        Ok((row, user))
    })
    .await?;
    let visible = user
        .visibility()
        .visible_to(user.id == auth.user_id.0, true);
    let user = user.to_api_seen_by(auth.user_id.0, true);
    let online = presence::online(&state, &[user.id]).await;
    let shown = visible && online.get(&user.id).copied().unwrap_or(false);
    Ok(web::Json(row.to_api(user, shown)))
}

/// Removes a member (moderators and above, of lower roles); one's own id leaves the group.
/// They keep what they had seen and receive nothing newer, at once, on every connection.
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), ("user_id" = Uuid, Path, description = "member, or yourself to leave")),
    responses(
        (status = 204, description = "removed (or left)"),
        (status = 403, description = "role_too_low, target_role_too_high", body = ErrorBody),
        (status = 404, description = "no such chat or member", body = ErrorBody),
        (status = 409, description = "owner_must_hand_over, not_a_group", body = ErrorBody),
    ))]
#[delete("/chats/{id}/members/{user_id}")]
pub async fn remove_member(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (chat, target) = path.into_inner();
    members::change(
        &state,
        ChatId(chat),
        auth.user_id,
        MemberOp::Remove { target },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Bans someone (a member is removed too): they cannot be invited or rejoin until unbanned.
#[utoipa::path(tag = "groups", security(("bearer" = [])), request_body = UserRef,
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 204, description = "banned"),
        (status = 403, description = "role_too_low, target_role_too_high", body = ErrorBody),
        (status = 404, description = "no such chat or user", body = ErrorBody),
    ))]
#[post("/chats/{id}/bans")]
pub async fn ban_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Body<UserRef>,
) -> Result<HttpResponse, ApiError> {
    let target = body.user_id.0;
    members::change(
        &state,
        ChatId(path.into_inner()),
        auth.user_id,
        MemberOp::Ban { target },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lifts a ban (moderators and above).
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), ("user_id" = Uuid, Path, description = "banned user")),
    responses(
        (status = 204, description = "no longer banned"),
        (status = 403, description = "role_too_low", body = ErrorBody),
        (status = 404, description = "no such chat", body = ErrorBody),
    ))]
#[delete("/chats/{id}/bans/{user_id}")]
pub async fn unban_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (chat, target) = path.into_inner();
    members::change(
        &state,
        ChatId(chat),
        auth.user_id,
        MemberOp::Unban { target },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Hands the ownership over to another member (the owner only); the old owner becomes an
/// admin.
#[utoipa::path(tag = "groups", security(("bearer" = [])), request_body = UserRef,
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 204, description = "handed over"),
        (status = 403, description = "role_too_low", body = ErrorBody),
        (status = 404, description = "no such chat or member", body = ErrorBody),
    ))]
#[post("/chats/{id}/owner")]
pub async fn hand_over(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Body<UserRef>,
) -> Result<HttpResponse, ApiError> {
    let target = body.user_id.0;
    members::change(
        &state,
        ChatId(path.into_inner()),
        auth.user_id,
        MemberOp::HandOver { target },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes the group's title, description or rules (admins and above). Answers the chat
/// as `GET /chats/{id}` does.
#[utoipa::path(tag = "groups", security(("bearer" = [])), request_body = UpdateChatRequest,
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 200, body = ChatDetails),
        (status = 400, description = "bad title or description", body = ErrorBody),
        (status = 403, description = "role_too_low", body = ErrorBody),
        (status = 404, description = "no such chat", body = ErrorBody),
        (status = 409, description = "not_a_group", body = ErrorBody),
    ))]
#[patch("/chats/{id}")]
pub async fn update_chat(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Body<UpdateChatRequest>,
) -> Result<web::Json<ChatDetails>, ApiError> {
    let chat = ChatId(path.into_inner());
    let body = body.into_inner();
    let op = MemberOp::EditInfo {
        title: body.title.as_deref().map(ChatTitle::parse).transpose()?,
        description: body
            .description
            .as_deref()
            .map(ChatDescription::parse)
            .transpose()?,
        invite: body.invite_policy,
        pin: body.pin_policy,
    };
    members::change(&state, chat, auth.user_id, op).await?;
    Ok(web::Json(details(&state, chat, auth.user_id).await?))
}
