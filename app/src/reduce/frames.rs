//! What each server frame does to the state.

use chrono::{DateTime, TimeDelta, Utc};
use natter_shared::ws::{PresenceEvent, ServerFrame};

use super::{chat_list, edits, events, groups, outbox, prefs, reads};
use crate::effect::Effect;
use crate::state::AppState;

/// "typing…" stays this long after the last `typing: true` (the server relays it at most
/// every 3 s while someone types, and `false` when they stop).
pub const TYPING_SHOWN: TimeDelta = TimeDelta::seconds(6);

pub(super) fn apply(state: &mut AppState, frame: ServerFrame, at: DateTime<Utc>) -> Vec<Effect> {
    match frame {
        ServerFrame::MessageSent {
            request_id,
            message,
            event_seq,
        } => {
            let chat = message.chat_id;
            let mut effects = outbox::acked(state, request_id, message);
            effects.extend(events::seen(state, chat, event_seq));
            effects
        }
        ServerFrame::NewMessage { message, event_seq } => {
            if let Some(entry) = state.chats.by_id.get_mut(&message.chat_id) {
                entry.typing.remove(&message.sender_id);
            }
            let chat = message.chat_id;
            let mut effects = prefs::notify(state, &message, at);
            effects.extend(groups::service_seen(state, &message));
            effects.extend(chat_list::insert_message(state, message));
            effects.extend(events::seen(state, chat, event_seq));
            effects
        }
        ServerFrame::ChatEvent { event } => {
            let mut effects = match &event.message {
                Some(m) if m.deleted => prefs::withdraw(state, m),
                _ => Vec::new(),
            };
            effects.extend(events::frame(state, event));
            effects
        }
        ServerFrame::InviteReceived { invite } => groups::invited(state, invite),
        ServerFrame::InviteAnswered { invite_id, .. } => groups::invite_answered(state, invite_id),
        ServerFrame::MembershipEnded { chat_id, reason } => groups::ended(state, chat_id, reason),
        ServerFrame::ChangeApplied {
            request_id,
            chat_id,
            result,
        } => edits::applied(state, request_id, chat_id, result),
        ServerFrame::Forwarded {
            request_id,
            messages,
            event_seqs,
        } => edits::forwarded(state, request_id, messages, event_seqs),
        ServerFrame::Error {
            request_id: Some(request_id),
            code,
            message,
        } => {
            if edits::refused(state, request_id, code, message.clone()) {
                Vec::new()
            } else {
                outbox::refused(state, request_id, code, message, at)
            }
        }
        ServerFrame::Error { code, message, .. } => {
            tracing::warn!(?code, %message, "the server refused a frame");
            Vec::new()
        }
        // the answer to an `auth` frame, which this app does not send yet
        ServerFrame::Authenticated { .. } => Vec::new(),
        ServerFrame::Presence {
            event,
            user_id,
            timestamp,
        } => {
            let online = event == PresenceEvent::UserOnline;
            for entry in state.chats.by_id.values_mut() {
                if let Some(partner) = &mut entry.summary.partner
                    && partner.id == user_id
                {
                    partner.online = online;
                    if !online {
                        entry.partner_last_seen = Some(timestamp);
                    }
                }
            }
            // and the dot beside them in an open group's member list
            if let Some(list) = state
                .chats
                .groups
                .panel
                .as_mut()
                .and_then(|p| p.members.as_mut())
            {
                for member in list.members.iter_mut().filter(|m| m.id == user_id) {
                    member.online = online;
                }
            }
            Vec::new()
        }
        ServerFrame::Typing {
            chat_id,
            user_id,
            is_typing,
        } => {
            let Some(entry) = state.chats.by_id.get_mut(&chat_id) else {
                return Vec::new();
            };
            if is_typing {
                let until = at + TYPING_SHOWN;
                entry.typing.insert(user_id, until);
                vec![Effect::WakeAt(until)]
            } else {
                entry.typing.remove(&user_id);
                Vec::new()
            }
        }
        ServerFrame::Read {
            chat_id,
            user_id,
            seq,
        } => {
            let me = state.session.as_ref().map(|s| s.user_id);
            if let Some(entry) = state.chats.by_id.get_mut(&chat_id) {
                if Some(user_id) == me {
                    reads::set_read_seq(entry, seq);
                } else {
                    let cursor = entry.others_read.entry(user_id).or_insert(0);
                    *cursor = (*cursor).max(seq);
                }
            }
            Vec::new()
        }
        ServerFrame::ChatUpdated { chat } => chat_list::upsert(state, chat),
    }
}
