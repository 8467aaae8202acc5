//! egui_kittest tests of the composer and the settings screen.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable as _;
use natter::action::Action;
use natter::reduce::reduce;
use natter::state::{Preference, ShellTab, Theme};
use support::ui::*;

fn open_chat() -> natter::state::AppState {
    let hello = message(1, 1, bob_id(), "Hello", at(-60));
    let mut state = with_chats(vec![direct(1, Some(hello.clone()), 1)]);
    open(&mut state, 1, vec![hello]);
    state
}

#[test]
fn enter_sends_the_message_and_clears_the_draft() {
    let mut harness = harness(open_chat());
    harness.run();
    harness.get_by_label("Message").focus();
    harness.run();
    harness.get_by_label("Message").type_text("Hi Bob");
    harness.run();
    harness.key_press(Key::Enter);
    harness.run_steps(3);
    let state = &harness.state().state;
    assert_eq!(state.chats.outbox.len(), 1);
    assert_eq!(state.chats.outbox[0].text, "Hi Bob");
    assert!(!state.drafts.contains_key(&chat(1)));
}

#[test]
fn shift_enter_starts_a_new_line_and_sends_nothing() {
    let mut harness = harness(open_chat());
    harness.run();
    harness.get_by_label("Message").focus();
    harness.run();
    harness.get_by_label("Message").type_text("one");
    harness.run();
    harness.key_press_modifiers(Modifiers::SHIFT, Key::Enter);
    harness.run();
    harness.get_by_label("Message").type_text("two");
    harness.run_steps(2);
    let state = &harness.state().state;
    assert!(state.chats.outbox.is_empty());
    assert_eq!(state.drafts[&chat(1)].text, "one\ntwo");
}

/// The open chat with "Send with Ctrl+Enter" switched on.
fn open_chat_sending_with_ctrl_enter() -> natter::state::AppState {
    let mut state = open_chat();
    reduce(
        &mut state,
        Action::PreferenceSet(Preference::CtrlEnterSends(true)),
    );
    state
}

#[test]
fn in_ctrl_enter_mode_enter_starts_a_new_line_and_sends_nothing() {
    let mut harness = harness(open_chat_sending_with_ctrl_enter());
    harness.run();
    harness.get_by_label("Message").focus();
    harness.run();
    harness.get_by_label("Message").type_text("one");
    harness.run();
    harness.key_press(Key::Enter);
    harness.run();
    harness.get_by_label("Message").type_text("two");
    harness.run_steps(2);
    let state = &harness.state().state;
    assert!(state.chats.outbox.is_empty());
    assert_eq!(state.drafts[&chat(1)].text, "one\ntwo");
}

#[test]
fn in_ctrl_enter_mode_ctrl_enter_sends_the_message() {
    let mut harness = harness(open_chat_sending_with_ctrl_enter());
    harness.run();
    harness.get_by_label("Message").focus();
    harness.run();
    harness.get_by_label("Message").type_text("one");
    harness.run();
    harness.key_press(Key::Enter);
    harness.run();
    harness.get_by_label("Message").type_text("two");
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Enter);
    harness.run_steps(3);
    let state = &harness.state().state;
    assert_eq!(state.chats.outbox.len(), 1);
    assert_eq!(state.chats.outbox[0].text, "one\ntwo");
    assert!(!state.drafts.contains_key(&chat(1)));
}

#[test]
fn the_send_key_setting_goes_into_the_state() {
    let mut state = open_chat();
    reduce(&mut state, Action::TabChosen(ShellTab::Settings));
    let mut harness = harness(state);
    harness.run();
    harness.get_by_label("Send with Ctrl+Enter").click();
    harness.run_steps(2);
    assert!(harness.state().state.settings.ctrl_enter_sends);
}

#[test]
fn a_text_over_the_limit_shows_an_error_and_is_not_sent() {
    let mut state = open_chat();
    reduce(
        &mut state,
        Action::ComposerEdited {
            chat_id: chat(1),
            text: "x".repeat(4_100),
            now: at(1),
        },
    );
    let mut harness = harness(state);
    harness.run();
    harness.get_by_label("4100 / 4096");
    harness.get_by_label("Must be at most 4096 characters");
    harness.get_by_label("Message").focus();
    harness.run();
    harness.key_press(Key::Enter);
    harness.get_by_label("Send").click();
    harness.run_steps(3);
    assert!(harness.state().state.chats.outbox.is_empty());
}

#[test]
fn the_draft_of_each_chat_survives_switching() {
    let bob = message(1, 1, bob_id(), "Hello", at(-60));
    let tea = message(2, 1, carol_id(), "Tea?", at(-30));
    let mut state = with_chats(vec![
        direct(1, Some(bob.clone()), 1),
        group(2, "Tea party", Some(tea)),
    ]);
    open(&mut state, 1, vec![bob]);
    let mut harness = harness(state);
    harness.run();
    harness.get_by_label("Message").focus();
    harness.run();
    harness.get_by_label("Message").type_text("half-written");
    harness.run();
    harness.get_by_label("Tea party").click();
    harness.run_steps(3);
    harness.get_by_label("Bob").click();
    harness.run_steps(3);
    assert_eq!(harness.state().state.drafts[&chat(1)].text, "half-written");
}

#[test]
fn settings_toggles_and_theme_go_into_the_state() {
    let mut state = open_chat();
    reduce(&mut state, Action::TabChosen(ShellTab::Settings));
    let mut harness = harness(state);
    harness.run();
    harness.get_by_label("Sound").click();
    harness.run();
    harness.get_by_label("Show message previews").click();
    harness.run();
    harness.get_by_label("Dark").click();
    harness.run_steps(2);
    let settings = &harness.state().state.settings;
    assert!(!settings.sound && !settings.previews && settings.notifications);
    assert_eq!(settings.theme, Theme::Dark);
}

#[test]
fn a_chat_can_be_muted_from_its_menu_and_unmuted_in_settings() {
    let mut harness = harness(open_chat());
    harness.run();
    // the first "Bob" is the list row (the second the conversation header)
    harness
        .get_all_by_label("Bob")
        .next()
        .unwrap()
        .click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Mute notifications").click();
    harness.run_steps(2);
    assert_eq!(harness.state().state.settings.muted, vec![chat(1)]);
    harness.get_by_label("Settings").click();
    harness.run_steps(2);
    harness.get_by_label("Unmute").click();
    harness.run_steps(2);
    assert!(harness.state().state.settings.muted.is_empty());
}

#[test]
fn a_long_paste_scrolls_inside_a_composer_of_bounded_height() {
    let mut harness = harness(open_chat());
    harness.run();
    harness.get_by_label("Message").focus();
    harness.run();
    let pasted = "All work and no play makes Jack a dull boy. ".repeat(95);
    assert!(pasted.chars().count() > 4_096);
    harness.event(egui::Event::Paste(pasted.clone()));
    harness.run_steps(3);
    assert_eq!(harness.state().state.drafts[&chat(1)].text, pasted);
    let window = 700.0;
    let label = harness.get_by_label("Message").rect();
    let send = harness.get_by_label("Send").rect();
    assert!(
        send.max.y <= window && label.min.y > window * 0.5,
        "the composer keeps to the bottom: its field from {label:?}, Send at {send:?}"
    );
    // the conversation is still on screen above it
    let hello = harness.get_all_by_label("Hello").last().unwrap().rect();
    assert!(hello.max.y < label.min.y, "{hello:?} above {label:?}");
    // the counter and the error show while typing, and Send is off
    let counter = format!("{} / 4096", pasted.trim().chars().count());
    assert!(harness.get_by_label(&counter).rect().max.y <= window);
    harness.get_by_label("Must be at most 4096 characters");
    harness.get_by_label("Send").click();
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    assert!(harness.state().state.chats.outbox.is_empty());
}

/// The open chat with a draft of `length` characters.
fn with_draft(length: usize) -> natter::state::AppState {
    let mut state = open_chat();
    reduce(
        &mut state,
        Action::ComposerEdited {
            chat_id: chat(1),
            text: "x".repeat(length),
            now: at(1),
        },
    );
    state
}

#[test]
fn the_counter_shows_from_nine_tenths_of_the_limit() {
    let mut below = harness(with_draft(3_600));
    below.run();
    assert!(below.query_by_label_contains("/ 4096").is_none());
    let mut near = harness(with_draft(3_700));
    near.run();
    near.get_by_label("3700 / 4096");
    assert!(
        near.query_by_label("Must be at most 4096 characters")
            .is_none()
    );
}

#[test]
fn opening_a_chat_focuses_the_composer() {
    let hello = message(1, 1, bob_id(), "Hello", at(-60));
    let mut harness = harness(with_chats(vec![direct(1, Some(hello), 1)]));
    harness.run();
    harness.get_by_label("Bob").click();
    harness.run_steps(3);
    assert!(harness.get_by_label("Message").is_focused());
}

#[test]
fn choosing_reply_or_edit_focuses_the_composer() {
    let hello = message(1, 1, bob_id(), "Hello", at(-60));
    let mine = message(1, 2, alice_id(), "Hi Bob", at(-30));
    let mut state = with_chats(vec![direct(1, Some(mine.clone()), 2)]);
    open(&mut state, 1, vec![hello, mine]);
    let mut harness = harness(state);
    harness.run_steps(2);
    // the focus elsewhere (the chat list's search) first
    harness.get_by_label("Search").focus();
    harness.run();
    assert!(!harness.get_by_label("Message").is_focused());
    let quoted = harness.state().state.chats.by_id[&chat(1)].messages[&1].id;
    reduce(
        &mut harness.state_mut().state,
        Action::ReplyChosen {
            chat_id: chat(1),
            message_id: Some(quoted),
        },
    );
    harness.run_steps(2);
    assert!(harness.get_by_label("Message").is_focused(), "after Reply");
    harness.get_by_label("Search").focus();
    harness.run();
    let own = harness.state().state.chats.by_id[&chat(1)].messages[&2].id;
    reduce(
        &mut harness.state_mut().state,
        Action::EditStarted {
            chat_id: chat(1),
            message_id: Some(own),
        },
    );
    assert!(harness.state().state.drafts[&chat(1)].editing.is_some());
    harness.run_steps(2);
    assert!(harness.get_by_label("Message").is_focused(), "after Edit");
}

#[test]
fn the_new_chat_search_is_focused_and_a_chat_started_focuses_the_composer() {
    let hello = message(1, 1, bob_id(), "Hello", at(-60));
    let mut harness = harness(with_chats(vec![direct(1, Some(hello), 1)]));
    harness.run();
    harness.get_by_label("New chat").click();
    harness.run_steps(3);
    assert!(harness.get_by_label("Find people").is_focused());
    // a person picked: the dialog closes and their chat opens
    reduce(&mut harness.state_mut().state, Action::NewChatClosed);
    reduce(&mut harness.state_mut().state, Action::ChatOpened(chat(1)));
    harness.run_steps(3);
    assert!(harness.get_by_label("Message").is_focused());
}

/// The glyphs painted last frame in text whose characters include `needle`: for each such
/// text, its characters and how many of its glyphs are colour (emoji drawn as images).
fn painted_texts_with(output: &egui::FullOutput, needle: char) -> Vec<(String, usize)> {
    fn visit(shape: &egui::Shape, needle: char, out: &mut Vec<(String, usize)>) {
        match shape {
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| visit(s, needle, out)),
            egui::Shape::Text(text) if text.galley.text().contains(needle) => {
                let colour = text
                    .galley
                    .rows
                    .iter()
                    .flat_map(|row| row.glyphs.iter())
                    .filter(|g| g.is_color)
                    .count();
                out.push((text.galley.text().to_owned(), colour));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &output.shapes {
        visit(&clipped.shape, needle, &mut out);
    }
    out
}

#[test]
fn emoji_in_the_composer_are_drawn_in_colour() {
    // (the harness fails on a glyph no font has: 🥾 drawn as a box would fail it too)
    let mut state = open_chat();
    reduce(
        &mut state,
        Action::ComposerEdited {
            chat_id: chat(1),
            text: "Off to the 🏔️ in new 🥾".into(),
            now: at(1),
        },
    );
    let mut harness = harness(state);
    harness.run_steps(2);
    let painted = painted_texts_with(harness.output(), '🥾');
    assert_eq!(
        painted,
        [("Off to the 🏔️ in new 🥾".to_owned(), 2)],
        "the field's text, both emoji colour glyphs"
    );
    // typing after the emoji still goes to the end: the cursor counts the emoji as text
    harness.get_by_label("Message").focus();
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::End);
    harness.get_by_label("Message").type_text("!");
    harness.run_steps(2);
    assert_eq!(
        harness.state().state.drafts[&chat(1)].text,
        "Off to the 🏔️ in new 🥾!"
    );
}

#[test]
fn a_reply_quote_draws_its_emoji_in_colour() {
    let hike = message(1, 1, bob_id(), "Hike tomorrow 🥾?", at(-60));
    let mut state = with_chats(vec![direct(1, Some(hike.clone()), 1)]);
    open(&mut state, 1, vec![hike.clone()]);
    reduce(
        &mut state,
        Action::ReplyChosen {
            chat_id: chat(1),
            message_id: Some(hike.id),
        },
    );
    let mut harness = harness(state);
    harness.run_steps(2);
    let painted = painted_texts_with(harness.output(), '🥾');
    assert!(
        painted.contains(&("Hike tomorrow 🥾?".to_owned(), 1)),
        "the bubble's text, one piece with its emoji in colour: {painted:?}"
    );
    assert!(
        painted.iter().filter(|(_, colour)| *colour == 1).count() >= 2,
        "the quote above the composer too: {painted:?}"
    );
}
