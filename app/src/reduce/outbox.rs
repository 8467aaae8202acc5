//! Sending messages: the optimistic local copy, the outbox that holds every send until the
//! server acknowledges it, and the request id that makes resending safe.
//!
//! A send made while the link is down waits as `Queued`; one on the wire is `Sending`.
//! When the link drops, everything `Sending` goes back to `Queued` (the server may or may
//! not have it), and every (re)open sends all `Queued` ones in order with their original
//! request ids: the server answers a request id it already stored with the original
//! message, so nothing is doubled. An acknowledgement (`message_sent`) settles the send by
//! its request id; an `error` frame with that id or no answer in time makes it `Failed`,
//! and "retry" sends it again, still with the same id.
//!
//! A send the server answers `overloaded` (it could not store it in time; nothing was
//! stored) is not failed: it stays queued and goes again by itself with the same request id
//! after a wait that doubles from half a second to 30 s, with jitter (the link's
//! [`backoff`]), so a busy server is not hammered and nothing is lost or doubled.

use chrono::{DateTime, TimeDelta, Utc};
use natter_shared::api::Message;
use natter_shared::ws::ClientFrame;
use natter_shared::{ChatId, ErrorCode, FileId, MessageId, RequestId, validation};

use super::{calls, chat_list, compose};
use crate::effect::Effect;
use crate::state::chats::SendBackoff;
use crate::state::connection::{backoff, jitter_seed};
use crate::state::{AppState, Outgoing, OutgoingState, SendFailure};
use crate::transfers::{TransferCommand, UploadKey};

/// A message on the wire this long without an acknowledgement is shown as failed.
pub const SEND_TIMEOUT: TimeDelta = TimeDelta::seconds(15);

/// The composer sent a message.
pub(super) fn submit(
    state: &mut AppState,
    chat_id: ChatId,
    text: &str,
    reply_to: Option<MessageId>,
    request_id: RequestId,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    if state.session.is_none() || !state.chats.by_id.contains_key(&chat_id) {
        return Vec::new();
    }
    let uploads = state
        .drafts
        .get(&chat_id)
        .map(|d| d.attachments.clone())
        .unwrap_or_default();
    // the files' ids are not known before they are uploaded: check the count with keys
    let placeholders: Vec<FileId> = uploads.iter().map(|k| FileId(k.0)).collect();
    let Ok(text) = validation::message_body(text, &placeholders) else {
        return Vec::new(); // the composer shows why
    };
    if state
        .chats
        .outbox
        .iter()
        .any(|o| o.request_id == request_id)
    {
        return Vec::new();
    }
    state.chats.outbox.push(Outgoing {
        request_id,
        chat_id,
        text: text.into_inner(),
        reply_to,
        uploads,
        created_at: now,
        state: OutgoingState::Queued,
    });
    compose::sent(state, chat_id);
    let index = state.chats.outbox.len() - 1;
    with_timeout(send(state, index, now).into_iter().collect(), now)
}

/// Puts the outbox entry at `index` on the wire if the link is up (else it stays queued).
/// The caller adds the timeout wake-up, once for however many it sent.
fn send(state: &mut AppState, index: usize, now: DateTime<Utc>) -> Option<Effect> {
    let item = state.chats.outbox.get(index)?;
    // it waits for its files
    let files = state.chats.transfers.files_of(&item.uploads)?;
    let frame = ClientFrame::Message {
        attachments: files.iter().map(|f| f.id).collect(),
        chat_id: item.chat_id,
        text: item.text.clone(),
        request_id: item.request_id,
        reply_to: item.reply_to,
    };
    let effect = calls::send(state, frame)?;
    state.chats.outbox[index].state = OutgoingState::Sending { since: now };
    Some(effect)
}

/// Adds the wake-up that times out what was just sent, if anything was.
fn with_timeout(mut sent: Vec<Effect>, now: DateTime<Utc>) -> Vec<Effect> {
    if !sent.is_empty() {
        sent.push(Effect::WakeAt(now + SEND_TIMEOUT));
    }
    sent
}

/// The link is up: everything queued goes out, oldest first (a send the server asked to
/// wait goes when its wait is over).
pub(super) fn flush(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let mut sent = Vec::new();
    for index in 0..state.chats.outbox.len() {
        let item = &state.chats.outbox[index];
        let waiting = state
            .chats
            .send_backoff
            .get(&item.request_id)
            .is_some_and(|b| b.until > now);
        if item.state == OutgoingState::Queued && !waiting {
            sent.extend(send(state, index, now));
        }
    }
    with_timeout(sent, now)
}

/// The link dropped: whatever was on the wire may not have arrived, so it waits again.
pub(super) fn requeue(state: &mut AppState) {
    for item in &mut state.chats.outbox {
        if matches!(item.state, OutgoingState::Sending { .. }) {
            item.state = OutgoingState::Queued;
        }
    }
}

/// `message_sent`: the server stored it (now, or the first time this request id came).
pub(super) fn acked(state: &mut AppState, request_id: RequestId, message: Message) -> Vec<Effect> {
    let uploads: Vec<UploadKey> = state
        .chats
        .outbox
        .iter()
        .filter(|o| o.request_id == request_id)
        .flat_map(|o| o.uploads.iter().copied())
        .collect();
    state.chats.outbox.retain(|o| o.request_id != request_id);
    state.chats.send_backoff.remove(&request_id);
    // its files went with it: their uploads are done with
    state
        .chats
        .transfers
        .uploads
        .retain(|u| !uploads.contains(&u.key));
    chat_list::insert_message(state, message)
}

/// An `error` frame about one of our sends: `overloaded` waits and goes again by itself,
/// anything else fails it.
pub(super) fn refused(
    state: &mut AppState,
    request_id: RequestId,
    code: ErrorCode,
    message: String,
    at: DateTime<Utc>,
) -> Vec<Effect> {
    let Some(index) = position(state, request_id) else {
        return Vec::new();
    };
    if code != ErrorCode::Overloaded {
        state.chats.outbox[index].state =
            OutgoingState::Failed(SendFailure::Refused { code, message });
        return Vec::new();
    }
    state.chats.outbox[index].state = OutgoingState::Queued;
    let attempts = state
        .chats
        .send_backoff
        .get(&request_id)
        .map_or(1, |b| b.attempts.saturating_add(1));
    let until = at + backoff(attempts, jitter_seed(request_id.0.as_u128(), 0, attempts));
    state
        .chats
        .send_backoff
        .insert(request_id, SendBackoff { attempts, until });
    vec![Effect::WakeAt(until)]
}

/// "Retry" on a failed message: same request id, so a copy the server did store is not
/// stored twice.
pub(super) fn retry(
    state: &mut AppState,
    request_id: RequestId,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let Some(index) = position(state, request_id) else {
        return Vec::new();
    };
    if !matches!(state.chats.outbox[index].state, OutgoingState::Failed(_)) {
        return Vec::new();
    }
    state.chats.outbox[index].state = OutgoingState::Queued;
    with_timeout(send(state, index, now).into_iter().collect(), now)
}

/// "Delete" on a failed message, or on one still waiting for its files: its uploads stop.
pub(super) fn discard(state: &mut AppState, request_id: RequestId) -> Vec<Effect> {
    let waiting_for_files =
        |o: &Outgoing| o.state == OutgoingState::Queued && !o.uploads.is_empty();
    let Some(index) = position(state, request_id) else {
        return Vec::new();
    };
    let item = &state.chats.outbox[index];
    if !matches!(item.state, OutgoingState::Failed(_)) && !waiting_for_files(item) {
        return Vec::new();
    }
    let item = state.chats.outbox.remove(index);
    state.chats.send_backoff.remove(&request_id);
    let transfers = &mut state.chats.transfers;
    transfers.uploads.retain(|u| !item.uploads.contains(&u.key));
    item.uploads
        .into_iter()
        .map(|key| Effect::Transfer(TransferCommand::CancelUpload(key)))
        .collect()
}

/// Sends that waited too long for their acknowledgement fail; sends whose `overloaded` wait
/// is over go again (when the link is up; else with the next open's flush).
pub(super) fn expire(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    for item in &mut state.chats.outbox {
        if let OutgoingState::Sending { since } = item.state
            && now - since >= SEND_TIMEOUT
        {
            item.state = OutgoingState::Failed(SendFailure::Timeout);
        }
    }
    let due = state.chats.send_backoff.values().any(|b| b.until <= now);
    if due && state.connection.is_online() {
        flush(state, now)
    } else {
        Vec::new()
    }
}

fn position(state: &AppState, request_id: RequestId) -> Option<usize> {
    state
        .chats
        .outbox
        .iter()
        .position(|o| o.request_id == request_id)
}
