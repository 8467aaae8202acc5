//! Reducer tests: sign-in, registration, restoring a stored session.

use natter_shared::{ErrorCode, Field, ValidationErrorKind};

use super::support::*;
use crate::action::Action;
use crate::api::NetErrorKind;
use crate::api::{ApiCall, ApiFailure, ApiReply};
use crate::effect::Effect;
use crate::i18n::Language;
use crate::reduce::reduce;
use crate::state::{Notice, Screen, UiError};
use crate::token_store::StoredSession;

#[test]
fn valid_sign_in_sends_login_with_the_device_name_and_shows_the_spinner() {
    let mut state = fresh();
    type_credentials(&mut state, " Alice ", "password1");
    let effects = reduce(&mut state, Action::SignInSubmitted);
    let request = only_api(&effects);
    let ApiCall::Login(login) = &request.call else {
        panic!("{request:?}")
    };
    assert_eq!(login.username, "alice", "sent in canonical form");
    assert_eq!(login.device_name.as_deref(), Some("Natter on Linux (test)"));
    assert_eq!(request.server_url, URL);
    let Screen::SignIn(form) = &state.screen else {
        panic!()
    };
    assert!(form.busy);
}

#[test]
fn invalid_sign_in_sends_nothing_and_shows_every_error() {
    let mut state = fresh();
    type_credentials(&mut state, "al", "");
    let effects = reduce(&mut state, Action::SignInSubmitted);
    assert!(effects.is_empty());
    let Screen::SignIn(form) = &state.screen else {
        panic!()
    };
    assert!(form.show_all_errors);
    assert!(matches!(
        form.shown_error(Field::Username),
        Some(UiError::Validation(e)) if e.kind == ValidationErrorKind::TooShort { min: 3 }
    ));
    assert!(form.shown_error(Field::Password).is_some());
}

#[test]
fn a_bad_server_url_blocks_sign_in() {
    let mut state = fresh();
    reduce(&mut state, Action::ServerUrlEdited("localhost:8080".into()));
    type_credentials(&mut state, "alice", "password1");
    assert!(reduce(&mut state, Action::SignInSubmitted).is_empty());
    assert_eq!(state.server_url, "localhost:8080");
}

#[test]
fn submitting_twice_while_busy_sends_once() {
    let mut state = fresh();
    type_credentials(&mut state, "alice", "password1");
    assert_eq!(api(&reduce(&mut state, Action::SignInSubmitted)).len(), 1);
    assert!(reduce(&mut state, Action::SignInSubmitted).is_empty());
}

#[test]
fn successful_login_persists_the_session_and_opens_the_shell() {
    let (state, effects) = signed_in();
    let Screen::Shell(shell) = &state.screen else {
        panic!("{:?}", state.screen)
    };
    assert_eq!(shell.user, alice());
    assert_eq!(shell.profile.display_name, "Alice");
    assert!(effects.contains(&Effect::SaveSession(StoredSession {
        server_url: URL.into(),
        user_id: alice().id,
        username: "alice".into(),
        session_id: this_session(),
        refresh_token: "refresh-1".into(),
    })));
    let list = only_api(&effects);
    assert_eq!(list.call, ApiCall::ListSessions);
    assert_eq!(list.access_token.as_deref(), Some("access-1"));
}

#[test]
fn a_server_error_with_a_field_shows_next_to_that_field() {
    let mut state = fresh();
    type_credentials(&mut state, "alice", "password1");
    let login = reduce(&mut state, Action::SignInSubmitted);
    let failure = server_error(400, ErrorCode::ValidationFailed, Some(Field::Username));
    reduce(&mut state, answer(only_api(&login), Err(failure)));
    let Screen::SignIn(form) = &state.screen else {
        panic!()
    };
    assert!(!form.busy);
    assert!(matches!(
        form.field_error(Field::Username),
        Some(UiError::Server {
            code: ErrorCode::ValidationFailed,
            ..
        })
    ));
    assert_eq!(form.general_error, None);
    // editing the field clears it
    reduce(
        &mut state,
        Action::AuthFieldEdited {
            field: Field::Username,
            value: "alicia".into(),
        },
    );
    let Screen::SignIn(form) = &state.screen else {
        panic!()
    };
    assert_eq!(form.field_error(Field::Username), None);
}

#[test]
fn wrong_credentials_show_a_general_error() {
    let mut state = fresh();
    type_credentials(&mut state, "alice", "password1");
    let login = reduce(&mut state, Action::SignInSubmitted);
    let failure = server_error(401, ErrorCode::InvalidCredentials, None);
    reduce(&mut state, answer(only_api(&login), Err(failure)));
    let Screen::SignIn(form) = &state.screen else {
        panic!()
    };
    assert!(matches!(
        form.general_error,
        Some(UiError::Server {
            code: ErrorCode::InvalidCredentials,
            ..
        })
    ));
    assert!(state.session.is_none());
}

#[test]
fn registration_signs_in_with_the_same_credentials() {
    let mut state = fresh();
    reduce(&mut state, Action::ShowRegister);
    type_credentials(&mut state, "bob", "password1");
    reduce(
        &mut state,
        Action::AuthFieldEdited {
            field: Field::DisplayName,
            value: "Bob".into(),
        },
    );
    let effects = reduce(&mut state, Action::RegisterSubmitted);
    let register = only_api(&effects);
    let ApiCall::Register(body) = &register.call else {
        panic!()
    };
    assert_eq!(body.display_name.as_deref(), Some("Bob"));
    let effects = reduce(
        &mut state,
        answer(register, Ok(ApiReply::User(Box::new(alice())))),
    );
    let ApiCall::Login(login) = &only_api(&effects).call else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (login.username.as_str(), login.password.as_str()),
        ("bob", "password1")
    );
    let Screen::Register(form) = &state.screen else {
        panic!()
    };
    assert!(form.busy, "the spinner keeps turning until signed in");
}

#[test]
fn a_taken_username_shows_next_to_the_username() {
    let mut state = fresh();
    reduce(&mut state, Action::ShowRegister);
    type_credentials(&mut state, "bob", "password1");
    let effects = reduce(&mut state, Action::RegisterSubmitted);
    let failure = server_error(409, ErrorCode::UsernameTaken, Some(Field::Username));
    reduce(&mut state, answer(only_api(&effects), Err(failure)));
    let Screen::Register(form) = &state.screen else {
        panic!()
    };
    assert!(form.field_error(Field::Username).is_some());
}

#[test]
fn switching_between_sign_in_and_register_keeps_the_username() {
    let mut state = fresh();
    reduce(
        &mut state,
        Action::AuthFieldEdited {
            field: Field::Username,
            value: "carol".into(),
        },
    );
    reduce(&mut state, Action::ShowRegister);
    let Screen::Register(form) = &state.screen else {
        panic!()
    };
    assert_eq!(form.username, "carol");
    reduce(&mut state, Action::ShowSignIn);
    assert!(matches!(&state.screen, Screen::SignIn(f) if f.username == "carol"));
}

#[test]
fn a_stored_session_is_restored_by_refresh_then_shows_the_shell() {
    let mut state = fresh();
    let stored = StoredSession {
        server_url: "http://10.0.0.2:8080".into(),
        user_id: alice().id,
        username: "alice".into(),
        session_id: this_session(),
        refresh_token: "refresh-0".into(),
    };
    let effects = reduce(
        &mut state,
        Action::Started {
            stored: Some(stored),
        },
    );
    assert!(matches!(state.screen, Screen::Restoring { failure: None }));
    let refresh = only_api(&effects);
    assert!(matches!(&refresh.call, ApiCall::Refresh(r) if r.refresh_token == "refresh-0"));
    assert_eq!(refresh.server_url, "http://10.0.0.2:8080");
    let effects = reduce(
        &mut state,
        answer(refresh, Ok(ApiReply::Tokens(Box::new(tokens(1))))),
    );
    assert!(matches!(state.screen, Screen::Shell(_)));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SaveSession(s) if s.refresh_token == "refresh-1"))
    );
}

#[test]
fn no_stored_session_stays_on_sign_in() {
    let mut state = fresh();
    assert!(reduce(&mut state, Action::Started { stored: None }).is_empty());
    assert!(matches!(state.screen, Screen::SignIn(_)));
}

#[test]
fn a_failed_restore_offers_retry_and_keeps_the_session() {
    let mut state = fresh();
    let stored = StoredSession {
        server_url: URL.into(),
        user_id: alice().id,
        username: "alice".into(),
        session_id: this_session(),
        refresh_token: "refresh-0".into(),
    };
    let effects = reduce(
        &mut state,
        Action::Started {
            stored: Some(stored),
        },
    );
    let unreachable = ApiFailure::Network {
        kind: NetErrorKind::Unreachable,
        detail: String::new(),
    };
    let effects = reduce(&mut state, answer(only_api(&effects), Err(unreachable)));
    assert!(!effects.contains(&Effect::ClearSession));
    assert!(matches!(
        state.screen,
        Screen::Restoring {
            failure: Some(UiError::Network(NetErrorKind::Unreachable))
        }
    ));
    let retry = reduce(&mut state, Action::RestoreRetried);
    assert!(matches!(only_api(&retry).call, ApiCall::Refresh(_)));
    let abandon = reduce(&mut state, Action::RestoreAbandoned);
    assert_eq!(
        abandon,
        vec![
            Effect::ClearSession,
            Effect::Transfer(crate::transfers::TransferCommand::StopAll)
        ]
    );
    assert!(matches!(&state.screen, Screen::SignIn(f) if f.username == "alice"));
}

#[test]
fn language_notice_and_store_failures_update_the_state() {
    let mut state = fresh();
    reduce(&mut state, Action::LanguageChosen(Language::Ukrainian));
    assert_eq!(state.language, Language::Ukrainian);
    reduce(&mut state, Action::SessionStoreFailed("locked".into()));
    assert_eq!(state.notice, Some(Notice::SessionNotSaved));
    reduce(&mut state, Action::NoticeDismissed);
    assert_eq!(state.notice, None);
}
