//! The signed-in shell: tabs, the profile editor, the devices list, signing out.

use chrono::{DateTime, Utc};
use natter_shared::api::{PresenceVisibility, UpdateProfileRequest, User};
use natter_shared::{ErrorCode, Field, SessionId};

use super::calls::{authed, failure_field, ui_error};
use super::{connection, security, session};
use crate::api::{ApiCall, ApiFailure, ApiReply};
use crate::effect::Effect;
use crate::state::{AppState, Notice, ProfileForm, Screen, ShellState, ShellTab, UiError};

fn shell_mut(state: &mut AppState) -> Option<&mut ShellState> {
    match &mut state.screen {
        Screen::Shell(shell) => Some(shell),
        _ => None,
    }
}

/// The session is usable (signed in, or restored): show the shell for `user`, load the
/// devices and open the link.
pub(super) fn enter(state: &mut AppState, user: User, now: DateTime<Utc>) -> Vec<Effect> {
    state.screen = Screen::Shell(Box::new(ShellState::new(user)));
    let mut effects = reload_devices(state);
    effects.extend(connection::start(state, now));
    effects
}

pub(super) fn choose_tab(state: &mut AppState, tab: ShellTab) -> Vec<Effect> {
    let Some(shell) = shell_mut(state) else {
        return Vec::new();
    };
    shell.tab = tab;
    match tab {
        ShellTab::Devices => reload_devices(state),
        ShellTab::Settings => security::load(state),
        ShellTab::Chats | ShellTab::Profile => Vec::new(),
    }
}

pub(super) fn reload_devices(state: &mut AppState) -> Vec<Effect> {
    let Some(shell) = shell_mut(state) else {
        return Vec::new();
    };
    if shell.devices.loading {
        return Vec::new();
    }
    shell.devices.loading = true;
    shell.devices.error = None;
    authed(state, ApiCall::ListSessions)
}

pub(super) fn sign_out_device(state: &mut AppState, id: SessionId) -> Vec<Effect> {
    if state.session.as_ref().is_some_and(|s| s.session_id == id) {
        return sign_out(state);
    }
    let Some(shell) = shell_mut(state) else {
        return Vec::new();
    };
    if shell.devices.revoking.contains(&id) {
        return Vec::new();
    }
    shell.devices.revoking.push(id);
    shell.devices.error = None;
    authed(state, ApiCall::RevokeSession(id))
}

pub(super) fn sign_out(state: &mut AppState) -> Vec<Effect> {
    let Some(shell) = shell_mut(state) else {
        return Vec::new();
    };
    if shell.signing_out {
        return Vec::new();
    }
    shell.signing_out = true;
    authed(state, ApiCall::Logout)
}

pub(super) fn edit_profile(state: &mut AppState, field: Field, value: String) -> Vec<Effect> {
    let Some(shell) = shell_mut(state) else {
        return Vec::new();
    };
    let profile = &mut shell.profile;
    if profile.saving {
        return Vec::new();
    }
    match field {
        Field::DisplayName => profile.display_name = value,
        Field::Bio => profile.bio = value,
        _ => return Vec::new(),
    }
    profile.field_errors.retain(|(f, _)| *f != field);
    profile.general_error = None;
    if state.notice == Some(Notice::ProfileSaved) {
        state.notice = None;
    }
    Vec::new()
}

pub(super) fn revert_profile(state: &mut AppState) -> Vec<Effect> {
    if let Some(shell) = shell_mut(state)
        && !shell.profile.saving
    {
        shell.profile = ProfileForm::from_user(&shell.user);
    }
    Vec::new()
}

/// Sends the fields that changed; invalid input stays on screen with its errors.
pub(super) fn submit_profile(state: &mut AppState) -> Vec<Effect> {
    let Some(shell) = shell_mut(state) else {
        return Vec::new();
    };
    if shell.profile.saving {
        return Vec::new();
    }
    let (Ok(display_name), Ok(bio)) = (
        shell.profile.parsed_display_name(),
        shell.profile.parsed_bio(),
    ) else {
        return Vec::new(); // the views already show why
    };
    let new_name = display_name.map(|d| d.into_inner()).unwrap_or_default();
    let old_name = shell
        .user
        .display_name
        .as_ref()
        .map(|d| d.as_str())
        .unwrap_or_default();
    let request = UpdateProfileRequest {
        display_name: (new_name != old_name).then_some(new_name),
        bio: (bio.as_str() != shell.user.bio).then(|| bio.into_inner()),
        presence_visibility: None,
    };
    if request == UpdateProfileRequest::default() {
        return Vec::new();
    }
    shell.profile.saving = true;
    shell.profile.general_error = None;
    shell.profile.field_errors.clear();
    authed(state, ApiCall::UpdateMe(request))
}

/// Settings → Privacy: sends the new choice unless it is the current one or one is on its way.
pub(super) fn choose_presence_visibility(
    state: &mut AppState,
    choice: PresenceVisibility,
) -> Vec<Effect> {
    let Some(shell) = shell_mut(state) else {
        return Vec::new();
    };
    if shell.privacy.saving.is_some() || shell.user.presence_visibility == Some(choice) {
        return Vec::new();
    }
    shell.privacy.saving = Some(choice);
    shell.privacy.error = None;
    let request = UpdateProfileRequest {
        presence_visibility: Some(choice),
        ..UpdateProfileRequest::default()
    };
    authed(state, ApiCall::UpdateMe(request))
}

/// The answer to a shell call (the caller handled epochs and 401s).
pub(super) fn finished(
    state: &mut AppState,
    call: ApiCall,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    if call == ApiCall::Logout {
        let notice = match &result {
            Err(ApiFailure::Network { .. } | ApiFailure::UnexpectedStatus(_)) => {
                Notice::SignedOutOffline
            }
            _ => Notice::SignedOut,
        };
        return session::end(state, Some(notice));
    }
    let Some(shell) = shell_mut(state) else {
        return Vec::new();
    };
    let result = match result {
        Ok(reply) => Ok(reply),
        Err(failure) => Err((ui_error(&failure), failure_field(&failure))),
    };
    match (call, result) {
        (ApiCall::ListSessions, Ok(ApiReply::Sessions(list))) => {
            shell.devices.loading = false;
            shell.devices.sessions = Some(list.sessions);
        }
        (ApiCall::ListSessions, other) => {
            shell.devices.loading = false;
            shell.devices.error = Some(error_of(other));
        }
        (ApiCall::RevokeSession(id), result) => {
            shell.devices.revoking.retain(|r| *r != id);
            let gone = match &result {
                Ok(_) => true,
                Err((UiError::Server { code, .. }, _)) => *code == ErrorCode::NotFound,
                Err(_) => false,
            };
            if gone {
                if let Some(list) = &mut shell.devices.sessions {
                    list.retain(|s| s.id != id);
                }
            } else {
                shell.devices.error = Some(error_of(result));
            }
        }
        (ApiCall::GetMe, Ok(ApiReply::User(user))) => {
            let untouched = shell.profile == ProfileForm::from_user(&shell.user);
            shell.user = *user;
            if untouched {
                shell.profile = ProfileForm::from_user(&shell.user);
            }
        }
        (ApiCall::UpdateMe(request), result) if request.presence_visibility.is_some() => {
            shell.privacy.saving = None;
            match result {
                Ok(ApiReply::User(user)) => shell.user = *user,
                other => shell.privacy.error = Some(error_of(other)),
            }
        }
        (ApiCall::UpdateMe(_), Ok(ApiReply::User(user))) => {
            shell.user = *user;
            shell.profile = ProfileForm::from_user(&shell.user);
            state.notice = Some(Notice::ProfileSaved);
        }
        (ApiCall::SetPhoto(_), Ok(ApiReply::User(user))) => shell.user = *user,
        (ApiCall::SetPhoto(_), other) => shell.profile.general_error = Some(error_of(other)),
        (ApiCall::UpdateMe(_), other) => {
            shell.profile.saving = false;
            match other {
                Err((error, Some(field))) => shell.profile.field_errors.push((field, error)),
                other => shell.profile.general_error = Some(error_of(other)),
            }
        }
        _ => {}
    }
    Vec::new()
}

fn error_of(result: Result<ApiReply, (UiError, Option<Field>)>) -> UiError {
    match result {
        Ok(_) => UiError::BadResponse,
        Err((error, _)) => error,
    }
}
