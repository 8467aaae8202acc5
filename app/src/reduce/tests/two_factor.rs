//! Reducer tests: the second step of signing in to an account with two-factor
//! authentication (`POST /auth/login` answering a ticket, `POST /auth/login/2fa`).

use natter_shared::api::TwoFactorChallenge;
use natter_shared::{ErrorCode, ValidationErrorKind};

use super::support::*;
use crate::action::Action;
use crate::api::{ApiCall, ApiReply};
use crate::effect::{ApiRequest, Effect};
use crate::reduce::reduce;
use crate::state::{AppState, Screen, SecondFactorStep, UiError};

/// Signs in with the password and gets the ticket back.
fn at_second_step() -> AppState {
    let mut state = fresh();
    type_credentials(&mut state, "alice", "password1");
    let login = reduce(&mut state, Action::SignInSubmitted);
    let challenge = TwoFactorChallenge {
        two_factor_required: true,
        ticket: "ticket-1".into(),
        expires_in: 300,
    };
    let effects = reduce(
        &mut state,
        answer(only_api(&login), Ok(ApiReply::TwoFactorRequired(challenge))),
    );
    assert!(effects.is_empty(), "{effects:?}");
    state
}

fn step(state: &AppState) -> &SecondFactorStep {
    let Screen::SignIn(form) = &state.screen else {
        panic!("{:?}", state.screen)
    };
    form.second_factor.as_ref().expect("on the second step")
}

fn submit_code(state: &mut AppState, code: &str) -> ApiRequest {
    reduce(state, Action::SecondFactorEdited(code.into()));
    only_api(&reduce(state, Action::SecondFactorSubmitted)).clone()
}

#[test]
fn a_ticket_shows_the_second_step_and_forgets_the_password() {
    let state = at_second_step();
    let Screen::SignIn(form) = &state.screen else {
        panic!()
    };
    assert!(!form.busy);
    assert!(form.password.is_empty(), "the password is not kept");
    let step = step(&state);
    assert_eq!(step.ticket, "ticket-1");
    assert!(!step.recovery);
    assert!(state.session.is_none());
    assert!(!format!("{step:?}").contains("ticket-1"), "Debug hides it");
}

#[test]
fn a_code_is_sent_with_the_ticket_and_tokens_open_the_shell() {
    let mut state = at_second_step();
    let request = submit_code(&mut state, "123 456");
    let ApiCall::LoginSecondFactor(body) = &request.call else {
        panic!("{request:?}")
    };
    assert_eq!(body.ticket, "ticket-1");
    assert_eq!(body.code.as_deref(), Some("123456"), "spaces dropped");
    assert_eq!(body.recovery_code, None);
    assert!(request.access_token.is_none());
    assert!(step(&state).busy);
    assert!(
        reduce(&mut state, Action::SecondFactorSubmitted).is_empty(),
        "sent once"
    );

    let effects = reduce(
        &mut state,
        answer(&request, Ok(ApiReply::Tokens(Box::new(tokens(1))))),
    );
    assert!(
        matches!(state.screen, Screen::Shell(_)),
        "{:?}",
        state.screen
    );
    assert!(effects.iter().any(|e| matches!(e, Effect::SaveSession(_))));
}

#[test]
fn a_recovery_code_goes_in_its_own_field() {
    let mut state = at_second_step();
    reduce(&mut state, Action::SecondFactorRecoveryToggled);
    assert!(step(&state).recovery);
    let request = submit_code(&mut state, "ABCDE-FGHIJ");
    let ApiCall::LoginSecondFactor(body) = &request.call else {
        panic!("{request:?}")
    };
    assert_eq!(body.code, None);
    assert_eq!(body.recovery_code.as_deref(), Some("abcdefghij"));
}

#[test]
fn a_malformed_code_sends_nothing_and_says_why() {
    let mut state = at_second_step();
    reduce(&mut state, Action::SecondFactorEdited("12345".into()));
    assert!(reduce(&mut state, Action::SecondFactorSubmitted).is_empty());
    assert!(matches!(
        step(&state).shown_error(),
        Some(UiError::Validation(e)) if matches!(e.kind, ValidationErrorKind::TooShort { .. })
    ));
}

#[test]
fn a_wrong_code_stays_on_the_step_with_the_error_inline() {
    let mut state = at_second_step();
    let request = submit_code(&mut state, "000000");
    let failure = server_error(401, ErrorCode::InvalidTwoFactorCode, None);
    assert!(reduce(&mut state, answer(&request, Err(failure))).is_empty());
    let step = step(&state);
    assert!(!step.busy);
    assert!(step.code.is_empty(), "cleared for the next try");
    assert!(matches!(
        &step.error,
        Some(UiError::Server {
            code: ErrorCode::InvalidTwoFactorCode,
            ..
        })
    ));
    assert!(
        state.session.is_none(),
        "a 401 here is not a signed-out session"
    );
    // typing again clears it
    reduce(&mut state, Action::SecondFactorEdited("1".into()));
    assert!(self::step(&state).error.is_none());
}

#[test]
fn too_many_attempts_stay_on_the_step() {
    let mut state = at_second_step();
    let request = submit_code(&mut state, "000000");
    let failure = server_error(429, ErrorCode::RateLimited, None);
    reduce(&mut state, answer(&request, Err(failure)));
    assert!(matches!(
        &step(&state).error,
        Some(UiError::Server {
            code: ErrorCode::RateLimited,
            ..
        })
    ));
}

#[test]
fn an_expired_or_spent_ticket_goes_back_to_the_password_with_the_reason() {
    let mut state = at_second_step();
    let request = submit_code(&mut state, "000000");
    let failure = server_error(401, ErrorCode::InvalidLoginTicket, None);
    reduce(&mut state, answer(&request, Err(failure)));
    let Screen::SignIn(form) = &state.screen else {
        panic!()
    };
    assert!(form.second_factor.is_none());
    assert_eq!(form.username, "alice", "kept for the next try");
    assert!(matches!(
        &form.general_error,
        Some(UiError::Server {
            code: ErrorCode::InvalidLoginTicket,
            ..
        })
    ));
}

#[test]
fn back_returns_to_the_password() {
    let mut state = at_second_step();
    reduce(&mut state, Action::SecondFactorCancelled);
    let Screen::SignIn(form) = &state.screen else {
        panic!()
    };
    assert!(form.second_factor.is_none());
    type_credentials(&mut state, "alice", "password1");
    let login = reduce(&mut state, Action::SignInSubmitted);
    assert!(matches!(only_api(&login).call, ApiCall::Login(_)));
}
