//! `AuthUser`: the signed-in user of a request, from `Authorization: Bearer <token>`.
//!
//! The token must verify, and its session must still be active: signing out takes effect at
//! once, not when the token expires.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use natter_shared::{ErrorCode, SessionId, UserId};

use super::tokens::TokenError;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser {
    pub user_id: UserId,
    pub session_id: SessionId,
}

/// The bearer token of a request, if any.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The bearer token of this request, already verified (by the rate limiter), so the
/// extractor does not verify it a second time.
#[derive(Debug, Clone)]
pub struct VerifiedToken(pub Result<super::Claims, TokenError>);

impl AuthUser {
    /// Verifies `token` and checks that its session is active.
    pub async fn from_token(state: &AppState, token: &str) -> Result<Self, ApiError> {
        Self::from_verified(state, state.jwt.verify(token)).await
    }

    /// Checks that the session of an already verified token is active.
    pub async fn from_verified(
        state: &AppState,
        verified: Result<super::Claims, TokenError>,
    ) -> Result<Self, ApiError> {
        let claims = verified.map_err(|e| match e {
            TokenError::Expired => ApiError::unauthorized(ErrorCode::TokenExpired, e.to_string()),
            TokenError::Invalid => ApiError::unauthorized(ErrorCode::InvalidToken, e.to_string()),
        })?;
        Self::of_active_session(state, claims.sub, claims.sid).await
    }

    /// `user`'s session `session`, if it is still active (noted as used now); else
    /// `session_revoked`. Signing out takes effect at once, not when a token expires.
    pub async fn of_active_session(
        state: &AppState,
        user_id: uuid::Uuid,
        session_id: uuid::Uuid,
    ) -> Result<Self, ApiError> {
        let active = db::run(&state.db, move |conn| {
            Ok(db::sessions::touch_active(
                conn,
                user_id,
                session_id,
                chrono::Utc::now(),
            )?)
        })
        .await?;
        if !active {
            return Err(ApiError::unauthorized(
                ErrorCode::SessionRevoked,
                "this session has been signed out; sign in again",
            ));
        }
        Ok(Self {
            user_id: UserId(user_id),
            session_id: SessionId(session_id),
        })
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        let verified = req.extensions().get::<VerifiedToken>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("AppState missing from app data"))
            })?;
            let token = token.ok_or_else(|| {
                ApiError::unauthorized(
                    ErrorCode::MissingToken,
                    "sign in first: send Authorization: Bearer <token>",
                )
            })?;
            let user = match verified {
                Some(VerifiedToken(result)) => Self::from_verified(&state, result).await,
                None => Self::from_token(&state, &token).await,
            }?;
            crate::telemetry::record_caller(&req, user.user_id);
            Ok(user)
        })
    }
}
