//! The chat list: syncing it with `GET /chats` after every (re)connect, merging the
//! server's view with what frames brought meanwhile, opening a chat, its members, and
//! typing indicators.

use natter_shared::ChatId;
use natter_shared::api::{ChatDetails, ChatSummary, Message};

use super::calls::{authed, error_of, my_id};
use super::{events, history};
use crate::api::{ApiCall, ApiFailure, ApiReply, CHAT_PAGE};
use crate::effect::Effect;
use crate::state::{AppState, ChatEntry};

/// Starts a full `GET /chats` sync (after every open of the link).
pub(super) fn sync(state: &mut AppState) -> Vec<Effect> {
    let chats = &mut state.chats;
    chats.sync_generation += 1;
    chats.syncing = true;
    chats.sync_seen.clear();
    let sync = chats.sync_generation;
    authed(state, ApiCall::ListChats { offset: 0, sync })
}

pub(super) fn listed(
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
        effects.extend(authed(
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
    // a group I am no longer in stays, read-only, for this session: what I had seen
    let ended = &chats.groups.ended;
    chats
        .by_id
        .retain(|id, _| seen.contains(id) || ended.contains_key(id));
    let by_id = &chats.by_id;
    chats.order.retain(|id| by_id.contains_key(id));
    // and one I went from before a restart comes back from what was kept of it
    let missing: Vec<ChatSummary> = chats
        .groups
        .ended_summaries
        .iter()
        .filter(|(id, _)| !chats.by_id.contains_key(id))
        .map(|(_, s)| s.clone())
        .collect();
    for summary in missing {
        effects.extend(upsert(state, summary));
    }
    let chats = &mut state.chats;
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
            summary.last_event_seq = summary.last_event_seq.max(old.last_event_seq);
            summary.updated_at = summary.updated_at.max(old.updated_at);
            summary.read_seq = summary.read_seq.max(old.read_seq);
            summary.unread_count = (summary.last_seq - summary.read_seq).max(0);
        }
        None => {
            state.chats.by_id.insert(id, ChatEntry::new(incoming));
            state.chats.order.push(id);
        }
    }
    let mut effects = history::ensure_caught_up(state, id);
    effects.extend(events::ensure_caught_up(state, id));
    effects
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
        effects.extend(authed(state, ApiCall::GetChat(chat_id)));
    }
    let Some(entry) = state.chats.by_id.get(&chat_id) else {
        return effects;
    };
    let history = &entry.history;
    if entry.synced_seq.is_some() || history.loading_latest || history.around.is_some() {
        return effects;
    }
    effects.extend(history::load_latest(state, chat_id));
    effects
}

/// After every (re)connect: what frames would have said while the link was down (members'
/// read cursors, who is online) is asked again — the open chat's members now, every other
/// chat's when it is next opened. (Direct partners' online state comes with the list sync.)
pub(super) fn resync_members(state: &mut AppState) -> Vec<Effect> {
    let open = state.chats.open;
    let ended = &state.chats.groups.ended;
    let mut ask = None;
    for (id, entry) in &mut state.chats.by_id {
        let again = Some(*id) == open && entry.members_requested && !ended.contains_key(id);
        entry.members_requested = again;
        if again {
            ask = Some(*id);
        }
    }
    ask.map_or_else(Vec::new, |id| authed(state, ApiCall::GetChat(id)))
}

/// `GET /chats/{id}` answered: the members (names, read cursors).
pub(super) fn detailed(state: &mut AppState, details: ChatDetails) -> Vec<Effect> {
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
        entry.group = details.group;
    }
    effects
}
/// `GET /chats/{id}` failed: asked again the next time the chat is opened.
pub(super) fn detail_failed(state: &mut AppState, chat_id: ChatId) -> Vec<Effect> {
    if let Some(entry) = state.chats.by_id.get_mut(&chat_id) {
        entry.members_requested = false;
    }
    Vec::new()
}

/// A message from a frame or an acknowledgement. A chat this list does not know yet comes
/// with the list sync (started unless one runs).
pub(super) fn insert_message(state: &mut AppState, message: Message) -> Vec<Effect> {
    if state.chats.by_id.contains_key(&message.chat_id) {
        history::insert(state, message)
    } else if state.chats.syncing {
        Vec::new()
    } else {
        sync(state)
    }
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
