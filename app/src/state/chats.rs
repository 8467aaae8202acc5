//! The chats of the signed-in user: the list (ordered by activity), each chat's loaded
//! messages keyed by `seq`, the history and gap-fill bookkeeping, read cursors, presence
//! and typing, and the outbox of messages not yet acknowledged by the server.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use natter_shared::api::{ChatMember, ChatSummary, Message};
use natter_shared::{ChatId, ErrorCode, MessageId, RequestId, UserId};

use super::UiError;

/// Everything about chats.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatsState {
    pub by_id: HashMap<ChatId, ChatEntry>,
    /// Chat ids, most recent activity first.
    pub order: Vec<ChatId>,
    /// At least one full `GET /chats` has arrived.
    pub loaded: bool,
    /// A `GET /chats` sync (possibly several pages) is under way.
    pub syncing: bool,
    /// Numbers the syncs; answers to an older one are dropped.
    pub sync_generation: u64,
    /// Ids seen by the sync under way; chats not among them are gone when it completes.
    pub sync_seen: HashSet<ChatId>,
    /// Why the last sync failed, until the next one succeeds.
    pub error: Option<UiError>,
    /// The chat on screen, if any.
    pub open: Option<ChatId>,
    /// Sends not yet acknowledged, in the order they were made.
    pub outbox: Vec<Outgoing>,
    /// Sends the server answered `overloaded`: queued, and not sent again before the time
    /// here (the attempt count sets the next wait).
    pub send_backoff: HashMap<RequestId, SendBackoff>,
    /// Edits, deletes, reactions, pins and forwards not yet answered, in the order made;
    /// they go out (again) in that order whenever the link is up.
    pub changes: Vec<PendingChange>,
    /// The last change the server refused, to show in its chat.
    pub change_error: Option<(ChatId, UiError)>,
    /// Invitations, the group info panel, chats I left.
    pub groups: super::groups::GroupsState,
    /// Uploads, downloads and fetched images.
    pub transfers: super::transfers::TransfersState,
}

impl ChatsState {
    /// The chats in list order.
    pub fn ordered(&self) -> impl Iterator<Item = &ChatEntry> {
        self.order.iter().filter_map(|id| self.by_id.get(id))
    }

    /// The unacknowledged sends of one chat, oldest first.
    pub fn outgoing_in(&self, chat: ChatId) -> impl Iterator<Item = &Outgoing> {
        self.outbox.iter().filter(move |o| o.chat_id == chat)
    }

    /// Puts `order` back in activity order (newest first; ties by id, for stability).
    pub fn sort(&mut self) {
        let by_id = &self.by_id;
        self.order.sort_by(|a, b| {
            let key = |id: &ChatId| by_id.get(id).map(|c| c.summary.updated_at);
            key(b).cmp(&key(a)).then(a.cmp(b))
        });
    }
}

/// One chat.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatEntry {
    /// The server's view (last seq, read cursor, unread count, partner), kept current by
    /// frames and re-synced after every reconnect.
    pub summary: ChatSummary,
    /// Loaded messages by `seq`. From `window_start()` up to `synced_seq` there is no gap;
    /// messages above `synced_seq + 1` wait there for the gap below them to be filled.
    pub messages: BTreeMap<i64, Message>,
    /// Up to which seq the loaded tail is complete; `None` until the latest page came.
    pub synced_seq: Option<i64>,
    pub history: HistoryState,
    pub read: ReadCursor,
    /// Other members' read cursors (from `read` frames), for "read by the partner".
    pub others_read: HashMap<UserId, i64>,
    /// Who is typing, until when.
    pub typing: BTreeMap<UserId, DateTime<Utc>>,
    /// When a direct chat's partner went offline, from presence.
    pub partner_last_seen: Option<DateTime<Utc>>,
    /// The members (from `GET /chats/{id}`), for sender names in groups; empty until loaded.
    pub members: Vec<ChatMember>,
    /// `GET /chats/{id}` was asked for (once per session).
    pub members_requested: bool,
    /// Where the "new messages" marker goes: the first unread seq when the chat was opened.
    pub unread_marker: Option<i64>,
    /// Loaded messages' seq by id, for showing what a reply quotes. A window change that
    /// drops messages keeps their seqs here (a seq never changes), so a quote of one opens
    /// with one page around it.
    pub seq_of: HashMap<MessageId, i64>,
    /// The last event of the chat's log applied to the loaded messages; `None` until the
    /// latest page came (nothing loaded, nothing to apply).
    pub event_seq: Option<i64>,
    /// A `GET /chats/{id}/events` is in flight.
    pub events_loading: bool,
    /// The pinned messages, newest pin first (from `GET /chats/{id}/pins`, kept by events).
    pub pins: Vec<Message>,
    /// `GET /chats/{id}/pins` was asked for (once per session).
    pub pins_requested: bool,
    /// A group's info and rules (from `GET /chats/{id}`).
    pub group: Option<natter_shared::api::GroupInfo>,
    /// The message the chat was last opened at (a search hit): scrolled to, highlighted.
    pub focus: Option<super::search::Focus>,
}

impl ChatEntry {
    pub fn new(summary: ChatSummary) -> Self {
        Self {
            summary,
            messages: BTreeMap::new(),
            synced_seq: None,
            history: HistoryState::default(),
            read: ReadCursor::default(),
            others_read: HashMap::new(),
            typing: BTreeMap::new(),
            partner_last_seen: None,
            members: Vec::new(),
            members_requested: false,
            unread_marker: None,
            seq_of: HashMap::new(),
            event_seq: None,
            events_loading: false,
            pins: Vec::new(),
            pins_requested: false,
            group: None,
            focus: None,
        }
    }

    /// What to call the chat: the group title, else the partner's name.
    pub fn title(&self) -> &str {
        if let Some(title) = &self.summary.title {
            return title;
        }
        self.summary.partner.as_ref().map_or("?", |p| p.name())
    }

    /// A member's name, for sender lines in groups.
    pub fn member_name(&self, user: UserId) -> Option<&str> {
        if let Some(partner) = &self.summary.partner
            && partner.id == user
        {
            return Some(partner.name());
        }
        self.members
            .iter()
            .find(|m| m.id == user)
            .map(ChatMember::name)
    }

    /// A loaded message by id.
    pub fn message_by_id(&self, id: MessageId) -> Option<&Message> {
        self.seq_of.get(&id).and_then(|seq| self.messages.get(seq))
    }

    /// The seq of message `id` when the app knows it: loaded, loaded once (`seq_of` keeps
    /// what a window change dropped), or pinned.
    pub fn known_seq(&self, id: MessageId) -> Option<i64> {
        self.seq_of
            .get(&id)
            .copied()
            .or_else(|| self.pins.iter().find(|m| m.id == id).map(|m| m.seq))
    }

    /// The lowest loaded seq.
    pub fn window_start(&self) -> Option<i64> {
        self.messages.keys().next().copied()
    }

    /// Where the gap-free window starts: the lowest stored seq at or below `synced_seq`, else
    /// `synced_seq + 1` (an empty window); `None` until the chat is loaded. Messages waiting
    /// above the gap are not part of it, so they never make a page below them look stale.
    pub fn synced_start(&self) -> Option<i64> {
        let synced = self.synced_seq?;
        let lowest = self.messages.range(..=synced).next().map(|(seq, _)| *seq);
        Some(lowest.unwrap_or(synced + 1))
    }

    /// The newest seq the chat is known to have: the list's, or a stored message's.
    pub fn newest_known(&self) -> i64 {
        let stored = self.messages.keys().next_back().copied().unwrap_or(0);
        self.summary.last_seq.max(stored)
    }

    /// The last `after=` page brought nothing new, and neither the window's end nor the
    /// newest known seq has moved since: asking again would bring nothing either.
    pub fn newer_stalled(&self) -> bool {
        self.synced_seq
            .is_some_and(|synced| self.history.stalled == Some((synced, self.newest_known())))
    }

    /// Whether scrolling to the end of a detached window should ask for the next page: none
    /// in flight, the last one did not fail (Retry asks then) and was not empty.
    pub fn wants_newer(&self) -> bool {
        let history = &self.history;
        history.detached
            && !history.filling
            && history.around.is_none()
            && history.newer_error.is_none()
            && !self.newer_stalled()
    }

    /// The highest seq any other member has read (for the "read" tick on own messages).
    pub fn read_by_others(&self) -> i64 {
        self.others_read.values().copied().max().unwrap_or(0)
    }
}

/// Loading of a chat's history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryState {
    /// The latest page is being fetched.
    pub loading_latest: bool,
    /// An older page (`before=`) is being fetched.
    pub loading_older: bool,
    /// A gap page (`after=`) is being fetched.
    pub filling: bool,
    /// The first message is loaded: older pages are never asked for again.
    pub reached_start: bool,
    /// Why the latest or an older page failed (shown at the top, with Retry); cleared when
    /// any page comes.
    pub error: Option<UiError>,
    /// Why the last `after=` page (a newer page or a gap page) failed (shown at the bottom,
    /// with Retry); cleared when any page comes.
    pub newer_error: Option<UiError>,
    /// `(synced_seq, newest known seq)` when an `after=` page at `synced_seq` brought nothing
    /// new: not asked again for the same pair (see [`ChatEntry::newer_stalled`]).
    pub stalled: Option<(i64, i64)>,
    /// The page around a message is being fetched (the chat is opening at a search hit or a
    /// reply's original).
    pub around: Option<Around>,
    /// The loaded window does not reach the newest message (it was opened at an older one):
    /// newer pages come as one scrolls down (`after=` the window's end), not all at once, and
    /// messages arriving live wait above the gap until the window reaches them.
    pub detached: bool,
}

/// What a page around a message is asked around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Around {
    /// A seq (a search hit, a message loaded before): `around=`.
    Seq(i64),
    /// A message whose seq the app does not know (a reply's original older than anything
    /// loaded): `around_id=`.
    Message(MessageId),
}

impl Around {
    /// What `query` asks around, if anything.
    pub fn of(query: &natter_shared::api::HistoryQuery) -> Option<Self> {
        query
            .around
            .map(Self::Seq)
            .or(query.around_id.map(Self::Message))
    }
}

/// This user's read cursor in a chat, as sent to the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadCursor {
    /// The highest seq that has been on screen.
    pub wanted: i64,
    /// A `POST /chats/{id}/read` is in flight.
    pub in_flight: bool,
}

/// A change of a message (edit, delete, reaction, pin, forward) waiting for its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingChange {
    pub request_id: RequestId,
    pub chat_id: ChatId,
    /// The frame that makes it (sent again as it is after a reconnect).
    pub frame: natter_shared::ws::ClientFrame,
    /// On the wire (else it waits for the link).
    pub sent: bool,
    /// The message as it was before the local guess, put back if the server refuses.
    pub before: Option<Message>,
}

/// A message sent from this device and not yet acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The idempotency key; every resend keeps it, so the server stores the message once.
    pub request_id: RequestId,
    pub chat_id: ChatId,
    /// Already trimmed and checked with the shared `MessageText`.
    pub text: String,
    pub reply_to: Option<MessageId>,
    /// Its files, in order: it goes out once every one is ready.
    pub uploads: Vec<crate::transfers::UploadKey>,
    /// When it was written (for display until the server's time arrives).
    pub created_at: DateTime<Utc>,
    pub state: OutgoingState,
}

/// A send the server could not take (`overloaded`): how often, and when it goes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendBackoff {
    pub attempts: u32,
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutgoingState {
    /// Waits for the link; goes out when it is up.
    Queued,
    /// On the wire since `since`; fails if not acknowledged in time.
    Sending { since: DateTime<Utc> },
    /// Given up; "retry" sends it again with the same request id.
    Failed(SendFailure),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// No acknowledgement in time.
    Timeout,
    /// The server refused it (an `error` frame with its request id).
    Refused { code: ErrorCode, message: String },
}
