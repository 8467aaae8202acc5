//! `ChatRoom`: one actor per active chat on this process. It knows the members, hands sends
//! to the writer, and fans out what happened (new messages, typing, reads) to the members'
//! connections here and, through the bus, on the other processes. Started on demand by the
//! first send/typing/read, stopped after a quiet spell.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web::web;
use natter_shared::api::ReadState;
use natter_shared::ws::ServerFrame;
use natter_shared::{ChatId, UserId};
use tokio::sync::oneshot;

use super::commands::{ApplyChange, MarkRead, MembersChanged, PostMessage, RoomHandle, SetTyping};
use super::deliver::fan_out;
use super::members::{Cell, Members, Shared};
use crate::chat_list::marks;
use crate::db::batch::Persisted;
use crate::db::changes;
use crate::db::writer::{SendCommand, Written};
use crate::error::ApiError;
use crate::state::AppState;
use crate::{chat_list, db};
use refusals::{blocked, change_rejected, rejected};

mod refusals;

/// A room with no activity for this long stops.
const IDLE_AFTER: Duration = Duration::from_secs(300);

/// See the module docs.
pub struct ChatRoom {
    chat_id: ChatId,
    state: web::Data<AppState>,
    members: Cell,
    last_active: Instant,
    shared: Arc<Shared>,
}

impl ChatRoom {
    fn new(state: web::Data<AppState>, chat_id: ChatId) -> Self {
        let members = Cell::default();
        Self {
            chat_id,
            state,
            members: members.clone(),
            last_active: Instant::now(),
            shared: Arc::new(Shared { chat_id, members }),
        }
    }
}

/// The running room of `chat`, started here if there is none.
pub fn room_for(state: &web::Data<AppState>, chat: ChatId) -> Arc<RoomHandle> {
    state.registry.room(chat, || {
        let room = ChatRoom::new(state.clone(), chat);
        let shared = room.shared.clone();
        let room = room.start();
        RoomHandle {
            post: room.clone().recipient(),
            change: room.clone().recipient(),
            typing: room.clone().recipient(),
            read: room.clone().recipient(),
            members_changed: room.recipient(),
            shared,
        }
    })
}

impl Actor for ChatRoom {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        tracing::debug!(chat_id = %self.chat_id, "room started");
        ctx.run_interval(IDLE_AFTER / 5, |room, ctx| {
            if room.last_active.elapsed() >= IDLE_AFTER {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        tracing::debug!(chat_id = %self.chat_id, "room stopped");
        self.state.registry.room_stopped(self.chat_id);
    }
}

impl Handler<MembersChanged> for ChatRoom {
    type Result = ();

    fn handle(&mut self, _: MembersChanged, _: &mut Self::Context) {
        forget(&self.members);
    }
}

fn forget(cell: &Cell) {
    let mut slot = cell.lock().unwrap_or_else(|p| p.into_inner());
    slot.members = None;
    slot.generation += 1;
}

/// The members, read from PostgreSQL when the room has none (or they changed).
async fn members(state: &AppState, cell: &Cell, chat: ChatId) -> Result<Arc<Members>, ApiError> {
    let generation = {
        let slot = cell.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(m) = slot.members.clone() {
            return Ok(m);
        }
        slot.generation
    };
    let roster = state
        .rosters
        .load(chat.0)
        .await?
        .ok_or_else(|| ApiError::not_found("chat"))?;
    let members = Arc::new(Members {
        version: roster.version,
        kind: roster.kind,
        blocked: roster.blocked,
        request_from: roster.request_from,
        ids: roster.members.iter().map(|m| m.0).collect(),
        muted: roster.members.iter().filter(|m| m.2).map(|m| m.0).collect(),
        by_username: roster.members.iter().map(|m| (m.1.clone(), m.0)).collect(),
    });
    let mut slot = cell.lock().unwrap_or_else(|p| p.into_inner());
    // kept only if nothing changed since the read began, and never over a newer one
    if slot.generation == generation
        && slot
            .members
            .as_ref()
            .is_none_or(|m| m.version <= members.version)
    {
        slot.members = Some(members.clone());
    }
    Ok(members)
}

/// The members as of `version` (a commit's): read again when the room's are older.
async fn members_at(
    state: &AppState,
    cell: &Cell,
    chat: ChatId,
    had: Arc<Members>,
    version: i64,
) -> Result<Arc<Members>, ApiError> {
    if had.version == version {
        return Ok(had);
    }
    forget(cell);
    members(state, cell, chat).await
}

impl Handler<PostMessage> for ChatRoom {
    type Result = ResponseFuture<Result<Persisted, ApiError>>;

    fn handle(&mut self, msg: PostMessage, _: &mut Self::Context) -> Self::Result {
        self.last_active = Instant::now();
        let (state, cell, chat) = (self.state.clone(), self.members.clone(), self.chat_id);
        Box::pin(write_and_deliver(state, cell, chat, msg))
    }
}

/// A send: checked against the members, written by the writer, delivered, and queued for the
/// chat-list cache.
async fn write_and_deliver(
    state: web::Data<AppState>,
    cell: Cell,
    chat: ChatId,
    msg: PostMessage,
) -> Result<Persisted, ApiError> {
    let (sender, request_id) = (msg.sender, msg.request_id);
    // the budget counts from when the server read the send: one that waited past it
    // in a mailbox is refused before anything else is done for it
    let budget = state.writer.admission().budget();
    if msg.received.elapsed() >= budget {
        metrics::counter!("natter_writer_refused_total", "why" => "late").increment(1);
        return Err(ApiError::Overloaded);
    }
    let members = members(&state, &cell, chat).await?;
    if !members.ids.contains(&msg.sender) {
        return Err(ApiError::not_found("chat"));
    }
    if members.muted.contains(&msg.sender) {
        return Err(ApiError::refused(natter_shared::api::Refusal::Muted));
    }
    if members.blocked {
        return Err(blocked());
    }
    let mentions = members.mentioned(msg.text.as_str());
    let (reply, answer) = oneshot::channel();
    let written = state.writer.persist(
        SendCommand {
            chat_id: chat.0,
            sender_id: msg.sender.0,
            request_id: msg.request_id.0,
            text: msg.text.into_inner(),
            reply_to: msg.reply_to.map(|m| m.0),
            forwarded: msg.forwarded.map(|(u, at)| (u.0, at)),
            mentions,
            attachments: msg.attachments.iter().map(|f| f.0).collect(),
            members: members.ids.clone(),
            members_version: members.version,
            reply,
        },
        answer,
        budget.saturating_sub(msg.received.elapsed()),
        msg.pass,
    );
    let Written {
        persisted,
        mark,
        members_version,
    } = written.await.map_err(rejected)?;
    // members changed while it was written: deliver to those of the commit
    let members = members_at(&state, &cell, chat, members, members_version)
        .await?
        .ids
        .clone();
    let row = persisted.message();
    let message = row.to_api();
    let event_seq = row.event_seq.unwrap_or(row.seq);
    // the trail of one message through the logs: the client's request id, who, where,
    // and what it became (never its text)
    tracing::debug!(
        user_id = %sender,
        chat_id = %chat,
        request_id = %request_id.0,
        message_id = %message.id,
        seq = message.seq,
        new = matches!(persisted, Persisted::New(_)),
        "message stored"
    );
    if let Persisted::New(_) = &persisted {
        metrics::counter!("natter_messages_accepted_total").increment(1);
        fan_out(
            &state,
            Some(chat),
            members.iter().copied(),
            &ServerFrame::NewMessage {
                message: message.clone(),
                event_seq,
            },
            msg.conn,
        );
    }
    // the cache is updated beside the answer: readers go to PostgreSQL while the
    // mark is held, so the ack need not wait for Redis. A resend updates it too,
    // which repairs an entry a crash left behind.
    // queued for the cache updater, which drops the mark once Redis has the update
    // (the batch's mark goes when its last send has updated the cache)
    state
        .message_updates
        .message(members, message, event_seq, mark);
    Ok(persisted)
}

impl Handler<ApplyChange> for ChatRoom {
    type Result = ResponseFuture<Result<changes::Applied, ApiError>>;

    fn handle(&mut self, msg: ApplyChange, _: &mut Self::Context) -> Self::Result {
        self.last_active = Instant::now();
        let (state, cell, chat) = (self.state.clone(), self.members.clone(), self.chat_id);
        Box::pin(async move {
            let had = members(&state, &cell, chat).await?;
            if !had.ids.contains(&msg.actor) {
                return Err(ApiError::not_found("chat"));
            }
            // changes obey the sends' admission budget: refused at once when the writer is
            // behind, or when a database connection cannot be had within the budget
            let admission_budget = state.writer.admission().budget();
            if !state.writer.admission().admits() {
                metrics::counter!("natter_writer_refused_total", "why" => "change").increment(1);
                return Err(ApiError::Overloaded);
            }
            let arrived = Instant::now();
            let mark = marks::mark(&state.redis, &state.invalidations, &had.ids).await;
            let rules = changes::Rules {
                edit_window: chrono::Duration::from_std(state.settings.edit_window)
                    .unwrap_or(chrono::Duration::MAX),
            };
            let (actor, change, marked_at) = (msg.actor, msg.change, mark.marked_at());
            let outcome = db::run(&state.db, move |conn| {
                if arrived.elapsed() > admission_budget {
                    metrics::counter!("natter_writer_refused_total", "why" => "change")
                        .increment(1);
                    return Err(ApiError::Overloaded);
                }
                Ok(changes::apply(
                    conn, chat.0, actor.0, &change, rules, marked_at,
                )?)
            })
            .await;
            // a refused or failed change drops its mark on the way out
            let applied = outcome?.map_err(change_rejected)?;
            // the files of a message deleted for everyone leave storage before the answer
            crate::files::service::erase(&state, &applied.erased).await;
            let members = members_at(&state, &cell, chat, had, applied.members_version)
                .await?
                .ids
                .clone();
            if let Some(event) = &applied.event {
                metrics::counter!("natter_changes_total", "kind" => event.kind.as_str())
                    .increment(1);
                fan_out(
                    &state,
                    Some(chat),
                    members.iter().copied(),
                    &ServerFrame::ChatEvent {
                        event: event.to_api(Some(applied.public.clone())),
                    },
                    msg.conn,
                );
            }
            let event_seq = applied.event.as_ref().map(|e| e.event_seq);
            let public = applied.public.clone();
            actix_web::rt::spawn(async move {
                chat_list::on_change(&state, &members, &public, event_seq, &mark).await;
                drop(mark);
            });
            Ok(applied)
        })
    }
}

impl Handler<SetTyping> for ChatRoom {
    type Result = ();

    /// Relays in the order the frames came: at once when the members are known, else after
    /// reading them, taking no other message meanwhile (two frames that each read the
    /// members on their own relayed a stop before its start when the second read won).
    fn handle(&mut self, msg: SetTyping, ctx: &mut Self::Context) {
        self.last_active = Instant::now();
        let known = self
            .members
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .members
            .clone();
        if let Some(members) = known {
            return relay_typing(&self.state, self.chat_id, &members, &msg);
        }
        let (state, cell, chat) = (self.state.clone(), self.members.clone(), self.chat_id);
        ctx.wait(
            async move { members(&state, &cell, chat).await }
                .into_actor(self)
                .map(move |found, room, _| {
                    if let Ok(members) = found {
                        relay_typing(&room.state, room.chat_id, &members, &msg);
                    }
                }),
        );
    }
}

fn relay_typing(state: &AppState, chat: ChatId, members: &Members, msg: &SetTyping) {
    // a blocked direct chat relays nothing, not even typing
    if !members.ids.contains(&msg.user) || members.blocked {
        return;
    }
    let frame = ServerFrame::Typing {
        chat_id: chat,
        user_id: msg.user,
        is_typing: msg.is_typing,
    };
    fan_out(
        state,
        Some(chat),
        members.ids.iter().copied().filter(|m| *m != msg.user),
        &frame,
        None,
    );
}

impl Handler<MarkRead> for ChatRoom {
    type Result = ResponseFuture<Result<ReadState, ApiError>>;

    fn handle(&mut self, msg: MarkRead, _: &mut Self::Context) -> Self::Result {
        self.last_active = Instant::now();
        let (state, cell, chat) = (self.state.clone(), self.members.clone(), self.chat_id);
        Box::pin(async move {
            let user = msg.user;
            let seq = msg.seq;
            let moved = db::run(&state.db, move |conn| {
                Ok(db::chats::mark_read(conn, chat.0, user.0, seq)?)
            })
            .await?
            .ok_or_else(|| ApiError::not_found("chat"))?;
            if moved.after > moved.before {
                let all = members(&state, &cell, chat).await?;
                // the sender of a pending request does not see whether it was read
                let members: Vec<UserId> = match all.request_from {
                    Some(from) if from != user => vec![user],
                    _ if all.blocked => vec![user],
                    _ => all.ids.to_vec(),
                };
                let frame = ServerFrame::Read {
                    chat_id: chat,
                    user_id: user,
                    seq: moved.after,
                };
                fan_out(
                    &state,
                    Some(chat),
                    members.iter().copied(),
                    &frame,
                    msg.conn,
                );
                chat_list::on_read(&state, user, chat, moved.after).await;
            }
            Ok(ReadState {
                chat_id: chat,
                read_seq: moved.after,
                unread_count: moved.last_seq - moved.after,
            })
        })
    }
}
