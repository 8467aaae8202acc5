//! A page that fails does not freeze the chat's history: a failed page around a hit is said
//! in the search panel (or a banner) and leaves the history alone, a failed newer page can
//! be asked for again, and any page that comes, or going back to the end, clears a failure.

use natter_shared::ErrorCode;

use super::support::*;
use crate::action::{Action, SearchAction};
use crate::api::ApiFailure;
use crate::reduce::reduce;
use crate::state::{Notice, UiError};

fn unavailable() -> ApiFailure {
    server_error(503, ErrorCode::Internal, None)
}

#[test]
fn a_page_around_a_hit_that_fails_is_said_in_the_search_panel_and_the_history_goes_on() {
    let mut state = with_latest_loaded(1000);
    reduce(
        &mut state,
        Action::Search(SearchAction::Opened { chat: None }),
    );
    let effects = open_hit(&mut state, 100, 5);
    let (request, _) = only_history(&effects);
    reduce(
        &mut state,
        answer(&request, Err(server_error(404, ErrorCode::NotFound, None))),
    );
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(
        entry.history.error, None,
        "older pages still come on scrolling up"
    );
    assert_eq!(entry.history.around, None);
    assert_eq!(entry.focus, None);
    assert_eq!(entry.synced_seq, Some(1000), "what was loaded stays");
    let panel = state.search.as_ref().unwrap();
    assert!(
        matches!(panel.open_error, Some(UiError::Server { .. })),
        "{panel:?}"
    );

    // the next hit opened starts afresh
    open_hit(&mut state, 200, 6);
    assert_eq!(state.search.as_ref().unwrap().open_error, None);
}

#[test]
fn a_page_around_a_hit_that_fails_in_a_chat_not_loaded_opens_it_at_its_end() {
    let mut state = with_chats(vec![summary(1, 1000, 1000)]);
    let effects = open_hit(&mut state, 100, 5);
    let (request, _) = only_history(&effects);
    let effects = reduce(&mut state, answer(&request, Err(unavailable())));
    let (_, query) = only_history(&effects);
    assert_eq!(
        (query.before, query.after, query.around),
        (None, None, None)
    );
    assert!(
        matches!(state.notice, Some(Notice::MessageNotOpened(_))),
        "the panel is closed: a banner says it"
    );
    assert_eq!(state.chats.by_id[&chat(1)].history.error, None);
}

#[test]
fn a_failed_newer_page_is_not_asked_for_by_itself_and_retry_asks_again() {
    let mut state = with_latest_loaded(1000);
    jumped(&mut state, 100, 75..=124);
    let effects = reduce(&mut state, Action::NewerMessagesWanted(chat(1)));
    let (request, _) = only_history(&effects);
    reduce(&mut state, answer(&request, Err(unavailable())));
    let entry = &state.chats.by_id[&chat(1)];
    assert!(entry.history.newer_error.is_some(), "said at the bottom");
    assert_eq!(entry.history.error, None, "older pages are not held back");
    assert!(!entry.wants_newer(), "not asked again on every repaint");

    // Retry
    let effects = reduce(&mut state, Action::NewerMessagesWanted(chat(1)));
    let (request, query) = only_history(&effects);
    assert_eq!(query.after, Some(124));
    assert_eq!(state.chats.by_id[&chat(1)].history.newer_error, None);
    reduce(
        &mut state,
        answer(&request, Ok(page(125..=174, true, true))),
    );
    assert_eq!(state.chats.by_id[&chat(1)].synced_seq, Some(174));
}

#[test]
fn any_page_that_comes_clears_a_failed_older_page() {
    let mut state = with_latest_loaded(1000);
    let effects = reduce(&mut state, Action::OlderMessagesWanted(chat(1)));
    let (older, _) = only_history(&effects);
    reduce(&mut state, answer(&older, Err(unavailable())));
    assert!(state.chats.by_id[&chat(1)].history.error.is_some());

    // a live message reveals a gap; its page comes
    let effects = frame(
        &mut state,
        natter_shared::ws::ServerFrame::NewMessage {
            event_seq: 1002,
            message: message(1, 1002, bob_id()),
        },
        at(10),
    );
    let (gap, _) = only_history(&effects);
    reduce(&mut state, answer(&gap, Ok(page(1001..=1002, true, false))));
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(
        entry.history.error, None,
        "older pages may be asked for again"
    );
    assert_eq!(entry.synced_seq, Some(1002));
}

#[test]
fn jumping_to_the_latest_clears_a_failure_away_from_the_end() {
    let mut state = with_latest_loaded(200);
    jumped(&mut state, 100, 75..=124);
    let effects = reduce(&mut state, Action::OlderMessagesWanted(chat(1)));
    let (older, query) = only_history(&effects);
    assert_eq!(query.before, Some(75));
    reduce(&mut state, answer(&older, Err(unavailable())));
    assert!(state.chats.by_id[&chat(1)].history.error.is_some());

    let effects = reduce(&mut state, Action::LatestWanted(chat(1)));
    let (_, query) = only_history(&effects);
    assert_eq!(query.after, Some(124), "the gap to the end is filled");
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.history.error, None);
    assert_eq!(entry.history.newer_error, None);
}
