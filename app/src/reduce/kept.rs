//! The local store from the reducer's side: what it kept comes back into the state at start
//! ([`restore`]), and after every action the parts it keeps are compared with what the store
//! was last given ([`KeptMarks`], in the state) and every difference becomes a
//! [`StoreWrite`] effect ([`writes`]). So no reducer file has to remember to save: a send
//! shown as queued, a draft typed, a message received all reach the store in the same
//! dispatch, before the next frame is drawn. The comparison is made in place: a part that did
//! not change is not copied (with 200 chats of 100 messages an action costs a few µs here,
//! see BENCHMARKS.md).

use std::collections::HashSet;

use natter_shared::api::User;

use crate::effect::{Effect, StoreWrite};
use crate::state::kept::{
    ChatMark, KEPT_MESSAGES, Kept, KeptChange, KeptChat, KeptMarks, KeptSend, KeptUpload,
};
use crate::state::{AppState, ChatEntry, Screen, ShellState};

fn shell_user(screen: &Screen) -> Option<&User> {
    match screen {
        Screen::Shell(shell) => Some(&shell.user),
        _ => None,
    }
}

/// Before an action: the marks are taken from the state the first time (a state made
/// without the reducer, e.g. in a test, is not written whole by its first action).
pub(super) fn prime(state: &mut AppState) {
    if !state.kept_marks.primed {
        retake(state);
    }
}

/// The marks taken afresh from the state, nothing written (what the store loaded is there).
pub(super) fn retake(state: &mut AppState) {
    let mut marks = KeptMarks::default();
    diff(&mut marks, state);
    marks.primed = true;
    state.kept_marks = marks;
}

/// The store writes that bring it from what it was last given to the state now (nothing
/// when signed out: the app closes the store with the session; the marks follow anyway).
pub(super) fn writes(state: &mut AppState) -> Vec<Effect> {
    let mut marks = std::mem::take(&mut state.kept_marks);
    let writes = diff(&mut marks, state);
    state.kept_marks = marks;
    if state.session.is_none() {
        return Vec::new();
    }
    writes.into_iter().map(Effect::Store).collect()
}

/// The writes from `marks` to `state`, and `marks` brought up to it. Only what differs is
/// copied.
fn diff(marks: &mut KeptMarks, state: &AppState) -> Vec<StoreWrite> {
    let chats = &state.chats;
    let mut writes = Vec::new();
    if !same(&marks.sends, chats.outbox.iter(), KeptSend::matches) {
        marks.sends = chats.outbox.iter().map(KeptSend::of).collect();
        writes.push(StoreWrite::Sends(marks.sends.clone()));
    }
    if !same(&marks.changes, chats.changes.iter(), KeptChange::matches) {
        marks.changes = chats.changes.iter().map(KeptChange::of).collect();
        writes.push(StoreWrite::Changes(marks.changes.clone()));
    }
    let uploads = || {
        chats
            .transfers
            .uploads
            .iter()
            .filter(|u| KeptUpload::is_kept(u))
    };
    if !same(&marks.uploads, uploads(), KeptUpload::matches) {
        marks.uploads = uploads().filter_map(KeptUpload::of).collect();
        writes.push(StoreWrite::Uploads(marks.uploads.clone()));
    }
    if marks.drafts != state.drafts {
        let ids: HashSet<_> = state.drafts.keys().chain(marks.drafts.keys()).collect();
        for chat in ids {
            let draft = state.drafts.get(chat).filter(|d| !d.is_empty());
            if draft != marks.drafts.get(chat).filter(|d| !d.is_empty()) {
                writes.push(StoreWrite::Draft(*chat, draft.cloned()));
            }
        }
        marks.drafts.clone_from(&state.drafts);
    }
    let user = shell_user(&state.screen);
    if marks.user.as_ref() != user {
        marks.user = user.cloned();
        if let Some(user) = user {
            writes.push(StoreWrite::User(Box::new(user.clone())));
        }
    }
    for (id, entry) in &chats.by_id {
        if marks.chats.get(id).is_some_and(|m| m.matches(entry)) {
            continue;
        }
        let mark = ChatMark::of(entry);
        // a window opened at an older message is not the tail: kept again once back at the end
        if !mark.detached {
            writes.push(StoreWrite::Chat(Box::new(kept_chat(entry))));
        }
        marks.chats.insert(*id, mark);
    }
    // every chat in the list has its mark now: more marks than chats means some left
    if marks.chats.len() > chats.by_id.len() {
        marks.chats.retain(|id, _| {
            let here = chats.by_id.contains_key(id);
            if !here {
                writes.push(StoreWrite::ChatGone(*id));
            }
            here
        });
    }
    writes
}

/// Whether the kept list `kept` is still what `now` would make, item by item.
fn same<'a, K, T: 'a>(
    kept: &[K],
    mut now: impl Iterator<Item = &'a T>,
    matches: impl Fn(&K, &T) -> bool,
) -> bool {
    kept.iter()
        .all(|k| now.next().is_some_and(|t| matches(k, t)))
        && now.next().is_none()
}

/// A chat as kept: the newest [`KEPT_MESSAGES`] of its gap-free tail.
fn kept_chat(entry: &ChatEntry) -> KeptChat {
    let messages = match entry.synced_seq {
        Some(synced) => {
            let newest = entry.messages.range(..=synced).rev().take(KEPT_MESSAGES);
            let mut tail: Vec<_> = newest.map(|(_, m)| m.clone()).collect();
            tail.reverse();
            tail
        }
        None => Vec::new(),
    };
    KeptChat {
        summary: entry.summary.clone(),
        messages,
        synced_seq: entry.synced_seq,
        event_seq: entry.synced_seq.and(entry.event_seq),
        read_wanted: entry.read.wanted,
        others_read: entry.others_read.clone(),
        members: entry.members.clone(),
        group: entry.group.clone(),
        pins: entry.pins.clone(),
    }
}

/// Every write that puts the whole kept state into an empty store (the first start after an
/// upgrade, when the old saved outbox and drafts move into it).
pub fn everything(state: &AppState) -> Vec<StoreWrite> {
    diff(&mut KeptMarks::default(), state)
}

/// At start, before the session is restored: what the store kept comes back. With the
/// person's profile kept, the shell opens at once with the chats and their history.
pub(super) fn restore(state: &mut AppState, kept: Kept) -> Vec<Effect> {
    for chat in kept.chats {
        let id = chat.summary.id;
        let mut entry = ChatEntry::new(chat.summary);
        for message in chat.messages {
            entry.seq_of.insert(message.id, message.seq);
            entry.messages.insert(message.seq, message);
        }
        entry.synced_seq = chat.synced_seq;
        entry.event_seq = chat.synced_seq.and(chat.event_seq);
        entry.history.reached_start = match entry.messages.keys().next() {
            Some(first) => *first <= 1,
            None => chat.synced_seq == Some(0),
        };
        entry.read.wanted = chat.read_wanted;
        entry.others_read = chat.others_read;
        entry.members = chat.members;
        entry.group = chat.group;
        // shown at once; asked for again (`pins_requested` is false) once online
        entry.pins = chat.pins;
        state.chats.by_id.insert(id, entry);
        state.chats.order.push(id);
    }
    state.chats.sort();
    state.chats.outbox = kept
        .sends
        .into_iter()
        .map(KeptSend::into_outgoing)
        .collect();
    state.chats.changes = kept
        .changes
        .into_iter()
        .map(KeptChange::into_pending)
        .collect();
    state.chats.transfers.uploads = kept
        .uploads
        .into_iter()
        .map(KeptUpload::into_upload)
        .collect();
    state.drafts.extend(kept.drafts);
    if let Some(user) = kept.user {
        state.chats.loaded = true;
        state.screen = Screen::Shell(Box::new(ShellState::new(user)));
    }
    Vec::new()
}
