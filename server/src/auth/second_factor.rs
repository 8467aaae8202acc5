//! The second factor at work: the ticket a correct password answers with while two-factor
//! authentication is on, checking a code or a recovery code (once each, rate limited per
//! account), and asking for the password (and a code) again before a sensitive change.

use chrono::Utc;
use natter_shared::api::TwoFactorChallenge;
use natter_shared::{ErrorCode, Field, Password, RecoveryCode, TwoFactorCode};
use uuid::Uuid;

use super::{password, tokens, totp};
use crate::config::TotpKey;
use crate::db;
use crate::db::users::UserRow;
use crate::error::ApiError;
use crate::limits;
use crate::state::AppState;

/// How long a sign-in ticket lasts.
pub const TICKET_TTL_SECS: u64 = 300;
/// Codes (right or wrong) one account may try per minute.
const CODE_ATTEMPTS_PER_MIN: u32 = 5;
/// Passwords one account may try per minute when confirming a change.
const PASSWORD_ATTEMPTS_PER_MIN: u32 = 10;

/// What proves the second factor.
pub enum Proof {
    Code(TwoFactorCode),
    Recovery(RecoveryCode),
}

impl Proof {
    /// At most one of a code and a recovery code; `None` when neither was given.
    pub fn from_fields(
        code: Option<&str>,
        recovery: Option<&str>,
    ) -> Result<Option<Self>, ApiError> {
        let blank = |s: &&str| !s.trim().is_empty();
        match (code.filter(blank), recovery.filter(blank)) {
            (None, None) => Ok(None),
            (Some(code), None) => Ok(Some(Self::Code(TwoFactorCode::parse(code)?))),
            (None, Some(r)) => Ok(Some(Self::Recovery(RecoveryCode::parse(r)?))),
            (Some(_), Some(_)) => Err(ApiError::invalid_field(
                Field::Code,
                "code: give either a code or a recovery code, not both",
            )),
        }
    }
}

/// The server's key for two-factor secrets, or 503 `feature_unavailable`.
pub fn key(state: &AppState) -> Result<&TotpKey, ApiError> {
    state.settings.totp_key.as_ref().ok_or_else(|| {
        ApiError::client(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::FeatureUnavailable,
            "two-factor authentication is not configured on this server (NATTER_TOTP_KEY)",
        )
    })
}

/// A fresh one-use ticket for `user` signing in on `device_name`.
pub async fn challenge(
    state: &AppState,
    user: Uuid,
    device_name: String,
) -> Result<TwoFactorChallenge, ApiError> {
    let (ticket, hash) = tokens::new_refresh_token();
    let now = Utc::now();
    let expires = now + chrono::Duration::seconds(TICKET_TTL_SECS as i64);
    db::run(&state.db, move |conn| {
        Ok(db::two_factor::insert_ticket(
            conn,
            &hash,
            user,
            &device_name,
            expires,
            now,
        )?)
    })
    .await?;
    tracing::info!(user_id = %user, "password accepted; waiting for the second factor");
    Ok(TwoFactorChallenge {
        two_factor_required: true,
        ticket,
        expires_in: TICKET_TTL_SECS,
    })
}

/// Whether `proof` is right for `user` now, spending it (the code's time step, or the
/// recovery code) when it is. Counts against the account's attempts: 429 past them.
pub async fn verify(state: &AppState, user: Uuid, proof: Proof) -> Result<bool, ApiError> {
    limits::check(state, "2fa", &user.to_string(), CODE_ATTEMPTS_PER_MIN).await?;
    match proof {
        Proof::Code(code) => {
            let key = key(state)?.clone();
            db::run(&state.db, move |conn| {
                let Some(row) = db::two_factor::find(conn, user)? else {
                    return Ok(false);
                };
                let secret =
                    totp::open(&key, user, &row.secret_encrypted).map_err(ApiError::Unavailable)?;
                let Some(step) = totp::matching_step(&secret, &code, totp::unix_now()) else {
                    return Ok(false);
                };
                let step = i64::try_from(step).unwrap_or(i64::MAX);
                Ok(db::two_factor::accept_step(conn, user, step)?)
            })
            .await
        }
        Proof::Recovery(code) => {
            let hash = totp::hash_recovery_code(&code);
            let used = db::run(&state.db, move |conn| {
                Ok(db::two_factor::use_recovery_code(
                    conn,
                    user,
                    &hash,
                    Utc::now(),
                )?)
            })
            .await?;
            if used {
                tracing::info!(user_id = %user, "a recovery code was used");
            }
            Ok(used)
        }
    }
}

/// Asks again before a sensitive change: `password` must be the account's, and while
/// two-factor authentication is on, a right code or recovery code must come with it.
/// Answers the account. 403 `wrong_password`, `two_factor_code_required` or
/// `invalid_two_factor_code`; 429 past the attempts.
pub async fn reauthenticate(
    state: &AppState,
    user: Uuid,
    password_given: &str,
    code: Option<&str>,
    recovery: Option<&str>,
) -> Result<UserRow, ApiError> {
    let password_given = Password::parse(password_given)?;
    let proof = Proof::from_fields(code, recovery)?;
    limits::check(
        state,
        "reauth",
        &user.to_string(),
        PASSWORD_ATTEMPTS_PER_MIN,
    )
    .await?;
    let (row, enabled) = db::run(&state.db, move |conn| {
        let row = db::users::find(conn, user)?.ok_or_else(|| ApiError::not_found("user"))?;
        Ok((row, db::two_factor::is_enabled(conn, user)?))
    })
    .await?;
    if !password::verify(password_given, row.password_hash.clone()).await? {
        return Err(forbidden(ErrorCode::WrongPassword, "the password is wrong"));
    }
    if enabled {
        let Some(proof) = proof else {
            return Err(forbidden(
                ErrorCode::TwoFactorCodeRequired,
                "two-factor authentication is on: send a code or a recovery code too",
            ));
        };
        if !verify(state, user, proof).await? {
            return Err(wrong_code(actix_web::http::StatusCode::FORBIDDEN));
        }
    }
    Ok(row)
}

/// `invalid_two_factor_code` with `status` (401 while signing in, 403 when signed in).
pub fn wrong_code(status: actix_web::http::StatusCode) -> ApiError {
    ApiError::client(
        status,
        ErrorCode::InvalidTwoFactorCode,
        "the code is wrong, or was used already",
    )
    .with_field(Field::Code)
}

fn forbidden(code: ErrorCode, message: &str) -> ApiError {
    ApiError::client(actix_web::http::StatusCode::FORBIDDEN, code, message)
}
