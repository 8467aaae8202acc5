//! WebSocket frames: one JSON object per text frame, tagged by `type`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::chats::ChatSummary;
use crate::api::events::{ChangeResult, ChatEvent};
use crate::api::groups::{DepartureReason, Invite};
use crate::api::messages::Message;
use crate::error::ErrorCode;
use crate::ids::{ChatId, InviteId, MessageId, RequestId, UserId};

/// Client → server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Send a message; answered by `message_sent` (or `error` with the same `request_id`).
    Message {
        chat_id: ChatId,
        #[serde(default)]
        text: String,
        request_id: RequestId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<MessageId>,
        /// Finished uploads of one's own, as in `SendMessageRequest`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<crate::ids::FileId>,
    },
    /// Started or stopped typing in a chat.
    Typing { chat_id: ChatId, is_typing: bool },
    /// Read up to `seq` in a chat.
    Read { chat_id: ChatId, seq: i64 },
    /// Edit one's own message; answered by `change_applied` (or `error`).
    Edit {
        chat_id: ChatId,
        message_id: MessageId,
        text: String,
        request_id: RequestId,
    },
    /// Delete a message for everyone, or (the default) for oneself.
    Delete {
        chat_id: ChatId,
        message_id: MessageId,
        #[serde(default)]
        for_everyone: bool,
        request_id: RequestId,
    },
    /// Add (or with `remove`, take back) a reaction.
    React {
        chat_id: ChatId,
        message_id: MessageId,
        emoji: String,
        #[serde(default)]
        remove: bool,
        request_id: RequestId,
    },
    /// Pin (or with `unpin`, unpin) a message.
    Pin {
        chat_id: ChatId,
        message_id: MessageId,
        #[serde(default)]
        unpin: bool,
        request_id: RequestId,
    },
    /// Forward messages of `from_chat_id` into `chat_id`; answered by `forwarded`.
    Forward {
        chat_id: ChatId,
        from_chat_id: ChatId,
        message_ids: Vec<MessageId>,
        request_id: RequestId,
    },
    /// A fresh access token of the same session (after a refresh): the socket stays open
    /// past the expiry of the token it was opened with. Answered by `authenticated`, or by
    /// `error` (and the socket still closes at its old expiry).
    Auth { token: BearerToken },
}

/// A secret in a frame or a body (an access token, a socket ticket): the plain string on the
/// wire, never shown by `Debug`, so it cannot reach a log line through one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
pub struct BearerToken(pub String);

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(***)")
    }
}

/// `POST /api/v1/ws/ticket`: a single-use ticket to open the socket with
/// (`GET /api/v1/ws?ticket=`), so no token travels in a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WsTicket {
    pub ticket: BearerToken,
    /// Seconds the ticket stays valid (it is spent by the first upgrade that uses it).
    pub expires_in: u64,
}

impl ClientFrame {
    /// The frame's idempotency key, for the frames that carry one (an answer names it).
    pub fn request_id(&self) -> Option<RequestId> {
        match self {
            ClientFrame::Message { request_id, .. }
            | ClientFrame::Edit { request_id, .. }
            | ClientFrame::Delete { request_id, .. }
            | ClientFrame::React { request_id, .. }
            | ClientFrame::Pin { request_id, .. }
            | ClientFrame::Forward { request_id, .. } => Some(*request_id),
            ClientFrame::Typing { .. } | ClientFrame::Read { .. } | ClientFrame::Auth { .. } => {
                None
            }
        }
    }
}

/// Presence changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceEvent {
    UserOnline,
    UserOffline,
}

/// Server → client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The ack of a `message` frame, to the connection that sent it.
    MessageSent {
        request_id: RequestId,
        message: Message,
        /// The `message_created` event of the message.
        #[serde(default)]
        event_seq: i64,
    },
    /// A message, to every other connection of every member (the sender's other devices too).
    NewMessage {
        message: Message,
        /// The `message_created` event of the message.
        #[serde(default)]
        event_seq: i64,
    },
    /// Any other change of a chat (edit, delete, reaction, pin), to every member's
    /// connections but the one that made it.
    ChatEvent { event: ChatEvent },
    /// The answer to `edit`, `delete`, `react` and `pin`, to the connection that sent it.
    ChangeApplied {
        request_id: RequestId,
        chat_id: ChatId,
        result: ChangeResult,
    },
    /// The answer to `forward`: the copies, each also delivered as `new_message`.
    Forwarded {
        request_id: RequestId,
        messages: Vec<Message>,
        /// The `message_created` event of each copy, in the same order.
        event_seqs: Vec<i64>,
    },
    /// The answer to `auth`: the socket now stays open this many seconds (until the new
    /// token expires) unless the client authenticates again.
    Authenticated { expires_in: u64 },
    /// A frame was refused; the connection stays open.
    Error {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<RequestId>,
        code: ErrorCode,
        message: String,
    },
    /// Someone who shares a chat with you came online (first connection) or went offline
    /// (last connection closed).
    Presence {
        event: PresenceEvent,
        user_id: UserId,
        timestamp: DateTime<Utc>,
    },
    Typing {
        chat_id: ChatId,
        user_id: UserId,
        is_typing: bool,
    },
    /// A member read up to `seq`.
    Read {
        chat_id: ChatId,
        user_id: UserId,
        seq: i64,
    },
    /// A chat you belong to was created or changed (as you see it).
    ChatUpdated { chat: ChatSummary },
    /// You were invited into a group.
    InviteReceived { invite: Invite },
    /// An invitation you sent was accepted or declined (to the inviter), or an invitation
    /// to you was answered on another device or withdrawn (to the invitee).
    InviteAnswered {
        invite_id: InviteId,
        chat_id: ChatId,
        user_id: UserId,
        accepted: bool,
    },
    /// You are no longer a member of `chat_id` (you left on another device, were removed or
    /// banned): nothing newer of it reaches you.
    MembershipEnded {
        chat_id: ChatId,
        reason: DepartureReason,
    },
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn message() -> Message {
        Message {
            attachments: Vec::new(),
            id: MessageId(id(1)),
            chat_id: ChatId(id(2)),
            seq: 7,
            sender_id: UserId(id(3)),
            text: "hi".into(),
            reply_to: None,
            request_id: None,
            created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            edited_at: None,
            deleted: false,
            hidden: false,
            forwarded_from: None,
            reactions: Vec::new(),
            pinned_at: None,
            service: None,
            mentions: Vec::new(),
        }
    }

    #[test]
    fn golden_auth_frames_and_ticket() {
        let json = r#"{"type":"auth","token":"eyJ.abc.def"}"#;
        let frame: ClientFrame = serde_json::from_str(json).unwrap();
        assert_eq!(
            frame,
            ClientFrame::Auth {
                token: BearerToken("eyJ.abc.def".into())
            }
        );
        assert_eq!(serde_json::to_string(&frame).unwrap(), json);
        assert!(
            !format!("{frame:?}").contains("eyJ"),
            "Debug hides the token"
        );
        assert_eq!(
            serde_json::to_string(&ServerFrame::Authenticated { expires_in: 900 }).unwrap(),
            r#"{"type":"authenticated","expires_in":900}"#
        );
        let ticket = WsTicket {
            ticket: BearerToken("t1".into()),
            expires_in: 30,
        };
        assert_eq!(
            serde_json::to_string(&ticket).unwrap(),
            r#"{"ticket":"t1","expires_in":30}"#
        );
        assert!(!format!("{ticket:?}").contains("t1"));
    }

    #[test]
    fn golden_client_frames() {
        let json = r#"{"type":"message","chat_id":"00000000-0000-0000-0000-000000000002","text":"hi","request_id":"00000000-0000-0000-0000-000000000009"}"#;
        let frame: ClientFrame = serde_json::from_str(json).unwrap();
        assert_eq!(
            frame,
            ClientFrame::Message {
                attachments: Vec::new(),
                chat_id: ChatId(id(2)),
                text: "hi".into(),
                request_id: RequestId(id(9)),
                reply_to: None
            }
        );
        assert_eq!(serde_json::to_string(&frame).unwrap(), json);
        assert_eq!(
            serde_json::to_string(&ClientFrame::Typing {
                chat_id: ChatId(id(2)),
                is_typing: true
            })
            .unwrap(),
            r#"{"type":"typing","chat_id":"00000000-0000-0000-0000-000000000002","is_typing":true}"#
        );
        assert_eq!(
            serde_json::to_string(&ClientFrame::Read {
                chat_id: ChatId(id(2)),
                seq: 5
            })
            .unwrap(),
            r#"{"type":"read","chat_id":"00000000-0000-0000-0000-000000000002","seq":5}"#
        );
    }

    #[test]
    fn golden_server_frames() {
        let m = r#"{"id":"00000000-0000-0000-0000-000000000001","chat_id":"00000000-0000-0000-0000-000000000002","seq":7,"sender_id":"00000000-0000-0000-0000-000000000003","text":"hi","created_at":"2026-01-02T03:04:05Z"}"#;
        let cases = [
            (
                ServerFrame::MessageSent {
                    request_id: RequestId(id(9)),
                    message: message(),
                    event_seq: 3,
                },
                format!(
                    r#"{{"type":"message_sent","request_id":"00000000-0000-0000-0000-000000000009","message":{m},"event_seq":3}}"#
                ),
            ),
            (
                ServerFrame::NewMessage {
                    message: message(),
                    event_seq: 3,
                },
                format!(r#"{{"type":"new_message","message":{m},"event_seq":3}}"#),
            ),
            (
                ServerFrame::Error {
                    request_id: None,
                    code: ErrorCode::RateLimited,
                    message: "slow down".into(),
                },
                r#"{"type":"error","code":"rate_limited","message":"slow down"}"#.to_owned(),
            ),
            (
                ServerFrame::Presence {
                    event: PresenceEvent::UserOnline,
                    user_id: UserId(id(3)),
                    timestamp: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
                },
                r#"{"type":"presence","event":"user_online","user_id":"00000000-0000-0000-0000-000000000003","timestamp":"2026-01-02T03:04:05Z"}"#.to_owned(),
            ),
            (
                ServerFrame::Read {
                    chat_id: ChatId(id(2)),
                    user_id: UserId(id(3)),
                    seq: 4,
                },
                r#"{"type":"read","chat_id":"00000000-0000-0000-0000-000000000002","user_id":"00000000-0000-0000-0000-000000000003","seq":4}"#.to_owned(),
            ),
        ];
        for (frame, json) in cases {
            assert_eq!(serde_json::to_string(&frame).unwrap(), json);
            assert_eq!(serde_json::from_str::<ServerFrame>(&json).unwrap(), frame);
        }
    }

    #[test]
    fn golden_change_frames() {
        let json = r#"{"type":"react","chat_id":"00000000-0000-0000-0000-000000000002","message_id":"00000000-0000-0000-0000-000000000001","emoji":"👍","request_id":"00000000-0000-0000-0000-000000000009"}"#;
        let frame: ClientFrame = serde_json::from_str(json).unwrap();
        assert_eq!(
            frame,
            ClientFrame::React {
                chat_id: ChatId(id(2)),
                message_id: MessageId(id(1)),
                emoji: "👍".into(),
                remove: false,
                request_id: RequestId(id(9)),
            }
        );
        let delete: ClientFrame = serde_json::from_str(
            r#"{"type":"delete","chat_id":"00000000-0000-0000-0000-000000000002","message_id":"00000000-0000-0000-0000-000000000001","for_everyone":true,"request_id":"00000000-0000-0000-0000-000000000009"}"#,
        )
        .unwrap();
        assert!(matches!(
            delete,
            ClientFrame::Delete {
                for_everyone: true,
                ..
            }
        ));
    }

    #[test]
    fn unknown_frame_types_and_fields_are_rejected() {
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"dance"}"#).is_err());
        assert!(
            serde_json::from_str::<ClientFrame>(
                r#"{"type":"read","chat_id":"00000000-0000-0000-0000-000000000002","seq":1,"x":1}"#
            )
            .is_err()
        );
    }
}
