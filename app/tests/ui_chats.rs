//! egui_kittest tests of the chat list and the conversation view.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use egui_kittest::kittest::Queryable as _;
use natter::action::Action;
use natter::api::ApiCall;
use natter::reduce::reduce;
use natter::state::OutgoingState;
use natter_shared::RequestId;
use support::ui::*;
use uuid::Uuid;

fn two_chats() -> natter::state::AppState {
    let from_bob = message(1, 5, bob_id(), "See you at five", at(-60));
    let in_group = message(2, 2, carol_id(), "Tea is ready", at(-3 * DAY));
    with_chats(vec![
        direct(1, Some(from_bob), 2),
        group(2, "Tea party", Some(in_group)),
    ])
}

#[test]
fn the_list_shows_each_chat_with_its_preview_time_and_unread_badge() {
    let mut harness = harness(two_chats());
    harness.run();
    harness.get_by_label("Bob");
    harness.get_by_label("See you at five");
    harness.get_by_label("3"); // 5 messages, 2 read
    harness.get_by_label("Tea party");
    harness.get_by_label("11:59");
    harness.get_by_label("07.03");
}

#[test]
fn the_search_box_filters_the_list() {
    let mut harness = harness(two_chats());
    harness.get_by_label("Search").focus();
    harness.run();
    harness.get_by_label("Search").type_text("tea");
    harness.run_steps(3);
    assert_eq!(harness.state().state.chat_filter, "tea");
    assert!(harness.query_by_label("Bob").is_none());
    harness.get_by_label("Tea party");
}

#[test]
fn clicking_a_chat_opens_it_and_loads_its_history() {
    let mut harness = harness(two_chats());
    harness.run();
    harness.get_by_label("Bob").click();
    harness.run_steps(3);
    let app = harness.state();
    assert_eq!(app.state.chats.open, Some(chat(1)));
    assert!(
        calls(app)
            .iter()
            .any(|c| matches!(c, ApiCall::History { chat_id, .. } if *chat_id == chat(1)))
    );
}

#[test]
fn alt_up_and_down_move_through_the_list() {
    let mut harness = harness(two_chats());
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowDown);
    harness.run_steps(3);
    assert_eq!(harness.state().state.chats.open, Some(chat(1)));
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowDown);
    harness.run_steps(3);
    assert_eq!(harness.state().state.chats.open, Some(chat(2)));
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowUp);
    harness.run_steps(3);
    assert_eq!(harness.state().state.chats.open, Some(chat(1)));
}

fn conversation() -> natter::state::AppState {
    let messages = vec![
        message(1, 1, bob_id(), "Good morning from yesterday", at(-DAY)),
        message(1, 2, alice_id(), "Morning!", at(-DAY + 60)),
        message(1, 3, bob_id(), "And hello today", at(-120)),
    ];
    let mut state = with_chats(vec![direct(1, messages.last().cloned(), 2)]);
    open(&mut state, 1, messages);
    state
}

#[test]
fn the_conversation_shows_messages_under_day_separators_and_the_unread_marker() {
    let mut harness = harness(conversation());
    harness.run_steps(4);
    harness.get_by_label("Yesterday");
    harness.get_by_label("Today");
    harness.get_by_label("Good morning from yesterday");
    harness.get_by_label("Morning!");
    assert_eq!(
        harness.get_all_by_label("And hello today").count(),
        2,
        "the bubble and the list's preview"
    );
    harness.get_by_label("New messages");
    harness.get_by_label("online");
}

#[test]
fn a_message_on_screen_moves_the_read_cursor() {
    let mut harness = harness(conversation());
    harness.run_steps(4);
    assert!(
        calls(harness.state())
            .iter()
            .any(|c| matches!(c, ApiCall::MarkRead { seq: 3, .. })),
        "{:?}",
        calls(harness.state())
    );
}

#[test]
fn a_failed_message_offers_retry_which_resends_it_with_its_request_id() {
    let mut state = conversation();
    let request_id = RequestId(Uuid::from_u128(55));
    reduce(
        &mut state,
        Action::MessageSubmitted {
            chat_id: chat(1),
            text: "Did it arrive?".into(),
            reply_to: None,
            request_id,
            now: at(1),
        },
    );
    reduce(&mut state, Action::Tick { now: at(20) });
    let mut harness = harness(state);
    harness.run_steps(4);
    harness.get_by_label("Did it arrive?");
    harness.get_by_label("Retry").click();
    harness.run_steps(2);
    let outbox = &harness.state().state.chats.outbox;
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].request_id, request_id);
    assert!(matches!(outbox[0].state, OutgoingState::Sending { .. }));
}

#[test]
fn replying_quotes_the_message_above_the_composer_and_esc_cancels() {
    let mut state = conversation();
    let quoted = state.chats.by_id[&chat(1)].messages[&1].id;
    reduce(
        &mut state,
        Action::ReplyChosen {
            chat_id: chat(1),
            message_id: Some(quoted),
        },
    );
    let mut harness = harness(state);
    harness.run_steps(4);
    harness.get_by_label("Reply to");
    assert_eq!(
        harness
            .get_all_by_label("Good morning from yesterday")
            .count(),
        2,
        "the message and its quote"
    );
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert!(!harness.state().state.drafts.contains_key(&chat(1)));
}

#[test]
fn the_cross_above_the_composer_cancels_the_reply() {
    let mut state = conversation();
    let quoted = state.chats.by_id[&chat(1)].messages[&1].id;
    reduce(
        &mut state,
        Action::ReplyChosen {
            chat_id: chat(1),
            message_id: Some(quoted),
        },
    );
    let mut harness = harness(state);
    harness.run_steps(4);
    harness.get_by_label("×").click();
    harness.run_steps(2);
    assert!(!harness.state().state.drafts.contains_key(&chat(1)));
}

#[test]
fn a_reply_shows_the_quoted_message_in_its_bubble() {
    let first = message(1, 1, bob_id(), "Shall we meet?", at(-300));
    let mut answer = message(1, 2, alice_id(), "Yes, at noon", at(-200));
    answer.reply_to = Some(first.id);
    let mut state = with_chats(vec![direct(1, Some(answer.clone()), 2)]);
    open(&mut state, 1, vec![first, answer]);
    let mut harness = harness(state);
    harness.run_steps(4);
    assert_eq!(harness.get_all_by_label("Shall we meet?").count(), 2);
}

#[test]
fn reply_from_the_message_menu_starts_a_reply() {
    let mut harness = harness(conversation());
    harness.run_steps(4);
    let bubble = harness.get_all_by_label("And hello today").last().unwrap();
    bubble.click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Reply").click();
    harness.run_steps(2);
    let draft = harness.state().state.drafts.get(&chat(1)).cloned().unwrap();
    assert_eq!(
        draft.reply_to,
        Some(natter_shared::MessageId(Uuid::from_u128(1_000_003)))
    );
}

#[test]
fn a_message_carrying_files_shows_their_cards_and_the_list_names_the_first() {
    let file = |n: u128, name: &str, size: i64, mime: &str| natter_shared::api::FileInfo {
        id: natter_shared::FileId(Uuid::from_u128(n)),
        name: name.into(),
        size,
        mime: mime.into(),
        sha256: "00".into(),
        width: None,
        height: None,
        has_thumbnail: false,
    };
    let mut with_files = message(1, 1, bob_id(), "", at(-60));
    with_files.attachments = vec![
        file(
            1,
            "minutes.pdf",
            5 * 1024 * 1024 + 512 * 1024,
            "application/pdf",
        ),
        file(2, "notes.txt", 2048, "text/plain"),
    ];
    let mut state = with_chats(vec![direct(1, Some(with_files.clone()), 0)]);
    open(&mut state, 1, vec![with_files]);
    let mut harness = harness(state);
    harness.run_steps(4);
    harness.get_by_label("minutes.pdf");
    harness.get_by_label("5.5 MB");
    harness.get_by_label("notes.txt");
    harness.get_by_label("2 KB");
    // the list's preview: the clip in colour (an image), then the name
    harness.get_by_label(" minutes.pdf");
}
