//! Each chat's messages: the latest page, older pages on scrolling up, and gap-fill, with
//! messages stored by seq so none is ever shown twice.
//!
//! Gap-fill: `synced_seq` is the seq up to which a loaded chat has every message. Whenever
//! the server's `last_seq` (from the list, or a frame) or a stored message lies above it,
//! the next `after=synced_seq` page is fetched, until nothing is missing; except in a chat
//! opened at an older message (`detached`, see `window.rs`), where the newer pages come as one
//! scrolls down.

use natter_shared::api::{HistoryQuery, Message, MessagePage};
use natter_shared::{ChatId, RequestId, UserId};

use super::calls::{authed, error_of, my_id};
use crate::api::{ApiCall, ApiFailure, ApiReply};
use crate::effect::Effect;
use crate::state::{AppState, ChatEntry};

/// Messages per page when scrolling and for the latest page.
pub const HISTORY_PAGE: u32 = 50;
/// Messages per gap page (the server's maximum).
pub const GAP_PAGE: u32 = 200;
/// A gap wider than this is not fetched page by page: the chat reloads its latest page and
/// the rest comes by scrolling, as for a chat opened for the first time.
pub const GAP_RELOAD: i64 = 2_000;

pub(super) fn load_latest(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    entry.history.loading_latest = true;
    entry.history.detached = false;
    entry.history.error = None;
    entry.history.newer_error = None;
    entry.history.stalled = None;
    let query = HistoryQuery {
        limit: Some(HISTORY_PAGE),
        before: None,
        after: None,
        around: None,
        around_id: None,
    };
    authed(state, ApiCall::History { chat_id, query })
}
/// Scrolled to the top: the page before the oldest loaded message, unless the start of the
/// chat is already loaded (then it never asks again).
pub(super) fn load_older(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    let history = &entry.history;
    if entry.synced_seq.is_none() || history.reached_start || history.loading_older {
        return Vec::new();
    }
    let Some(first) = entry.synced_start() else {
        return Vec::new();
    };
    entry.history.loading_older = true;
    entry.history.error = None;
    let query = HistoryQuery {
        limit: Some(HISTORY_PAGE),
        before: Some(first),
        after: None,
        around: None,
        around_id: None,
    };
    authed(state, ApiCall::History { chat_id, query })
}

pub(super) fn paged(
    state: &mut AppState,
    chat_id: ChatId,
    query: &HistoryQuery,
    page: MessagePage,
) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    if is_stale(entry, query) {
        // the window moved (a jump to a search hit, a reload) since it was asked for: its
        // messages would lie below the window with a gap between
        if query.before.is_some() {
            entry.history.loading_older = false;
            return Vec::new();
        }
        entry.history.filling = false;
        // a gap noticed while this page was in flight was not asked for (one at a time)
        return ensure_caught_up(state, chat_id);
    }
    // a page came: what failed before may be asked for again
    entry.history.error = None;
    entry.history.newer_error = None;
    let before = entry.synced_seq;
    let newest = page.messages.last().map(|m| m.seq);
    let first = page.messages.first().map(|m| m.seq);
    store_all(state, chat_id, page.messages);
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    if query.after.is_some() {
        entry.history.filling = false;
    } else if query.before.is_some() {
        entry.history.loading_older = false;
        if !page.has_previous || first.is_none() {
            entry.history.reached_start = true;
        }
    } else {
        entry.history.loading_latest = false;
        if entry.synced_seq.is_none() {
            entry.synced_seq = Some(newest.unwrap_or(0));
            entry.history.reached_start = !page.has_previous;
        }
    }
    advance(entry);
    // the server had nothing more after the window's end: stop here; the next frame or sync
    // tries again, and a newer page is not asked for again until something moved
    let stalled = query.after.is_some() && query.after == before && entry.synced_seq == before;
    if stalled {
        entry.history.stalled = before.map(|synced| (synced, entry.newest_known()));
    }
    state.chats.sort();
    if stalled {
        return Vec::new();
    }
    ensure_caught_up(state, chat_id)
}
/// Whether an older or gap page no longer fits the window: an older page must end where the
/// window starts, a gap page must start inside it or right after it. The window is what lies
/// at or below `synced_seq` (messages waiting above the gap are not part of it).
fn is_stale(entry: &ChatEntry, query: &HistoryQuery) -> bool {
    let start = entry.synced_start();
    if let Some(before) = query.before {
        return start != Some(before);
    }
    if let Some(after) = query.after {
        return start.is_none_or(|start| after + 1 < start);
    }
    false
}

/// Stores the messages of a page (each by seq, so none twice) and settles the sends among
/// them.
pub(super) fn store_all(state: &mut AppState, chat_id: ChatId, messages: Vec<Message>) {
    let me = my_id(state);
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return;
    };
    let mine = own_request_ids(&messages, me);
    for message in messages {
        store(entry, message, me);
    }
    settle_outbox(state, &mine);
}

/// A history page could not be loaded: the chat shows why, at the top for the latest or an
/// older page, at the bottom for a newer or gap page (each with Retry).
pub(super) fn failed(
    state: &mut AppState,
    chat_id: ChatId,
    query: &HistoryQuery,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    if let Some(entry) = state.chats.by_id.get_mut(&chat_id) {
        let history = &mut entry.history;
        let error = Some(error_of(result));
        if query.after.is_some() {
            history.filling = false;
            history.newer_error = error;
        } else {
            if query.before.is_some() {
                history.loading_older = false;
            } else {
                history.loading_latest = false;
            }
            history.error = error;
        }
    }
    Vec::new()
}

/// Fetches the next gap page of a loaded chat, if anything is missing.
pub(super) fn ensure_caught_up(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    let Some(synced) = entry.synced_seq else {
        return Vec::new();
    };
    let history = &entry.history;
    if history.filling || history.loading_latest {
        return Vec::new();
    }
    let target = entry.newest_known();
    if target <= synced {
        entry.history.detached = false;
        return Vec::new();
    }
    if entry.history.detached {
        // a window opened at an older message: newer pages come as one scrolls down
        return Vec::new();
    }
    if target - synced > GAP_RELOAD {
        entry.messages.clear();
        entry.seq_of.clear();
        entry.synced_seq = None;
        entry.history.reached_start = false;
        return load_latest(state, chat_id);
    }
    entry.history.filling = true;
    entry.history.newer_error = None;
    let query = HistoryQuery {
        limit: Some(GAP_PAGE),
        before: None,
        after: Some(synced),
        around: None,
        around_id: None,
    };
    authed(state, ApiCall::History { chat_id, query })
}

/// A message of a listed chat, from a frame or an acknowledgement: stored by seq (a second
/// copy replaces the first), the summary and order updated, and any gap it reveals fetched.
pub(super) fn insert(state: &mut AppState, message: Message) -> Vec<Effect> {
    let me = my_id(state);
    let chat_id = message.chat_id;
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    let mine = own_request_ids(std::slice::from_ref(&message), me);
    store(entry, message, me);
    advance(entry);
    settle_outbox(state, &mine);
    state.chats.sort();
    ensure_caught_up(state, chat_id)
}
/// The request ids of `me`'s messages among `messages`.
fn own_request_ids(messages: &[Message], me: Option<UserId>) -> Vec<RequestId> {
    messages
        .iter()
        .filter(|m| Some(m.sender_id) == me)
        .filter_map(|m| m.request_id)
        .collect()
}

/// A pending send whose message is already stored (it arrived by another path than the ack:
/// another device's `new_message`, a gap-fill page, or after an ack that timed out) is done:
/// dropping it keeps it from showing twice or as failed.
fn settle_outbox(state: &mut AppState, stored: &[RequestId]) {
    if !stored.is_empty() {
        state
            .chats
            .outbox
            .retain(|o| !stored.contains(&o.request_id));
    }
}

/// Stores a message and moves the summary forward with it.
fn store(entry: &mut ChatEntry, message: Message, me: Option<UserId>) {
    // deletion is final: a copy read before the delete (a page that raced the event, a late
    // ack or `new_message`) must not bring the message back
    if let Some(held) = entry.messages.get(&message.seq)
        && held.id == message.id
        && held.is_gone()
        && !message.is_gone()
    {
        return;
    }
    let summary = &mut entry.summary;
    if message.seq > summary.last_seq {
        summary.last_seq = message.seq;
        summary.updated_at = summary.updated_at.max(message.created_at);
        summary.last_message = Some(message.clone());
    }
    if Some(message.sender_id) == me {
        // one's own message is read (the server moves the cursor the same way)
        summary.read_seq = summary.read_seq.max(message.seq);
    } else if message.service.is_none() && reads_shown(summary, message.sender_id) {
        // and so is everyone else's: a member's message at `seq` moved their read cursor to
        // at least `seq` in the same transaction (db::batch), with no `read` frame about it
        let cursor = entry.others_read.entry(message.sender_id).or_insert(0);
        *cursor = (*cursor).max(message.seq);
    }
    summary.unread_count = (summary.last_seq - summary.read_seq).max(0);
    entry.seq_of.insert(message.id, message.seq);
    entry.messages.insert(message.seq, message);
}

/// Whether the server tells this chat's members how far `reader` has read: not across a
/// block, and not to the sender of a message request still pending (the room's rule for
/// `read` frames, `realtime::room`), so a reply does not tell it either.
fn reads_shown(summary: &natter_shared::api::ChatSummary, reader: UserId) -> bool {
    !summary.blocked && summary.request_from.is_none_or(|from| from == reader)
}

/// Moves `synced_seq` over every stored message that follows it without a gap.
pub(super) fn advance(entry: &mut ChatEntry) {
    if let Some(mut synced) = entry.synced_seq {
        while entry.messages.contains_key(&(synced + 1)) {
            synced += 1;
        }
        entry.synced_seq = Some(synced);
    }
}
