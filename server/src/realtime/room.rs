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
use natter_shared::{ChatId, ErrorCode, UserId};
use tokio::sync::{OnceCell, oneshot};

use super::commands::{ApplyChange, MarkRead, PostMessage, RoomHandle, SetTyping};
use super::deliver::fan_out;
use crate::chat_list::marks;
use crate::db::changes::{self, ChangeRejected};
use crate::db::writer::{Persisted, SendCommand, SendRejected};
use crate::error::ApiError;
use crate::state::AppState;
use crate::{chat_list, db};

/// A room with no activity for this long stops.
const IDLE_AFTER: Duration = Duration::from_secs(300);

/// See the module docs.
pub struct ChatRoom {
    chat_id: ChatId,
    state: web::Data<AppState>,
    members: Arc<OnceCell<Arc<[UserId]>>>,
    last_active: Instant,
}

impl ChatRoom {
    fn new(state: web::Data<AppState>, chat_id: ChatId) -> Self {
        Self {
            chat_id,
            state,
            members: Arc::new(OnceCell::new()),
            last_active: Instant::now(),
        }
    }
}

/// The running room of `chat`, started here if there is none.
pub fn room_for(state: &web::Data<AppState>, chat: ChatId) -> RoomHandle {
    state.registry.room(chat, || {
        let room = ChatRoom::new(state.clone(), chat).start();
        RoomHandle {
            post: room.clone().recipient(),
            change: room.clone().recipient(),
            typing: room.clone().recipient(),
            read: room.recipient(),
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

async fn members(
    state: &AppState,
    cell: &OnceCell<Arc<[UserId]>>,
    chat: ChatId,
) -> Result<Arc<[UserId]>, ApiError> {
    cell.get_or_try_init(|| async {
        let ids = db::run(&state.db, move |conn| {
            Ok(db::chats::member_ids(conn, chat.0)?)
        })
        .await?;
        Ok::<_, ApiError>(ids.into_iter().map(UserId).collect::<Arc<[UserId]>>())
    })
    .await
    .cloned()
}

impl Handler<PostMessage> for ChatRoom {
    type Result = ResponseFuture<Result<Persisted, ApiError>>;

    fn handle(&mut self, msg: PostMessage, _: &mut Self::Context) -> Self::Result {
        self.last_active = Instant::now();
        let (state, cell, chat) = (self.state.clone(), self.members.clone(), self.chat_id);
        Box::pin(async move {
            let members = members(&state, &cell, chat).await?;
            if !members.contains(&msg.sender) {
                return Err(ApiError::not_found("chat"));
            }
            let (reply, answer) = oneshot::channel();
            state.writer.submit(SendCommand {
                chat_id: chat.0,
                sender_id: msg.sender.0,
                request_id: msg.request_id.0,
                text: msg.text.into_inner(),
                reply_to: msg.reply_to.map(|m| m.0),
                forwarded: msg.forwarded.map(|(u, at)| (u.0, at)),
                members: members.clone(),
                reply,
            });
            let (persisted, mark) = answer
                .await
                .map_err(|_| ApiError::Internal(anyhow::anyhow!("the writer stopped")))?
                .map_err(rejected)?;
            let row = persisted.message();
            let message = row.to_api();
            let event_seq = row.event_seq.unwrap_or(row.seq);
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
            actix_web::rt::spawn(async move {
                chat_list::on_message(&state, &members, &message, event_seq, &mark).await;
                // the batch's mark goes when its last send has updated the cache
                drop(mark);
            });
            Ok(persisted)
        })
    }
}

impl Handler<ApplyChange> for ChatRoom {
    type Result = ResponseFuture<Result<changes::Applied, ApiError>>;

    fn handle(&mut self, msg: ApplyChange, _: &mut Self::Context) -> Self::Result {
        self.last_active = Instant::now();
        let (state, cell, chat) = (self.state.clone(), self.members.clone(), self.chat_id);
        Box::pin(async move {
            let members = members(&state, &cell, chat).await?;
            if !members.contains(&msg.actor) {
                return Err(ApiError::not_found("chat"));
            }
            let mark = marks::mark(&state.redis, &state.invalidations, &members).await;
            let rules = changes::Rules {
                edit_window: chrono::Duration::from_std(state.settings.edit_window)
                    .unwrap_or(chrono::Duration::MAX),
            };
            let (actor, change, marked_at) = (msg.actor, msg.change, mark.marked_at());
            let outcome = db::run(&state.db, move |conn| {
                Ok(changes::apply(
                    conn, chat.0, actor.0, &change, rules, marked_at,
                )?)
            })
            .await;
            // a refused or failed change drops its mark on the way out
            let applied = outcome?.map_err(change_rejected)?;
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

/// The API error of a refused change.
pub fn change_rejected(r: ChangeRejected) -> ApiError {
    use actix_web::http::StatusCode;
    let message = r.to_string();
    match r {
        ChangeRejected::NotFound => ApiError::not_found("message"),
        ChangeRejected::NotYours => {
            ApiError::client(StatusCode::FORBIDDEN, ErrorCode::NotYourMessage, message)
        }
        ChangeRejected::WindowExpired => {
            ApiError::client(StatusCode::FORBIDDEN, ErrorCode::EditWindowExpired, message)
        }
        ChangeRejected::Deleted => ApiError::conflict(ErrorCode::MessageDeleted, message),
        ChangeRejected::TooManyReactions => {
            ApiError::conflict(ErrorCode::TooManyReactions, message)
        }
        ChangeRejected::Late => ApiError::Unavailable(anyhow::anyhow!(message)),
    }
}

fn rejected(r: SendRejected) -> ApiError {
    use actix_web::http::StatusCode;
    match r {
        SendRejected::ReplyNotFound => {
            ApiError::client(StatusCode::NOT_FOUND, ErrorCode::NotFound, r.to_string())
        }
        SendRejected::RequestIdReused => {
            ApiError::conflict(ErrorCode::RequestIdReused, r.to_string())
        }
        SendRejected::Overloaded | SendRejected::Unavailable => {
            ApiError::Unavailable(anyhow::anyhow!(r))
        }
    }
}

impl Handler<SetTyping> for ChatRoom {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, msg: SetTyping, _: &mut Self::Context) -> Self::Result {
        self.last_active = Instant::now();
        let (state, cell, chat) = (self.state.clone(), self.members.clone(), self.chat_id);
        Box::pin(async move {
            let Ok(members) = members(&state, &cell, chat).await else {
                return;
            };
            if !members.contains(&msg.user) {
                return;
            }
            let frame = ServerFrame::Typing {
                chat_id: chat,
                user_id: msg.user,
                is_typing: msg.is_typing,
            };
            fan_out(
                &state,
                Some(chat),
                members.iter().copied().filter(|m| *m != msg.user),
                &frame,
                None,
            );
        })
    }
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
                let members = members(&state, &cell, chat).await?;
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
