//! The sign-in and registration forms: editing, submitting, and the answers to
//! `POST /auth/register` and `POST /auth/login`.

use natter_shared::Field;
use natter_shared::api::{LoginRequest, RegisterRequest};

use super::calls::{failure_field, ui_error};
use super::{session, shell};
use crate::api::{ApiCall, ApiFailure, ApiReply, ApiResponse};
use crate::effect::{ApiRequest, Effect};
use crate::state::{AppState, AuthForm, Screen, normalize_server_url};

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

/// The answer to register or login (the caller checked the epoch).
pub(super) fn finished(state: &mut AppState, response: ApiResponse) -> Vec<Effect> {
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
