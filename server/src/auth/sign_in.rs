//! Opening a session: what a correct password (or, with two-factor authentication on, a
//! correct code after it) turns into.

use chrono::Utc;
use natter_shared::SessionId;
use natter_shared::api::{AuthTokens, User};
use uuid::Uuid;

use super::tokens;
use crate::db;
use crate::error::ApiError;
use crate::state::AppState;

/// Creates a session (a device) named `device_name` for `user` and returns its tokens.
pub async fn open_session(
    state: &AppState,
    user: User,
    device_name: String,
) -> Result<AuthTokens, ApiError> {
    let now = Utc::now();
    let session_id = Uuid::new_v4();
    let (refresh_token, refresh_hash) = tokens::new_refresh_token();
    let refresh_expires = now + state.settings.refresh_ttl;
    let user_id = user.id.0;
    db::run(&state.db, move |conn| {
        Ok(db::sessions::create(
            conn,
            &db::sessions::NewSession {
                id: session_id,
                user_id,
                device_name: &device_name,
            },
            &db::sessions::NewRefreshToken {
                token_hash: &refresh_hash,
                session_id,
                expires_at: refresh_expires,
            },
        )?)
    })
    .await?;
    tracing::info!(user_id = %user_id, session_id = %session_id, "signed in");
    tokens_for(state, user, session_id, refresh_token, now)
}

/// The tokens of session `session_id`, with a new access token issued at `now`.
pub fn tokens_for(
    state: &AppState,
    user: User,
    session_id: Uuid,
    refresh_token: String,
    now: chrono::DateTime<Utc>,
) -> Result<AuthTokens, ApiError> {
    let ttl = state.settings.access_ttl.as_secs();
    Ok(AuthTokens {
        token: state.jwt.issue(user.id.0, session_id, now, ttl)?,
        expires_in: ttl,
        refresh_token,
        session_id: SessionId(session_id),
        user,
    })
}
