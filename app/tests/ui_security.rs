//! egui_kittest tests of Settings → Security: turning two-factor authentication on (the
//! password, the QR code and the secret, a code, the recovery codes shown once), and
//! deleting the account only after the confirmation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chrono::Utc;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use natter::action::Action;
use natter::api::{AccountCall, ApiCall, ApiReply};
use natter::effect::Effect;
use natter::i18n::Language;
use natter::reduce::reduce;
use natter::state::{AppState, Screen, ShellTab};
use natter::testing::{self, TestApp};
use natter::ui::security_ui;
use natter_shared::api::{RecoveryCodes, TwoFactorSetup, TwoFactorStatus};

/// Alice signed in, in Settings, with two-factor authentication `enabled` or not.
fn settings(enabled: bool) -> AppState {
    let mut state = testing::fresh_state(Language::English);
    let alice = testing::user(testing::alice_id(), "alice", Some("Alice"), Utc::now());
    testing::sign_in(&mut state, alice, Utc::now());
    let effects = reduce(&mut state, Action::TabChosen(ShellTab::Settings));
    let status = testing::call(&effects, |c| {
        matches!(c, ApiCall::Account(AccountCall::Status))
    });
    let status_reply = ApiReply::TwoFactorStatus(TwoFactorStatus {
        enabled,
        recovery_codes_left: if enabled { 10 } else { 0 },
    });
    testing::finish(&mut state, &status.clone(), status_reply, Utc::now());
    state
}

fn harness(state: AppState) -> Harness<'static, TestApp> {
    testing::harness(state, [640.0, 1000.0], security_ui)
}

fn type_into(harness: &mut Harness<'_, TestApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
}

/// Answers the one call made since the last answer with `reply`.
fn answer_last(harness: &mut Harness<'_, TestApp>, reply: ApiReply) {
    let effect = harness
        .state()
        .effects
        .iter()
        .rev()
        .find(|e| matches!(e, Effect::Api(_)))
        .cloned()
        .expect("a call");
    let app = harness.state_mut();
    app.effects.clear();
    testing::finish(&mut app.state, &effect, reply, Utc::now());
    harness.run();
}

fn last_call(harness: &Harness<'_, TestApp>) -> AccountCall {
    match harness.state().calls().last() {
        Some(ApiCall::Account(call)) => call.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn turning_on_two_factor_shows_the_qr_code_the_secret_and_then_the_codes_once() {
    let mut harness = harness(settings(false));
    harness.get_by_label("Two-factor authentication is off.");
    harness
        .get_by_label("Turn on two-factor authentication")
        .click();
    harness.run();
    type_into(&mut harness, "Password", "password1");
    harness.get_by_label("Continue").click();
    harness.run_steps(3); // the spinner keeps asking for frames
    let AccountCall::SetUp(confirm) = last_call(&harness) else {
        panic!()
    };
    assert_eq!(confirm.password, "password1");

    answer_last(
        &mut harness,
        ApiReply::TwoFactorSetup(TwoFactorSetup {
            secret: "JBSWY3DPEHPK3PXP".into(),
            otpauth_url: "otpauth://totp/Natter:alice?secret=JBSWY3DPEHPK3PXP&issuer=Natter".into(),
        }),
    );
    harness.get_by_label("Secret:");
    assert!(
        harness
            .query_all_by_value("JBSWY3DPEHPK3PXP")
            .next()
            .is_some()
    );
    type_into(&mut harness, "Code", "123456");
    harness.get_by_label("Turn on").click();
    harness.run_steps(3); // the spinner keeps asking for frames
    let AccountCall::Enable(enable) = last_call(&harness) else {
        panic!()
    };
    assert_eq!(enable.code, "123456");

    let codes: Vec<String> = (0..10).map(|i| format!("abcde-fghi{i}")).collect();
    answer_last(
        &mut harness,
        ApiReply::RecoveryCodes(RecoveryCodes {
            recovery_codes: codes.clone(),
        }),
    );
    harness.get_by_label("Your recovery codes");
    assert!(
        harness
            .query_all_by_value(&codes.join("\n"))
            .next()
            .is_some()
    );
    harness.get_by_label("Two-factor authentication is on (10 recovery codes left).");
    harness.get_by_label("I saved them").click();
    harness.run();
    assert!(harness.query_by_label("Your recovery codes").is_none());
}

#[test]
fn deleting_the_account_waits_for_the_confirmation() {
    let mut harness = harness(settings(true));
    harness.get_by_label("Delete account…").click();
    harness.run();
    harness.get_by_label_contains("This cannot be undone");
    type_into(&mut harness, "Password", "password1");
    type_into(
        &mut harness,
        "Code from the authenticator app or a recovery code",
        "123456",
    );
    harness.get_by_label("Delete my account").click();
    harness.run();
    assert!(harness.state().calls().is_empty(), "not confirmed yet");
    harness
        .get_by_label("I understand that this cannot be undone")
        .click();
    harness.run();
    harness.get_by_label("Delete my account").click();
    harness.run_steps(3);
    let AccountCall::Delete(confirm) = last_call(&harness) else {
        panic!()
    };
    assert_eq!(confirm.code.as_deref(), Some("123456"));
    answer_last(&mut harness, ApiReply::Empty);
    assert!(matches!(harness.state().state.screen, Screen::SignIn(_)));
}
