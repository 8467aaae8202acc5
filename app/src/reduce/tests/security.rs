//! Reducer tests: Settings → Security (two-factor authentication, the password, other
//! devices, export, deleting the account).

use std::path::PathBuf;

use natter_shared::ErrorCode;
use natter_shared::api::{RecoveryCodes, TwoFactorSetup, TwoFactorStatus};

use super::support::*;
use crate::action::{Action, SecurityAction};
use crate::api::{AccountCall, ApiCall, ApiReply};
use crate::effect::{ApiRequest, DialogRequest, Effect};
use crate::reduce::reduce;
use crate::state::{
    AppState, Notice, Screen, SecurityDone, SecurityField, SecurityPanel, SecurityState, ShellTab,
    UiError,
};

fn security(state: &AppState) -> &SecurityState {
    let Screen::Shell(shell) = &state.screen else {
        panic!("{:?}", state.screen)
    };
    &shell.security
}

fn act(state: &mut AppState, action: SecurityAction) -> Vec<Effect> {
    reduce(state, Action::Security(action))
}

fn type_in(state: &mut AppState, field: SecurityField, value: &str) {
    act(state, SecurityAction::Edited(field, value.into()));
}

fn account_call(request: &ApiRequest) -> &AccountCall {
    match &request.call {
        ApiCall::Account(call) => call,
        other => panic!("{other:?}"),
    }
}

/// Signed in, Settings open, the status answered.
fn in_settings(enabled: bool) -> AppState {
    let (mut state, _) = signed_in();
    let effects = reduce(&mut state, Action::TabChosen(ShellTab::Settings));
    let request = only_api(&effects).clone();
    assert!(matches!(account_call(&request), AccountCall::Status));
    let status = TwoFactorStatus {
        enabled,
        recovery_codes_left: if enabled { 10 } else { 0 },
    };
    reduce(
        &mut state,
        answer(&request, Ok(ApiReply::TwoFactorStatus(status))),
    );
    assert_eq!(security(&state).status, Some(status));
    state
}

fn submit(state: &mut AppState) -> ApiRequest {
    only_api(&act(state, SecurityAction::Submitted)).clone()
}

fn codes() -> RecoveryCodes {
    RecoveryCodes {
        recovery_codes: (0..10).map(|i| format!("abcde-fghi{i}")).collect(),
    }
}

#[test]
fn setting_up_asks_the_password_then_a_code_and_shows_the_codes_once() {
    let mut state = in_settings(false);
    act(&mut state, SecurityAction::Open(SecurityPanel::SetUp));
    assert!(
        act(&mut state, SecurityAction::Submitted).is_empty(),
        "no password"
    );
    type_in(&mut state, SecurityField::Password, "password1");
    let request = submit(&mut state);
    let AccountCall::SetUp(confirm) = account_call(&request) else {
        panic!("{request:?}")
    };
    assert_eq!(confirm.password, "password1");
    assert!(request.access_token.is_some());
    let setup = TwoFactorSetup {
        secret: "JBSWY3DPEHPK3PXP".into(),
        otpauth_url: "otpauth://totp/Natter:alice?secret=JBSWY3DPEHPK3PXP&issuer=Natter".into(),
    };
    reduce(
        &mut state,
        answer(&request, Ok(ApiReply::TwoFactorSetup(setup.clone()))),
    );
    assert_eq!(security(&state).setup, Some(setup));
    assert!(security(&state).password.is_empty(), "not kept");
    assert!(!format!("{:?}", security(&state)).contains("JBSWY3DPEHPK3PXP"));

    type_in(&mut state, SecurityField::Code, "123456");
    let request = submit(&mut state);
    let AccountCall::Enable(enable) = account_call(&request) else {
        panic!("{request:?}")
    };
    assert_eq!(enable.code, "123456");
    reduce(
        &mut state,
        answer(&request, Ok(ApiReply::RecoveryCodes(codes()))),
    );
    let s = security(&state);
    assert_eq!(s.panel, SecurityPanel::None);
    assert!(s.setup.is_none());
    assert_eq!(s.recovery_codes.as_ref().map(Vec::len), Some(10));
    assert!(s.two_factor_on());
    assert_eq!(s.done, Some(SecurityDone::Enabled));

    act(&mut state, SecurityAction::CodesSaved);
    assert!(security(&state).recovery_codes.is_none(), "shown once");
}

#[test]
fn turning_off_needs_the_password_and_a_code_and_a_wrong_code_stays() {
    let mut state = in_settings(true);
    act(&mut state, SecurityAction::Open(SecurityPanel::Disable));
    type_in(&mut state, SecurityField::Password, "password1");
    assert!(
        act(&mut state, SecurityAction::Submitted).is_empty(),
        "no code"
    );
    assert!(security(&state).field_error(SecurityField::Code).is_some());
    type_in(&mut state, SecurityField::Code, "000000");
    let request = submit(&mut state);
    let AccountCall::Disable(confirm) = account_call(&request) else {
        panic!("{request:?}")
    };
    assert_eq!(confirm.code.as_deref(), Some("000000"));
    let failure = server_error(403, ErrorCode::InvalidTwoFactorCode, None);
    reduce(&mut state, answer(&request, Err(failure)));
    let s = security(&state);
    assert_eq!(s.panel, SecurityPanel::Disable, "stays open");
    assert!(matches!(
        s.error,
        Some(UiError::Server {
            code: ErrorCode::InvalidTwoFactorCode,
            ..
        })
    ));
    assert!(state.session.is_some(), "a 403 is not a signed-out session");

    type_in(&mut state, SecurityField::Code, "abcde-fghij");
    let request = submit(&mut state);
    let AccountCall::Disable(confirm) = account_call(&request) else {
        panic!("{request:?}")
    };
    assert_eq!(confirm.code, None);
    assert_eq!(confirm.recovery_code.as_deref(), Some("abcdefghij"));
    reduce(&mut state, answer(&request, Ok(ApiReply::Empty)));
    assert!(!security(&state).two_factor_on());
    assert_eq!(security(&state).done, Some(SecurityDone::Disabled));
}

#[test]
fn new_recovery_codes_are_shown_once() {
    let mut state = in_settings(true);
    act(&mut state, SecurityAction::Open(SecurityPanel::NewCodes));
    type_in(&mut state, SecurityField::Password, "password1");
    type_in(&mut state, SecurityField::Code, "123456");
    let request = submit(&mut state);
    assert!(matches!(account_call(&request), AccountCall::NewCodes(_)));
    reduce(
        &mut state,
        answer(&request, Ok(ApiReply::RecoveryCodes(codes()))),
    );
    assert_eq!(
        security(&state).recovery_codes,
        Some(codes().recovery_codes)
    );
}

#[test]
fn changing_the_password_checks_the_repeat_sends_the_code_and_says_others_are_signed_out() {
    let mut state = in_settings(true);
    act(&mut state, SecurityAction::Open(SecurityPanel::Password));
    type_in(&mut state, SecurityField::Password, "password1");
    type_in(&mut state, SecurityField::NewPassword, "a new password");
    type_in(&mut state, SecurityField::Repeat, "a new passwort");
    type_in(&mut state, SecurityField::Code, "123456");
    assert!(act(&mut state, SecurityAction::Submitted).is_empty());
    assert_eq!(
        security(&state).field_error(SecurityField::Repeat),
        Some(UiError::PasswordsDiffer)
    );
    type_in(&mut state, SecurityField::Repeat, "a new password");
    let request = submit(&mut state);
    let AccountCall::ChangePassword(change) = account_call(&request) else {
        panic!("{request:?}")
    };
    assert_eq!(change.current_password, "password1");
    assert_eq!(change.new_password, "a new password");
    assert_eq!(change.code.as_deref(), Some("123456"));
    reduce(&mut state, answer(&request, Ok(ApiReply::Empty)));
    let s = security(&state);
    assert_eq!(s.done, Some(SecurityDone::PasswordChanged));
    assert!(s.password.is_empty() && s.new_password.is_empty());
    assert!(state.session.is_some(), "this device stays signed in");
}

#[test]
fn without_two_factor_the_password_change_asks_no_code() {
    let mut state = in_settings(false);
    act(&mut state, SecurityAction::Open(SecurityPanel::Password));
    type_in(&mut state, SecurityField::Password, "password1");
    type_in(&mut state, SecurityField::NewPassword, "a new password");
    type_in(&mut state, SecurityField::Repeat, "a new password");
    let request = submit(&mut state);
    let AccountCall::ChangePassword(change) = account_call(&request) else {
        panic!("{request:?}")
    };
    assert_eq!(change.code, None);
}

#[test]
fn signing_out_the_other_devices_says_so() {
    let mut state = in_settings(false);
    let request = only_api(&act(&mut state, SecurityAction::SignOutOthers)).clone();
    assert!(matches!(account_call(&request), AccountCall::SignOutOthers));
    reduce(&mut state, answer(&request, Ok(ApiReply::Empty)));
    assert_eq!(security(&state).done, Some(SecurityDone::OthersSignedOut));
}

#[test]
fn the_export_is_fetched_then_saved_where_the_person_chooses() {
    let mut state = in_settings(false);
    let request = only_api(&act(&mut state, SecurityAction::Export)).clone();
    assert!(matches!(account_call(&request), AccountCall::Export));
    let effects = reduce(
        &mut state,
        answer(
            &request,
            Ok(ApiReply::Document(b"{\"profile\":{}}".to_vec())),
        ),
    );
    assert!(matches!(
        effects.as_slice(),
        [Effect::Dialog(DialogRequest::SaveExport { json })] if json.as_slice() == b"{\"profile\":{}}"
    ));
    let path = PathBuf::from("/tmp/natter-export.json");
    act(
        &mut state,
        SecurityAction::ExportSaved(Some(Ok(path.clone()))),
    );
    assert_eq!(security(&state).done, Some(SecurityDone::Exported(path)));
}

#[test]
fn deleting_needs_the_confirmation_and_then_signs_out() {
    let mut state = in_settings(true);
    act(&mut state, SecurityAction::Open(SecurityPanel::Delete));
    type_in(&mut state, SecurityField::Password, "password1");
    type_in(&mut state, SecurityField::Code, "123456");
    assert!(
        act(&mut state, SecurityAction::Submitted).is_empty(),
        "not confirmed"
    );
    act(&mut state, SecurityAction::DeleteConfirmed(true));
    let request = submit(&mut state);
    let AccountCall::Delete(confirm) = account_call(&request) else {
        panic!("{request:?}")
    };
    assert_eq!(confirm.password, "password1");
    assert_eq!(confirm.code.as_deref(), Some("123456"));
    let effects = reduce(&mut state, answer(&request, Ok(ApiReply::Empty)));
    assert!(effects.contains(&Effect::ClearSession));
    assert!(state.session.is_none());
    assert_eq!(state.notice, Some(Notice::AccountDeleted));
    let Screen::SignIn(form) = &state.screen else {
        panic!("{:?}", state.screen)
    };
    assert!(form.username.is_empty());
}

#[test]
fn a_wrong_password_is_told_and_the_form_stays() {
    let mut state = in_settings(false);
    act(&mut state, SecurityAction::Open(SecurityPanel::Delete));
    type_in(&mut state, SecurityField::Password, "password2");
    act(&mut state, SecurityAction::DeleteConfirmed(true));
    let request = submit(&mut state);
    let failure = server_error(403, ErrorCode::WrongPassword, None);
    reduce(&mut state, answer(&request, Err(failure)));
    assert_eq!(security(&state).panel, SecurityPanel::Delete);
    assert!(matches!(
        security(&state).error,
        Some(UiError::Server {
            code: ErrorCode::WrongPassword,
            ..
        })
    ));
    assert!(state.session.is_some());
}
