//! What a chat room is asked to do, and [`RoomHandle`], the room as the rest of the server
//! sees it: one typed recipient per command, so nothing below the room names the actor.

use actix::{Message, Recipient};
use chrono::{DateTime, Utc};
use natter_shared::api::ReadState;
use natter_shared::{FileId, MessageId, MessageText, RequestId, UserId};

use super::events::ConnId;
use crate::db::admission::Pass;
use crate::db::batch::Persisted;
use crate::db::changes::{Applied, Change};
use crate::error::ApiError;

/// Send a message (from a WebSocket connection `conn`, or over REST).
#[derive(Message)]
#[rtype(result = "Result<Persisted, ApiError>")]
pub struct PostMessage {
    pub sender: UserId,
    pub conn: Option<ConnId>,
    pub request_id: RequestId,
    pub text: MessageText,
    pub reply_to: Option<MessageId>,
    /// A forwarded copy: the original's sender and time.
    pub forwarded: Option<(UserId, DateTime<Utc>)>,
    /// Files to carry (validated: at most ten, each once).
    pub attachments: Vec<FileId>,
    /// When the server read the send: its admission budget counts from here.
    pub received: std::time::Instant,
    /// The session's admission let it through (`Admission::pass`): until it is queued it
    /// counts as on its way. `None` for sends not let through that way (REST, forwards).
    pub pass: Option<Pass>,
}

/// Change a stored message (edit, delete, reaction, pin) as member `actor`.
#[derive(Message)]
#[rtype(result = "Result<Applied, ApiError>")]
pub struct ApplyChange {
    pub actor: UserId,
    pub conn: Option<ConnId>,
    pub change: Change,
}

/// A member started or stopped typing.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SetTyping {
    pub user: UserId,
    pub is_typing: bool,
}

/// A member read up to `seq`.
#[derive(Message)]
#[rtype(result = "Result<ReadState, ApiError>")]
pub struct MarkRead {
    pub user: UserId,
    pub conn: Option<ConnId>,
    pub seq: i64,
}

/// Who is a member, or what they may do, changed (here or on another process): the room
/// reads its members again before its next delivery.
#[derive(Message)]
#[rtype(result = "()")]
pub struct MembersChanged;

/// A running room of this process.
#[derive(Clone)]
pub struct RoomHandle {
    pub post: Recipient<PostMessage>,
    pub change: Recipient<ApplyChange>,
    pub typing: Recipient<SetTyping>,
    pub read: Recipient<MarkRead>,
    pub members_changed: Recipient<MembersChanged>,
    /// The room's chat and members' cell.
    pub shared: std::sync::Arc<super::members::Shared>,
}

impl RoomHandle {
    /// Whether the room still runs.
    pub fn connected(&self) -> bool {
        self.post.connected()
    }
}
