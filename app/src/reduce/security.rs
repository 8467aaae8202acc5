//! Settings → Security: two-factor authentication (status, set-up with the QR code and the
//! recovery codes shown once, turning it off, new recovery codes), the password, signing
//! out the other devices, exporting and deleting the account.

use std::sync::Arc;

use natter_shared::api::{ChangePasswordRequest, EnableTwoFactorRequest, Reauthenticate};

use super::calls::{authed, error_of};
use super::session;
use crate::action::SecurityAction;
use crate::api::{AccountCall, ApiCall, ApiFailure, ApiReply};
use crate::effect::{DialogRequest, Effect};
use crate::state::{
    AppState, Notice, Screen, SecurityDone, SecurityField, SecurityPanel, SecurityState,
};

fn security_mut(state: &mut AppState) -> Option<&mut SecurityState> {
    match &mut state.screen {
        Screen::Shell(shell) => Some(&mut shell.security),
        _ => None,
    }
}

/// Settings was opened: (re)load whether two-factor authentication is on.
pub(super) fn load(state: &mut AppState) -> Vec<Effect> {
    let Some(security) = security_mut(state) else {
        return Vec::new();
    };
    if security.loading {
        return Vec::new();
    }
    security.loading = true;
    authed(state, ApiCall::Account(AccountCall::Status))
}

pub(super) fn act(state: &mut AppState, action: SecurityAction) -> Vec<Effect> {
    let Some(security) = security_mut(state) else {
        return Vec::new();
    };
    if security.busy && !matches!(action, SecurityAction::Edited(..)) {
        return Vec::new();
    }
    match action {
        SecurityAction::Open(panel) => {
            *security = SecurityState {
                status: security.status,
                loading: security.loading,
                recovery_codes: security.recovery_codes.take(),
                panel,
                ..SecurityState::default()
            };
            Vec::new()
        }
        SecurityAction::Edited(field, value) => {
            if !security.busy {
                match field {
                    SecurityField::Password => security.password = value,
                    SecurityField::Code => security.code = value,
                    SecurityField::NewPassword => security.new_password = value,
                    SecurityField::Repeat => security.repeat = value,
                }
                security.error = None;
            }
            Vec::new()
        }
        SecurityAction::DeleteConfirmed(on) => {
            security.delete_confirmed = on;
            Vec::new()
        }
        SecurityAction::CodesSaved => {
            security.recovery_codes = None;
            Vec::new()
        }
        SecurityAction::Submitted => submit(state),
        SecurityAction::SignOutOthers => start(state, AccountCall::SignOutOthers),
        SecurityAction::Export => start(state, AccountCall::Export),
        SecurityAction::ExportSaved(saved) => {
            match saved {
                Some(Ok(path)) => security.done = Some(SecurityDone::Exported(path)),
                Some(Err(why)) => security.error = Some(crate::state::UiError::LocalFile(why)),
                None => {}
            }
            Vec::new()
        }
    }
}

fn start(state: &mut AppState, call: AccountCall) -> Vec<Effect> {
    if let Some(security) = security_mut(state) {
        security.busy = true;
        security.error = None;
        security.done = None;
    }
    authed(state, ApiCall::Account(call))
}

/// The open form's request, if everything in it is valid; otherwise every error shows.
fn submit(state: &mut AppState) -> Vec<Effect> {
    let Some(security) = security_mut(state) else {
        return Vec::new();
    };
    security.show_errors = true;
    let fields = [
        SecurityField::Password,
        SecurityField::Code,
        SecurityField::NewPassword,
        SecurityField::Repeat,
    ];
    if fields.iter().any(|f| security.field_error(*f).is_some())
        || (security.panel == SecurityPanel::Delete && !security.delete_confirmed)
    {
        return Vec::new();
    }
    let (code, recovery_code) = if security.asks_code() {
        security.checked_code().unwrap_or_default()
    } else {
        (None, None)
    };
    let confirm = Reauthenticate {
        password: security.password.clone(),
        code: code.clone(),
        recovery_code: recovery_code.clone(),
    };
    let call = match security.panel {
        SecurityPanel::None => return Vec::new(),
        SecurityPanel::SetUp => match (&security.setup, code) {
            (None, _) => AccountCall::SetUp(confirm),
            (Some(_), Some(code)) => AccountCall::Enable(EnableTwoFactorRequest { code }),
            // a recovery code cannot confirm a new authenticator
            (Some(_), None) => {
                security.error = natter_shared::TwoFactorCode::parse(&security.code)
                    .err()
                    .map(crate::state::UiError::Validation);
                return Vec::new();
            }
        },
        SecurityPanel::Disable => AccountCall::Disable(confirm),
        SecurityPanel::NewCodes => AccountCall::NewCodes(confirm),
        SecurityPanel::Delete => AccountCall::Delete(confirm),
        SecurityPanel::Password => AccountCall::ChangePassword(ChangePasswordRequest {
            current_password: security.password.clone(),
            new_password: security.new_password.clone(),
            code,
            recovery_code,
        }),
    };
    security.show_errors = false;
    start(state, call)
}

/// The answer to one of the section's calls.
pub(super) fn finished(
    state: &mut AppState,
    call: AccountCall,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    if matches!(call, AccountCall::Delete(_)) && matches!(result, Ok(ApiReply::Empty)) {
        let mut effects = session::end(state, Some(Notice::AccountDeleted));
        if let Screen::SignIn(form) = &mut state.screen {
            form.username.clear();
        }
        effects.retain(|e| *e != Effect::ClearSession);
        effects.insert(0, Effect::ClearSession);
        return effects;
    }
    let Some(security) = security_mut(state) else {
        return Vec::new();
    };
    if let AccountCall::Status = call {
        security.loading = false;
        if let Ok(ApiReply::TwoFactorStatus(status)) = result {
            security.status = Some(status);
        }
        return Vec::new();
    }
    security.busy = false;
    let closed = |security: &mut SecurityState, done: Option<SecurityDone>| {
        *security = SecurityState {
            status: security.status,
            recovery_codes: security.recovery_codes.take(),
            done,
            ..SecurityState::default()
        };
    };
    match (call, result) {
        (AccountCall::SetUp(_), Ok(ApiReply::TwoFactorSetup(setup))) => {
            security.password.clear();
            security.setup = Some(setup);
        }
        (AccountCall::Enable(_) | AccountCall::NewCodes(_), Ok(ApiReply::RecoveryCodes(codes))) => {
            let enabling = security.setup.is_some();
            security.recovery_codes = Some(codes.recovery_codes);
            let left = security.recovery_codes.as_ref().map_or(0, |c| c.len());
            security.status = Some(natter_shared::api::TwoFactorStatus {
                enabled: true,
                recovery_codes_left: u32::try_from(left).unwrap_or(u32::MAX),
            });
            closed(security, enabling.then_some(SecurityDone::Enabled));
        }
        (AccountCall::Disable(_), Ok(_)) => {
            security.status = Some(natter_shared::api::TwoFactorStatus {
                enabled: false,
                recovery_codes_left: 0,
            });
            closed(security, Some(SecurityDone::Disabled));
        }
        (AccountCall::ChangePassword(_), Ok(_)) => {
            closed(security, Some(SecurityDone::PasswordChanged));
        }
        (AccountCall::SignOutOthers, Ok(_)) => {
            security.done = Some(SecurityDone::OthersSignedOut);
        }
        (AccountCall::Export, Ok(ApiReply::Document(json))) => {
            return vec![Effect::Dialog(DialogRequest::SaveExport {
                json: Arc::new(json),
            })];
        }
        (_, result) => {
            security.code.clear();
            security.error = Some(error_of(result));
        }
    }
    Vec::new()
}
