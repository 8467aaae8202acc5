//! The session's life: restoring it at start, authenticated calls, the transparent
//! refresh of the access token, and ending it.
//!
//! At most one `POST /auth/refresh` is ever in flight: the refresh token is one-use, and the
//! server revokes the whole session when a used one comes back. Calls that need a token
//! while a refresh runs wait in [`Session::pending`] and are sent once it succeeds.

use chrono::{DateTime, Utc};
use natter_shared::api::{AuthTokens, RefreshRequest};
use natter_shared::{ErrorCode, Field};

use super::{chats, connection, directory, forms, shell};
use crate::action::{ApiCall, ApiFailure, ApiReply, ApiResponse};
use crate::effect::{ApiRequest, Effect};
use crate::state::{AppState, AuthForm, Notice, Screen, Session, ShellState, UiError};
use crate::token_store::StoredSession;

/// At start: restore the stored session, if there is one.
pub(super) fn start(state: &mut AppState, stored: Option<StoredSession>) -> Vec<Effect> {
    let Some(stored) = stored else {
        return Vec::new();
    };
    state.session = Some(Session {
        server_url: stored.server_url,
        user_id: stored.user_id,
        username: stored.username,
        session_id: stored.session_id,
        access_token: None,
        token_generation: 0,
        refresh_token: stored.refresh_token,
        refreshing: false,
        pending: Vec::new(),
    });
    state.screen = Screen::Restoring { failure: None };
    start_refresh(state)
}

pub(super) fn retry_restore(state: &mut AppState) -> Vec<Effect> {
    match &state.screen {
        Screen::Restoring { failure: Some(_) } => {
            state.screen = Screen::Restoring { failure: None };
            start_refresh(state)
        }
        _ => Vec::new(),
    }
}

/// Signed in (after login): keep the session, persist it, show the shell.
pub(super) fn begin(
    state: &mut AppState,
    server_url: String,
    tokens: AuthTokens,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    state.epoch += 1;
    let session = Session {
        server_url,
        user_id: tokens.user.id,
        username: tokens.user.username.as_str().to_owned(),
        session_id: tokens.session_id,
        access_token: Some(tokens.token),
        token_generation: 1,
        refresh_token: tokens.refresh_token,
        refreshing: false,
        pending: Vec::new(),
    };
    let mut effects = vec![Effect::SaveSession(stored(&session))];
    state.session = Some(session);
    state.notice = None;
    state.screen = Screen::Shell(Box::new(ShellState::new(tokens.user)));
    effects.extend(shell::reload_devices(state));
    effects.extend(connection::start(state, now));
    effects
}

/// Signed out, or the session ended: forget it here and go back to the sign-in screen.
pub(super) fn end(state: &mut AppState, notice: Option<Notice>) -> Vec<Effect> {
    let username = state.session.take().map(|s| s.username).unwrap_or_default();
    state.epoch += 1;
    state.notice = notice;
    state.screen = Screen::SignIn(AuthForm {
        username,
        ..AuthForm::default()
    });
    let mut effects = vec![Effect::ClearSession];
    effects.extend(connection::stop(state));
    effects
}

/// Makes an authenticated call now, or queues it behind a refresh.
pub(super) fn authed(state: &mut AppState, call: ApiCall) -> Vec<Effect> {
    let epoch = state.epoch;
    let Some(session) = state.session.as_mut() else {
        return Vec::new();
    };
    match (&session.access_token, session.refreshing) {
        (Some(token), false) => vec![Effect::Api(ApiRequest {
            epoch,
            server_url: session.server_url.clone(),
            call,
            access_token: Some(token.clone()),
            token_generation: session.token_generation,
        })],
        _ => {
            session.pending.push(call);
            start_refresh(state)
        }
    }
}

pub(super) fn start_refresh(state: &mut AppState) -> Vec<Effect> {
    let epoch = state.epoch;
    let Some(session) = state.session.as_mut() else {
        return Vec::new();
    };
    if session.refreshing {
        return Vec::new();
    }
    session.refreshing = true;
    vec![Effect::Api(ApiRequest {
        epoch,
        server_url: session.server_url.clone(),
        call: ApiCall::Refresh(RefreshRequest {
            refresh_token: session.refresh_token.clone(),
        }),
        access_token: None,
        token_generation: session.token_generation,
    })]
}

/// Routes a finished call to whoever waits for it.
pub(super) fn api_finished(state: &mut AppState, response: ApiResponse) -> Vec<Effect> {
    if response.epoch != state.epoch {
        return Vec::new(); // meant for a session that has since ended
    }
    match &response.call {
        ApiCall::Register(_) | ApiCall::Login(_) => return forms::finished(state, response),
        ApiCall::Refresh(_) => return refreshed(state, response.result, response.received_at),
        _ => {}
    }
    if let Err(ApiFailure::Server { status: 401, body }) = &response.result {
        let code = body.error.code;
        if code == ErrorCode::TokenExpired {
            return token_expired(state, response);
        }
        if ends_session(code) {
            let notice = if response.call == ApiCall::Logout {
                Notice::SignedOut
            } else {
                Notice::SessionEnded
            };
            return end(state, Some(notice));
        }
    }
    call_finished(state, response.call, response.result)
}

/// Hands an answer to the part of the reducer that made the call.
fn call_finished(
    state: &mut AppState,
    call: ApiCall,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    match call {
        ApiCall::ListChats { .. }
        | ApiCall::History { .. }
        | ApiCall::MarkRead { .. }
        | ApiCall::GetChat(_) => chats::finished(state, call, result),
        ApiCall::SearchUsers { .. } | ApiCall::CreateChat(_) => {
            directory::finished(state, call, result)
        }
        _ => shell::finished(state, call, result),
    }
}

/// 401 codes after which the session cannot be used again.
fn ends_session(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::SessionRevoked
            | ErrorCode::InvalidRefreshToken
            | ErrorCode::RefreshTokenReused
            | ErrorCode::InvalidToken
            | ErrorCode::MissingToken
    )
}

fn token_expired(state: &mut AppState, response: ApiResponse) -> Vec<Effect> {
    let Some(session) = state.session.as_mut() else {
        return Vec::new();
    };
    // A newer token arrived while this call was out: just send it again with that one.
    let stale = response.token_generation < session.token_generation;
    if !stale {
        session.access_token = None;
    }
    authed(state, response.call)
}

fn refreshed(
    state: &mut AppState,
    result: Result<ApiReply, ApiFailure>,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    match state.session.as_mut() {
        Some(session) => session.refreshing = false,
        None => return Vec::new(),
    }
    let tokens = match result {
        Ok(ApiReply::Tokens(tokens)) => *tokens,
        Err(ApiFailure::Server { status: 401, .. }) => {
            return end(state, Some(Notice::SessionEnded));
        }
        Ok(_) => {
            let failure = ApiFailure::BadResponse("unexpected reply".into());
            return refresh_failed(state, failure, now);
        }
        Err(failure) => return refresh_failed(state, failure, now),
    };
    let Some(session) = state.session.as_mut() else {
        return Vec::new();
    };
    session.access_token = Some(tokens.token);
    session.refresh_token = tokens.refresh_token;
    session.session_id = tokens.session_id;
    session.user_id = tokens.user.id;
    session.username = tokens.user.username.as_str().to_owned();
    session.token_generation += 1;
    let pending = std::mem::take(&mut session.pending);
    let mut effects = vec![Effect::SaveSession(stored(session))];
    match &mut state.screen {
        Screen::Restoring { .. } => {
            state.screen = Screen::Shell(Box::new(ShellState::new(tokens.user)));
            effects.extend(shell::reload_devices(state));
            effects.extend(connection::start(state, now));
        }
        Screen::Shell(shell) => shell.user = tokens.user,
        Screen::SignIn(_) | Screen::Register(_) => {}
    }
    for call in pending {
        effects.extend(authed(state, call));
    }
    effects.extend(connection::token_ready(state, now));
    effects
}

/// The refresh got no usable answer: the session is kept (the server did not reject it),
/// and everything that waited for it fails with the same error.
fn refresh_failed(state: &mut AppState, failure: ApiFailure, now: DateTime<Utc>) -> Vec<Effect> {
    let pending = state
        .session
        .as_mut()
        .map(|s| std::mem::take(&mut s.pending))
        .unwrap_or_default();
    if let Screen::Restoring { failure: shown } = &mut state.screen {
        *shown = Some(ui_error(&failure));
    }
    let mut effects = Vec::new();
    for call in pending {
        effects.extend(call_finished(state, call, Err(failure.clone())));
    }
    effects.extend(connection::token_failed(state, now));
    effects
}

/// The stored form of a session.
fn stored(session: &Session) -> StoredSession {
    StoredSession {
        server_url: session.server_url.clone(),
        user_id: session.user_id,
        username: session.username.clone(),
        session_id: session.session_id,
        refresh_token: session.refresh_token.clone(),
    }
}

/// A failure as an error the views can translate.
pub(super) fn ui_error(failure: &ApiFailure) -> UiError {
    match failure {
        ApiFailure::Server { body, .. } => UiError::Server {
            code: body.error.code,
            message: body.error.message.clone(),
        },
        ApiFailure::Network { kind, .. } => UiError::Network(*kind),
        ApiFailure::UnexpectedStatus(status) => UiError::UnexpectedStatus(*status),
        ApiFailure::BadResponse(_) => UiError::BadResponse,
    }
}

/// The field a failure concerns, when the server named one.
pub(super) fn failure_field(failure: &ApiFailure) -> Option<Field> {
    match failure {
        ApiFailure::Server { body, .. } => body.error.field,
        _ => None,
    }
}
