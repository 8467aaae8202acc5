//! `/account`: the password, signing out every other device, and deleting the account.

use actix_web::{HttpResponse, delete, post, web};
use chrono::Utc;
use natter_shared::api::{ChangePasswordRequest, Reauthenticate, RevokedSessions};
use natter_shared::{ErrorBody, Field, Password, SessionId};
use uuid::Uuid;

use crate::auth::{AuthUser, password, second_factor};
use crate::db;
use crate::error::ApiError;
use crate::files::service;
use crate::routes::extractor_errors::Body;
use crate::state::AppState;

/// Changes the password (asks for the current one, and a code while two-factor
/// authentication is on). Every other device is signed out and its sockets closed; this
/// one stays signed in.
#[utoipa::path(tag = "account", security(("bearer" = [])), request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "changed; the other sessions are signed out"),
        (status = 400, description = "the new password is invalid (`field`: new_password), or malformed input", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "wrong_password, two_factor_code_required, invalid_two_factor_code", body = ErrorBody),
        (status = 429, description = "too many attempts", body = ErrorBody),
    ))]
#[post("/account/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Body<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new_password = Password::parse(&body.new_password).map_err(|e| {
        ApiError::invalid_field(
            Field::NewPassword,
            e.to_string().replacen("password", "new_password", 1),
        )
    })?;
    let user = auth.user_id.0;
    second_factor::reauthenticate(
        &state,
        user,
        &body.current_password,
        body.code.as_deref(),
        body.recovery_code.as_deref(),
    )
    .await?;
    let hash = password::hash(new_password, state.settings.bcrypt_cost).await?;
    let keep = auth.session_id.0;
    let revoked = db::run(&state.db, move |conn| {
        Ok(db::accounts::change_password(
            conn,
            user,
            &hash,
            keep,
            Utc::now(),
        )?)
    })
    .await?;
    close_sessions(&state, &revoked);
    tracing::info!(user_id = %user, signed_out = revoked.len(), "password changed");
    Ok(HttpResponse::NoContent().finish())
}

/// Signs out every device of the caller but this one, and closes their sockets.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = RevokedSessions),
    (status = 401, description = "not signed in", body = ErrorBody),
))]
#[post("/auth/sessions/revoke-others")]
pub async fn revoke_other_sessions(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<web::Json<RevokedSessions>, ApiError> {
    let user = auth.user_id.0;
    let keep = auth.session_id.0;
    let revoked = db::run(&state.db, move |conn| {
        Ok(db::accounts::revoke_sessions_except(
            conn,
            user,
            Some(keep),
            Utc::now(),
        )?)
    })
    .await?;
    close_sessions(&state, &revoked);
    tracing::info!(user_id = %user, signed_out = revoked.len(), "other sessions revoked");
    Ok(web::Json(RevokedSessions {
        revoked: revoked.len() as u64,
    }))
}

/// Deletes the caller's account (asks for the password, and a code while two-factor
/// authentication is on): every session is signed out and its sockets closed, the profile
/// is erased (the username is free again, the avatar deleted) and others see "Deleted
/// account" where the person was. Their messages stay in the chats, from "Deleted account".
#[utoipa::path(tag = "account", security(("bearer" = [])), request_body = Reauthenticate,
    responses(
        (status = 204, description = "deleted"),
        (status = 400, description = "malformed input", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "wrong_password, two_factor_code_required, invalid_two_factor_code", body = ErrorBody),
        (status = 429, description = "too many attempts", body = ErrorBody),
    ))]
#[delete("/account")]
pub async fn delete_account(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Body<Reauthenticate>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user = auth.user_id.0;
    second_factor::reauthenticate(
        &state,
        user,
        &body.password,
        body.code.as_deref(),
        body.recovery_code.as_deref(),
    )
    .await?;
    let erased = db::run(&state.db, move |conn| {
        Ok(db::accounts::erase(conn, user, Utc::now())?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("account"))?;
    close_sessions(&state, &erased.sessions);
    if let Some(avatar) = erased.avatar {
        forget_avatar(&state, avatar).await;
    }
    crate::chat_list::on_profile_changed(&state, auth.user_id).await;
    tracing::info!(user_id = %user, "account deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// Closes the sockets of `sessions` on every process.
fn close_sessions(state: &AppState, sessions: &[Uuid]) {
    for &session in sessions {
        state.bus.close_session(SessionId(session));
    }
}

async fn forget_avatar(state: &AppState, avatar: Uuid) {
    let erased = db::run(&state.db, move |conn| {
        Ok(db::files::erase_unreferenced(conn, &[avatar])?)
    })
    .await;
    match erased {
        Ok(ids) => service::erase(state, &ids).await,
        Err(e) => tracing::warn!(file = %avatar, error = %e, "erasing a deleted account's avatar"),
    }
}
