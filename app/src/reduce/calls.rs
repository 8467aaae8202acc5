//! How the reducer reaches the server: authenticated calls (queued behind the single-flight
//! token refresh when there is no usable token), the refresh itself, frames for the live
//! socket, and failures as errors the views translate. The bottom of the reducer: it imports
//! no sibling, and every sibling may use it.

use natter_shared::api::RefreshRequest;
use natter_shared::ws::ClientFrame;
use natter_shared::{Field, UserId};

use crate::api::{ApiCall, ApiFailure, ApiReply};
use crate::effect::{ApiRequest, Effect, SocketCommand};
use crate::state::{AppState, UiError};

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

/// Starts `POST /auth/refresh` unless one is in flight (at most one ever is: the refresh
/// token is one-use, and the server revokes the session when a used one comes back).
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

/// The effect that sends `frame` on the live link, if it is up.
pub(super) fn send(state: &AppState, frame: ClientFrame) -> Option<Effect> {
    let conn = state.connection.conn;
    state
        .connection
        .is_online()
        .then_some(Effect::Socket(SocketCommand::Send { conn, frame }))
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

/// The error of an answer that was not the reply expected.
pub(super) fn error_of(result: Result<ApiReply, ApiFailure>) -> UiError {
    match result {
        Err(failure) => ui_error(&failure),
        Ok(_) => UiError::BadResponse,
    }
}

/// The field a failure concerns, when the server named one.
pub(super) fn failure_field(failure: &ApiFailure) -> Option<Field> {
    match failure {
        ApiFailure::Server { body, .. } => body.error.field,
        _ => None,
    }
}

/// The signed-in user.
pub(super) fn my_id(state: &AppState) -> Option<UserId> {
    state.session.as_ref().map(|s| s.user_id)
}
