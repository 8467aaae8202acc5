//! Join links: `POST/GET /chats/{id}/links`, `DELETE /chats/{id}/links/{token}` (admins),
//! `POST /join/{token}` (anyone signed in), and the requests of links that need approval:
//! `GET /chats/{id}/join-requests`, `POST /chats/{id}/join-requests/{user_id}/approve` or
//! `/decline`.

use actix_web::{HttpResponse, delete, get, post, web};
use natter_shared::api::{CreateLinkRequest, JoinLink, JoinRequest, JoinResult};
use natter_shared::{ChatId, ErrorBody, Field, UserId};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::{self, links::Followed};
use crate::error::ApiError;
use crate::members;
use crate::routes::extractor_errors::Body;
use crate::state::AppState;

/// Makes a join link (admins and above).
#[utoipa::path(tag = "groups", security(("bearer" = [])), request_body = CreateLinkRequest,
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 201, body = JoinLink),
        (status = 400, description = "expiry or use limit out of range", body = ErrorBody),
        (status = 403, description = "role_too_low", body = ErrorBody),
        (status = 404, description = "no such chat", body = ErrorBody),
    ))]
#[post("/chats/{id}/links")]
pub async fn create_link(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Body<CreateLinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if let Some(secs) = body.expires_in_secs
        && !(CreateLinkRequest::EXPIRY_MIN_SECS..=CreateLinkRequest::EXPIRY_MAX_SECS)
            .contains(&secs)
    {
        return Err(ApiError::invalid_field(
            Field::ExpiresInSecs,
            format!(
                "expires_in_secs: from {} to {}",
                CreateLinkRequest::EXPIRY_MIN_SECS,
                CreateLinkRequest::EXPIRY_MAX_SECS
            ),
        ));
    }
    if let Some(n) = body.max_uses
        && !(1..=CreateLinkRequest::MAX_USES).contains(&n)
    {
        return Err(ApiError::invalid_field(
            Field::MaxUses,
            format!("max_uses: from 1 to {}", CreateLinkRequest::MAX_USES),
        ));
    }
    let new = db::links::NewLink {
        expires_in: body
            .expires_in_secs
            .map(|s| chrono::Duration::seconds(s as i64)),
        max_uses: body.max_uses.map(|n| n as i32),
        needs_approval: body.needs_approval,
    };
    let (chat, me) = (path.into_inner(), auth.user_id.0);
    let row = db::run(&state.db, move |conn| {
        Ok(db::links::create(conn, chat, me, new)?)
    })
    .await?
    .map_err(members::rejected)?;
    Ok(HttpResponse::Created().json(row.to_api()))
}

/// The group's join links, newest first (admins and above).
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 200, body = Vec<JoinLink>),
        (status = 403, description = "role_too_low", body = ErrorBody),
        (status = 404, description = "no such chat", body = ErrorBody),
    ))]
#[get("/chats/{id}/links")]
pub async fn list_links(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<Vec<JoinLink>>, ApiError> {
    let (chat, me) = (path.into_inner(), auth.user_id.0);
    let rows = db::run(&state.db, move |conn| Ok(db::links::list(conn, chat, me)?))
        .await?
        .map_err(members::rejected)?;
    Ok(web::Json(rows.iter().map(|r| r.to_api()).collect()))
}

/// Revokes a join link; nobody joins by it any more.
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), ("token" = String, Path, description = "link token")),
    responses(
        (status = 204, description = "revoked"),
        (status = 403, description = "role_too_low", body = ErrorBody),
        (status = 404, description = "no such chat or link", body = ErrorBody),
    ))]
#[delete("/chats/{id}/links/{token}")]
pub async fn revoke_link(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    let ((chat, token), me) = (path.into_inner(), auth.user_id.0);
    let token = storable(token)?;
    db::run(&state.db, move |conn| {
        Ok(db::links::revoke(conn, chat, me, &token)?)
    })
    .await?
    .map_err(members::rejected)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Joins a group by its link (or asks to, when the link needs approval).
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("token" = String, Path, description = "link token")),
    responses(
        (status = 200, description = "joined, or the request is waiting for the admins", body = JoinResult),
        (status = 403, description = "banned", body = ErrorBody),
        (status = 404, description = "no such link", body = ErrorBody),
        (status = 409, description = "already_member, member_limit_reached", body = ErrorBody),
        (status = 410, description = "link_expired", body = ErrorBody),
    ))]
#[post("/join/{token}")]
pub async fn join_by_link(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<web::Json<JoinResult>, ApiError> {
    let (token, me) = (storable(path.into_inner())?, auth.user_id);
    let limit = state.settings.member_limit;
    let chat = db::run(&state.db, {
        let token = token.clone();
        move |conn| Ok(db::links::chat_of(conn, &token)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("join link"))?;
    let mark = members::mark_chat(&state, ChatId(chat), None, Some(me.0)).await?;
    let followed = db::run(&state.db, move |conn| {
        Ok(db::links::follow(conn, &token, me.0, limit)?)
    })
    .await?
    .map_err(members::rejected)?;
    Ok(web::Json(match followed {
        Followed::Joined(changed) => {
            members::announce(&state, ChatId(chat), &changed, mark).await;
            JoinResult::Joined {
                chat_id: ChatId(chat),
            }
        }
        Followed::Requested(chat) => JoinResult::Requested {
            chat_id: ChatId(chat),
        },
    }))
}

/// Who is waiting to join by a link that needs approval (admins and above).
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 200, body = Vec<JoinRequest>),
        (status = 403, description = "role_too_low", body = ErrorBody),
        (status = 404, description = "no such chat", body = ErrorBody),
    ))]
#[get("/chats/{id}/join-requests")]
pub async fn list_join_requests(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<Vec<JoinRequest>>, ApiError> {
    let (chat, me) = (path.into_inner(), auth.user_id.0);
    let list = db::run(&state.db, move |conn| {
        Ok(db::links::requests(conn, chat, me)?)
    })
    .await?
    .map_err(members::rejected)?;
    Ok(web::Json(list))
}

/// Lets someone in who asked to join.
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), ("user_id" = Uuid, Path, description = "who asked")),
    responses(
        (status = 204, description = "joined"),
        (status = 403, description = "role_too_low, banned", body = ErrorBody),
        (status = 404, description = "no such chat or request", body = ErrorBody),
    ))]
#[post("/chats/{id}/join-requests/{user_id}/approve")]
pub async fn approve_join(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    answer(&state, auth.user_id, path.into_inner(), true).await
}

/// Turns down someone who asked to join.
#[utoipa::path(tag = "groups", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), ("user_id" = Uuid, Path, description = "who asked")),
    responses(
        (status = 204, description = "declined"),
        (status = 403, description = "role_too_low", body = ErrorBody),
        (status = 404, description = "no such chat or request", body = ErrorBody),
    ))]
#[post("/chats/{id}/join-requests/{user_id}/decline")]
pub async fn decline_join(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    answer(&state, auth.user_id, path.into_inner(), false).await
}

async fn answer(
    state: &web::Data<AppState>,
    me: UserId,
    (chat, user): (Uuid, Uuid),
    approve: bool,
) -> Result<HttpResponse, ApiError> {
    let limit = state.settings.member_limit;
    let mark = members::mark_members(state, ChatId(chat), me, Some(user)).await?;
    let changed = db::run(&state.db, move |conn| {
        Ok(db::links::answer(conn, chat, me.0, user, approve, limit)?)
    })
    .await?
    .map_err(members::rejected)?;
    members::announce(state, ChatId(chat), &changed, mark).await;
    Ok(HttpResponse::NoContent().finish())
}

/// A token PostgreSQL could not even compare (it holds a NUL) names no link.
fn storable(token: String) -> Result<String, ApiError> {
    match natter_shared::validation::reject_nul(natter_shared::Field::Query, &token) {
        Ok(()) => Ok(token),
        Err(_) => Err(ApiError::not_found("join link")),
    }
}
