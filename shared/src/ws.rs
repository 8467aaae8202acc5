//! WebSocket frames: one JSON object per text frame, tagged by `type`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::chats::ChatSummary;
use crate::api::messages::Message;
use crate::error::ErrorCode;
use crate::ids::{ChatId, MessageId, RequestId, UserId};

/// Client → server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Send a message; answered by `message_sent` (or `error` with the same `request_id`).
    Message {
        chat_id: ChatId,
        text: String,
        request_id: RequestId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<MessageId>,
    },
    /// Started or stopped typing in a chat.
    Typing { chat_id: ChatId, is_typing: bool },
    /// Read up to `seq` in a chat.
    Read { chat_id: ChatId, seq: i64 },
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
    },
    /// A message, to every other connection of every member (the sender's other devices too).
    NewMessage { message: Message },
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
            id: MessageId(id(1)),
            chat_id: ChatId(id(2)),
            seq: 7,
            sender_id: UserId(id(3)),
            text: "hi".into(),
            reply_to: None,
            request_id: None,
            created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            edited_at: None,
        }
    }

    #[test]
    fn golden_client_frames() {
        let json = r#"{"type":"message","chat_id":"00000000-0000-0000-0000-000000000002","text":"hi","request_id":"00000000-0000-0000-0000-000000000009"}"#;
        let frame: ClientFrame = serde_json::from_str(json).unwrap();
        assert_eq!(
            frame,
            ClientFrame::Message {
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
                },
                format!(
                    r#"{{"type":"message_sent","request_id":"00000000-0000-0000-0000-000000000009","message":{m}}}"#
                ),
            ),
            (
                ServerFrame::NewMessage { message: message() },
                format!(r#"{{"type":"new_message","message":{m}}}"#),
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
