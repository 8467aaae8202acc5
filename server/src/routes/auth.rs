//! `/auth/*`: register, login, refresh (rotating), logout, devices.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::Utc;
use natter_shared::api::{
    AuthTokens, LoginAnswer, LoginRequest, RefreshRequest, RegisterRequest, SessionInfo,
    SessionList, User,
};
use natter_shared::{DisplayName, ErrorBody, ErrorCode, Field, Password, SessionId, Username};
use uuid::Uuid;

use crate::auth::sign_in::{self, tokens_for};
use crate::auth::{AuthUser, password, second_factor, tokens};
use crate::db::{self, sessions::Refreshed, users::Created};
use crate::error::ApiError;
use crate::limits;
use crate::routes::extractor_errors::Body;
use crate::state::AppState;

/// Longest device name kept; longer User-Agents are cut.
const DEVICE_NAME_MAX: usize = 100;

/// Creates an account. Sign in afterwards with `POST /auth/login`.
#[utoipa::path(tag = "auth", request_body = RegisterRequest, responses(
    (status = 201, description = "account created", body = User),
    (status = 400, description = "a field is invalid (`field` names it) or the JSON is malformed", body = ErrorBody),
    (status = 409, description = "username_taken", body = ErrorBody),
))]
#[post("/auth/register")]
pub async fn register_user(
    state: web::Data<AppState>,
    body: Body<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let username = Username::parse(&body.username)?;
    let password = Password::parse(&body.password)?;
    let display_name = match body.display_name.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(DisplayName::parse(d)?),
    };
    let hash = password::hash(password, state.settings.bcrypt_cost).await?;
    let created = db::run(&state.db, move |conn| {
        Ok(db::users::insert(
            conn,
            &db::users::NewUser {
                id: Uuid::new_v4(),
                username: username.as_str(),
                display_name: display_name.as_ref().map(DisplayName::as_str),
                password_hash: &hash,
            },
        )?)
    })
    .await?;
    match created {
        Created::New(row) => {
            tracing::info!(user_id = %row.id, "user registered");
            Ok(HttpResponse::Created().json(row.to_api_own()))
        }
        Created::UsernameTaken => Err(ApiError::conflict(
            ErrorCode::UsernameTaken,
            "this username is taken",
        )
        .with_field(Field::Username)),
    }
}

/// Signs in: creates a session (a device) and returns its tokens. With two-factor
/// authentication on, a correct password answers a ticket instead (`two_factor_required`),
/// which `POST /auth/login/2fa` turns into the tokens.
#[utoipa::path(tag = "auth", request_body = LoginRequest, responses(
    (status = 200, description = "signed in (`AuthTokens`), or a two-factor ticket", body = LoginAnswer),
    (status = 400, description = "malformed input", body = ErrorBody),
    (status = 401, description = "invalid_credentials", body = ErrorBody),
    (status = 429, description = "too many failed sign-ins for this username (or from this address) this minute", body = ErrorBody),
))]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Body<LoginRequest>,
) -> Result<web::Json<LoginAnswer>, ApiError> {
    let body = body.into_inner();
    let username = Username::parse(&body.username)?;
    let password = Password::parse(&body.password)?;
    let device_name = device_name(body.device_name.as_deref(), &req)?;
    limits::check_login(&state, username.as_str()).await?;
    let row = {
        let username = username.clone();
        db::run(&state.db, move |conn| {
            Ok(db::users::find_by_username(conn, username.as_str())?)
        })
        .await?
    };
    let stored_hash = row.as_ref().map_or_else(
        || state.dummy_password_hash.clone(),
        |r| r.password_hash.clone(),
    );
    let matches = password::verify(password, stored_hash).await?;
    let user = match row {
        Some(user) if matches => user,
        _ => {
            limits::login_failed(&state, username.as_str()).await;
            return Err(ApiError::unauthorized(
                ErrorCode::InvalidCredentials,
                "wrong username or password",
            ));
        }
    };
    let user_id = user.id;
    let two_factor = db::run(&state.db, move |conn| {
        Ok(db::two_factor::is_enabled(conn, user_id)?)
    })
    .await?;
    if two_factor {
        let challenge = second_factor::challenge(&state, user_id, device_name).await?;
        return Ok(web::Json(LoginAnswer::TwoFactor(challenge)));
    }
    let tokens = sign_in::open_session(&state, user.to_api_own(), device_name).await?;
    Ok(web::Json(LoginAnswer::Tokens(tokens)))
}

/// Exchanges a refresh token for new tokens. Each refresh token works once; presenting one
/// that was already used revokes its whole session (it has been copied).
#[utoipa::path(tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, description = "new tokens; the presented refresh token is now spent", body = AuthTokens),
    (status = 401, description = "invalid_refresh_token, refresh_token_reused or session_revoked", body = ErrorBody),
))]
#[post("/auth/refresh")]
pub async fn refresh_tokens(
    state: web::Data<AppState>,
    body: Body<RefreshRequest>,
) -> Result<web::Json<AuthTokens>, ApiError> {
    let presented = tokens::hash_refresh_token(body.refresh_token.trim());
    let (refresh_token, replacement) = tokens::new_refresh_token();
    let now = Utc::now();
    let expires = now + state.settings.refresh_ttl;
    let outcome = db::run(&state.db, move |conn| {
        let outcome = db::sessions::rotate(conn, &presented, &replacement, expires, now)?;
        let user = match &outcome {
            Refreshed::Rotated(session) => db::users::find(conn, session.user_id)?,
            _ => None,
        };
        Ok((outcome, user))
    })
    .await?;
    match outcome {
        (Refreshed::Rotated(session), Some(user)) => Ok(web::Json(tokens_for(
            &state,
            user.to_api_own(),
            session.id,
            refresh_token,
            now,
        )?)),
        (Refreshed::Reused(session), _) => {
            tracing::warn!("a spent refresh token was presented again; its session is revoked");
            // whoever holds the session's sockets, on any process, is signed out now too
            state.bus.close_session(SessionId(session));
            Err(ApiError::unauthorized(
                ErrorCode::RefreshTokenReused,
                "this refresh token was already used; the session has been signed out",
            ))
        }
        (Refreshed::SessionRevoked, _) => Err(ApiError::unauthorized(
            ErrorCode::SessionRevoked,
            "this session has been signed out; sign in again",
        )),
        (Refreshed::Expired, _) => Err(ApiError::unauthorized(
            ErrorCode::InvalidRefreshToken,
            "the refresh token has expired; sign in again",
        )),
        (Refreshed::Unknown | Refreshed::Rotated(_), _) => Err(ApiError::unauthorized(
            ErrorCode::InvalidRefreshToken,
            "unknown refresh token",
        )),
    }
}

/// Signs out this session: its access and refresh tokens stop working at once.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 204, description = "signed out"),
    (status = 401, description = "not signed in", body = ErrorBody),
))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    revoke(&state, auth, auth.session_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's signed-in devices, most recently seen first.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = SessionList),
    (status = 401, description = "not signed in", body = ErrorBody),
))]
#[get("/auth/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<web::Json<SessionList>, ApiError> {
    let user_id = auth.user_id.0;
    let rows = db::run(&state.db, move |conn| {
        Ok(db::sessions::list_active(conn, user_id)?)
    })
    .await?;
    let sessions = rows
        .into_iter()
        .map(|s| SessionInfo {
            current: s.id == auth.session_id.0,
            id: SessionId(s.id),
            device_name: s.device_name,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
        })
        .collect();
    Ok(web::Json(SessionList { sessions }))
}

/// Signs out one of the caller's devices (the current one too, if named).
#[utoipa::path(tag = "auth", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "session id")),
    responses(
        (status = 204, description = "signed out"),
        (status = 400, description = "malformed id", body = ErrorBody),
        (status = 404, description = "no such active session of the caller", body = ErrorBody),
    ))]
#[delete("/auth/sessions/{id}")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    revoke(&state, auth, SessionId(path.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn revoke(state: &AppState, auth: AuthUser, session: SessionId) -> Result<(), ApiError> {
    let user_id = auth.user_id.0;
    let revoked = db::run(&state.db, move |conn| {
        Ok(db::sessions::revoke(conn, user_id, session.0, Utc::now())?)
    })
    .await?;
    if !revoked {
        return Err(ApiError::not_found("session"));
    }
    // its open WebSockets close now, on every process
    state.bus.close_session(session);
    tracing::info!(user_id = %user_id, session_id = %session, "session revoked");
    Ok(())
}

/// The device name given at login, else the User-Agent, else "Unknown device".
fn device_name(given: Option<&str>, req: &HttpRequest) -> Result<String, ApiError> {
    if let Some(name) = given.map(str::trim).filter(|n| !n.is_empty()) {
        if name.chars().count() > DEVICE_NAME_MAX {
            return Err(ApiError::invalid_field(
                Field::DeviceName,
                format!("device_name: must be at most {DEVICE_NAME_MAX} characters"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(ApiError::invalid_field(
                Field::DeviceName,
                "device_name: contains characters that are not allowed",
            ));
        }
        return Ok(name.to_owned());
    }
    let agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| {
            ua.chars()
                .filter(|c| !c.is_control())
                .take(DEVICE_NAME_MAX)
                .collect::<String>()
        })
        .filter(|ua| !ua.trim().is_empty());
    Ok(agent.unwrap_or_else(|| "Unknown device".to_owned()))
}
