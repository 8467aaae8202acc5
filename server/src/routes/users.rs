//! `/users/*`: own profile, other profiles, search.

use actix_web::{get, patch, web};
use chrono::Utc;
use natter_shared::api::{
    PresenceVisibility, UpdateProfileRequest, User, UserSearchQuery, UserSearchResponse,
};
use natter_shared::{Bio, DisplayName, ErrorBody, Field, UserId};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::{self, names::Stored, users::ProfileChanges};
use crate::error::ApiError;
use crate::routes::extractor_errors::Body;
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
    load_user(&state, auth.user_id, auth.user_id.0).await
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
    body: Body<UpdateProfileRequest>,
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
    let presence_visibility = body.presence_visibility.map(Stored);
    if display_name.is_none() && bio.is_none() && presence_visibility.is_none() {
        return load_user(&state, auth.user_id, user_id).await;
    }
    let changes = ProfileChanges {
        display_name,
        bio,
        presence_visibility,
        updated_at: Some(Utc::now()),
    };
    let row = db::run(&state.db, move |conn| {
        Ok(db::users::update_profile(conn, user_id, &changes)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("user"))?;
    // the cached profile (what chat lists show of the partner) carries the setting too
    crate::chat_list::on_profile_changed(&state, auth.user_id).await;
    Ok(web::Json(row.to_api_own()))
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
    auth: AuthUser,
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
    let viewer = auth.user_id.0;
    let (rows, has_more, sharing) = db::run(&state.db, move |conn| {
        let (rows, has_more) =
            db::users::search(conn, &folded, i64::from(limit), i64::from(offset))?;
        let sharing = sharing_with(conn, viewer, &rows)?;
        Ok((rows, has_more, sharing))
    })
    .await?;
    Ok(web::Json(UserSearchResponse {
        users: rows
            .iter()
            .map(|r| r.to_api_seen_by(viewer, sharing.contains(&r.id)))
            .collect(),
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
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<User>, ApiError> {
    load_user(&state, auth.user_id, path.into_inner()).await
}

/// The profile of `id` as `viewer` sees it (their own with the setting).
async fn load_user(
    state: &AppState,
    viewer: UserId,
    id: Uuid,
) -> Result<web::Json<User>, ApiError> {
    let (row, sharing) = db::run(&state.db, move |conn| {
        let Some(row) = db::users::find(conn, id)? else {
            return Ok(None);
        };
        let sharing = sharing_with(conn, viewer.0, std::slice::from_ref(&row))?;
        Ok(Some((row, sharing)))
    })
    .await?
    .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(web::Json(
        row.to_api_seen_by(viewer.0, sharing.contains(&row.id)),
    ))
}

/// Which of `rows` share a chat with `viewer`, asked only about those who show their last
/// seen to the people they chat with.
fn sharing_with(
    conn: &mut diesel::PgConnection,
    viewer: Uuid,
    rows: &[db::users::UserRow],
) -> diesel::QueryResult<Vec<Uuid>> {
    let asked: Vec<Uuid> = rows
        .iter()
        .filter(|r| r.visibility() == PresenceVisibility::Contacts && r.id != viewer)
        .map(|r| r.id)
        .collect();
    db::chats::sharing(conn, viewer, &asked)
}
