//! The chat list and each chat's messages: syncing the list with `GET /chats` after every
//! (re)connect, loading history (latest page, older pages, gap pages), storing messages by
//! seq so none is ever shown twice, and the read cursor.
//!
//! Gap-fill: `synced_seq` is the seq up to which a loaded chat has every message. Whenever
//! the server's `last_seq` (from the list, or a frame) or a stored message lies above it,
//! the next `after=synced_seq` page is fetched, until nothing is missing.

use natter_shared::api::{ChatSummary, HistoryQuery, Message, MessagePage, ReadState};
use natter_shared::{ChatId, UserId};

use super::session;
use crate::action::{ApiCall, ApiFailure, ApiReply, CHAT_PAGE};
use crate::effect::Effect;
use crate::state::{AppState, ChatEntry};

/// Messages per page when scrolling and for the latest page.
pub const HISTORY_PAGE: u32 = 50;
/// Messages per gap page (the server's maximum).
pub const GAP_PAGE: u32 = 200;
/// A gap wider than this is not fetched page by page: the chat reloads its latest page and
/// the rest comes by scrolling, as for a chat opened for the first time.
pub const GAP_RELOAD: i64 = 2_000;

/// Starts a full `GET /chats` sync (after every open of the link).
pub(super) fn sync(state: &mut AppState) -> Vec<Effect> {
    let chats = &mut state.chats;
    chats.sync_generation += 1;
    chats.syncing = true;
    chats.sync_seen.clear();
    let sync = chats.sync_generation;
    session::authed(state, ApiCall::ListChats { offset: 0, sync })
}

/// The answer to a chat call (the caller handled epochs and 401s).
pub(super) fn finished(
    state: &mut AppState,
    call: ApiCall,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    match (call, result) {
        (ApiCall::ListChats { offset, sync }, result) => listed(state, offset, sync, result),
        (ApiCall::History { chat_id, query }, Ok(ApiReply::Messages(page))) => {
            paged(state, chat_id, &query, page)
        }
        (ApiCall::History { chat_id, query }, result) => {
            if let Some(entry) = state.chats.by_id.get_mut(&chat_id) {
                let history = &mut entry.history;
                if query.after.is_some() {
                    history.filling = false;
                } else if query.before.is_some() {
                    history.loading_older = false;
                } else {
                    history.loading_latest = false;
                }
                history.error = Some(error_of(result));
            }
            Vec::new()
        }
        (ApiCall::MarkRead { chat_id, .. }, Ok(ApiReply::Read(read))) => {
            marked(state, chat_id, &read)
        }
        (ApiCall::GetChat(_), Ok(ApiReply::ChatDetails(details))) => detailed(state, *details),
        (ApiCall::GetChat(chat_id), _) => {
            // asked again the next time the chat is opened
            if let Some(entry) = state.chats.by_id.get_mut(&chat_id) {
                entry.members_requested = false;
            }
            Vec::new()
        }
        (ApiCall::MarkRead { chat_id, .. }, _) => {
            // tried again on the next "seen" or the next reconnect
            if let Some(entry) = state.chats.by_id.get_mut(&chat_id) {
                entry.read.in_flight = false;
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn error_of(result: Result<ApiReply, ApiFailure>) -> crate::state::UiError {
    match result {
        Err(failure) => session::ui_error(&failure),
        Ok(_) => crate::state::UiError::BadResponse,
    }
}

fn listed(
    state: &mut AppState,
    offset: u32,
    sync: u64,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    if sync != state.chats.sync_generation || !state.chats.syncing {
        return Vec::new();
    }
    let list = match result {
        Ok(ApiReply::Chats(list)) => list,
        other => {
            state.chats.syncing = false;
            state.chats.error = Some(error_of(other));
            return Vec::new();
        }
    };
    let mut effects = Vec::new();
    let count = u32::try_from(list.chats.len()).unwrap_or(CHAT_PAGE);
    for summary in list.chats {
        effects.extend(merge(state, summary));
    }
    // once per page, not per chat: a sort per merged chat made a sync quadratic
    state.chats.sort();
    if list.has_more && count > 0 {
        effects.extend(session::authed(
            state,
            ApiCall::ListChats {
                offset: offset + count,
                sync,
            },
        ));
        return effects;
    }
    let chats = &mut state.chats;
    chats.syncing = false;
    chats.loaded = true;
    chats.error = None;
    let seen = std::mem::take(&mut chats.sync_seen);
    chats.by_id.retain(|id, _| seen.contains(id));
    let by_id = &chats.by_id;
    chats.order.retain(|id| by_id.contains_key(id));
    if chats.open.is_some_and(|id| !chats.by_id.contains_key(&id)) {
        chats.open = None;
    }
    if chats.open.is_none()
        && let Some(id) = state.reopen.take()
        && state.chats.by_id.contains_key(&id)
    {
        effects.extend(open(state, id));
    }
    effects
}

/// Adds a chat or merges the server's newer view of it, keeps the list in activity order,
/// then fetches any gap.
pub(super) fn upsert(state: &mut AppState, incoming: ChatSummary) -> Vec<Effect> {
    let effects = merge(state, incoming);
    state.chats.sort();
    effects
}

/// Adds a chat or merges the server's newer view of it, then fetches any gap; leaves
/// `order` unsorted, for the caller to sort once (a list page merges many chats).
fn merge(state: &mut AppState, incoming: ChatSummary) -> Vec<Effect> {
    let id = incoming.id;
    if state.chats.syncing {
        // the one place a sync records the chats it saw, also those a frame brought
        state.chats.sync_seen.insert(id);
    }
    match state.chats.by_id.get_mut(&id) {
        Some(entry) => {
            let old = std::mem::replace(&mut entry.summary, incoming);
            let summary = &mut entry.summary;
            // a frame may have brought a newer message than this answer knows of
            if old.last_seq > summary.last_seq {
                summary.last_seq = old.last_seq;
                summary.last_message = old.last_message;
            }
            summary.updated_at = summary.updated_at.max(old.updated_at);
            summary.read_seq = summary.read_seq.max(old.read_seq);
            summary.unread_count = (summary.last_seq - summary.read_seq).max(0);
        }
        None => {
            state.chats.by_id.insert(id, ChatEntry::new(incoming));
            state.chats.order.push(id);
        }
    }
    ensure_caught_up(state, id)
}

/// A chat was opened: show it, loading its latest page the first time.
pub(super) fn open(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    if state.chats.open != Some(chat_id) {
        let summary = &entry.summary;
        entry.unread_marker = (summary.last_seq > summary.read_seq).then_some(summary.read_seq + 1);
    }
    state.chats.open = Some(chat_id);
    state.reopen = None;
    state.notified.remove(&chat_id);
    let mut effects = Vec::new();
    if !entry.members_requested {
        entry.members_requested = true;
        effects.extend(session::authed(state, ApiCall::GetChat(chat_id)));
    }
    let Some(entry) = state.chats.by_id.get(&chat_id) else {
        return effects;
    };
    if entry.synced_seq.is_some() || entry.history.loading_latest {
        return effects;
    }
    effects.extend(load_latest(state, chat_id));
    effects
}

/// `GET /chats/{id}` answered: the members (names, read cursors).
fn detailed(state: &mut AppState, details: natter_shared::api::ChatDetails) -> Vec<Effect> {
    let me = my_id(state);
    let chat_id = details.chat.id;
    let effects = upsert(state, details.chat);
    if let Some(entry) = state.chats.by_id.get_mut(&chat_id) {
        for member in &details.members {
            if Some(member.id) != me {
                let cursor = entry.others_read.entry(member.id).or_insert(0);
                *cursor = (*cursor).max(member.read_seq);
            }
        }
        entry.members = details.members;
    }
    effects
}

fn load_latest(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    entry.history.loading_latest = true;
    entry.history.error = None;
    let query = HistoryQuery {
        limit: Some(HISTORY_PAGE),
        before: None,
        after: None,
    };
    session::authed(state, ApiCall::History { chat_id, query })
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
    let Some(first) = entry.window_start() else {
        return Vec::new();
    };
    entry.history.loading_older = true;
    entry.history.error = None;
    let query = HistoryQuery {
        limit: Some(HISTORY_PAGE),
        before: Some(first),
        after: None,
    };
    session::authed(state, ApiCall::History { chat_id, query })
}

fn paged(
    state: &mut AppState,
    chat_id: ChatId,
    query: &HistoryQuery,
    page: MessagePage,
) -> Vec<Effect> {
    let me = my_id(state);
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    let before = entry.synced_seq;
    let newest = page.messages.last().map(|m| m.seq);
    let first = page.messages.first().map(|m| m.seq);
    let mine = own_request_ids(&page.messages, me);
    for message in page.messages {
        store(entry, message, me);
    }
    settle_outbox(state, &mine);
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
    let progressed = entry.synced_seq != before;
    state.chats.sort();
    if query.after.is_some() && !progressed {
        // the server had nothing more: stop here; the next frame or sync tries again
        return Vec::new();
    }
    ensure_caught_up(state, chat_id)
}

/// Fetches the next gap page of a loaded chat, if anything is missing.
fn ensure_caught_up(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
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
    let stored = entry.messages.keys().next_back().copied().unwrap_or(0);
    let target = entry.summary.last_seq.max(stored);
    if target <= synced {
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
    let query = HistoryQuery {
        limit: Some(GAP_PAGE),
        before: None,
        after: Some(synced),
    };
    session::authed(state, ApiCall::History { chat_id, query })
}

/// A message from a frame or an acknowledgement: stored by seq (a second copy replaces the
/// first), the summary and order updated, and any gap it reveals fetched.
pub(super) fn insert_message(state: &mut AppState, message: Message) -> Vec<Effect> {
    let me = my_id(state);
    let chat_id = message.chat_id;
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        // a chat this list does not know yet: the list sync brings it
        return if state.chats.syncing {
            Vec::new()
        } else {
            sync(state)
        };
    };
    let mine = own_request_ids(std::slice::from_ref(&message), me);
    store(entry, message, me);
    advance(entry);
    settle_outbox(state, &mine);
    state.chats.sort();
    ensure_caught_up(state, chat_id)
}

/// The request ids of `me`'s messages among `messages`.
fn own_request_ids(messages: &[Message], me: Option<UserId>) -> Vec<natter_shared::RequestId> {
    messages
        .iter()
        .filter(|m| Some(m.sender_id) == me)
        .filter_map(|m| m.request_id)
        .collect()
}

/// A pending send whose message is already stored (it arrived by another path than the ack:
/// another device's `new_message`, a gap-fill page, or after an ack that timed out) is done:
/// dropping it keeps it from showing twice or as failed.
fn settle_outbox(state: &mut AppState, stored: &[natter_shared::RequestId]) {
    if !stored.is_empty() {
        state
            .chats
            .outbox
            .retain(|o| !stored.contains(&o.request_id));
    }
}

/// Stores a message and moves the summary forward with it.
fn store(entry: &mut ChatEntry, message: Message, me: Option<UserId>) {
    let summary = &mut entry.summary;
    if message.seq > summary.last_seq {
        summary.last_seq = message.seq;
        summary.updated_at = summary.updated_at.max(message.created_at);
        summary.last_message = Some(message.clone());
    }
    if Some(message.sender_id) == me {
        // one's own message is read (the server moves the cursor the same way)
        summary.read_seq = summary.read_seq.max(message.seq);
    }
    summary.unread_count = (summary.last_seq - summary.read_seq).max(0);
    entry.seq_of.insert(message.id, message.seq);
    entry.messages.insert(message.seq, message);
}

/// Moves `synced_seq` over every stored message that follows it without a gap.
fn advance(entry: &mut ChatEntry) {
    if let Some(mut synced) = entry.synced_seq {
        while entry.messages.contains_key(&(synced + 1)) {
            synced += 1;
        }
        entry.synced_seq = Some(synced);
    }
}

fn my_id(state: &AppState) -> Option<UserId> {
    state.session.as_ref().map(|s| s.user_id)
}

/// Message `seq` has been on screen: the read cursor moves up to it (never back).
pub(super) fn seen(state: &mut AppState, chat_id: ChatId, seq: i64) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    let seq = seq.min(entry.summary.last_seq);
    if seq <= entry.summary.read_seq {
        return Vec::new();
    }
    entry.read.wanted = entry.read.wanted.max(seq);
    send_read(state, chat_id)
}

fn send_read(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    if entry.read.in_flight || entry.read.wanted <= entry.summary.read_seq {
        return Vec::new();
    }
    entry.read.in_flight = true;
    let seq = entry.read.wanted;
    session::authed(state, ApiCall::MarkRead { chat_id, seq })
}

fn marked(state: &mut AppState, chat_id: ChatId, read: &ReadState) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    entry.read.in_flight = false;
    set_read_seq(entry, read.read_seq);
    // more became visible while this one was out
    send_read(state, chat_id)
}

/// The server's read cursor for this user (an answer, or a `read` frame from another of
/// the user's devices); the badge follows it.
pub(super) fn set_read_seq(entry: &mut ChatEntry, seq: i64) {
    let summary = &mut entry.summary;
    summary.read_seq = summary.read_seq.max(seq);
    summary.unread_count = (summary.last_seq - summary.read_seq).max(0);
}

/// After a reconnect: read cursors that could not be sent go now.
pub(super) fn resend_reads(state: &mut AppState) -> Vec<Effect> {
    let waiting: Vec<ChatId> = state
        .chats
        .by_id
        .iter()
        .filter(|(_, c)| !c.read.in_flight && c.read.wanted > c.summary.read_seq)
        .map(|(id, _)| *id)
        .collect();
    waiting
        .into_iter()
        .flat_map(|id| send_read(state, id))
        .collect()
}

/// Typing indicators of a link that dropped are stale.
pub(super) fn forget_typing(state: &mut AppState) {
    for entry in state.chats.by_id.values_mut() {
        entry.typing.clear();
    }
}

pub(super) fn expire_typing(state: &mut AppState, now: chrono::DateTime<chrono::Utc>) {
    for entry in state.chats.by_id.values_mut() {
        entry.typing.retain(|_, until| *until > now);
    }
}
