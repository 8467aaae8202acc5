//! Reducer tests: the transparent refresh and the end of a session.

use natter_shared::{ErrorCode, Field};

use super::support::*;
use crate::action::Action;
use crate::api::NetErrorKind;
use crate::api::{ApiCall, ApiFailure, ApiReply};
use crate::effect::Effect;
use crate::reduce::reduce;
use crate::state::{Notice, Screen, ShellTab, UiError};

#[test]
fn an_expired_token_is_refreshed_once_and_the_calls_replayed() {
    let (mut state, effects) = signed_in();
    let list = only_api(&effects).clone();
    let save = reduce(&mut state, Action::TabChosen(ShellTab::Profile));
    assert!(save.is_empty());
    reduce(
        &mut state,
        Action::ProfileFieldEdited {
            field: Field::Bio,
            value: "hi".into(),
        },
    );
    let update = only_api(&reduce(&mut state, Action::ProfileSubmitted)).clone();

    // both calls come back expired: one refresh only
    let first = reduce(&mut state, answer(&list, Err(expired())));
    let refresh = only_api(&first).clone();
    assert!(matches!(&refresh.call, ApiCall::Refresh(r) if r.refresh_token == "refresh-1"));
    assert!(reduce(&mut state, answer(&update, Err(expired()))).is_empty());

    // a call made meanwhile waits too
    assert!(reduce(&mut state, Action::DevicesReloadRequested).is_empty());

    let effects = reduce(
        &mut state,
        answer(&refresh, Ok(ApiReply::Tokens(Box::new(tokens(2))))),
    );
    assert!(matches!(&effects[0], Effect::SaveSession(s) if s.refresh_token == "refresh-2"));
    let replayed: Vec<_> = api(&effects)
        .into_iter()
        .map(|r| (r.call.clone(), r.access_token.clone()))
        .collect();
    assert_eq!(replayed.len(), 2, "{replayed:?}");
    assert!(
        replayed
            .iter()
            .all(|(_, t)| t.as_deref() == Some("access-2"))
    );
    assert!(replayed.iter().any(|(c, _)| *c == ApiCall::ListSessions));
    assert!(
        replayed
            .iter()
            .any(|(c, _)| matches!(c, ApiCall::UpdateMe(_)))
    );
}

#[test]
fn a_401_for_an_older_token_is_resent_without_another_refresh() {
    let (mut state, effects) = signed_in();
    let list = only_api(&effects).clone();
    let refresh = only_api(&reduce(&mut state, answer(&list, Err(expired())))).clone();
    reduce(
        &mut state,
        answer(&refresh, Ok(ApiReply::Tokens(Box::new(tokens(2))))),
    );
    // a call sent with the first token comes back late
    let mut old = list.clone();
    old.call = ApiCall::GetMe;
    let effects = reduce(&mut state, answer(&old, Err(expired())));
    let resent = only_api(&effects);
    assert_eq!(resent.call, ApiCall::GetMe);
    assert_eq!(resent.access_token.as_deref(), Some("access-2"));
}

#[test]
fn a_rejected_refresh_ends_the_session_with_a_message() {
    for code in [
        ErrorCode::RefreshTokenReused,
        ErrorCode::InvalidRefreshToken,
        ErrorCode::SessionRevoked,
    ] {
        let (mut state, effects) = signed_in();
        let refresh = only_api(&reduce(
            &mut state,
            answer(only_api(&effects), Err(expired())),
        ))
        .clone();
        let effects = reduce(
            &mut state,
            answer(&refresh, Err(server_error(401, code, None))),
        );
        assert_eq!(effects, session_ended_effects(), "{code:?}");
        assert!(state.session.is_none());
        assert_eq!(state.notice, Some(Notice::SessionEnded));
        assert!(matches!(&state.screen, Screen::SignIn(f) if f.username == "alice"));
    }
}

#[test]
fn a_revoked_session_on_any_call_returns_to_sign_in() {
    let (mut state, effects) = signed_in();
    let failure = server_error(401, ErrorCode::SessionRevoked, None);
    let effects = reduce(&mut state, answer(only_api(&effects), Err(failure)));
    assert_eq!(effects, session_ended_effects());
    assert_eq!(state.notice, Some(Notice::SessionEnded));
}

#[test]
fn answers_for_an_ended_session_are_ignored() {
    let (mut state, effects) = signed_in();
    let list = only_api(&effects).clone();
    let logout = only_api(&reduce(&mut state, Action::SignOutRequested)).clone();
    reduce(&mut state, answer(&logout, Ok(ApiReply::Empty)));
    let late = reduce(&mut state, answer(&list, Err(expired())));
    assert!(late.is_empty());
    assert!(matches!(state.screen, Screen::SignIn(_)));
}

#[test]
fn signing_out_calls_logout_then_clears_the_stored_session() {
    let (mut state, _) = signed_in();
    let logout = only_api(&reduce(&mut state, Action::SignOutRequested)).clone();
    assert_eq!(logout.call, ApiCall::Logout);
    assert!(
        reduce(&mut state, Action::SignOutRequested).is_empty(),
        "once"
    );
    let effects = reduce(&mut state, answer(&logout, Ok(ApiReply::Empty)));
    assert_eq!(effects, session_ended_effects());
    assert_eq!(state.notice, Some(Notice::SignedOut));
}

#[test]
fn signing_out_offline_still_signs_out_here() {
    let (mut state, _) = signed_in();
    let logout = only_api(&reduce(&mut state, Action::SignOutRequested)).clone();
    let failure = ApiFailure::Network {
        kind: NetErrorKind::Unreachable,
        detail: String::new(),
    };
    assert_eq!(
        reduce(&mut state, answer(&logout, Err(failure))),
        session_ended_effects()
    );
    assert_eq!(state.notice, Some(Notice::SignedOutOffline));
}

#[test]
fn calls_waiting_for_a_refresh_fail_when_it_cannot_reach_the_server() {
    let (mut state, effects) = signed_in();
    let refresh = only_api(&reduce(
        &mut state,
        answer(only_api(&effects), Err(expired())),
    ))
    .clone();
    let failure = ApiFailure::Network {
        kind: NetErrorKind::Unreachable,
        detail: String::new(),
    };
    let effects = reduce(&mut state, answer(&refresh, Err(failure)));
    assert!(effects.is_empty());
    let Screen::Shell(shell) = &state.screen else {
        panic!()
    };
    assert_eq!(
        shell.devices.error,
        Some(UiError::Network(NetErrorKind::Unreachable))
    );
    assert!(!shell.devices.loading);
    assert!(
        state
            .session
            .as_ref()
            .is_some_and(|s| !s.refreshing && s.pending.is_empty())
    );
}
