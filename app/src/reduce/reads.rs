//! This user's read cursor per chat: it moves up to what has been on screen (never back),
//! one `POST /chats/{id}/read` at a time, and is sent again after a reconnect.

use natter_shared::ChatId;
use natter_shared::api::ReadState;

use super::calls::authed;
use crate::api::ApiCall;
use crate::effect::Effect;
use crate::state::{AppState, ChatEntry};

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
    authed(state, ApiCall::MarkRead { chat_id, seq })
}

pub(super) fn marked(state: &mut AppState, chat_id: ChatId, read: &ReadState) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    entry.read.in_flight = false;
    set_read_seq(entry, read.read_seq);
    // more became visible while this one was out
    send_read(state, chat_id)
}

/// The cursor could not be sent: tried again on the next "seen" or the next reconnect.
pub(super) fn mark_failed(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    if let Some(entry) = state.chats.by_id.get_mut(&chat_id) {
        entry.read.in_flight = false;
    }
    Vec::new()
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
