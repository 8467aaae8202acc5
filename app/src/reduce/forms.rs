//! The sign-in and registration forms: editing, submitting, and the answers to
//! `POST /auth/register` and `POST /auth/login`, and the second step of a login with
//! two-factor authentication (`POST /auth/login/2fa`).

use natter_shared::api::{LoginRequest, LoginTwoFactorRequest, RegisterRequest};
use natter_shared::{ErrorCode, Field};

use super::calls::{error_of, failure_field, ui_error};
use super::{session, shell};
use crate::api::{ApiCall, ApiFailure, ApiReply, ApiResponse};
use crate::effect::{ApiRequest, Effect};
use crate::state::{AppState, AuthForm, Screen, SecondFactorStep, normalize_server_url};

fn form_mut(state: &mut AppState) -> Option<&mut AuthForm> {
    match &mut state.screen {
        Screen::SignIn(form) | Screen::Register(form) => Some(form),
        Screen::Restoring { .. } | Screen::Shell(_) => None,
    }
}

pub(super) fn edit_server_url(state: &mut AppState, url: String) -> Vec<Effect> {
    if form_mut(state).is_some_and(|f| f.busy) {
        return Vec::new();
    }
    state.server_url = url;
    if let Some(form) = form_mut(state) {
        form.general_error = None;
    }
    Vec::new()
}

pub(super) fn edit(state: &mut AppState, field: Field, value: String) -> Vec<Effect> {
    let Some(form) = form_mut(state) else {
        return Vec::new();
    };
    if form.busy {
        return Vec::new();
    }
    match field {
        Field::Username => form.username = value,
        Field::Password => form.password = value,
        Field::DisplayName => form.display_name = value,
        _ => return Vec::new(),
    }
    form.field_errors.retain(|(f, _)| *f != field);
    form.general_error = None;
    Vec::new()
}

pub(super) fn show_register(state: &mut AppState) -> Vec<Effect> {
    if let Screen::SignIn(form) = &state.screen
        && !form.busy
    {
        state.screen = Screen::Register(AuthForm {
            username: form.username.clone(),
            ..AuthForm::default()
        });
    }
    Vec::new()
}

pub(super) fn show_sign_in(state: &mut AppState) -> Vec<Effect> {
    if let Screen::Register(form) = &state.screen
        && !form.busy
    {
        state.screen = Screen::SignIn(AuthForm {
            username: form.username.clone(),
            ..AuthForm::default()
        });
    }
    Vec::new()
}

/// The request for the form, if everything in it is valid; otherwise marks the form so
/// every error shows.
fn valid_request(state: &mut AppState, register: bool) -> Option<(String, ApiCall)> {
    let server_url = normalize_server_url(&state.server_url);
    let device_name = state.device_name.clone();
    let form = form_mut(state)?;
    if form.busy {
        return None;
    }
    let check = form.check();
    let (Ok(server_url), Ok(username), Ok(password), Ok(display_name)) = (
        server_url,
        check.username,
        check.password,
        check.display_name,
    ) else {
        form.show_all_errors = true;
        return None;
    };
    form.busy = true;
    form.show_all_errors = false;
    form.field_errors.clear();
    form.general_error = None;
    let call = if register {
        ApiCall::Register(RegisterRequest {
            username: username.into_inner(),
            password: password.expose().to_owned(),
            display_name: display_name.map(|d| d.into_inner()),
        })
    } else {
        ApiCall::Login(LoginRequest {
            username: username.into_inner(),
            password: password.expose().to_owned(),
            device_name: Some(device_name),
        })
    };
    Some((server_url, call))
}

fn unauthenticated(state: &AppState, server_url: String, call: ApiCall) -> Effect {
    Effect::Api(ApiRequest {
        epoch: state.epoch,
        server_url,
        call,
        access_token: None,
        token_generation: 0,
    })
}

pub(super) fn submit_sign_in(state: &mut AppState) -> Vec<Effect> {
    if !matches!(state.screen, Screen::SignIn(_)) {
        return Vec::new();
    }
    match valid_request(state, false) {
        Some((url, call)) => vec![unauthenticated(state, url, call)],
        None => Vec::new(),
    }
}

pub(super) fn submit_register(state: &mut AppState) -> Vec<Effect> {
    if !matches!(state.screen, Screen::Register(_)) {
        return Vec::new();
    }
    match valid_request(state, true) {
        Some((url, call)) => vec![unauthenticated(state, url, call)],
        None => Vec::new(),
    }
}

fn second_step_mut(state: &mut AppState) -> Option<&mut SecondFactorStep> {
    match &mut state.screen {
        Screen::SignIn(form) => form.second_factor.as_mut(),
        _ => None,
    }
}

pub(super) fn edit_second_factor(state: &mut AppState, code: String) -> Vec<Effect> {
    if let Some(step) = second_step_mut(state)
        && !step.busy
    {
        step.code = code;
        step.error = None;
        step.show_error = false;
    }
    Vec::new()
}

pub(super) fn toggle_recovery(state: &mut AppState) -> Vec<Effect> {
    if let Some(step) = second_step_mut(state)
        && !step.busy
    {
        step.recovery = !step.recovery;
        step.code.clear();
        step.error = None;
        step.show_error = false;
    }
    Vec::new()
}

/// Back to the password (the ticket is dropped; a new login gets a new one).
pub(super) fn cancel_second_factor(state: &mut AppState) -> Vec<Effect> {
    if let Screen::SignIn(form) = &mut state.screen
        && form.second_factor.as_ref().is_some_and(|s| !s.busy)
    {
        form.second_factor = None;
    }
    Vec::new()
}

pub(super) fn submit_second_factor(state: &mut AppState) -> Vec<Effect> {
    let Ok(server_url) = normalize_server_url(&state.server_url) else {
        return Vec::new();
    };
    let Some(step) = second_step_mut(state) else {
        return Vec::new();
    };
    if step.busy {
        return Vec::new();
    }
    let Ok((code, recovery_code)) = step.check() else {
        step.show_error = true;
        return Vec::new();
    };
    step.busy = true;
    step.show_error = false;
    step.error = None;
    let call = ApiCall::LoginSecondFactor(LoginTwoFactorRequest {
        ticket: step.ticket.clone(),
        code,
        recovery_code,
    });
    vec![unauthenticated(state, server_url, call)]
}

/// The answer to `POST /auth/login/2fa`. A wrong code stays on the step; a ticket that
/// expired or was spent goes back to the password with the reason.
fn second_step_finished(state: &mut AppState, response: ApiResponse) -> Vec<Effect> {
    let Screen::SignIn(form) = &mut state.screen else {
        return Vec::new();
    };
    if !form.second_factor.as_ref().is_some_and(|s| s.busy) {
        return Vec::new();
    }
    match response.result {
        Ok(ApiReply::Tokens(tokens)) => {
            let now = response.received_at;
            let (mut effects, user) = session::begin(state, response.server_url, *tokens);
            effects.extend(shell::enter(state, user, now));
            effects
        }
        Err(failure)
            if matches!(&failure, ApiFailure::Server { body, .. }
                if body.error.code == ErrorCode::InvalidLoginTicket) =>
        {
            form.second_factor = None;
            form.general_error = Some(ui_error(&failure));
            Vec::new()
        }
        result => {
            if let Some(step) = &mut form.second_factor {
                step.busy = false;
                step.code.clear();
                step.error = Some(error_of(result));
            }
            Vec::new()
        }
    }
}

/// The answer to register or login (the caller checked the epoch).
pub(super) fn finished(state: &mut AppState, response: ApiResponse) -> Vec<Effect> {
    if matches!(response.call, ApiCall::LoginSecondFactor(_)) {
        return second_step_finished(state, response);
    }
    if !form_mut(state).is_some_and(|f| f.busy) {
        return Vec::new();
    }
    let now = response.received_at;
    match (response.call, response.result) {
        // Registered: sign in with the same credentials, still showing the spinner.
        (ApiCall::Register(register), Ok(ApiReply::User(_))) => {
            let device_name = state.device_name.clone();
            let call = ApiCall::Login(LoginRequest {
                username: register.username,
                password: register.password,
                device_name: Some(device_name),
            });
            vec![unauthenticated(state, response.server_url, call)]
        }
        // The password was right; the account wants a code. The password is not kept.
        (ApiCall::Login(_), Ok(ApiReply::TwoFactorRequired(challenge))) => {
            if let Some(form) = form_mut(state) {
                form.busy = false;
                form.password.clear();
                form.second_factor = Some(SecondFactorStep {
                    ticket: challenge.ticket,
                    ..SecondFactorStep::default()
                });
            }
            Vec::new()
        }
        (ApiCall::Login(_), Ok(ApiReply::Tokens(tokens))) => {
            let (mut effects, user) = session::begin(state, response.server_url, *tokens);
            effects.extend(shell::enter(state, user, now));
            effects
        }
        (_, Ok(_)) => fail(state, &ApiFailure::BadResponse("unexpected reply".into())),
        (_, Err(failure)) => fail(state, &failure),
    }
}

fn fail(state: &mut AppState, failure: &ApiFailure) -> Vec<Effect> {
    if let Some(form) = form_mut(state) {
        form.busy = false;
        let error = ui_error(failure);
        match failure_field(failure) {
            Some(field) => form.field_errors.push((field, error)),
            None => form.general_error = Some(error),
        }
    }
    Vec::new()
}
