//! egui_kittest tests of the message actions: the context menu (edit, delete with its
//! confirmation, a quick reaction, forward with its picker) and the pinned bar.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use egui_kittest::kittest::Queryable as _;
use natter::testing::TestApp;
use natter_shared::MessageId;
use natter_shared::ws::ClientFrame;
use support::ui::*;
use uuid::Uuid;

fn conversation() -> natter::state::AppState {
    let messages = vec![
        message(1, 1, bob_id(), "Good morning", at(-600)),
        message(1, 2, alice_id(), "Morning!", at(-540)),
        message(1, 3, bob_id(), "And hello today", at(-120)),
    ];
    let mut state = with_chats(vec![
        direct(1, messages.last().cloned(), 3),
        group(2, "Tea party", None),
    ]);
    open(&mut state, 1, messages);
    state
}

fn id(seq: u128) -> MessageId {
    MessageId(Uuid::from_u128(1_000_000 + seq))
}

fn menu_on(harness: &mut egui_kittest::Harness<'static, TestApp>, text: &str) {
    let bubble = harness.get_all_by_label(text).last().unwrap();
    bubble.click_secondary();
    harness.run_steps(2);
}

fn queued(harness: &egui_kittest::Harness<'static, TestApp>) -> Vec<ClientFrame> {
    let state = &harness.state().state;
    state
        .chats
        .changes
        .iter()
        .map(|c| c.frame.clone())
        .collect()
}

#[test]
fn edit_from_the_menu_puts_my_message_in_the_composer() {
    let mut harness = harness(conversation());
    harness.run_steps(4);
    menu_on(&mut harness, "Morning!");
    harness.get_by_label("Edit").click();
    harness.run_steps(3);
    let draft = harness.state().state.drafts.get(&chat(1)).cloned().unwrap();
    assert_eq!(
        (draft.editing, draft.text.as_str()),
        (Some(id(2)), "Morning!")
    );
    harness.get_by_label("Editing");
}

#[test]
fn someone_elses_message_has_no_edit() {
    let mut harness = harness(conversation());
    harness.run_steps(4);
    menu_on(&mut harness, "And hello today");
    assert!(harness.query_by_label("Edit").is_none());
    harness.get_by_label("Reply");
}

#[test]
fn delete_asks_first_and_then_the_message_disappears() {
    let mut harness = harness(conversation());
    harness.run_steps(4);
    menu_on(&mut harness, "Morning!");
    harness.get_by_label("Delete").click();
    harness.run_steps(3);
    harness.get_by_label("Delete this message?");
    assert!(
        queued(&harness).is_empty(),
        "nothing is deleted before the answer"
    );
    harness.get_by_label("Delete for everyone").click();
    harness.run_steps(4);
    assert!(matches!(
        queued(&harness).as_slice(),
        [ClientFrame::Delete { message_id, for_everyone: true, .. }] if *message_id == id(2)
    ));
    assert!(harness.query_by_label("Morning!").is_none());
}

#[test]
fn someone_elses_message_can_only_be_deleted_for_me() {
    let mut harness = harness(conversation());
    harness.run_steps(4);
    menu_on(&mut harness, "And hello today");
    harness.get_by_label("Delete").click();
    harness.run_steps(3);
    assert!(harness.query_by_label("Delete for everyone").is_none());
    harness.get_by_label("Delete for me").click();
    harness.run_steps(3);
    assert!(matches!(
        queued(&harness).as_slice(),
        [ClientFrame::Delete {
            for_everyone: false,
            ..
        }]
    ));
}

#[test]
fn a_quick_reaction_shows_as_a_chip_and_clicking_the_chip_takes_it_back() {
    let mut harness = harness(conversation());
    harness.run_steps(4);
    menu_on(&mut harness, "Good morning");
    harness.get_by_label("👍").click();
    harness.run_steps(4);
    harness.get_by_label("👍 1").click();
    harness.run_steps(4);
    assert!(harness.query_by_label("👍 1").is_none());
    let frames = queued(&harness);
    assert!(matches!(
        frames.as_slice(),
        [
            ClientFrame::React { remove: false, .. },
            ClientFrame::React { remove: true, .. }
        ]
    ));
}

#[test]
fn forward_opens_the_picker_and_sends_to_the_chats_ticked() {
    let mut harness = harness(conversation());
    harness.run_steps(4);
    menu_on(&mut harness, "Good morning");
    harness.get_by_label("Forward").click();
    harness.run_steps(3);
    harness.get_by_label("Forward to…");
    harness
        .get_all_by_label("Tea party")
        .last()
        .unwrap()
        .click();
    harness.run_steps(2);
    harness.get_all_by_label("Forward").last().unwrap().click();
    harness.run_steps(3);
    assert!(matches!(
        queued(&harness).as_slice(),
        [ClientFrame::Forward { chat_id, from_chat_id, message_ids, .. }]
            if *chat_id == chat(2) && *from_chat_id == chat(1) && message_ids == &vec![id(1)]
    ));
}

#[test]
fn the_pinned_bar_shows_the_newest_pin() {
    let mut state = conversation();
    let mut pinned = message(1, 1, bob_id(), "Good morning", at(-600));
    pinned.pinned_at = Some(at(-60));
    state.chats.by_id.get_mut(&chat(1)).unwrap().pins = vec![pinned];
    let mut harness = harness(state);
    harness.run_steps(4);
    harness.get_by_label("📌 Pinned message: Good morning");
}

#[test]
fn clicking_the_pinned_bar_scrolls_to_the_pinned_message() {
    let messages: Vec<_> = (1..=60)
        .map(|s| {
            message(
                1,
                s,
                bob_id(),
                &format!("line number {s}"),
                at(-6000 + s * 60),
            )
        })
        .collect();
    let mut state = with_chats(vec![direct(1, messages.last().cloned(), 60)]);
    open(&mut state, 1, messages.clone());
    let mut pinned = messages[1].clone();
    pinned.pinned_at = Some(at(-60));
    state.chats.by_id.get_mut(&chat(1)).unwrap().pins = vec![pinned];
    let mut harness = harness(state);
    harness.run_steps(6);
    assert!(
        harness.query_by_label("line number 2").is_none(),
        "the pinned message starts off screen"
    );
    harness
        .get_by_label("📌 Pinned message: line number 2")
        .click();
    harness.run_steps(6);
    harness.get_by_label("line number 2");
}

#[test]
fn a_pin_older_than_the_loaded_messages_loads_older_pages_to_reach_it() {
    let messages: Vec<_> = (31..=60)
        .map(|s| {
            message(
                1,
                s,
                bob_id(),
                &format!("line number {s}"),
                at(-6000 + s * 60),
            )
        })
        .collect();
    let mut state = with_chats(vec![direct(1, messages.last().cloned(), 60)]);
    open(&mut state, 1, messages);
    let entry = state.chats.by_id.get_mut(&chat(1)).unwrap();
    entry.history.reached_start = false;
    let mut pinned = message(1, 5, bob_id(), "an old rule", at(-6000));
    pinned.pinned_at = Some(at(-60));
    entry.pins = vec![pinned];
    let mut harness = harness(state);
    harness.run_steps(4);
    harness
        .get_by_label("📌 Pinned message: an old rule")
        .click();
    harness.run_steps(4);
    assert!(
        calls(harness.state()).iter().any(|c| matches!(
            c,
            natter::api::ApiCall::History { query, .. } if query.before == Some(31)
        )),
        "the page before the loaded ones is asked for"
    );
}

#[test]
fn shift_f10_on_the_hovered_message_opens_its_menu() {
    let mut harness = harness(conversation());
    harness.run_steps(4);
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F10);
    harness.run_steps(2);
    assert!(
        harness.query_by_label("Reply").is_none(),
        "no message under the pointer or focused: no menu"
    );
    harness
        .get_all_by_label("And hello today")
        .last()
        .unwrap()
        .hover();
    harness.run_steps(2);
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F10);
    harness.run_steps(2);
    harness.get_by_label("Reply").click();
    harness.run_steps(2);
    let draft = harness.state().state.drafts.get(&chat(1)).cloned().unwrap();
    assert_eq!(draft.reply_to, Some(id(3)));
}

#[test]
fn the_menu_key_on_the_hovered_message_opens_its_menu() {
    let mut harness = harness(conversation());
    harness.run_steps(4);
    harness.get_all_by_label("Morning!").last().unwrap().hover();
    harness.run_steps(2);
    harness.key_press(egui::Key::Menu);
    harness.run_steps(2);
    harness.get_by_label("Edit").click();
    harness.run_steps(3);
    let draft = harness.state().state.drafts.get(&chat(1)).cloned().unwrap();
    assert_eq!(draft.editing, Some(id(2)));
}
