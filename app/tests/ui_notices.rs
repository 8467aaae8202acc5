//! egui_kittest tests of the notices ("Profile saved", "Could not save on this computer" …):
//! they float over the window, so nothing moves when one comes or goes, and they leave the
//! buttons of the screen beneath free to use.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use egui::Rect;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use natter::action::Action;
use natter::i18n::Language;
use natter::state::kept::StoreProblem;
use natter::state::{AppState, Notice};
use natter::testing::TestApp;
use natter::ui::app_ui;
use support::ui::*;

/// Every node named `label` on screen, with its place.
fn rects(harness: &Harness<'_, TestApp>, labels: &[&str]) -> Vec<(String, Vec<Rect>)> {
    labels
        .iter()
        .map(|label| {
            let found: Vec<Rect> = harness.get_all_by_label(label).map(|n| n.rect()).collect();
            assert!(!found.is_empty(), "{label} is on screen");
            (label.to_string(), found)
        })
        .collect()
}

/// The notice `text` appears over the whole window of `state`: nothing of `labels` moves,
/// none of `free` is covered, and Dismiss takes it away (nothing moves then either).
fn notice_moves_nothing(
    state: AppState,
    notice: Notice,
    text: &str,
    labels: &[&str],
    free: &[&str],
) {
    let mut harness = natter::testing::harness(state, [1000.0, 700.0], app_ui);
    harness.run_steps(4);
    let before = rects(&harness, labels);
    assert!(harness.query_by_label("Dismiss").is_none());

    harness.state_mut().state.notice = Some(notice);
    harness.run_steps(4);
    let shown = harness.get_by_label_contains(text).rect();
    let dismiss = harness.get_by_label("Dismiss").rect();
    let toast = shown.union(dismiss);
    assert_eq!(rects(&harness, labels), before, "after the notice appeared");
    for (label, places) in rects(&harness, free) {
        for place in places {
            assert!(
                !place.intersects(toast),
                "{label} at {place:?} is under the notice at {toast:?}"
            );
        }
    }

    harness.get_by_label("Dismiss").click();
    harness.run_steps(4);
    assert!(harness.state().actions.contains(&Action::NoticeDismissed));
    assert_eq!(harness.state().state.notice, None);
    assert!(harness.query_by_label_contains(text).is_none());
    assert_eq!(rects(&harness, labels), before, "after it went");
}

#[test]
fn a_notice_appearing_over_the_open_chat_moves_nothing_and_covers_no_button() {
    let messages = (1..=30)
        .map(|seq| message(1, seq, bob_id(), &format!("line {seq}"), at(seq * 60)))
        .collect::<Vec<_>>();
    let mut summary = direct(1, messages.last().cloned(), 30);
    summary.unread_count = 0;
    let mut state = with_chats(vec![summary]);
    open(&mut state, 1, messages);
    let buttons = [
        "Chats",
        "Profile",
        "Devices",
        "Settings",
        "Language",
        "Sign out",
        "New chat",
        "New group",
        "Send",
        "…",
    ];
    let mut labels = buttons.to_vec();
    labels.extend(["Message", "line 30", "Bob"]);
    // the longest notice: a store failure, with its reason
    notice_moves_nothing(
        state,
        Notice::NotSavedLocally(StoreProblem::DiskFull),
        "Could not save on this computer",
        &labels,
        &buttons,
    );
}

#[test]
fn a_notice_appearing_over_the_sign_in_form_moves_nothing_and_covers_no_field() {
    let state = natter::testing::fresh_state(Language::English);
    let fields = [
        "Language",
        "Server address",
        "Username",
        "Password",
        "Sign in",
        "Create an account",
    ];
    notice_moves_nothing(
        state,
        Notice::SessionEnded,
        "Your session has ended",
        &fields,
        &fields,
    );
}
