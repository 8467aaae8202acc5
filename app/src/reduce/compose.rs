//! Writing: the per-chat draft (text and the message it replies to), the chat-list filter,
//! and "typing" frames, throttled so a fast typist sends one every few seconds.

use chrono::{DateTime, TimeDelta, Utc};
use natter_shared::ws::ClientFrame;
use natter_shared::{ChatId, MessageId};

use super::calls;
use crate::effect::Effect;
use crate::state::AppState;

/// A `typing: true` is sent again at most this often while typing goes on.
pub const TYPING_RESEND: TimeDelta = TimeDelta::seconds(3);

pub(super) fn edit_filter(state: &mut AppState, filter: String) -> Vec<Effect> {
    state.chat_filter = filter;
    Vec::new()
}

pub(super) fn edit(
    state: &mut AppState,
    chat_id: ChatId,
    text: String,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    if !state.chats.by_id.contains_key(&chat_id) {
        return Vec::new();
    }
    let typing = !text.trim().is_empty();
    let draft = state.drafts.entry(chat_id).or_default();
    draft.text = text;
    if draft.is_empty() {
        state.drafts.remove(&chat_id);
    }
    let frame = match state.typing_sent {
        Some((chat, since)) if chat == chat_id && typing && now - since < TYPING_RESEND => None,
        Some((chat, _)) if chat == chat_id && !typing => {
            state.typing_sent = None;
            Some(false)
        }
        _ if typing => {
            state.typing_sent = Some((chat_id, now));
            Some(true)
        }
        _ => None,
    };
    frame
        .and_then(|is_typing| calls::send(state, ClientFrame::Typing { chat_id, is_typing }))
        .into_iter()
        .collect()
}

pub(super) fn choose_reply(
    state: &mut AppState,
    chat_id: ChatId,
    message_id: Option<MessageId>,
) -> Vec<Effect> {
    if !state.chats.by_id.contains_key(&chat_id) {
        return Vec::new();
    }
    let draft = state.drafts.entry(chat_id).or_default();
    draft.reply_to = message_id;
    if draft.is_empty() {
        state.drafts.remove(&chat_id);
    }
    Vec::new()
}

/// A message was accepted into the outbox: its draft is done.
pub(super) fn sent(state: &mut AppState, chat_id: ChatId) {
    state.drafts.remove(&chat_id);
    if state.typing_sent.is_some_and(|(chat, _)| chat == chat_id) {
        state.typing_sent = None;
    }
}
