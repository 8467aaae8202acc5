//! egui_kittest tests of message search: the shortcuts, the query, the hits and opening one,
//! and the window a hit opens: newer pages on scrolling down, Retry, back to the latest.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable as _;
use natter::action::{Action, SearchAction};
use natter::api::{ApiCall, ApiFailure, ApiReply};
use natter::effect::Effect;
use natter::state::AppState;
use natter::testing::{self, TestApp};
use natter_shared::api::{
    ChatKind, MessagePage, SearchChat, SearchHit, SearchPage, SearchSender, SnippetPart,
};
use natter_shared::{DisplayName, ErrorBody, ErrorCode, Username};
use support::ui::*;

fn two_chats() -> AppState {
    let from_bob = message(1, 200, bob_id(), "See you at five", at(-60));
    let in_group = message(2, 9, carol_id(), "Tea is ready", at(-3 * DAY));
    with_chats(vec![
        direct(1, Some(from_bob), 200),
        group(2, "Tea party", Some(in_group)),
    ])
}

fn part(text: &str, matched: bool) -> SnippetPart {
    SnippetPart {
        text: text.into(),
        matched,
    }
}

/// A hit in the direct chat with Bob: his message `seq`.
fn hit_from_bob(seq: i64, snippet: Vec<SnippetPart>) -> SearchHit {
    SearchHit {
        chat: SearchChat {
            id: chat(1),
            kind: ChatKind::Direct,
            title: None,
            partner: testing::direct_with_bob(1, None, 0, None, false, at(0)).partner,
        },
        // as an older server sends it: the views name him from what they know
        sender: None,
        message: message(1, seq, bob_id(), "Hot tea is ready", at(-2 * DAY)),
        snippet,
    }
}

/// The search call the views made last.
fn last_search(app: &TestApp) -> Effect {
    app.effects
        .iter()
        .rev()
        .find(|e| matches!(e, Effect::Api(r) if matches!(r.call, ApiCall::SearchMessages(_))))
        .cloned()
        .unwrap_or_else(|| panic!("no search in {:?}", app.calls()))
}

fn answer_search(app: &mut TestApp, reply: Result<SearchPage, ErrorBody>) {
    let Effect::Api(request) = last_search(app) else {
        unreachable!()
    };
    let result = reply
        .map(ApiReply::Search)
        .map_err(|body| natter::api::ApiFailure::Server { status: 400, body });
    let action = testing::answer(&request, result, at(0));
    let effects = natter::reduce::reduce(&mut app.state, action);
    app.effects.extend(effects);
}

/// The panel open on every chat with "tea" searched (on Enter).
fn searched() -> egui_kittest::Harness<'static, TestApp> {
    let mut harness = harness(two_chats());
    harness.run();
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::F);
    harness.run_steps(2);
    harness.get_by_label("Search messages").type_text("tea");
    harness.run_steps(2);
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    harness
}

#[test]
fn ctrl_shift_f_opens_the_panel_focused_and_enter_searches_every_chat() {
    let mut harness = harness(two_chats());
    harness.run();
    assert!(harness.query_by_label("Search messages").is_none());
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::F);
    harness.run_steps(2);
    let panel = harness.state().state.search.clone().unwrap();
    assert_eq!(panel.chat, None);
    assert!(harness.get_by_label("Search messages").is_focused());
    harness.get_by_label("In all chats");

    harness.get_by_label("Search messages").type_text("tea");
    harness.run_steps(2);
    harness.key_press(Key::Enter);
    harness.run_steps(2);
    let searches: Vec<_> = harness
        .state()
        .calls()
        .into_iter()
        .filter_map(|c| match c {
            ApiCall::SearchMessages(q) => Some(q.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(searches.len(), 1, "{searches:?}");
    assert_eq!(searches[0].q, "tea");
    assert_eq!(searches[0].chat_id, None);
    harness.get_by_label("Searching…");
}

#[test]
fn ctrl_f_in_an_open_chat_searches_only_that_chat() {
    let mut state = two_chats();
    open(
        &mut state,
        1,
        vec![message(1, 200, bob_id(), "Hi", at(-60))],
    );
    let mut harness = harness(state);
    harness.run_steps(2);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::F);
    harness.run_steps(2);
    let panel = harness.state().state.search.clone().unwrap();
    assert_eq!(panel.chat, Some(chat(1)));
    harness.get_by_label("In Bob");
    // Esc closes it
    harness.key_press(Key::Escape);
    harness.run_steps(2);
    assert!(harness.state().state.search.is_none());
}

#[test]
fn hits_show_the_chat_sender_time_and_snippet_and_a_click_opens_the_chat_at_the_message() {
    let mut harness = searched();
    let snippet = vec![
        part("Hot ", false),
        part("tea", true),
        part(" is ready", false),
    ];
    let page = SearchPage {
        hits: vec![hit_from_bob(100, snippet)],
        next_cursor: None,
    };
    answer_search(harness.state_mut(), Ok(page));
    harness.run_steps(2);
    harness.get_by_label("Hot tea is ready");
    harness.get_by_label("08.03"); // two days ago
    // the chat's name and the sender: Bob's username, as he has no display name here
    assert!(harness.get_all_by_label("bob").count() >= 2);

    harness.get_by_label("Hot tea is ready").click();
    harness.run_steps(2);
    let app = harness.state();
    let opened = app.actions.iter().any(|a| {
        matches!(
            a,
            Action::Search(SearchAction::HitOpened { chat_id, seq: 100, .. }) if *chat_id == chat(1)
        )
    });
    assert!(opened, "{:?}", app.actions);
    assert_eq!(app.state.chats.open, Some(chat(1)));
    let around = app.calls().into_iter().any(|c| {
        matches!(c, ApiCall::History { chat_id, query } if *chat_id == chat(1) && query.around == Some(100))
    });
    assert!(around, "{:?}", app.calls());
}

#[test]
fn the_opened_message_is_scrolled_to_in_a_long_chat() {
    let harness = opened_at_100_with(|seq| {
        if seq == 100 {
            "The one with tea".to_owned()
        } else {
            format!("Filler {seq}")
        }
    });
    harness.get_by_label("The one with tea");
    assert!(
        harness.query_by_label("Filler 75").is_none(),
        "the top of the page is above the view"
    );
    assert!(harness.state().state.chats.by_id[&chat(1)].history.detached);
}

/// Bob's chat (200 messages) opened at message 100 from search, its page (75–124) there.
fn opened_at_100() -> egui_kittest::Harness<'static, TestApp> {
    opened_at_100_with(|seq| format!("Line {seq}"))
}

/// Bob's chat opened at message 100 from search, the page around it (75–124) answered with
/// the texts `text` gives each seq.
fn opened_at_100_with(text: impl Fn(i64) -> String) -> egui_kittest::Harness<'static, TestApp> {
    let mut harness = searched();
    let page = SearchPage {
        hits: vec![hit_from_bob(100, vec![part("Hot tea is ready", false)])],
        next_cursor: None,
    };
    answer_search(harness.state_mut(), Ok(page));
    harness.run_steps(2);
    harness.get_by_label("Hot tea is ready").click();
    harness.run_steps(2);
    let app = harness.state_mut();
    let request = testing::call(
        &app.effects,
        |c| matches!(c, ApiCall::History { query, .. } if query.around == Some(100)),
    )
    .clone();
    let messages = (75..=124)
        .map(|seq| message(1, seq, bob_id(), &text(seq), at(-DAY + seq)))
        .collect();
    let page = MessagePage {
        messages,
        has_previous: true,
        has_next: true,
    };
    let effects = testing::finish(&mut app.state, &request, ApiReply::Messages(page), at(1));
    app.effects.extend(effects);
    harness.run_steps(4);
    harness
}

/// How many times the page after `after` was asked for.
fn newer_asks(app: &TestApp, after: i64) -> usize {
    app.calls()
        .into_iter()
        .filter(|c| {
            matches!(c, ApiCall::History { query, .. } if query.after == Some(after) && query.around.is_none())
        })
        .count()
}

fn newer_asked(app: &TestApp, after: i64) -> bool {
    newer_asks(app, after) > 0
}

/// Scrolls down until the page after message 124 is asked for (at most ten times).
fn scroll_to_the_end(harness: &mut egui_kittest::Harness<'static, TestApp>) {
    for _ in 0..10 {
        let Some(line) = harness.get_all_by_label_contains("Line ").last() else {
            break;
        };
        line.scroll_down();
        harness.run_steps(2);
        if newer_asked(harness.state(), 124) {
            break;
        }
    }
}

/// Answers the last history call of chat 1 made by the views or the reducer.
fn answer_history(app: &mut TestApp, result: Result<ApiReply, ApiFailure>) {
    let request = app
        .effects
        .iter()
        .rev()
        .find_map(|e| match e {
            Effect::Api(r) if matches!(r.call, ApiCall::History { .. }) => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    let effects = natter::reduce::reduce(&mut app.state, testing::answer(&request, result, at(1)));
    app.effects.extend(effects);
}

#[test]
fn scrolling_to_the_end_of_the_window_asks_for_the_newer_page() {
    let mut harness = opened_at_100();
    assert!(!newer_asked(harness.state(), 124));
    scroll_to_the_end(&mut harness);
    assert!(
        newer_asked(harness.state(), 124),
        "{:?}",
        harness.state().calls()
    );
}

#[test]
fn jump_to_the_latest_goes_back_to_the_newest_messages() {
    let mut harness = opened_at_100();
    harness.get_by_label("Jump to the latest messages").click();
    harness.run_steps(2);
    let app = harness.state();
    let back = app
        .actions
        .iter()
        .any(|a| *a == Action::LatestWanted(chat(1)));
    assert!(back, "{:?}", app.actions);
    assert!(
        newer_asked(app, 124),
        "the gap is filled: {:?}",
        app.calls()
    );
}

#[test]
fn nothing_found_and_a_refused_query_are_said_in_the_panel() {
    let mut harness = searched();
    let empty = SearchPage {
        hits: Vec::new(),
        next_cursor: None,
    };
    answer_search(harness.state_mut(), Ok(empty));
    harness.run_steps(2);
    harness.get_by_label("Nothing found");

    harness.key_press(Key::Enter);
    harness.run_steps(2);
    let refused = ErrorBody::new(ErrorCode::InvalidQuery, "nothing to search for");
    answer_search(harness.state_mut(), Err(refused));
    harness.run_steps(2);
    harness.get_by_label("The server refused: nothing to search for");
    assert!(harness.query_by_label("Nothing found").is_none());
}

#[test]
fn a_date_that_is_not_one_is_flagged_and_load_more_asks_for_the_next_page() {
    let mut harness = searched();
    let page = SearchPage {
        hits: vec![hit_from_bob(100, vec![part("Hot tea is ready", false)])],
        next_cursor: Some("c1".into()),
    };
    answer_search(harness.state_mut(), Ok(page));
    harness.run_steps(2);
    harness.get_by_label("Load more").click();
    harness.run_steps(2);
    let Effect::Api(request) = last_search(harness.state()) else {
        unreachable!()
    };
    let ApiCall::SearchMessages(query) = &request.call else {
        unreachable!()
    };
    assert_eq!(query.cursor.as_deref(), Some("c1"));

    harness.get_by_label("From date").focus();
    harness.run_steps(2);
    harness.get_by_label("From date").type_text("March");
    harness.run_steps(2);
    harness.get_by_label("A date as YYYY-MM-DD");
}

#[test]
fn a_newer_page_that_brought_nothing_is_not_asked_for_again_on_every_repaint() {
    let mut harness = opened_at_100();
    scroll_to_the_end(&mut harness);
    assert_eq!(newer_asks(harness.state(), 124), 1);
    let empty = MessagePage {
        messages: Vec::new(),
        has_previous: true,
        has_next: false,
    };
    answer_history(harness.state_mut(), Ok(ApiReply::Messages(empty)));
    harness.run_steps(6);
    assert_eq!(
        newer_asks(harness.state(), 124),
        1,
        "{:?}",
        harness.state().calls()
    );
}

#[test]
fn a_newer_page_that_failed_says_why_at_the_bottom_and_retry_asks_again() {
    let mut harness = opened_at_100();
    scroll_to_the_end(&mut harness);
    assert_eq!(newer_asks(harness.state(), 124), 1);
    let down = ApiFailure::Server {
        status: 503,
        body: ErrorBody::new(ErrorCode::Internal, "down"),
    };
    answer_history(harness.state_mut(), Err(down));
    harness.run_steps(6);
    assert_eq!(
        newer_asks(harness.state(), 124),
        1,
        "not asked again by itself"
    );
    harness.get_by_label_contains("Newer messages could not be loaded");

    harness.get_by_label("Retry").click();
    harness.run_steps(2);
    assert_eq!(newer_asks(harness.state(), 124), 2);
    assert!(
        harness
            .query_by_label_contains("Newer messages could not be loaded")
            .is_none()
    );
}

#[test]
fn a_group_hit_names_its_sender_as_the_server_does() {
    let mut harness = searched();
    let hit = SearchHit {
        chat: SearchChat {
            id: chat(2),
            kind: ChatKind::Group,
            title: Some("Tea party".into()),
            partner: None,
        },
        // Carol's name is known nowhere else: the group was not opened this session
        sender: Some(SearchSender {
            id: carol_id(),
            username: Username::parse("carol").unwrap(),
            display_name: Some(DisplayName::parse("Carol").unwrap()),
        }),
        message: message(2, 9, carol_id(), "Tea is ready", at(-3 * DAY)),
        snippet: vec![part("Tea", true), part(" is ready", false)],
    };
    let page = SearchPage {
        hits: vec![hit],
        next_cursor: None,
    };
    answer_search(harness.state_mut(), Ok(page));
    harness.run_steps(2);
    harness.get_by_label("Carol");
    assert!(harness.query_by_label("…").is_none());
}
