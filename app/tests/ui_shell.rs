//! egui_kittest tests of the signed-in shell: the profile editor and the devices list.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use chrono::{TimeZone, Utc};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use natter::action::Action;
use natter::api::{ApiCall, ApiReply};
use natter::effect::Effect;
use natter::i18n::Language;
use natter::reduce::reduce;
use natter::state::{AppState, ShellTab};
use natter::testing::{self, TestApp};
use natter::ui::shell_ui;
use natter_shared::SessionId;
use natter_shared::api::{SessionInfo, SessionList};
use uuid::Uuid;

fn finish(state: &mut AppState, effect: &Effect, reply: ApiReply) -> Vec<Effect> {
    testing::finish(
        state,
        effect,
        reply,
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 5, 0).unwrap(),
    )
}

fn session(n: u128, name: &str, current: bool) -> SessionInfo {
    SessionInfo {
        id: SessionId(Uuid::from_u128(n)),
        device_name: name.into(),
        created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        last_seen_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 6).unwrap(),
        current,
    }
}

/// Signed in as Alice with two devices listed.
fn signed_in() -> AppState {
    let mut state = testing::fresh_state(Language::English);
    let alice = testing::user(
        testing::alice_id(),
        "alice",
        Some("Alice"),
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
    );
    let effects = testing::sign_in(
        &mut state,
        alice,
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 5, 0).unwrap(),
    );
    let list = SessionList {
        sessions: vec![
            session(10, "Natter on Linux (test)", true),
            session(11, "Natter on macOS (macbook)", false),
        ],
    };
    let list_call = effects
        .iter()
        .find(|e| matches!(e, Effect::Api(_)))
        .unwrap();
    finish(&mut state, list_call, ApiReply::Sessions(list));
    state
}

fn harness(state: AppState) -> Harness<'static, TestApp> {
    testing::harness(state, [800.0, 900.0], shell_ui)
}

fn calls(app: &TestApp) -> Vec<&ApiCall> {
    app.calls()
}

#[test]
fn editing_the_bio_and_saving_sends_the_change() {
    let mut state = signed_in();
    reduce(&mut state, Action::TabChosen(ShellTab::Profile));
    let mut harness = harness(state);
    harness.get_by_label("About you").focus();
    harness.run();
    harness
        .get_by_label("About you")
        .type_text("Curiouser and curiouser");
    harness.run();
    harness.get_by_label("Save").click();
    harness.run_steps(3);
    let calls = calls(harness.state());
    let [ApiCall::UpdateMe(update)] = calls.as_slice() else {
        panic!("{calls:?}")
    };
    assert_eq!(update.bio.as_deref(), Some("Curiouser and curiouser"));
    assert_eq!(update.display_name, None);
}

#[test]
fn the_devices_tab_lists_sessions_and_signs_out_another_one() {
    let mut state = signed_in();
    reduce(&mut state, Action::TabChosen(ShellTab::Devices)); // reload is in flight…
    let mut harness = harness(state);
    harness.run_steps(2);
    harness.get_by_label("Natter on macOS (macbook)");
    harness.get_by_label("(this device)");
    harness.get_by_label("Sign out this device").click();
    harness.run_steps(3);
    assert!(
        calls(harness.state()).contains(&&ApiCall::RevokeSession(SessionId(Uuid::from_u128(11))))
    );
}

#[test]
fn sign_out_in_the_top_bar_logs_out() {
    let mut harness = harness(signed_in());
    harness.run();
    harness.get_by_label("Sign out").click();
    harness.run_steps(3);
    assert_eq!(calls(harness.state()), vec![&ApiCall::Logout]);
}
