//! The chat event log: `GET /chats/{id}/events`, and what a change answers.
//!
//! Every change of a chat (a message sent, edited or deleted, a reaction, a pin) is an event
//! with the chat's next gap-free `event_seq`. A client applies an event when it is the next
//! one it expects, ignores one it already has, and fetches `events?after=` when one skips
//! ahead.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::messages::Message;
use crate::ids::{ChatId, UserId};

crate::named_enum!(
    /// What an event changed.
    pub enum EventKind {
        MessageCreated = "message_created",
        MessageEdited = "message_edited",
        MessageDeleted = "message_deleted",
        ReactionAdded = "reaction_added",
        ReactionRemoved = "reaction_removed",
        MessagePinned = "message_pinned",
        MessageUnpinned = "message_unpinned",
    }
);

/// One change of a chat. Message events carry the message as it is now (as the asker may
/// see it), so applying the events in order, replacing each message by the carried one,
/// ends with the server's history: a deleted message's earlier events carry its tombstone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatEvent {
    pub chat_id: ChatId,
    pub event_seq: i64,
    pub kind: EventKind,
    /// Who made the change.
    pub actor_id: UserId,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// The emoji of a reaction event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
}

/// `GET /chats/{id}/events?after&limit`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct EventsQuery {
    /// The last `event_seq` the client has; the answer starts after it. Default 0.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 0))]
    pub after: Option<i64>,
    /// 1–1000, default 200.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1000))]
    pub limit: Option<u32>,
}

impl EventsQuery {
    pub const DEFAULT_LIMIT: u32 = 200;
    pub const MAX_LIMIT: u32 = 1000;
}

/// Events after `after`, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventPage {
    pub events: Vec<ChatEvent>,
    /// More events follow the last one here: ask again with its `event_seq`.
    pub has_more: bool,
    /// The chat's newest `event_seq` when this page was read.
    pub last_event_seq: i64,
}

/// What an edit, delete, reaction or pin answers: the message as it is now and the event the
/// change made (`None` when it changed nothing: a retry, a reaction already given, a message
/// already deleted, or a delete for oneself only, which is not a chat event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeResult {
    pub message: Message,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_seq: Option<i64>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn golden_event() {
        let e = ChatEvent {
            chat_id: ChatId(Uuid::from_u128(2)),
            event_seq: 9,
            kind: EventKind::ReactionAdded,
            actor_id: UserId(Uuid::from_u128(3)),
            at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            message: None,
            emoji: Some("👍".into()),
        };
        let json = r#"{"chat_id":"00000000-0000-0000-0000-000000000002","event_seq":9,"kind":"reaction_added","actor_id":"00000000-0000-0000-0000-000000000003","at":"2026-01-02T03:04:05Z","emoji":"👍"}"#;
        assert_eq!(serde_json::to_string(&e).unwrap(), json);
        assert_eq!(serde_json::from_str::<ChatEvent>(json).unwrap(), e);
    }

    #[test]
    fn every_kind_round_trips_by_name() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(*k));
        }
    }
}
