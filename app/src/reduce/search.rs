//! Message search: the panel (Ctrl+F in the open chat, Ctrl+Shift+F everywhere), its query
//! (searched once typing pauses, measured on the times the actions carry, or at once on
//! Enter), its filters (searched again at once when one changes), the next pages by cursor,
//! and opening a hit (`window.rs`). Answers to an earlier search than the one in flight are
//! dropped.

use chrono::{DateTime, TimeDelta, Utc};
use natter_shared::api::{MessageSearchQuery, SearchPage};

use super::calls::{authed, error_of};
use super::window;
use crate::action::SearchAction;
use crate::api::{ApiCall, ApiFailure, ApiReply};
use crate::effect::Effect;
use crate::state::{AppState, SearchPanel};

/// How long typing must pause before the search runs.
pub const SEARCH_PAUSE: TimeDelta = TimeDelta::milliseconds(400);

pub(super) fn act(state: &mut AppState, action: SearchAction) -> Vec<Effect> {
    if let SearchAction::Opened { chat } = action {
        return open(state, chat);
    }
    if let SearchAction::HitOpened { chat_id, seq, now } = action {
        return window::open_at(state, chat_id, seq, now);
    }
    let Some(panel) = state.search.as_mut() else {
        return Vec::new();
    };
    match action {
        SearchAction::Closed => {
            state.search = None;
            return Vec::new();
        }
        SearchAction::QueryEdited { text, now } => return edited(state, text, now),
        SearchAction::Submitted => return run(state, true),
        SearchAction::MoreWanted => return more(state),
        SearchAction::ScopeCleared => panel.chat = None,
        SearchAction::SenderChosen(sender) => panel.sender = sender,
        SearchAction::FromEdited(text) => panel.from = text,
        SearchAction::ToEdited(text) => panel.to = text,
        SearchAction::HasChosen(has) => panel.has = has,
        SearchAction::Opened { .. } | SearchAction::HitOpened { .. } => {}
    }
    // a filter changed: searched again at once (when the query can be sent)
    run(state, false)
}

/// Opens the panel, or points the open one at another scope; the query field takes focus.
fn open(state: &mut AppState, chat: Option<natter_shared::ChatId>) -> Vec<Effect> {
    let panel = state.search.get_or_insert_with(SearchPanel::default);
    panel.opened += 1;
    if panel.chat == chat {
        return Vec::new();
    }
    panel.chat = chat;
    // the people of one chat are not those of another
    panel.sender = None;
    run(state, false)
}

fn edited(state: &mut AppState, text: String, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(panel) = state.search.as_mut() else {
        return Vec::new();
    };
    panel.query = text;
    if panel.query.trim().is_empty() {
        clear(panel);
        return Vec::new();
    }
    let due = now + SEARCH_PAUSE;
    panel.due = Some(due);
    vec![Effect::WakeAt(due)]
}

/// Nothing to search for: no hits, no error, nothing in flight.
fn clear(panel: &mut SearchPanel) {
    panel.due = None;
    panel.in_flight = None;
    panel.shown = None;
    panel.hits.clear();
    panel.next_cursor = None;
    panel.error = None;
}

/// Time passed: a search whose pause is over runs now.
pub(super) fn tick(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(panel) = state.search.as_mut() else {
        return Vec::new();
    };
    if panel.due.is_none_or(|due| due > now) {
        return Vec::new();
    }
    run(state, false)
}

/// Searches for what is typed; unless `again`, not when those hits are shown or coming.
fn run(state: &mut AppState, again: bool) -> Vec<Effect> {
    let Some(panel) = state.search.as_mut() else {
        return Vec::new();
    };
    panel.due = None;
    let Some(query) = panel.request() else {
        if panel.query.trim().is_empty() {
            clear(panel);
        }
        // a date that is not one holds the search back; its field says why
        return Vec::new();
    };
    let coming = panel.in_flight.as_ref() == Some(&query);
    let shown =
        panel.in_flight.is_none() && panel.error.is_none() && panel.shown.as_ref() == Some(&query);
    let current = coming || shown;
    if current && !again {
        return Vec::new();
    }
    panel.in_flight = Some(query.clone());
    panel.error = None;
    authed(state, ApiCall::SearchMessages(query))
}

/// The next page of the hits shown.
fn more(state: &mut AppState) -> Vec<Effect> {
    let Some(panel) = state.search.as_mut() else {
        return Vec::new();
    };
    if panel.in_flight.is_some() || panel.error.is_some() {
        return Vec::new();
    }
    let (Some(shown), Some(cursor)) = (&panel.shown, &panel.next_cursor) else {
        return Vec::new();
    };
    let query = MessageSearchQuery {
        cursor: Some(cursor.clone()),
        ..shown.clone()
    };
    panel.in_flight = Some(query.clone());
    authed(state, ApiCall::SearchMessages(query))
}

/// The answer to `GET /search/messages`.
pub(super) fn finished(
    state: &mut AppState,
    query: MessageSearchQuery,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    let Some(panel) = state.search.as_mut() else {
        return Vec::new();
    };
    if panel.in_flight.as_ref() != Some(&query) {
        return Vec::new(); // an earlier search, or one for a page no longer wanted
    }
    panel.in_flight = None;
    match result {
        Ok(ApiReply::Search(page)) => shown(panel, query, page),
        other => {
            if query.cursor.is_none() {
                // what was shown was for another query
                panel.hits.clear();
                panel.shown = None;
                panel.next_cursor = None;
            }
            panel.error = Some(error_of(other));
        }
    }
    Vec::new()
}

fn shown(panel: &mut SearchPanel, query: MessageSearchQuery, page: SearchPage) {
    if query.cursor.is_none() {
        panel.hits = page.hits;
        panel.shown = Some(query);
    } else {
        // a message that moved between pages is listed once
        for hit in page.hits {
            if !panel.hits.iter().any(|h| h.message.id == hit.message.id) {
                panel.hits.push(hit);
            }
        }
    }
    panel.next_cursor = page.next_cursor;
    panel.error = None;
}
