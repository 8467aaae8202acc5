//! Opening a chat at one message (a search hit, a reply's original): the page around it
//! (`around=` its seq, or `around_id=` when only its id is known), newer pages as one
//! scrolls down from there (`after=` the window's end), and back to the newest ones.
//!
//! The loaded messages keep the invariant of `history.rs`: from the window's start up to
//! `synced_seq` nothing is missing; anything stored above waits for the gap below it. A page
//! around a message the window does not hold becomes the window: what lay below it is
//! dropped, what lay above it (the newest messages, those arriving live) waits above the gap.
//! While the window does not reach the newest message the chat is `detached`: the gap is
//! not filled at once but page by page as one scrolls down, and when the window reaches the
//! messages above it, they join it (`history::advance`): nothing is lost or shown twice.
//! Picking the chat in the list (or sending) is done with the hit: the chat goes back to its
//! newest messages, and a page around a hit still on its way is dropped when it comes.

use chrono::{DateTime, Utc};
use natter_shared::api::{HistoryQuery, MessagePage};
use natter_shared::{ChatId, MessageId};

use super::calls::{authed, error_of};
use super::{chat_list, history};
use crate::api::{ApiCall, ApiFailure, ApiReply};
use crate::effect::Effect;
use crate::state::{AppState, Around, Focus, Notice};

/// Opens `chat_id` at message `seq`, highlighted from `now`: at once if it is in the loaded
/// window, else once the page around it has come.
pub(super) fn open_at(
    state: &mut AppState,
    chat_id: ChatId,
    seq: i64,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    entry.focus = Some(Focus { seq, since: now });
    let held = entry.synced_seq.is_some_and(|synced| seq <= synced)
        && entry.synced_start().is_some_and(|start| start <= seq);
    if let Some(panel) = state.search.as_mut() {
        panel.open_error = None;
    }
    if held {
        return chat_list::open(state, chat_id);
    }
    page_around(state, chat_id, Around::Seq(seq))
}

/// A reply's quote was clicked: the chat opens at the quoted message as at a search hit
/// when its seq is known; else with the page around its id, highlighted once it has come.
pub(super) fn open_quoted(
    state: &mut AppState,
    chat_id: ChatId,
    message: MessageId,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    if let Some(seq) = entry.known_seq(message) {
        return open_at(state, chat_id, seq, now);
    }
    // (an earlier hit is not scrolled to while this page comes)
    entry.focus = None;
    page_around(state, chat_id, Around::Message(message))
}

/// Opens the chat and asks for the page around a message the window does not hold; the
/// chat waits there (`open` does not load the latest page while it is awaited).
fn page_around(state: &mut AppState, chat_id: ChatId, around: Around) -> Vec<Effect> {
    if let Some(entry) = state.chats.by_id.get_mut(&chat_id) {
        entry.history.around = Some(around);
        entry.history.error = None;
    }
    let mut effects = chat_list::open(state, chat_id);
    let (seq, id) = match around {
        Around::Seq(seq) => (Some(seq), None),
        Around::Message(id) => (None, Some(id)),
    };
    let query = HistoryQuery {
        limit: Some(history::HISTORY_PAGE),
        before: None,
        after: None,
        around: seq,
        around_id: id,
    };
    effects.extend(authed(state, ApiCall::History { chat_id, query }));
    effects
}

/// The page around a message came.
pub(super) fn around_paged(
    state: &mut AppState,
    chat_id: ChatId,
    query: &HistoryQuery,
    page: MessagePage,
) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    let Some(around) = entry
        .history
        .around
        .filter(|a| Some(*a) == Around::of(query))
    else {
        return Vec::new(); // another hit was opened since, or the chat went back to its end
    };
    entry.history.around = None;
    if let Around::Message(id) = around {
        // the quoted message's seq, now known: highlighted from when it is shown
        entry.focus = page.messages.iter().find(|m| m.id == id).map(|m| Focus {
            seq: m.seq,
            since: state.clock.now,
        });
    }
    let (Some(first), Some(last)) = (
        page.messages.first().map(|m| m.seq),
        page.messages.last().map(|m| m.seq),
    ) else {
        // nothing there: the chat opens at its end as usual, with nothing to scroll to (a
        // focus left waiting would keep the view from following new messages)
        entry.focus = None;
        return match entry.synced_seq {
            None => history::load_latest(state, chat_id),
            Some(_) => Vec::new(),
        };
    };
    entry.history.error = None;
    entry.history.newer_error = None;
    entry.history.stalled = None;
    let joins = entry.synced_seq.is_some_and(|synced| first <= synced + 1)
        && entry.synced_start().is_some_and(|start| start <= last + 1);
    if !joins {
        // (`seq_of` keeps the dropped messages' seqs: a quote of one of them opens with one
        // page around it)
        entry.messages.retain(|seq, _| *seq >= first);
        entry.synced_seq = Some(first - 1);
        entry.history.reached_start = false;
        entry.history.loading_older = false;
    }
    history::store_all(state, chat_id, page.messages);
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    if !page.has_previous && entry.synced_start() == Some(first) {
        entry.history.reached_start = true;
    }
    history::advance(entry);
    let synced = entry.synced_seq.unwrap_or(0);
    entry.history.detached = synced < entry.newest_known();
    state.chats.sort();
    Vec::new()
}

/// The page around a message could not be loaded: the search panel says why (a notice if
/// it was closed meanwhile, or the message was a reply's original: gone, or the server
/// unreachable), and the chat stays as it was, or, not loaded yet, opens at its end. The
/// chat's own history is not marked failed: its pages still come on scrolling.
pub(super) fn around_failed(
    state: &mut AppState,
    chat_id: ChatId,
    query: &HistoryQuery,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    let Some(around) = entry
        .history
        .around
        .filter(|a| Some(*a) == Around::of(query))
    else {
        return Vec::new();
    };
    entry.history.around = None;
    entry.focus = None;
    let loaded = entry.synced_seq.is_some();
    let error = error_of(result);
    match (around, state.search.as_mut()) {
        (Around::Seq(_), Some(panel)) => panel.open_error = Some(error),
        _ => state.notice = Some(Notice::MessageNotOpened(error)),
    }
    if loaded {
        Vec::new()
    } else {
        history::load_latest(state, chat_id)
    }
}

/// Scrolled to the bottom of a detached window: the page after its end, unless the last one
/// brought nothing and nothing moved since. Retry after a failed page comes here too; in a
/// chat that is not detached that is a gap page.
pub(super) fn load_newer(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    if !entry.history.detached {
        return history::ensure_caught_up(state, chat_id);
    }
    let history = &entry.history;
    if history.filling || history.around.is_some() || entry.newer_stalled() {
        return Vec::new();
    }
    let Some(synced) = entry.synced_seq else {
        return Vec::new();
    };
    entry.history.filling = true;
    entry.history.newer_error = None;
    let query = HistoryQuery {
        limit: Some(history::HISTORY_PAGE),
        before: None,
        after: Some(synced),
        around: None,
        around_id: None,
    };
    authed(state, ApiCall::History { chat_id, query })
}

/// "Jump to the latest": a small gap is filled at once; from far away the newest page is
/// loaded afresh, as for a chat opened the first time.
pub(super) fn back_to_live(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    if !entry.history.detached && entry.history.around.is_none() {
        return Vec::new();
    }
    entry.focus = None;
    // whatever failed away from the end is no reason to hold back the pages there
    entry.history.error = None;
    entry.history.newer_error = None;
    if entry.history.around.take().is_some() && entry.synced_seq.is_none() {
        return history::load_latest(state, chat_id);
    }
    let Some(synced) = entry.synced_seq else {
        return Vec::new();
    };
    if !entry.history.detached {
        return Vec::new();
    }
    if entry.newest_known() - synced <= i64::from(history::GAP_PAGE) {
        entry.history.detached = false;
        return history::ensure_caught_up(state, chat_id);
    }
    entry.messages.clear(); // (`seq_of` kept, as above)
    entry.synced_seq = None;
    entry.history.reached_start = false;
    entry.history.loading_older = false;
    history::load_latest(state, chat_id)
}

/// A chat picked in the chat list: it shows its newest messages. A page around a hit still
/// on its way is no longer wanted (its answer is dropped), a window left at an older message
/// goes back to the end, and the hit is no longer scrolled to or highlighted.
pub(super) fn open_from_list(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let mut effects = match state.chats.by_id.get_mut(&chat_id) {
        Some(entry) => {
            entry.focus = None;
            back_to_live(state, chat_id)
        }
        None => Vec::new(),
    };
    effects.extend(chat_list::open(state, chat_id));
    effects
}
