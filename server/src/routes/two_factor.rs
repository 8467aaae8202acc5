//! Two-factor authentication: the second step of signing in (`/auth/login/2fa`) and turning
//! it on and off (`/account/2fa/*`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use natter_shared::api::{
    AuthTokens, EnableTwoFactorRequest, LoginTwoFactorRequest, Reauthenticate, RecoveryCodes,
    TwoFactorSetup, TwoFactorStatus,
};
use natter_shared::{ErrorBody, ErrorCode, TwoFactorCode};

use crate::auth::second_factor::{self, Proof};
use crate::auth::{AuthUser, tokens, totp};
use crate::db;
use crate::error::ApiError;
use crate::limits;
use crate::routes::extractor_errors::Body;
use crate::state::AppState;

/// Finishes a sign-in of an account with two-factor authentication on: the ticket of
/// `POST /auth/login` and a code of the authenticator app (each time step works once) or a
/// recovery code (each works once). Five wrong codes spend the ticket; an account takes at
/// most five attempts a minute.
#[utoipa::path(tag = "auth", request_body = LoginTwoFactorRequest, responses(
    (status = 200, description = "signed in", body = AuthTokens),
    (status = 400, description = "no code, both kinds, or a malformed one", body = ErrorBody),
    (status = 401, description = "invalid_login_ticket (unknown, expired, used or spent), invalid_two_factor_code", body = ErrorBody),
    (status = 429, description = "too many attempts for this account", body = ErrorBody),
    (status = 503, description = "feature_unavailable: the server lost its NATTER_TOTP_KEY", body = ErrorBody),
))]
#[post("/auth/login/2fa")]
pub async fn login_two_factor(
    state: web::Data<AppState>,
    body: Body<LoginTwoFactorRequest>,
) -> Result<web::Json<AuthTokens>, ApiError> {
    let body = body.into_inner();
    let proof = Proof::from_fields(body.code.as_deref(), body.recovery_code.as_deref())?
        .ok_or_else(|| {
            ApiError::invalid_field(
                natter_shared::Field::Code,
                "code: send a code or a recovery code",
            )
        })?;
    let hash = tokens::hash_refresh_token(body.ticket.trim());
    let ticket = {
        let hash = hash.clone();
        db::run(&state.db, move |conn| {
            Ok(db::two_factor::open_ticket(conn, &hash, Utc::now())?)
        })
        .await?
    }
    .ok_or_else(invalid_ticket)?;
    let user = ticket.user_id;
    if !second_factor::verify(&state, user, proof).await? {
        let hash = hash.clone();
        db::run(&state.db, move |conn| {
            Ok(db::two_factor::ticket_failed(conn, &hash)?)
        })
        .await?;
        tracing::info!(user_id = %user, "a wrong second factor at sign-in");
        return Err(second_factor::wrong_code(StatusCode::UNAUTHORIZED));
    }
    let row = db::run(&state.db, move |conn| {
        if !db::two_factor::spend_ticket(conn, &hash, Utc::now())? {
            return Ok(None);
        }
        Ok(db::users::find(conn, user)?)
    })
    .await?
    .ok_or_else(invalid_ticket)?;
    let tokens =
        crate::auth::sign_in::open_session(&state, row.to_api_own(), ticket.device_name).await?;
    Ok(web::Json(tokens))
}

fn invalid_ticket() -> ApiError {
    ApiError::unauthorized(
        ErrorCode::InvalidLoginTicket,
        "this sign-in ticket is unknown, expired or used up; sign in with the password again",
    )
}

/// Whether two-factor authentication is on, and how many recovery codes are left.
#[utoipa::path(tag = "account", security(("bearer" = [])), responses(
    (status = 200, body = TwoFactorStatus),
    (status = 401, description = "not signed in", body = ErrorBody),
))]
#[get("/account/2fa")]
pub async fn two_factor_status(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<web::Json<TwoFactorStatus>, ApiError> {
    let user = auth.user_id.0;
    let (enabled, left) = db::run(&state.db, move |conn| {
        let enabled = db::two_factor::is_enabled(conn, user)?;
        let left = if enabled {
            db::two_factor::recovery_codes_left(conn, user)?
        } else {
            0
        };
        Ok((enabled, left))
    })
    .await?;
    Ok(web::Json(TwoFactorStatus {
        enabled,
        recovery_codes_left: u32::try_from(left).unwrap_or(0),
    }))
}

/// Starts setting up two-factor authentication (asks for the password): a new secret for
/// the authenticator app, as text and as an `otpauth://` URL for a QR code. Nothing is on
/// until `POST /account/2fa/enable` gets a correct code.
#[utoipa::path(tag = "account", security(("bearer" = [])), request_body = Reauthenticate,
    responses(
        (status = 200, body = TwoFactorSetup),
        (status = 400, description = "malformed input", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "wrong_password", body = ErrorBody),
        (status = 409, description = "two_factor_already_enabled", body = ErrorBody),
        (status = 429, description = "too many attempts", body = ErrorBody),
        (status = 503, description = "feature_unavailable: no NATTER_TOTP_KEY", body = ErrorBody),
    ))]
#[post("/account/2fa/setup")]
pub async fn set_up_two_factor(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Body<Reauthenticate>,
) -> Result<web::Json<TwoFactorSetup>, ApiError> {
    let key = second_factor::key(&state)?.clone();
    let user = auth.user_id.0;
    if is_enabled(&state, user).await? {
        return Err(already_enabled());
    }
    let row = second_factor::reauthenticate(&state, user, &body.password, None, None).await?;
    let secret = totp::new_secret();
    let sealed = totp::seal(&key, user, &secret)?;
    let (secret_text, otpauth_url) = totp::setup_details(&secret, &row.username)?;
    let begun = db::run(&state.db, move |conn| {
        Ok(db::two_factor::begin_setup(conn, user, &sealed)?)
    })
    .await?;
    if !begun {
        return Err(already_enabled());
    }
    Ok(web::Json(TwoFactorSetup {
        secret: secret_text,
        otpauth_url,
    }))
}

/// Turns two-factor authentication on with a correct code of the secret just set up, and
/// answers ten recovery codes, shown this once.
#[utoipa::path(tag = "account", security(("bearer" = [])), request_body = EnableTwoFactorRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 400, description = "malformed code", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "invalid_two_factor_code", body = ErrorBody),
        (status = 409, description = "two_factor_already_enabled, or two_factor_not_enabled (no set-up begun)", body = ErrorBody),
        (status = 429, description = "too many attempts", body = ErrorBody),
        (status = 503, description = "feature_unavailable", body = ErrorBody),
    ))]
#[post("/account/2fa/enable")]
pub async fn enable_two_factor(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Body<EnableTwoFactorRequest>,
) -> Result<web::Json<RecoveryCodes>, ApiError> {
    let key = second_factor::key(&state)?.clone();
    let code = TwoFactorCode::parse(&body.code)?;
    let user = auth.user_id.0;
    limits::check(&state, "2fa", &user.to_string(), 5).await?;
    let codes = totp::new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes.iter().map(totp::hash_recovery_code).collect();
    let outcome = db::run(&state.db, move |conn| {
        let Some(row) = db::two_factor::find(conn, user)? else {
            return Ok(Err(not_enabled()));
        };
        if row.enabled_at.is_some() {
            return Ok(Err(already_enabled()));
        }
        let secret =
            totp::open(&key, user, &row.secret_encrypted).map_err(ApiError::Unavailable)?;
        let step = totp::matching_step(&secret, &code, totp::unix_now())
            .and_then(|s| i64::try_from(s).ok());
        let Some(step) = step else {
            return Ok(Err(second_factor::wrong_code(StatusCode::FORBIDDEN)));
        };
        if !db::two_factor::enable(conn, user, step, &hashes, Utc::now())? {
            return Ok(Err(second_factor::wrong_code(StatusCode::FORBIDDEN)));
        }
        Ok(Ok(()))
    })
    .await?;
    outcome?;
    tracing::info!(user_id = %user, "two-factor authentication turned on");
    Ok(web::Json(RecoveryCodes {
        recovery_codes: codes.iter().map(|c| c.formatted()).collect(),
    }))
}

/// Turns two-factor authentication off (asks for the password and a code).
#[utoipa::path(tag = "account", security(("bearer" = [])), request_body = Reauthenticate,
    responses(
        (status = 204, description = "off; the secret and recovery codes are deleted"),
        (status = 400, description = "malformed input", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "wrong_password, two_factor_code_required, invalid_two_factor_code", body = ErrorBody),
        (status = 409, description = "two_factor_not_enabled", body = ErrorBody),
        (status = 429, description = "too many attempts", body = ErrorBody),
    ))]
#[post("/account/2fa/disable")]
pub async fn disable_two_factor(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Body<Reauthenticate>,
) -> Result<HttpResponse, ApiError> {
    let user = auth.user_id.0;
    require_enabled(&state, user).await?;
    let body = body.into_inner();
    second_factor::reauthenticate(
        &state,
        user,
        &body.password,
        body.code.as_deref(),
        body.recovery_code.as_deref(),
    )
    .await?;
    db::run(&state.db, move |conn| {
        Ok(db::two_factor::disable(conn, user)?)
    })
    .await?;
    tracing::info!(user_id = %user, "two-factor authentication turned off");
    Ok(HttpResponse::NoContent().finish())
}

/// Ten new recovery codes (asks for the password and a code); the old ones stop working.
#[utoipa::path(tag = "account", security(("bearer" = [])), request_body = Reauthenticate,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 400, description = "malformed input", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "wrong_password, two_factor_code_required, invalid_two_factor_code", body = ErrorBody),
        (status = 409, description = "two_factor_not_enabled", body = ErrorBody),
        (status = 429, description = "too many attempts", body = ErrorBody),
    ))]
#[post("/account/2fa/recovery-codes")]
pub async fn regenerate_recovery_codes(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Body<Reauthenticate>,
) -> Result<web::Json<RecoveryCodes>, ApiError> {
    let user = auth.user_id.0;
    require_enabled(&state, user).await?;
    let body = body.into_inner();
    second_factor::reauthenticate(
        &state,
        user,
        &body.password,
        body.code.as_deref(),
        body.recovery_code.as_deref(),
    )
    .await?;
    let codes = totp::new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes.iter().map(totp::hash_recovery_code).collect();
    db::run(&state.db, move |conn| {
        Ok(db::two_factor::replace_recovery_codes(conn, user, &hashes)?)
    })
    .await?;
    Ok(web::Json(RecoveryCodes {
        recovery_codes: codes.iter().map(|c| c.formatted()).collect(),
    }))
}

async fn is_enabled(state: &AppState, user: uuid::Uuid) -> Result<bool, ApiError> {
    db::run(&state.db, move |conn| {
        Ok(db::two_factor::is_enabled(conn, user)?)
    })
    .await
}

async fn require_enabled(state: &AppState, user: uuid::Uuid) -> Result<(), ApiError> {
    if is_enabled(state, user).await? {
        Ok(())
    } else {
        Err(not_enabled())
    }
}

fn already_enabled() -> ApiError {
    ApiError::conflict(
        ErrorCode::TwoFactorAlreadyEnabled,
        "two-factor authentication is already on; turn it off first",
    )
}

fn not_enabled() -> ApiError {
    ApiError::conflict(
        ErrorCode::TwoFactorNotEnabled,
        "two-factor authentication is off (set it up first)",
    )
}
