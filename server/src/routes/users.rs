//! `/users/*`: own profile, other profiles, search.

use actix_web::{get, patch, web};
use chrono::Utc;
use natter_shared::api::{UpdateProfileRequest, User, UserSearchQuery, UserSearchResponse};
use natter_shared::{Bio, DisplayName, ErrorBody, Field};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::{self, users::ProfileChanges};
use crate::error::ApiError;
use crate::state::AppState;

/// The caller's profile.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 200, body = User),
    (status = 401, description = "not signed in", body = ErrorBody),
))]
#[get("/users/me")]
pub async fn get_me(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<web::Json<User>, ApiError> {
    load_user(&state, auth.user_id.0).await
}

/// Edits the caller's display name and bio. Absent fields stay; `display_name: ""` clears it.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = UpdateProfileRequest,
    responses(
        (status = 200, description = "the updated profile", body = User),
        (status = 400, description = "a field is invalid (`field` names it)", body = ErrorBody),
    ))]
#[patch("/users/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<UpdateProfileRequest>,
) -> Result<web::Json<User>, ApiError> {
    let body = body.into_inner();
    let display_name = match body.display_name.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(d) => Some(Some(DisplayName::parse(d)?.into_inner())),
    };
    let bio = body
        .bio
        .as_deref()
        .map(Bio::parse)
        .transpose()?
        .map(Bio::into_inner);
    let user_id = auth.user_id.0;
    if display_name.is_none() && bio.is_none() {
        return load_user(&state, user_id).await;
    }
    let changes = ProfileChanges {
        display_name,
        bio,
        updated_at: Some(Utc::now()),
    };
    let row = db::run(&state.db, move |conn| {
        Ok(db::users::update_profile(conn, user_id, &changes)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("user"))?;
    crate::chat_list::on_profile_changed(&state, auth.user_id).await;
    Ok(web::Json(row.to_api()))
}

/// Finds users by any part of their username or display name (case and `ё`/`е` do not
/// matter), best match first. The query needs at least three characters, so nobody can list
/// every account by one-letter prefixes.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(UserSearchQuery), responses(
    (status = 200, body = UserSearchResponse),
    (status = 400, description = "query shorter than 3 or longer than 50 characters, bad limit/offset", body = ErrorBody),
))]
#[get("/users")]
pub async fn search_users(
    state: web::Data<AppState>,
    _auth: AuthUser,
    query: web::Query<UserSearchQuery>,
) -> Result<web::Json<UserSearchResponse>, ApiError> {
    let query = query.into_inner();
    let folded = crate::search::query::fold(query.query.trim());
    let len = folded.chars().count();
    if !(UserSearchQuery::MIN_QUERY..=UserSearchQuery::MAX_QUERY).contains(&len) {
        return Err(ApiError::invalid_field(
            Field::Query,
            format!(
                "query: must be {} to {} characters",
                UserSearchQuery::MIN_QUERY,
                UserSearchQuery::MAX_QUERY
            ),
        ));
    }
    if folded.chars().any(char::is_control) {
        return Err(ApiError::invalid_field(
            Field::Query,
            "query: must not contain control characters",
        ));
    }
    let limit = query.limit.unwrap_or(UserSearchQuery::DEFAULT_LIMIT);
    if !(1..=UserSearchQuery::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            natter_shared::ErrorCode::InvalidQuery,
            format!("limit: must be from 1 to {}", UserSearchQuery::MAX_LIMIT),
        ));
    }
    let offset = query.offset.unwrap_or(0);
    let (rows, has_more) = db::run(&state.db, move |conn| {
        Ok(db::users::search(
            conn,
            &folded,
            i64::from(limit),
            i64::from(offset),
        )?)
    })
    .await?;
    Ok(web::Json(UserSearchResponse {
        users: rows.iter().map(db::users::UserRow::to_api).collect(),
        has_more,
    }))
}

/// Another user's public profile.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses(
        (status = 200, body = User),
        (status = 400, description = "malformed id", body = ErrorBody),
        (status = 404, description = "no such user", body = ErrorBody),
    ))]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    _auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<User>, ApiError> {
    load_user(&state, path.into_inner()).await
}

async fn load_user(state: &AppState, id: Uuid) -> Result<web::Json<User>, ApiError> {
    let row = db::run(&state.db, move |conn| Ok(db::users::find(conn, id)?))
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(web::Json(row.to_api()))
}
