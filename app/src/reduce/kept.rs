//! The local store from the reducer's side: what it kept comes back into the state at start
//! ([`restore`]), and after every action the parts it keeps are compared with what they were
//! before ([`Marks`]) and every difference becomes a [`StoreWrite`] effect ([`writes`]). So no
//! reducer file has to remember to save: a send shown as queued, a draft typed, a message
//! received all reach the store in the same dispatch, before the next frame is drawn.

use std::collections::{HashMap, HashSet};

use natter_shared::api::{ChatSummary, GroupInfo, User};
use natter_shared::{ChatId, UserId};

use crate::effect::{Effect, StoreWrite};
use crate::state::kept::{KEPT_MESSAGES, Kept, KeptChange, KeptChat, KeptSend, KeptUpload};
use crate::state::{AppState, ChatEntry, Draft, Screen, ShellState};

/// The kept parts of the state at one moment, to compare with after an action.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Marks {
    user: Option<User>,
    sends: Vec<KeptSend>,
    changes: Vec<KeptChange>,
    uploads: Vec<KeptUpload>,
    drafts: HashMap<ChatId, Draft>,
    chats: HashMap<ChatId, ChatMark>,
}

/// What changes when a chat's kept form changes (cheap to take: no messages copied).
#[derive(Debug, Clone, PartialEq)]
struct ChatMark {
    summary: ChatSummary,
    synced_seq: Option<i64>,
    event_seq: Option<i64>,
    count: usize,
    first: Option<i64>,
    last: Option<i64>,
    read_wanted: i64,
    others_read: HashMap<UserId, i64>,
    members: usize,
    group: Option<GroupInfo>,
    detached: bool,
}

impl ChatMark {
    fn of(entry: &ChatEntry) -> Self {
        Self {
            summary: entry.summary.clone(),
            synced_seq: entry.synced_seq,
            event_seq: entry.event_seq,
            count: entry.messages.len(),
            first: entry.messages.keys().next().copied(),
            last: entry.messages.keys().next_back().copied(),
            read_wanted: entry.read.wanted,
            others_read: entry.others_read.clone(),
            members: entry.members.len(),
            group: entry.group.clone(),
            detached: entry.history.detached,
        }
    }
}

impl Marks {
    pub(super) fn of(state: &AppState) -> Self {
        let chats = &state.chats;
        Self {
            user: shell_user(state).cloned(),
            sends: chats.outbox.iter().map(KeptSend::of).collect(),
            changes: chats.changes.iter().map(KeptChange::of).collect(),
            uploads: chats
                .transfers
                .uploads
                .iter()
                .filter_map(KeptUpload::of)
                .collect(),
            drafts: state.drafts.clone(),
            chats: chats
                .by_id
                .iter()
                .map(|(id, entry)| (*id, ChatMark::of(entry)))
                .collect(),
        }
    }
}

fn shell_user(state: &AppState) -> Option<&User> {
    match &state.screen {
        Screen::Shell(shell) => Some(&shell.user),
        _ => None,
    }
}

/// The store writes that bring it from `before` to the state now (nothing when signed out:
/// the app closes the store with the session).
pub(super) fn writes(before: &Marks, state: &AppState) -> Vec<Effect> {
    if state.session.is_none() {
        return Vec::new();
    }
    let now = Marks::of(state);
    if &now == before {
        return Vec::new();
    }
    let mut writes = Vec::new();
    if now.sends != before.sends {
        writes.push(StoreWrite::Sends(now.sends));
    }
    if now.changes != before.changes {
        writes.push(StoreWrite::Changes(now.changes));
    }
    if now.uploads != before.uploads {
        writes.push(StoreWrite::Uploads(now.uploads));
    }
    let drafts: HashSet<&ChatId> = now.drafts.keys().chain(before.drafts.keys()).collect();
    for chat in drafts {
        let draft = now.drafts.get(chat).filter(|d| !d.is_empty());
        if draft != before.drafts.get(chat).filter(|d| !d.is_empty()) {
            writes.push(StoreWrite::Draft(*chat, draft.cloned()));
        }
    }
    if now.user != before.user
        && let Some(user) = now.user
    {
        writes.push(StoreWrite::User(Box::new(user)));
    }
    for (id, mark) in &now.chats {
        // a window opened at an older message is not the tail: kept again once back at the end
        if before.chats.get(id) != Some(mark)
            && !mark.detached
            && let Some(entry) = state.chats.by_id.get(id)
        {
            writes.push(StoreWrite::Chat(Box::new(kept_chat(entry))));
        }
    }
    for id in before.chats.keys() {
        if !now.chats.contains_key(id) {
            writes.push(StoreWrite::ChatGone(*id));
        }
    }
    writes.into_iter().map(Effect::Store).collect()
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
    }
}

/// Every write that puts the whole kept state into an empty store (the first start after an
/// upgrade, when the old saved outbox and drafts move into it).
pub fn everything(state: &AppState) -> Vec<StoreWrite> {
    let empty = Marks {
        user: None,
        sends: Vec::new(),
        changes: Vec::new(),
        uploads: Vec::new(),
        drafts: HashMap::new(),
        chats: HashMap::new(),
    };
    writes(&empty, state)
        .into_iter()
        .filter_map(|e| match e {
            Effect::Store(write) => Some(write),
            _ => None,
        })
        .collect()
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
