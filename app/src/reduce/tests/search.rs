//! The message search panel: opening it, the debounced query, filters, pages, errors.

use natter_shared::ErrorCode;
use natter_shared::api::{MessageSearchQuery, SearchChat, SearchHas, SearchHit, SearchPage};

use super::support::*;
use crate::action::{Action, SearchAction};
use crate::api::{ApiCall, ApiReply};
use crate::effect::{ApiRequest, Effect};
use crate::reduce::{SEARCH_PAUSE, reduce};
use crate::state::{AppState, UiError};

fn search(state: &mut AppState, action: SearchAction) -> Vec<Effect> {
    reduce(state, Action::Search(action))
}

fn type_query(state: &mut AppState, text: &str) -> Vec<Effect> {
    search(
        state,
        SearchAction::QueryEdited {
            text: text.into(),
            now: at(0),
        },
    )
}

fn searches(effects: &[Effect]) -> Vec<(ApiRequest, MessageSearchQuery)> {
    api(effects)
        .into_iter()
        .filter_map(|r| match &r.call {
            ApiCall::SearchMessages(q) => Some((r.clone(), q.clone())),
            _ => None,
        })
        .collect()
}

fn only_search(effects: &[Effect]) -> (ApiRequest, MessageSearchQuery) {
    let found = searches(effects);
    assert_eq!(found.len(), 1, "{effects:?}");
    found.into_iter().next().unwrap()
}

fn hit(seq: i64) -> SearchHit {
    SearchHit {
        chat: SearchChat {
            id: chat(1),
            kind: natter_shared::api::ChatKind::Direct,
            title: None,
            partner: None,
        },
        sender: None,
        message: message(1, seq, bob_id()),
        snippet: Vec::new(),
    }
}

fn found(seqs: &[i64], next_cursor: Option<&str>) -> ApiReply {
    ApiReply::Search(SearchPage {
        hits: seqs.iter().map(|s| hit(*s)).collect(),
        next_cursor: next_cursor.map(str::to_owned),
    })
}

fn panel_seqs(state: &AppState) -> Vec<i64> {
    let panel = state.search.as_ref().unwrap();
    panel.hits.iter().map(|h| h.message.seq).collect()
}

/// The panel open on every chat, `text` searched (on Enter); the request in flight.
fn searched(text: &str) -> (AppState, ApiRequest) {
    let mut state = with_chats(vec![summary(1, 10, 10)]);
    search(&mut state, SearchAction::Opened { chat: None });
    type_query(&mut state, text);
    let (request, _) = only_search(&search(&mut state, SearchAction::Submitted));
    (state, request)
}

#[test]
fn ctrl_f_scopes_the_search_to_the_open_chat_and_typing_searches_once_it_pauses() {
    let mut state = with_open_chat(3);
    let effects = search(
        &mut state,
        SearchAction::Opened {
            chat: Some(chat(1)),
        },
    );
    assert!(api(&effects).is_empty());
    let panel = state.search.as_ref().unwrap();
    assert_eq!((panel.chat, panel.opened), (Some(chat(1)), 1));

    let effects = type_query(&mut state, "tea");
    assert_eq!(effects, vec![Effect::WakeAt(at(0) + SEARCH_PAUSE)]);
    let early = at(0) + SEARCH_PAUSE / 2;
    assert!(searches(&reduce(&mut state, Action::Tick { now: early })).is_empty());
    let effects = reduce(
        &mut state,
        Action::Tick {
            now: at(0) + SEARCH_PAUSE,
        },
    );
    let (request, query) = only_search(&effects);
    assert_eq!(query.q, "tea");
    assert_eq!(query.chat_id, Some(chat(1)));
    assert_eq!(
        request.call.path(),
        format!("/search/messages?q=tea&chat_id={}", chat(1))
    );
    assert!(state.search.as_ref().unwrap().searching());
}

#[test]
fn ctrl_shift_f_searches_every_chat_and_the_sender_filter_is_dropped_with_the_scope() {
    let mut state = with_open_chat(3);
    search(
        &mut state,
        SearchAction::Opened {
            chat: Some(chat(1)),
        },
    );
    search(&mut state, SearchAction::SenderChosen(Some(bob_id())));
    search(&mut state, SearchAction::Opened { chat: None });
    let panel = state.search.as_ref().unwrap();
    assert_eq!((panel.chat, panel.sender, panel.opened), (None, None, 2));
}

#[test]
fn results_replace_the_old_ones_and_an_answer_to_an_earlier_query_is_dropped() {
    let (mut state, first) = searched("te");
    type_query(&mut state, "tea");
    let (second, _) = only_search(&search(&mut state, SearchAction::Submitted));
    reduce(&mut state, answer(&first, Ok(found(&[1], None))));
    assert!(panel_seqs(&state).is_empty(), "an earlier query's hits");
    reduce(&mut state, answer(&second, Ok(found(&[9, 4], None))));
    assert_eq!(panel_seqs(&state), vec![9, 4]);
    let panel = state.search.as_ref().unwrap();
    assert!(!panel.searching());
    assert_eq!(panel.shown.as_ref().map(|q| q.q.as_str()), Some("tea"));
}

#[test]
fn the_next_page_goes_with_the_cursor_and_is_added_below() {
    let (mut state, request) = searched("tea");
    reduce(&mut state, answer(&request, Ok(found(&[9, 8], Some("c1")))));
    let (more, query) = only_search(&search(&mut state, SearchAction::MoreWanted));
    assert_eq!(query.cursor.as_deref(), Some("c1"));
    assert_eq!(query.q, "tea");
    assert!(more.call.path().ends_with("&cursor=c1"));
    assert!(state.search.as_ref().unwrap().loading_more());
    assert!(
        searches(&search(&mut state, SearchAction::MoreWanted)).is_empty(),
        "one page at a time"
    );
    reduce(&mut state, answer(&more, Ok(found(&[8, 5], None))));
    assert_eq!(
        panel_seqs(&state),
        vec![9, 8, 5],
        "a hit listed twice shows once"
    );
    assert!(searches(&search(&mut state, SearchAction::MoreWanted)).is_empty());
}

#[test]
fn a_refused_query_shows_the_servers_message_in_place_of_hits() {
    let (mut state, request) = searched("-only");
    let refused = server_error(400, ErrorCode::InvalidQuery, None);
    reduce(&mut state, answer(&request, Err(refused)));
    let panel = state.search.as_ref().unwrap();
    assert_eq!(
        panel.error,
        Some(UiError::Server {
            code: ErrorCode::InvalidQuery,
            message: "message".into()
        })
    );
    assert!(panel.hits.is_empty() && panel.shown.is_none());
    assert!(!panel.searching());
}

#[test]
fn a_filter_change_searches_again_at_once_and_a_bad_date_holds_it_back() {
    let (mut state, request) = searched("tea");
    reduce(&mut state, answer(&request, Ok(found(&[1], None))));
    let (request, query) = only_search(&search(
        &mut state,
        SearchAction::HasChosen(Some(SearchHas::Link)),
    ));
    assert_eq!(query.has, Some(SearchHas::Link));
    assert!(request.call.path().contains("&has=link"));
    reduce(&mut state, answer(&request, Ok(found(&[1], None))));

    let effects = search(&mut state, SearchAction::ToEdited("2026-13".into()));
    assert!(searches(&effects).is_empty());
    let (request, query) = only_search(&search(
        &mut state,
        SearchAction::ToEdited("2026-03-10".into()),
    ));
    assert_eq!(query.to.as_deref(), Some("2026-03-10"));
    assert!(request.call.path().contains("&to=2026-03-10"));
}

#[test]
fn emptying_the_query_clears_the_hits_and_closing_forgets_the_search() {
    let (mut state, request) = searched("tea");
    reduce(&mut state, answer(&request, Ok(found(&[1], None))));
    let effects = type_query(&mut state, "  ");
    assert!(effects.is_empty());
    assert!(panel_seqs(&state).is_empty());

    type_query(&mut state, "tea");
    let (request, _) = only_search(&search(&mut state, SearchAction::Submitted));
    search(&mut state, SearchAction::Closed);
    assert!(state.search.is_none());
    reduce(&mut state, answer(&request, Ok(found(&[1], None))));
    assert!(state.search.is_none(), "a late answer opens nothing");
}
