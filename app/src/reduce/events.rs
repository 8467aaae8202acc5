//! The chat event log on this side: each loaded chat remembers the last event it applied,
//! applies the next one when it comes (a frame, an answer to its own change), ignores one it
//! has, and fetches `GET /chats/{id}/events?after=` when one skips ahead or the list reports a
//! newer `last_event_seq` (after every reconnect). Message events carry the message as it is
//! now, so applying one replaces the loaded copy: an edit cannot bring a deleted message back.

use natter_shared::ChatId;
use natter_shared::ErrorCode;
use natter_shared::api::{ChatEvent, EventKind, EventPage, Message};

use super::calls::authed;
use super::history;
use crate::api::{ApiCall, ApiFailure, ApiReply};
use crate::effect::Effect;
use crate::state::{AppState, ChatEntry};

/// The latest page of a chat arrived: its messages are as of now, so the log is applied up to
/// what the list last said (later events replace what they carry again: harmless).
pub(super) fn page_loaded(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    if entry.event_seq.is_none() {
        entry.event_seq = Some(entry.summary.last_event_seq);
    }
    let mut effects = ensure_caught_up(state, chat_id);
    effects.extend(load_pins(state, chat_id));
    effects
}

/// Fetches the events a loaded chat is missing, unless a fetch is under way.
pub(super) fn ensure_caught_up(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    let Some(applied) = entry.event_seq else {
        return Vec::new();
    };
    if entry.events_loading || entry.summary.last_event_seq <= applied {
        return Vec::new();
    }
    entry.events_loading = true;
    authed(
        state,
        ApiCall::Events {
            chat_id,
            after: applied,
        },
    )
}

/// Event `event_seq` of `chat_id` was seen (with what it changed already applied by the
/// caller, or about to be): the cursor moves when it is the next one, a gap is fetched.
pub(super) fn seen(state: &mut AppState, chat_id: ChatId, event_seq: i64) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    entry.summary.last_event_seq = entry.summary.last_event_seq.max(event_seq);
    if let Some(applied) = entry.event_seq
        && event_seq == applied + 1
    {
        entry.event_seq = Some(event_seq);
    }
    ensure_caught_up(state, chat_id)
}

/// A `chat_event` frame: applied if it is the next one, else fetched in order.
pub(super) fn frame(state: &mut AppState, event: ChatEvent) -> Vec<Effect> {
    let chat_id = event.chat_id;
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    match entry.event_seq {
        // not loaded: only the list's view changes
        None => {
            if let Some(m) = &event.message {
                replace_in_summary(entry, m);
            }
            entry.summary.last_event_seq = entry.summary.last_event_seq.max(event.event_seq);
            Vec::new()
        }
        Some(applied) if event.event_seq <= applied => Vec::new(),
        Some(applied) if event.event_seq == applied + 1 => {
            let effects = apply(state, &event);
            let mut more = seen(state, chat_id, event.event_seq);
            more.extend(effects);
            more
        }
        Some(_) => seen(state, chat_id, event.event_seq),
    }
}

/// What one event changes: the message it carries replaces the loaded copy.
fn apply(state: &mut AppState, event: &ChatEvent) -> Vec<Effect> {
    let Some(message) = event.message.clone() else {
        return Vec::new();
    };
    if event.kind == EventKind::MessageCreated {
        return history::insert(state, message);
    }
    replace(state, message);
    Vec::new()
}

/// Puts the server's copy of a message in place of the loaded one (if loaded), keeps the
/// pins and the list's last message in step.
pub(super) fn replace(state: &mut AppState, message: Message) {
    let Some(entry) = state.chats.by_id.get_mut(&message.chat_id) else {
        return;
    };
    replace_in_summary(entry, &message);
    entry.pins.retain(|p| p.id != message.id);
    if message.pinned_at.is_some() && !message.is_gone() {
        entry.pins.insert(0, message.clone());
        entry.pins.sort_by_key(|p| std::cmp::Reverse(p.pinned_at));
    }
    if let Some(held) = entry.messages.get_mut(&message.seq)
        && held.id == message.id
    {
        *held = message;
    }
}

fn replace_in_summary(entry: &mut ChatEntry, message: &Message) {
    if let Some(last) = &mut entry.summary.last_message
        && last.id == message.id
    {
        *last = Message {
            reactions: Vec::new(),
            ..message.clone()
        };
    }
}

/// The answer to `GET /chats/{id}/events`.
pub(super) fn fetched(
    state: &mut AppState,
    chat_id: ChatId,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    entry.events_loading = false;
    match result {
        Ok(ApiReply::Events(page)) => applied_page(state, chat_id, page),
        Err(ApiFailure::Server { body, .. }) if body.error.code == ErrorCode::EventsExpired => {
            reload(state, chat_id)
        }
        // tried again on the next reconnect or event
        _ => Vec::new(),
    }
}

fn applied_page(state: &mut AppState, chat_id: ChatId, page: EventPage) -> Vec<Effect> {
    let mut effects = Vec::new();
    for event in page.events {
        let Some(applied) = state.chats.by_id.get(&chat_id).and_then(|e| e.event_seq) else {
            return effects;
        };
        if event.event_seq != applied + 1 {
            continue;
        }
        effects.extend(apply(state, &event));
        if let Some(entry) = state.chats.by_id.get_mut(&chat_id) {
            entry.event_seq = Some(event.event_seq);
        }
    }
    if let Some(entry) = state.chats.by_id.get_mut(&chat_id) {
        entry.summary.last_event_seq = entry.summary.last_event_seq.max(page.last_event_seq);
    }
    effects.extend(ensure_caught_up(state, chat_id));
    effects
}

/// Too far behind the log: the chat drops what it shows and loads its latest page again.
fn reload(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    entry.messages.clear();
    entry.seq_of.clear();
    entry.synced_seq = None;
    entry.event_seq = None;
    entry.history.reached_start = false;
    history::load_latest(state, chat_id)
}

/// Asks for the pinned messages once per session.
fn load_pins(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    if entry.pins_requested {
        return Vec::new();
    }
    entry.pins_requested = true;
    authed(state, ApiCall::Pins(chat_id))
}

/// The answer to `GET /chats/{id}/pins`.
pub(super) fn pins_loaded(
    state: &mut AppState,
    chat_id: ChatId,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
        return Vec::new();
    };
    match result {
        Ok(ApiReply::Pins(pins)) => entry.pins = pins.messages,
        _ => entry.pins_requested = false,
    }
    Vec::new()
}
