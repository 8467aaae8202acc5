//! Changing messages: edit, delete (for everyone or for me), reactions, pins and forwarding.
//! Each change is shown at once on the local copy and waits in `chats.changes` until the
//! server answers it (`change_applied`, `forwarded` or an `error` with its request id). Like
//! sends, waiting changes go out in order whenever the link is up, so what was done offline
//! happens on reconnect; the server's answer replaces the local guess.

use chrono::{DateTime, Utc};
use natter_shared::api::{ChangeResult, Message, Reaction};
use natter_shared::ws::ClientFrame;
use natter_shared::{ChatId, ErrorCode, MessageId, MessageText, RequestId};

use super::calls::{self, my_id};
use super::events;
use crate::effect::Effect;
use crate::state::{AppState, ForwardPicker, PendingChange, UiError};

/// Queues `frame` and sends it if the link is up; `before` is the message as it was.
fn queue(
    state: &mut AppState,
    chat_id: ChatId,
    request_id: RequestId,
    frame: ClientFrame,
    before: Option<Message>,
) -> Vec<Effect> {
    if state
        .chats
        .changes
        .iter()
        .any(|c| c.request_id == request_id)
    {
        return Vec::new();
    }
    let effect = calls::send(state, frame.clone());
    state.chats.changes.push(PendingChange {
        request_id,
        chat_id,
        frame,
        sent: effect.is_some(),
        before,
    });
    state.chats.change_error = None;
    effect.into_iter().collect()
}

/// The link is up: every waiting change goes out, oldest first.
pub(super) fn flush(state: &mut AppState) -> Vec<Effect> {
    let mut effects = Vec::new();
    for i in 0..state.chats.changes.len() {
        if state.chats.changes[i].sent {
            continue;
        }
        let frame = state.chats.changes[i].frame.clone();
        if let Some(e) = calls::send(state, frame) {
            state.chats.changes[i].sent = true;
            effects.push(e);
        }
    }
    effects
}

/// The link dropped: what was on the wire goes again (the server makes each change once).
pub(super) fn requeue(state: &mut AppState) {
    for c in &mut state.chats.changes {
        c.sent = false;
    }
}

/// Changes the loaded copy of a message, as a guess until the server answers; answers the
/// message as it was.
fn guess(
    state: &mut AppState,
    chat_id: ChatId,
    id: MessageId,
    change: impl FnOnce(&mut Message),
) -> Option<Message> {
    let entry = state.chats.by_id.get_mut(&chat_id)?;
    let seq = entry.seq_of.get(&id).copied()?;
    let m = entry.messages.get_mut(&seq)?;
    let before = m.clone();
    change(m);
    Some(before)
}

fn own_live_message(state: &AppState, chat_id: ChatId, id: MessageId) -> Option<&Message> {
    let me = my_id(state)?;
    state
        .chats
        .by_id
        .get(&chat_id)?
        .message_by_id(id)
        .filter(|m| m.sender_id == me && !m.is_gone())
}

/// "Edit" (or Up in an empty composer): the composer takes the message's text.
pub(super) fn start(state: &mut AppState, chat_id: ChatId, id: Option<MessageId>) -> Vec<Effect> {
    let text = match id {
        Some(id) => match own_live_message(state, chat_id, id) {
            Some(m) => Some(m.text.clone()),
            None => return Vec::new(),
        },
        None => None,
    };
    let draft = state.drafts.entry(chat_id).or_default();
    draft.editing = id;
    draft.reply_to = None;
    draft.text = text.unwrap_or_default();
    if draft.is_empty() {
        state.drafts.remove(&chat_id);
    }
    Vec::new()
}

/// The last own message of a chat that can still be edited (for Up in an empty composer).
pub fn last_own(state: &AppState, chat_id: ChatId) -> Option<MessageId> {
    let me = my_id(state)?;
    let entry = state.chats.by_id.get(&chat_id)?;
    entry
        .messages
        .values()
        .rev()
        .find(|m| m.sender_id == me && !m.is_gone())
        .map(|m| m.id)
}

pub(super) fn submit_edit(
    state: &mut AppState,
    chat_id: ChatId,
    id: MessageId,
    text: &str,
    request_id: RequestId,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let Ok(text) = MessageText::parse(text) else {
        return Vec::new(); // the composer shows why
    };
    if own_live_message(state, chat_id, id).is_none() {
        return Vec::new();
    }
    state.drafts.remove(&chat_id);
    let text = text.into_inner();
    let shown = text.clone();
    let before = guess(state, chat_id, id, |m| {
        m.text = shown;
        m.edited_at = Some(now);
    });
    let frame = ClientFrame::Edit {
        chat_id,
        message_id: id,
        text,
        request_id,
    };
    queue(state, chat_id, request_id, frame, before)
}

pub(super) fn ask_delete(state: &mut AppState, chat_id: ChatId, id: MessageId) -> Vec<Effect> {
    state.message_actions.confirm_delete = Some((chat_id, id));
    Vec::new()
}

pub(super) fn confirm_delete(
    state: &mut AppState,
    for_everyone: bool,
    request_id: RequestId,
) -> Vec<Effect> {
    let Some((chat_id, id)) = state.message_actions.confirm_delete.take() else {
        return Vec::new();
    };
    let before = guess(state, chat_id, id, |m| {
        if for_everyone {
            m.deleted = true;
        } else {
            m.hidden = true;
        }
        m.text.clear();
    });
    let frame = ClientFrame::Delete {
        chat_id,
        message_id: id,
        for_everyone,
        request_id,
    };
    queue(state, chat_id, request_id, frame, before)
}

/// Gives the reaction, or takes it back if I gave it.
pub(super) fn toggle_reaction(
    state: &mut AppState,
    chat_id: ChatId,
    id: MessageId,
    emoji: String,
    request_id: RequestId,
) -> Vec<Effect> {
    let Some(me) = my_id(state) else {
        return Vec::new();
    };
    let Some(message) = state
        .chats
        .by_id
        .get(&chat_id)
        .and_then(|e| e.message_by_id(id))
    else {
        return Vec::new();
    };
    if message.is_gone() {
        return Vec::new();
    }
    let remove = message
        .reactions
        .iter()
        .any(|r| r.emoji == emoji && r.user_ids.contains(&me));
    let shown = emoji.clone();
    let before = guess(state, chat_id, id, |m| {
        toggle_locally(&mut m.reactions, &shown, me, remove);
    });
    let frame = ClientFrame::React {
        chat_id,
        message_id: id,
        emoji,
        remove,
        request_id,
    };
    queue(state, chat_id, request_id, frame, before)
}

fn toggle_locally(
    reactions: &mut Vec<Reaction>,
    emoji: &str,
    me: natter_shared::UserId,
    remove: bool,
) {
    match reactions.iter_mut().position(|r| r.emoji == emoji) {
        Some(i) if remove => {
            let r = &mut reactions[i];
            r.user_ids.retain(|u| *u != me);
            r.count = r.user_ids.len() as i64;
            if r.count == 0 {
                reactions.remove(i);
            }
        }
        Some(i) => {
            let r = &mut reactions[i];
            r.user_ids.push(me);
            r.count += 1;
        }
        None if !remove => reactions.push(Reaction {
            emoji: emoji.to_owned(),
            count: 1,
            user_ids: vec![me],
        }),
        None => {}
    }
}

pub(super) fn toggle_pin(
    state: &mut AppState,
    chat_id: ChatId,
    id: MessageId,
    request_id: RequestId,
) -> Vec<Effect> {
    let Some(message) = state
        .chats
        .by_id
        .get(&chat_id)
        .and_then(|e| e.message_by_id(id))
    else {
        return Vec::new();
    };
    if message.is_gone() {
        return Vec::new();
    }
    let unpin = message.pinned_at.is_some();
    let frame = ClientFrame::Pin {
        chat_id,
        message_id: id,
        unpin,
        request_id,
    };
    queue(state, chat_id, request_id, frame, None)
}

pub(super) fn toggle_selected(state: &mut AppState, id: MessageId) -> Vec<Effect> {
    let selected = &mut state.message_actions.selected;
    match selected.iter().position(|m| *m == id) {
        Some(i) => {
            selected.remove(i);
        }
        None => selected.push(id),
    }
    Vec::new()
}

pub(super) fn open_forward(
    state: &mut AppState,
    from: ChatId,
    messages: Vec<MessageId>,
) -> Vec<Effect> {
    if messages.is_empty() {
        return Vec::new();
    }
    state.message_actions.forward = Some(ForwardPicker {
        from,
        messages,
        targets: Vec::new(),
    });
    Vec::new()
}

pub(super) fn toggle_target(state: &mut AppState, chat: ChatId) -> Vec<Effect> {
    if let Some(picker) = &mut state.message_actions.forward {
        match picker.targets.iter().position(|c| *c == chat) {
            Some(i) => {
                picker.targets.remove(i);
            }
            None => picker.targets.push(chat),
        }
    }
    Vec::new()
}

/// "Send" in the picker: one `forward` frame per chosen chat, each with its own request id.
pub(super) fn submit_forward(state: &mut AppState, request_id: RequestId) -> Vec<Effect> {
    let Some(picker) = state.message_actions.forward.take() else {
        return Vec::new();
    };
    state.message_actions.selected.clear();
    let mut effects = Vec::new();
    for target in picker.targets {
        let rid = RequestId(uuid::Uuid::new_v5(&request_id.0, target.0.as_bytes()));
        let frame = ClientFrame::Forward {
            chat_id: target,
            from_chat_id: picker.from,
            message_ids: picker.messages.clone(),
            request_id: rid,
        };
        effects.extend(queue(state, target, rid, frame, None));
    }
    effects
}

/// `change_applied`: the server's copy replaces the guess; its event moves the log on.
pub(super) fn applied(
    state: &mut AppState,
    request_id: RequestId,
    chat_id: ChatId,
    result: ChangeResult,
) -> Vec<Effect> {
    state.chats.changes.retain(|c| c.request_id != request_id);
    events::replace(state, result.message);
    match result.event_seq {
        Some(seq) => events::seen(state, chat_id, seq),
        None => Vec::new(),
    }
}

/// `forwarded`: the copies are messages of the target chat.
pub(super) fn forwarded(
    state: &mut AppState,
    request_id: RequestId,
    messages: Vec<Message>,
    event_seqs: Vec<i64>,
) -> Vec<Effect> {
    state.chats.changes.retain(|c| c.request_id != request_id);
    let mut effects = Vec::new();
    for (m, seq) in messages.into_iter().zip(event_seqs) {
        let chat = m.chat_id;
        effects.extend(super::history::insert(state, m));
        effects.extend(events::seen(state, chat, seq));
    }
    effects
}

/// An `error` frame about one of our changes: it leaves the queue, the chat says why, and
/// the guess is undone. Answers whether the request id was one of ours.
pub(super) fn refused(
    state: &mut AppState,
    request_id: RequestId,
    code: ErrorCode,
    message: String,
) -> bool {
    let Some(i) = state
        .chats
        .changes
        .iter()
        .position(|c| c.request_id == request_id)
    else {
        return false;
    };
    let change = state.chats.changes.remove(i);
    state.chats.change_error = Some((change.chat_id, UiError::Server { code, message }));
    if let Some(before) = change.before {
        events::replace(state, before);
    }
    true
}
