//! Opening a chat at a message (a search hit): the page around it, newer pages down to the
//! newest, live messages meanwhile, and back to the newest (by "jump to the latest", by
//! sending, or by picking the chat in the list).

use natter_shared::ws::ServerFrame;

use super::support::*;
use crate::action::Action;
use crate::api::ApiReply;
use crate::reduce::{GAP_PAGE, HISTORY_PAGE, reduce};
use crate::state::Focus;

#[test]
fn a_hit_outside_the_window_loads_the_page_around_it_and_the_chat_waits_there() {
    let mut state = with_latest_loaded(1000);
    let effects = open_hit(&mut state, 100, 5);
    let (request, query) = only_history(&effects);
    assert_eq!(query.around, Some(100));
    assert_eq!(query.limit, Some(HISTORY_PAGE));
    assert_eq!((query.before, query.after), (None, None));
    assert!(
        request
            .call
            .path()
            .ends_with("messages?limit=50&around=100")
    );
    assert_eq!(state.chats.open, Some(chat(1)));

    let effects = reduce(&mut state, answer(&request, Ok(page(75..=124, true, true))));
    assert!(histories(&effects).is_empty(), "no gap-fill to the end");
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.synced_seq, Some(124));
    assert!(entry.history.detached);
    assert!(!entry.history.reached_start);
    assert_eq!(entry.window_start(), Some(75));
    assert_eq!(
        entry.focus,
        Some(Focus {
            seq: 100,
            since: at(5)
        })
    );
    // the newest messages stay, above the gap
    let expected: Vec<i64> = (75..=124).chain(951..=1000).collect();
    assert_eq!(seqs(&state), expected);
}

#[test]
fn a_hit_in_a_chat_not_yet_loaded_asks_for_the_page_around_it_and_not_the_latest() {
    let mut state = with_chats(vec![summary(1, 1000, 1000)]);
    let effects = open_hit(&mut state, 100, 5);
    let (request, query) = only_history(&effects);
    assert_eq!(query.around, Some(100));
    let effects = reduce(&mut state, answer(&request, Ok(page(75..=124, true, true))));
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.synced_seq, Some(124));
    assert!(entry.history.detached);
    assert_eq!(
        entry.event_seq,
        Some(1000),
        "the log is followed from now on"
    );
    assert!(histories(&effects).is_empty());
}

#[test]
fn a_hit_already_loaded_is_only_scrolled_to() {
    let mut state = with_latest_loaded(1000);
    let effects = open_hit(&mut state, 990, 5);
    assert!(api(&effects).is_empty(), "{effects:?}");
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.focus.map(|f| f.seq), Some(990));
    assert!(!entry.history.detached);
}

#[test]
fn newer_pages_come_on_scrolling_down_until_they_join_the_newest_messages() {
    let mut state = with_latest_loaded(120);
    jumped(&mut state, 10, 1..=35);
    assert!(state.chats.by_id[&chat(1)].history.reached_start);

    let effects = reduce(&mut state, Action::NewerMessagesWanted(chat(1)));
    let (request, query) = only_history(&effects);
    assert_eq!(query.after, Some(35));
    assert_eq!(query.limit, Some(HISTORY_PAGE));
    assert!(
        api(&reduce(&mut state, Action::NewerMessagesWanted(chat(1)))).is_empty(),
        "one page at a time"
    );
    let effects = reduce(&mut state, answer(&request, Ok(page(36..=85, true, true))));
    assert!(histories(&effects).is_empty());
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.synced_seq, Some(120), "joined the newest messages");
    assert!(!entry.history.detached);
    assert_eq!(seqs(&state), (1..=120).collect::<Vec<_>>());
    assert!(api(&reduce(&mut state, Action::NewerMessagesWanted(chat(1)))).is_empty());
}

#[test]
fn a_live_message_while_away_from_the_end_waits_above_the_gap_without_a_fetch() {
    let mut state = with_latest_loaded(1000);
    jumped(&mut state, 100, 75..=124);
    let effects = frame(
        &mut state,
        ServerFrame::NewMessage {
            event_seq: 1001,
            message: message(1, 1001, bob_id()),
        },
        at(10),
    );
    assert!(histories(&effects).is_empty(), "{effects:?}");
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.synced_seq, Some(124));
    assert_eq!(entry.summary.last_seq, 1001);
    assert!(entry.messages.contains_key(&1001));
    assert!(entry.history.detached);
}

#[test]
fn jumping_to_the_latest_from_far_away_reloads_the_newest_page() {
    let mut state = with_latest_loaded(1000);
    jumped(&mut state, 100, 75..=124);
    let effects = reduce(&mut state, Action::LatestWanted(chat(1)));
    let (request, query) = only_history(&effects);
    assert_eq!(
        (query.before, query.after, query.around),
        (None, None, None)
    );
    let entry = &state.chats.by_id[&chat(1)];
    assert!(entry.messages.is_empty() && entry.synced_seq.is_none());
    assert!(entry.focus.is_none());

    reduce(
        &mut state,
        answer(&request, Ok(page(951..=1000, true, false))),
    );
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.synced_seq, Some(1000));
    assert!(!entry.history.detached);
    assert_eq!(seqs(&state), (951..=1000).collect::<Vec<_>>());
}

#[test]
fn jumping_to_the_latest_from_near_fills_the_gap() {
    let mut state = with_latest_loaded(200);
    jumped(&mut state, 100, 75..=124);
    let effects = reduce(&mut state, Action::LatestWanted(chat(1)));
    let (request, query) = only_history(&effects);
    assert_eq!(query.after, Some(124));
    assert_eq!(query.limit, Some(GAP_PAGE));
    reduce(
        &mut state,
        answer(&request, Ok(page(125..=150, true, true))),
    );
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.synced_seq, Some(200));
    assert_eq!(seqs(&state), (75..=200).collect::<Vec<_>>());
}

#[test]
fn an_older_page_that_raced_a_jump_is_dropped() {
    let mut state = with_latest_loaded(1000);
    let effects = reduce(&mut state, Action::OlderMessagesWanted(chat(1)));
    let (older, query) = only_history(&effects);
    assert_eq!(query.before, Some(951));
    jumped(&mut state, 100, 75..=124);
    reduce(&mut state, answer(&older, Ok(page(901..=950, true, true))));
    let expected: Vec<i64> = (75..=124).chain(951..=1000).collect();
    assert_eq!(
        seqs(&state),
        expected,
        "nothing stored below the window's end"
    );
    assert!(!state.chats.by_id[&chat(1)].history.loading_older);
}

#[test]
fn only_the_last_hit_opened_gets_its_page() {
    let mut state = with_latest_loaded(1000);
    let first = open_hit(&mut state, 100, 5);
    let (first, _) = only_history(&first);
    let second = open_hit(&mut state, 500, 6);
    let (second, query) = only_history(&second);
    assert_eq!(query.around, Some(500));
    reduce(&mut state, answer(&first, Ok(page(75..=124, true, true))));
    assert_eq!(state.chats.by_id[&chat(1)].synced_seq, Some(1000));
    reduce(&mut state, answer(&second, Ok(page(475..=524, true, true))));
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.synced_seq, Some(524));
    assert_eq!(entry.focus.map(|f| f.seq), Some(500));
}

#[test]
fn sending_from_a_window_away_from_the_end_goes_back_to_the_end() {
    let mut state = with_latest_loaded(200);
    jumped(&mut state, 100, 75..=124);
    let effects = reduce(
        &mut state,
        Action::MessageSubmitted {
            chat_id: chat(1),
            text: "hello".into(),
            reply_to: None,
            request_id: natter_shared::RequestId(uuid::Uuid::from_u128(77)),
            now: at(20),
        },
    );
    let (_, query) = only_history(&effects);
    assert_eq!(query.after, Some(124), "the gap to the end is filled");
    assert!(!state.chats.by_id[&chat(1)].history.detached);
}

/// A page with no messages (`has_previous` as given, `has_next` false).
fn no_messages(has_previous: bool) -> ApiReply {
    ApiReply::Messages(natter_shared::api::MessagePage {
        messages: Vec::new(),
        has_previous,
        has_next: false,
    })
}

#[test]
fn a_page_around_a_hit_that_comes_back_empty_leaves_nothing_to_scroll_to() {
    let mut state = with_latest_loaded(1000);
    let effects = open_hit(&mut state, 100, 5);
    let (request, _) = only_history(&effects);
    reduce(&mut state, answer(&request, Ok(no_messages(false))));
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(
        entry.focus, None,
        "a focus never reached keeps the view from following"
    );
    assert_eq!(entry.synced_seq, Some(1000));
    assert!(!entry.history.detached);
}

#[test]
fn a_newer_page_that_brings_nothing_is_not_asked_again_until_something_moves() {
    let mut state = with_latest_loaded(1000);
    jumped(&mut state, 100, 75..=124);
    let effects = reduce(&mut state, Action::NewerMessagesWanted(chat(1)));
    let (request, query) = only_history(&effects);
    assert_eq!(query.after, Some(124));
    reduce(&mut state, answer(&request, Ok(no_messages(true))));
    assert!(!state.chats.by_id[&chat(1)].wants_newer());
    let again = reduce(&mut state, Action::NewerMessagesWanted(chat(1)));
    assert!(histories(&again).is_empty(), "{again:?}");

    // a message arrives: the newest known seq moved, so the next page may bring something
    let effects = live(&mut state, 1001);
    assert!(histories(&effects).is_empty(), "detached: no gap-fill");
    assert!(state.chats.by_id[&chat(1)].wants_newer());
    let (_, query) = only_history(&reduce(&mut state, Action::NewerMessagesWanted(chat(1))));
    assert_eq!(query.after, Some(124));
}

#[test]
fn picking_the_chat_in_the_list_drops_a_page_around_a_hit_still_on_its_way() {
    let mut state = with_latest_loaded_among(1000, vec![summary(2, 10, 10)]);
    let effects = open_hit(&mut state, 100, 5);
    let (around, _) = only_history(&effects);
    reduce(&mut state, Action::ChatOpened(chat(2)));
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    assert!(
        histories(&effects).is_empty(),
        "the newest page is there: {effects:?}"
    );
    reduce(&mut state, answer(&around, Ok(page(75..=124, true, true))));
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.synced_seq, Some(1000), "the late page is dropped");
    assert!(!entry.history.detached);
    assert_eq!(entry.focus, None);
    assert_eq!(seqs(&state), (951..=1000).collect::<Vec<_>>());
}

#[test]
fn picking_a_chat_left_at_a_hit_in_the_list_goes_back_to_its_newest_messages() {
    let mut state = with_latest_loaded_among(1000, vec![summary(2, 10, 10)]);
    jumped(&mut state, 100, 75..=124);
    reduce(&mut state, Action::ChatOpened(chat(2)));
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    let (request, query) = only_history(&effects);
    assert_eq!(
        (query.before, query.after, query.around),
        (None, None, None),
        "far from the end: the newest page again"
    );
    assert_eq!(state.chats.by_id[&chat(1)].focus, None);
    reduce(
        &mut state,
        answer(&request, Ok(page(951..=1000, true, false))),
    );
    let entry = &state.chats.by_id[&chat(1)];
    assert!(!entry.history.detached);
    assert_eq!(seqs(&state), (951..=1000).collect::<Vec<_>>());
}
