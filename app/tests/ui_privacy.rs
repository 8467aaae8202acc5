//! egui_kittest test of Settings → Privacy: the current choice is shown, choosing another
//! sends it, the answer becomes the shown choice.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chrono::Utc;
use egui_kittest::kittest::Queryable as _;
use natter::api::{ApiCall, ApiReply};
use natter::effect::Effect;
use natter::i18n::Language;
use natter::state::{AppState, Screen};
use natter::testing;
use natter::ui::privacy_ui;
use natter_shared::api::PresenceVisibility;

fn signed_in(visibility: PresenceVisibility) -> AppState {
    let mut state = testing::fresh_state(Language::English);
    let mut alice = testing::user(testing::alice_id(), "alice", Some("Alice"), Utc::now());
    alice.presence_visibility = Some(visibility);
    testing::sign_in(&mut state, alice, Utc::now());
    state
}

fn shown(state: &AppState) -> Option<PresenceVisibility> {
    match &state.screen {
        Screen::Shell(shell) => shell.user.presence_visibility,
        _ => None,
    }
}

#[test]
fn choosing_nobody_sends_it_and_shows_the_answer() {
    let mut harness = testing::harness(
        signed_in(PresenceVisibility::Everyone),
        [640.0, 300.0],
        privacy_ui,
    );
    harness.get_by_label("Privacy");
    harness.get_by_label("People I chat with");
    harness.get_by_label("Nobody").click();
    harness.run();
    let update = harness
        .state()
        .effects
        .iter()
        .rev()
        .find(|e| matches!(e, Effect::Api(_)))
        .cloned()
        .expect("a call");
    let Effect::Api(request) = &update else {
        unreachable!()
    };
    let ApiCall::UpdateMe(body) = &request.call else {
        panic!("{:?}", request.call)
    };
    assert_eq!(body.presence_visibility, Some(PresenceVisibility::Nobody));
    let mut saved = testing::user(testing::alice_id(), "alice", Some("Alice"), Utc::now());
    saved.presence_visibility = Some(PresenceVisibility::Nobody);
    let app = harness.state_mut();
    app.effects.clear();
    testing::finish(
        &mut app.state,
        &update,
        ApiReply::User(Box::new(saved)),
        Utc::now(),
    );
    harness.run();
    assert_eq!(
        shown(&harness.state().state),
        Some(PresenceVisibility::Nobody)
    );
    // the shown choice again: nothing is sent
    harness.get_by_label("Nobody").click();
    harness.run();
    assert!(harness.state().calls().is_empty());
}
