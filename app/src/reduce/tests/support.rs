//! Builders and helpers shared by the reducer tests.

use chrono::{TimeZone, Utc};
use natter_shared::api::{AuthTokens, SessionInfo, SessionList, User};
use natter_shared::{DisplayName, ErrorBody, ErrorCode, Field, SessionId, UserId, Username};
use uuid::Uuid;

use crate::action::{Action, ApiFailure, ApiReply, ApiResponse};
use crate::effect::{ApiRequest, Effect};
use crate::i18n::Language;
use crate::reduce::reduce;
use crate::state::AppState;

pub(super) const URL: &str = "http://127.0.0.1:8080";

pub(super) fn alice() -> User {
    User {
        id: UserId(Uuid::from_u128(1)),
        username: Username::parse("alice").unwrap(),
        display_name: Some(DisplayName::parse("Alice").unwrap()),
        bio: String::new(),
        created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
    }
}

pub(super) fn this_session() -> SessionId {
    SessionId(Uuid::from_u128(10))
}

pub(super) fn tokens(n: u32) -> AuthTokens {
    AuthTokens {
        token: format!("access-{n}"),
        expires_in: 900,
        refresh_token: format!("refresh-{n}"),
        session_id: this_session(),
        user: alice(),
    }
}

pub(super) fn fresh() -> AppState {
    AppState::new(
        Language::English,
        URL.into(),
        "Natter on Linux (test)".into(),
    )
}

pub(super) fn api(effects: &[Effect]) -> Vec<&ApiRequest> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api(r) => Some(r),
            _ => None,
        })
        .collect()
}

pub(super) fn only_api(effects: &[Effect]) -> &ApiRequest {
    let calls = api(effects);
    assert_eq!(calls.len(), 1, "{effects:?}");
    calls[0]
}

pub(super) fn answer(request: &ApiRequest, result: Result<ApiReply, ApiFailure>) -> Action {
    Action::ApiFinished(ApiResponse {
        epoch: request.epoch,
        server_url: request.server_url.clone(),
        token_generation: request.token_generation,
        call: request.call.clone(),
        result,
        received_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 5, 0).unwrap(),
    })
}

pub(super) fn server_error(status: u16, code: ErrorCode, field: Option<Field>) -> ApiFailure {
    let mut body = ErrorBody::new(code, "message");
    body.error.field = field;
    ApiFailure::Server { status, body }
}

pub(super) fn type_credentials(state: &mut AppState, username: &str, password: &str) {
    for (field, value) in [(Field::Username, username), (Field::Password, password)] {
        reduce(
            state,
            Action::AuthFieldEdited {
                field,
                value: value.into(),
            },
        );
    }
}

/// Signs in and returns the state in the shell, plus the effects of the login answer.
pub(super) fn signed_in() -> (AppState, Vec<Effect>) {
    let mut state = fresh();
    type_credentials(&mut state, "alice", "password1");
    let login = reduce(&mut state, Action::SignInSubmitted);
    let effects = reduce(
        &mut state,
        answer(only_api(&login), Ok(ApiReply::Tokens(Box::new(tokens(1))))),
    );
    (state, effects)
}

pub(super) fn expired() -> ApiFailure {
    server_error(401, ErrorCode::TokenExpired, None)
}

pub(super) fn device(n: u128, current: bool) -> SessionInfo {
    SessionInfo {
        id: if current {
            this_session()
        } else {
            SessionId(Uuid::from_u128(n))
        },
        device_name: format!("device {n}"),
        created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        last_seen_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 6).unwrap(),
        current,
    }
}

pub(super) fn with_devices() -> AppState {
    let (mut state, effects) = signed_in();
    let list = SessionList {
        sessions: vec![device(1, true), device(2, false)],
    };
    reduce(
        &mut state,
        answer(only_api(&effects), Ok(ApiReply::Sessions(list))),
    );
    state
}
