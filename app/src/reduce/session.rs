//! The session's life: restoring it at start, keeping it after login, the transparent
//! refresh of the access token, and ending it.
//!
//! At most one `POST /auth/refresh` is ever in flight: the refresh token is one-use, and the
//! server revokes the whole session when a used one comes back. Calls that need a token
//! while a refresh runs wait in [`Session::pending`] and are sent once it succeeds.

use natter_shared::api::{AuthTokens, User};

use super::calls::{authed, start_refresh};
use super::{chat_list, connection, transfers};
use crate::api::{ApiCall, ApiFailure, ApiReply, ApiResponse};
use crate::effect::Effect;
use crate::state::{AppState, AuthForm, Notice, Screen, Session};
use crate::token_store::StoredSession;

/// At start: restore the stored session, if there is one. When the local store had the
/// account ([`super::kept::restore`] opened the shell), its chats are on screen at once and
/// signing back in goes on behind them; else the "signing you back in" screen shows. Either
/// way the refresh is the link's first step, so a server that does not answer is tried again
/// by itself, with the link's backoff, until it does.
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
    let now = state.clock.now;
    if !matches!(state.screen, Screen::Shell(_)) {
        state.screen = Screen::Restoring { failure: None };
        return connection::start(state, now);
    }
    let mut effects = connection::start(state, now);
    if let Some(chat) = state.reopen
        && state.chats.by_id.contains_key(&chat)
    {
        effects.extend(chat_list::open(state, chat));
    }
    effects
}

/// "Try again" while signing back in: at once, instead of at the next automatic attempt.
pub(super) fn retry_restore(state: &mut AppState) -> Vec<Effect> {
    match &state.screen {
        Screen::Restoring { failure: Some(_) } => {
            state.screen = Screen::Restoring { failure: None };
            let now = state.clock.now;
            let effects = connection::reconnect_now(state, now);
            if effects.is_empty() {
                start_refresh(state)
            } else {
                effects
            }
        }
        _ => Vec::new(),
    }
}

/// Signed in (after login): keep the session and persist it. Answers the user, for the
/// shell to show.
pub(super) fn begin(
    state: &mut AppState,
    server_url: String,
    tokens: AuthTokens,
) -> (Vec<Effect>, User) {
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
    let effects = vec![Effect::SaveSession(stored(&session))];
    state.session = Some(session);
    state.notice = None;
    (effects, tokens.user)
}

/// Signed out, or the session ended: forget it here and go back to the sign-in screen.
pub(super) fn end(state: &mut AppState, notice: Option<Notice>) -> Vec<Effect> {
    let username = state.session.take().map(|s| s.username).unwrap_or_default();
    state.epoch += 1;
    state.notice = notice;
    state.search = None;
    state.screen = Screen::SignIn(AuthForm {
        username,
        ..AuthForm::default()
    });
    let mut effects = vec![Effect::ClearSession, transfers::stop_all()];
    effects.extend(connection::stop(state));
    effects
}

/// A call came back 401 `token_expired`: it goes again once a fresh token is there.
pub(super) fn token_expired(state: &mut AppState, response: ApiResponse) -> Vec<Effect> {
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

/// What a refresh answer did to the session.
pub(super) enum Refreshed {
    /// New tokens are kept and persisted (`save`); `waiting` are the calls that waited for
    /// them, still to be sent.
    Renewed {
        user: Box<User>,
        save: Effect,
        waiting: Vec<ApiCall>,
    },
    /// The server refused the refresh token: the session is over.
    Refused,
    /// No usable answer: the session stands, and the waiting calls fail with `failure`.
    Failed {
        failure: ApiFailure,
        waiting: Vec<ApiCall>,
    },
    /// There is no session any more.
    NoSession,
}

/// Applies the answer to `POST /auth/refresh`.
pub(super) fn refreshed(state: &mut AppState, result: Result<ApiReply, ApiFailure>) -> Refreshed {
    let Some(session) = state.session.as_mut() else {
        return Refreshed::NoSession;
    };
    session.refreshing = false;
    let tokens = match result {
        Ok(ApiReply::Tokens(tokens)) => *tokens,
        Err(ApiFailure::Server { status: 401, .. }) => return Refreshed::Refused,
        Ok(_) => {
            return Refreshed::Failed {
                failure: ApiFailure::BadResponse("unexpected reply".into()),
                waiting: std::mem::take(&mut session.pending),
            };
        }
        Err(failure) => {
            return Refreshed::Failed {
                failure,
                waiting: std::mem::take(&mut session.pending),
            };
        }
    };
    session.access_token = Some(tokens.token);
    session.refresh_token = tokens.refresh_token;
    session.session_id = tokens.session_id;
    session.user_id = tokens.user.id;
    session.username = tokens.user.username.as_str().to_owned();
    session.token_generation += 1;
    Refreshed::Renewed {
        save: Effect::SaveSession(stored(session)),
        waiting: std::mem::take(&mut session.pending),
        user: Box::new(tokens.user),
    }
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
