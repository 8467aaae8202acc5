//! egui_kittest tests of the conversation's layout and movement: bubbles as wide as their
//! text on both sides, runs of one sender grouped, a short chat at the bottom, a chat with
//! unread messages opened at the marker, reply quotes that jump to the original (loaded,
//! loaded before, or never loaded), Esc closing the chat, the emoji picker and jumbo emoji.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use egui::Key;
use egui_kittest::kittest::Queryable as _;
use natter::action::Action;
use natter::api::{ApiCall, ApiReply};
use natter::effect::Effect;
use natter::reduce::reduce;
use natter::state::AppState;
use natter_shared::api::{ChatMember, ChatRole, MessagePage};
use natter_shared::{UserId, Username};
use support::ui::*;

/// The window the harness draws (see `support::ui::harness`).
const WINDOW: [f32; 2] = [1000.0, 700.0];

fn member(id: UserId, name: &str) -> ChatMember {
    ChatMember {
        id,
        username: Username::parse(name).unwrap(),
        display_name: None,
        role: ChatRole::Member,
        muted: false,
        read_seq: 0,
    }
}

/// Chat 1 with Bob holding `messages`, `unread` of them not read yet.
fn chat_with(messages: Vec<natter_shared::api::Message>, unread: i64) -> AppState {
    let last = messages.last().cloned();
    let last_seq = last.as_ref().map_or(0, |m| m.seq);
    let mut summary = direct(1, last, last_seq - unread);
    summary.unread_count = unread;
    let mut state = with_chats(vec![summary]);
    open(&mut state, 1, messages);
    state
}

/// `count` messages, Bob and Alice taking turns every five, a minute apart.
fn many(count: i64) -> Vec<natter_shared::api::Message> {
    (1..=count)
        .map(|seq| {
            let sender = if (seq / 5) % 2 == 0 {
                bob_id()
            } else {
                alice_id()
            };
            message(
                1,
                seq,
                sender,
                &format!("line number {seq}"),
                at(-6000 + seq * 60),
            )
        })
        .collect()
}

#[test]
fn bubbles_are_as_wide_as_their_text_on_both_sides() {
    let messages = vec![
        message(1, 1, bob_id(), "Yo", at(-120)),
        message(1, 2, alice_id(), "Hi", at(-60)),
    ];
    let mut harness = harness(chat_with(messages, 0));
    harness.run_steps(4);
    let list_edge = harness.get_by_label("Message").rect().min.x - 120.0;
    let theirs = harness.get_by_label("Yo").rect();
    let mine = harness.get_by_label("Hi").rect();
    assert!(
        mine.max.x > WINDOW[0] - 120.0,
        "mine on the right: {mine:?}"
    );
    assert!(
        theirs.min.x < list_edge + 200.0,
        "theirs on the left: {theirs:?}"
    );
    // the time sits inside the bubble, right beside the short text: a full-width bubble
    // would put it hundreds of points away
    let times: Vec<egui::Rect> = harness
        .get_all_by_label("11:59")
        .map(|n| n.rect())
        .collect();
    let time = times
        .iter()
        .find(|t| (t.center().y - mine.center().y).abs() < 40.0)
        .unwrap();
    assert!(
        (time.min.x - mine.min.x).abs() < 90.0,
        "my bubble holds the text and its time closely: {time:?} {mine:?}"
    );
}

#[test]
fn a_long_outgoing_message_wraps_at_two_thirds_of_the_pane() {
    let long = "word ".repeat(120);
    let messages = vec![message(1, 1, alice_id(), long.trim(), at(-60))];
    let mut harness = harness(chat_with(messages, 0));
    harness.run_steps(4);
    let text = harness.get_by_label(long.trim()).rect();
    let composer = harness.get_by_label("Message").rect();
    let pane = WINDOW[0] - composer.min.x + 80.0;
    assert!(
        text.width() < pane * 0.7 && text.width() > pane * 0.4,
        "{text:?} in a pane of {pane}"
    );
}

#[test]
fn a_run_of_one_sender_in_a_group_names_them_once() {
    let messages = vec![
        message(2, 1, bob_id(), "One", at(-300)),
        message(2, 2, bob_id(), "Two", at(-290)),
        message(2, 3, bob_id(), "Three", at(-280)),
        message(2, 4, carol_id(), "Four", at(-270)),
    ];
    let mut state = with_chats(vec![group(2, "Tea party", messages.last().cloned())]);
    open(&mut state, 2, messages);
    let entry = state.chats.by_id.get_mut(&chat(2)).unwrap();
    entry.members = vec![
        member(alice_id(), "alice"),
        member(bob_id(), "bob"),
        member(carol_id(), "carol"),
    ];
    entry.members_requested = true;
    let mut harness = harness(state);
    harness.run_steps(4);
    assert_eq!(harness.get_all_by_label("bob").count(), 1, "once per run");
    assert_eq!(harness.get_all_by_label("carol").count(), 1);
    let one = harness.get_by_label("One").rect();
    let two = harness.get_by_label("Two").rect();
    let three = harness.get_by_label("Three").rect();
    let four = harness.get_by_label("Four").rect();
    let in_run = two.min.y - one.max.y;
    let across = four.min.y - three.max.y;
    assert!(
        in_run < across,
        "a smaller gap within a run ({in_run}) than between runs ({across})"
    );
}

#[test]
fn a_short_chat_sits_at_the_bottom() {
    let messages = vec![message(1, 1, bob_id(), "Anyone here?", at(-60))];
    let mut harness = harness(chat_with(messages, 0));
    harness.run_steps(4);
    let text = harness
        .get_all_by_label("Anyone here?")
        .last()
        .unwrap()
        .rect();
    let composer = harness.get_by_label("Message").rect();
    assert!(
        composer.min.y - text.max.y < 80.0,
        "just above the composer: {text:?} {composer:?}"
    );
}

#[test]
fn a_chat_with_49_unread_opens_at_the_new_messages_marker() {
    let mut harness = harness(chat_with(many(80), 49));
    harness.run_steps(12);
    let marker = harness.get_by_label("New messages").rect();
    let composer = harness.get_by_label("Message").rect();
    assert!(
        marker.min.y > 40.0 && marker.max.y < composer.min.y - 40.0,
        "the marker is in the viewport: {marker:?}"
    );
    harness.get_by_label("line number 32");
    assert_eq!(
        harness.get_all_by_label("line number 80").count(),
        1,
        "only the list's preview: not opened at the bottom"
    );
}

#[test]
fn a_click_on_a_loaded_quote_scrolls_to_the_original_and_highlights_it() {
    let mut messages = many(60);
    let quoted = messages[1].id;
    messages[59].reply_to = Some(quoted);
    let mut harness = harness(chat_with(messages, 0));
    harness.run_steps(4);
    assert_eq!(
        harness.get_all_by_label("line number 2").count(),
        1,
        "only the quote is on screen"
    );
    harness.get_by_label("Bob: line number 2").click();
    harness.run_steps(6);
    let original = harness
        .get_all_by_label("line number 2")
        .map(|n| n.rect())
        .find(|r| r.max.y < 500.0);
    assert!(
        original.is_some(),
        "the original on screen, the quote below it"
    );
    let entry = &harness.state().state.chats.by_id[&chat(1)];
    assert_eq!(entry.focus.map(|f| f.seq), Some(2), "highlighted");
}

#[test]
fn a_click_on_a_quote_never_loaded_asks_once_for_the_page_around_it_and_opens_there() {
    let all = many(300);
    let quoted = all[9].clone();
    let mut recent: Vec<_> = all[250..].to_vec();
    recent[49].reply_to = Some(quoted.id);
    let mut summary = direct(1, recent.last().cloned(), 300);
    summary.unread_count = 0;
    let mut state = with_chats(vec![summary]);
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    let history = natter::testing::call(&effects, |c| matches!(c, ApiCall::History { .. }));
    let page = MessagePage {
        messages: recent,
        has_previous: true,
        has_next: false,
    };
    natter::testing::finish(&mut state, history, ApiReply::Messages(page), at(0));
    let mut harness = harness(state);
    harness.run_steps(4);
    let before = harness.state().effects.len();
    // the quote of a message never loaded says so; only its id is known
    harness.get_by_label("Earlier message").click();
    harness.run_steps(4);
    let asked = history_queries(&harness.state().effects[before..]);
    assert_eq!(
        asked.len(),
        1,
        "one request, not a chain of older pages: {asked:?}"
    );
    assert_eq!(asked[0].around_id, Some(quoted.id));
    assert_eq!((asked[0].around, asked[0].before), (None, None));
    let call = harness.state().effects[before..]
        .iter()
        .find(|e| matches!(e, Effect::Api(r) if matches!(r.call, ApiCall::History { .. })))
        .cloned()
        .unwrap();
    // the server's page around it (seq 10: the first 50)
    let page = MessagePage {
        messages: all[..50].to_vec(),
        has_previous: false,
        has_next: true,
    };
    natter::testing::finish(
        &mut harness.state_mut().state,
        &call,
        ApiReply::Messages(page),
        at(1),
    );
    harness.run_steps(8);
    let entry = &harness.state().state.chats.by_id[&chat(1)];
    assert_eq!(entry.focus.map(|f| f.seq), Some(10), "highlighted");
    assert!(
        entry.history.detached,
        "a window around it, newer pages below"
    );
    let original = harness.get_by_label("line number 10").rect();
    assert!(
        original.min.y > 0.0 && original.max.y < WINDOW[1],
        "scrolled to: {original:?}"
    );
    assert!(
        history_queries(&harness.state().effects[before..])
            .iter()
            .all(|q| q.before.is_none()),
        "no older pages asked for"
    );
}

/// The History calls among `effects`.
fn history_queries(effects: &[Effect]) -> Vec<natter_shared::api::HistoryQuery> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api(r) => match &r.call {
                ApiCall::History { query, .. } => Some(query.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[test]
fn a_quote_of_a_message_loaded_before_opens_with_one_page_around_it() {
    let all = many(300);
    let quoted = all[9].clone();
    let mut all = all;
    all[299].reply_to = Some(quoted.id);
    let mut summary = direct(1, all.last().cloned(), 300);
    summary.unread_count = 0;
    let mut state = with_chats(vec![summary]);
    // a search hit far back opened the chat at seq 10 …
    let effects = reduce(
        &mut state,
        Action::Search(natter::action::SearchAction::HitOpened {
            chat_id: chat(1),
            seq: 10,
            now: at(0),
        }),
    );
    let around = natter::testing::call(&effects, |c| matches!(c, ApiCall::History { .. }));
    let page = MessagePage {
        messages: all[..50].to_vec(),
        has_previous: false,
        has_next: true,
    };
    natter::testing::finish(&mut state, around, ApiReply::Messages(page), at(0));
    // … then "jump to the latest": the window there is loaded afresh, seq 10 dropped
    let effects = reduce(&mut state, Action::LatestWanted(chat(1)));
    let latest = natter::testing::call(&effects, |c| matches!(c, ApiCall::History { .. }));
    let page = MessagePage {
        messages: all[250..].to_vec(),
        has_previous: true,
        has_next: false,
    };
    natter::testing::finish(&mut state, latest, ApiReply::Messages(page), at(1));
    assert!(
        state.chats.by_id[&chat(1)]
            .message_by_id(quoted.id)
            .is_none()
    );
    let mut harness = harness(state);
    harness.run_steps(4);
    let before = harness.state().effects.len();
    harness.get_by_label("Earlier message").click();
    harness.run_steps(4);
    let asked = history_queries(&harness.state().effects[before..]);
    assert_eq!(
        asked.len(),
        1,
        "one request, not a chain of older pages: {asked:?}"
    );
    assert_eq!(asked[0].around, Some(10));
    assert_eq!(asked[0].before, None);
    let call = harness.state().effects[before..]
        .iter()
        .find(|e| matches!(e, Effect::Api(r) if matches!(r.call, ApiCall::History { .. })))
        .cloned()
        .unwrap();
    let page = MessagePage {
        messages: all[..50].to_vec(),
        has_previous: false,
        has_next: true,
    };
    natter::testing::finish(
        &mut harness.state_mut().state,
        &call,
        ApiReply::Messages(page),
        at(2),
    );
    harness.run_steps(8);
    let entry = &harness.state().state.chats.by_id[&chat(1)];
    assert_eq!(entry.focus.map(|f| f.seq), Some(10), "highlighted");
    assert!(
        entry.history.detached,
        "a window around it, newer pages below"
    );
    harness.get_by_label("line number 10");
    assert!(
        history_queries(&harness.state().effects[before..])
            .iter()
            .all(|q| q.before.is_none()),
        "no older pages asked for"
    );
}

#[test]
fn esc_closes_the_chat() {
    let mut harness = harness(chat_with(many(3), 0));
    harness.run_steps(3);
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    assert_eq!(harness.state().state.chats.open, None);
}

#[test]
fn esc_closes_an_open_emoji_picker_first_and_the_chat_after() {
    let mut harness = harness(chat_with(many(3), 0));
    harness.run_steps(3);
    harness.get_by_label("Emoji").click();
    harness.run_steps(2);
    harness.get_by_label("Search emoji");
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    assert!(harness.query_by_label("Search emoji").is_none(), "closed");
    assert_eq!(
        harness.state().state.chats.open,
        Some(chat(1)),
        "still open"
    );
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    assert_eq!(harness.state().state.chats.open, None);
}

#[test]
fn a_picked_emoji_goes_in_at_the_cursor() {
    // (the composer's field draws 🥾 in colour: the harness fails on a box)
    let mut harness = harness(chat_with(many(3), 0));
    harness.run_steps(3);
    harness.get_by_label("Message").focus();
    harness.run();
    harness.get_by_label("Message").type_text("ab");
    harness.run();
    harness.key_press(Key::ArrowLeft);
    harness.run();
    harness.get_by_label("Emoji").click();
    harness.run_steps(2);
    harness.get_by_label("Search emoji").focus();
    harness.run();
    harness
        .get_by_label("Search emoji")
        .type_text("hiking boot");
    harness.run_steps(2);
    harness.get_by_label("🥾").click();
    harness.run_steps(3);
    assert_eq!(harness.state().state.drafts[&chat(1)].text, "a🥾b");
    // and it is first among the recent ones next time
    harness.get_by_label("Search emoji").focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    harness.key_press(Key::Backspace);
    harness.run_steps(2);
    harness.get_by_label("Recently used");
}

#[test]
fn a_message_of_only_emoji_is_drawn_large_without_a_bubble() {
    let messages = vec![
        message(1, 1, bob_id(), "🏔️🥾", at(-120)),
        message(1, 2, bob_id(), "look 🏔️", at(-60)),
    ];
    let mut harness = harness(chat_with(messages, 0));
    harness.run_steps(6);
    // the jumbo image is named by its emoji; inline, the emoji is a colour glyph of the text
    let list_edge = harness.get_by_label("Message").rect().min.x - 100.0;
    let jumbo: Vec<egui::Rect> = harness
        .get_all_by_label("🏔️")
        .map(|n| n.rect())
        .filter(|r| r.min.x > list_edge)
        .collect();
    assert_eq!(
        jumbo.len(),
        1,
        "the jumbo message draws its mountain as an image"
    );
    let inline = harness
        .get_all_by_label("look 🏔️")
        .map(|n| n.rect())
        .find(|r| r.min.x > list_edge)
        .unwrap();
    let (big, small) = (jumbo[0], inline);
    assert!(
        big.height() > 2.0 * small.height(),
        "jumbo {big:?} against the line of text {small:?}"
    );
}
