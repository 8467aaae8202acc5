//! `WsSession`: one actor per WebSocket connection. It keeps the connection alive
//! (heartbeat, idle timeout), parses client frames, hands them to chat rooms, and writes
//! server frames out. A bad frame gets an `error` frame; the connection stays open.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web::web;
use actix_web_actors::ws;
use natter_shared::api::{ChangeResult, ForwardRequest};
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{ChatId, ErrorCode, MessageId, RequestId, SessionId, UserId};

use super::actions::{self, Asked};
use super::commands::{MarkRead, PostMessage, SetTyping};
use super::events::{ConnId, Deliver, Disconnect};
use super::room::room_for;
use crate::error::ApiError;
use crate::state::AppState;
use crate::{limits, presence};

/// How often the server pings.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// A connection silent (no frame, no pong) for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(45);
/// `typing: true` is relayed at most this often per chat; `false` always.
const TYPING_THROTTLE: Duration = Duration::from_secs(3);
/// Largest text frame accepted (a 4096-character message in JSON fits easily).
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// See the module docs.
pub struct WsSession {
    id: ConnId,
    user: UserId,
    session: SessionId,
    state: web::Data<AppState>,
    last_heard: Instant,
    typing_relayed: HashMap<ChatId, Instant>,
}

impl WsSession {
    pub fn new(state: web::Data<AppState>, user: UserId, session: SessionId) -> Self {
        Self {
            id: state.registry.new_conn_id(),
            user,
            session,
            state,
            last_heard: Instant::now(),
            typing_relayed: HashMap::new(),
        }
    }

    fn send_frame(ctx: &mut ws::WebsocketContext<Self>, frame: &ServerFrame) {
        match serde_json::to_string(frame) {
            Ok(text) => ctx.text(text),
            Err(e) => tracing::error!(error = %e, "cannot serialize a frame"),
        }
    }

    fn send_error(
        ctx: &mut ws::WebsocketContext<Self>,
        request_id: Option<RequestId>,
        code: ErrorCode,
        message: impl Into<String>,
    ) {
        Self::send_frame(
            ctx,
            &ServerFrame::Error {
                request_id,
                code,
                message: message.into(),
            },
        );
    }

    fn send_api_error(
        ctx: &mut ws::WebsocketContext<Self>,
        request_id: Option<RequestId>,
        error: &ApiError,
    ) {
        let body = error.public_body();
        Self::send_error(ctx, request_id, body.error.code, body.error.message);
    }

    fn handle_text(&mut self, text: &str, ctx: &mut ws::WebsocketContext<Self>) {
        let frame: ClientFrame = match serde_json::from_str(text) {
            Ok(f) => f,
            Err(e) => {
                return Self::send_error(
                    ctx,
                    None,
                    ErrorCode::InvalidJson,
                    format!("invalid frame: {e}"),
                );
            }
        };
        match frame {
            ClientFrame::Message {
                chat_id,
                text,
                request_id,
                reply_to,
                attachments,
            } => self.post(ctx, chat_id, &text, request_id, reply_to, attachments),
            ClientFrame::Typing { chat_id, is_typing } => {
                let now = Instant::now();
                if is_typing {
                    if self
                        .typing_relayed
                        .get(&chat_id)
                        .is_some_and(|at| now.duration_since(*at) < TYPING_THROTTLE)
                    {
                        return;
                    }
                    self.typing_relayed.insert(chat_id, now);
                } else {
                    self.typing_relayed.remove(&chat_id);
                }
                room_for(&self.state, chat_id).typing.do_send(SetTyping {
                    user: self.user,
                    is_typing,
                });
            }
            ClientFrame::Read { chat_id, seq } => {
                let room = room_for(&self.state, chat_id).read;
                let read = MarkRead {
                    user: self.user,
                    conn: Some(self.id),
                    seq,
                };
                ctx.spawn(async move { room.send(read).await }.into_actor(self).map(
                    |result, _, ctx| match result {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => Self::send_api_error(ctx, None, &e),
                        Err(e) => tracing::warn!(error = %e, "room unavailable"),
                    },
                ));
            }
            ClientFrame::Edit {
                chat_id,
                message_id,
                text,
                request_id,
            } => self.change(
                ctx,
                chat_id,
                message_id,
                request_id,
                Asked::Edit { text, request_id },
            ),
            ClientFrame::Delete {
                chat_id,
                message_id,
                for_everyone,
                request_id,
            } => self.change(
                ctx,
                chat_id,
                message_id,
                request_id,
                Asked::Delete { for_everyone },
            ),
            ClientFrame::React {
                chat_id,
                message_id,
                emoji,
                remove,
                request_id,
            } => self.change(
                ctx,
                chat_id,
                message_id,
                request_id,
                Asked::React { emoji, remove },
            ),
            ClientFrame::Pin {
                chat_id,
                message_id,
                unpin,
                request_id,
            } => self.change(ctx, chat_id, message_id, request_id, Asked::Pin { unpin }),
            ClientFrame::Forward {
                chat_id,
                from_chat_id,
                message_ids,
                request_id,
            } => {
                let (state, user, conn) = (self.state.clone(), self.user, self.id);
                let body = ForwardRequest {
                    from_chat_id,
                    message_ids,
                    request_id,
                };
                let fut =
                    async move { actions::forward(&state, user, Some(conn), chat_id, body).await };
                ctx.spawn(
                    fut.into_actor(self)
                        .map(move |result, _, ctx| match result {
                            Ok(copies) => {
                                let (messages, event_seqs) = copies.into_iter().unzip();
                                Self::send_frame(
                                    ctx,
                                    &ServerFrame::Forwarded {
                                        request_id,
                                        messages,
                                        event_seqs,
                                    },
                                );
                            }
                            Err(e) => Self::send_api_error(ctx, Some(request_id), &e),
                        }),
                );
            }
        }
    }

    /// An edit, delete, reaction or pin: answered by `change_applied` or `error`.
    fn change(
        &mut self,
        ctx: &mut ws::WebsocketContext<Self>,
        chat_id: ChatId,
        message_id: MessageId,
        request_id: RequestId,
        asked: Asked,
    ) {
        let (state, user, conn) = (self.state.clone(), self.user, self.id);
        let fut = async move {
            actions::change(&state, user, Some(conn), chat_id, message_id, asked).await
        };
        ctx.spawn(
            fut.into_actor(self)
                .map(move |result, _, ctx| match result {
                    Ok(applied) => Self::send_frame(
                        ctx,
                        &ServerFrame::ChangeApplied {
                            request_id,
                            chat_id,
                            result: ChangeResult {
                                message: applied.message,
                                event_seq: applied.event.map(|e| e.event_seq),
                            },
                        },
                    ),
                    Err(e) => Self::send_api_error(ctx, Some(request_id), &e),
                }),
        );
    }

    fn post(
        &mut self,
        ctx: &mut ws::WebsocketContext<Self>,
        chat_id: ChatId,
        text: &str,
        request_id: RequestId,
        reply_to: Option<natter_shared::MessageId>,
        attachments: Vec<natter_shared::FileId>,
    ) {
        let started = Instant::now();
        let text = match natter_shared::validation::message_body(text, &attachments) {
            Ok(t) => t,
            Err(e) => {
                return Self::send_error(
                    ctx,
                    Some(request_id),
                    ErrorCode::ValidationFailed,
                    e.to_string(),
                );
            }
        };
        let state = self.state.clone();
        let post = PostMessage {
            sender: self.user,
            conn: Some(self.id),
            request_id,
            text,
            reply_to,
            forwarded: None,
            attachments,
        };
        let fut = async move {
            limits::check_messages(&state, post.sender).await?;
            room_for(&state, chat_id).post.send(post).await?
        };
        ctx.spawn(
            fut.into_actor(self)
                .map(move |result, _, ctx| match result {
                    Ok(persisted) => {
                        let row = persisted.message();
                        Self::send_frame(
                            ctx,
                            &ServerFrame::MessageSent {
                                request_id,
                                message: row.to_api(),
                                event_seq: row.event_seq.unwrap_or(row.seq),
                            },
                        );
                        metrics::histogram!("natter_send_ack_seconds")
                            .record(started.elapsed().as_secs_f64());
                    }
                    Err(e) => Self::send_api_error(ctx, Some(request_id), &e),
                }),
        );
    }
}

impl Actor for WsSession {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let first_here = self.state.registry.connect(
            self.user,
            self.session,
            self.id,
            ctx.address().recipient(),
            ctx.address().recipient(),
        );
        if first_here {
            let (state, user) = (self.state.clone(), self.user);
            actix_web::rt::spawn(async move { presence::connected(&state, user).await });
        }
        ctx.run_interval(HEARTBEAT, |session, ctx| {
            if session.last_heard.elapsed() > IDLE_TIMEOUT {
                tracing::debug!(user_id = %session.user, "WebSocket idle; closing");
                ctx.stop();
                return;
            }
            ctx.ping(b"");
        });
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        if self.state.registry.disconnect(self.user, self.id) {
            let (state, user) = (self.state.clone(), self.user);
            actix_web::rt::spawn(async move { presence::disconnected(&state, user).await });
        }
    }
}

impl Handler<Deliver> for WsSession {
    type Result = ();

    fn handle(&mut self, msg: Deliver, ctx: &mut Self::Context) {
        ctx.text(&*msg.0);
    }
}

impl Handler<Disconnect> for WsSession {
    type Result = ();

    fn handle(&mut self, _: Disconnect, ctx: &mut Self::Context) {
        ctx.close(Some(ws::CloseReason {
            code: ws::CloseCode::Policy,
            description: Some("session ended".into()),
        }));
        ctx.stop();
    }
}

impl StreamHandler<Result<ws::Message, ws::ProtocolError>> for WsSession {
    fn handle(&mut self, item: Result<ws::Message, ws::ProtocolError>, ctx: &mut Self::Context) {
        self.last_heard = Instant::now();
        match item {
            Ok(ws::Message::Text(text)) => self.handle_text(&text, ctx),
            Ok(ws::Message::Ping(p)) => ctx.pong(&p),
            Ok(ws::Message::Pong(_)) => {}
            Ok(ws::Message::Binary(_)) => Self::send_error(
                ctx,
                None,
                ErrorCode::InvalidJson,
                "binary frames are not supported; send JSON text frames",
            ),
            Ok(ws::Message::Close(reason)) => {
                ctx.close(reason);
                ctx.stop();
            }
            Ok(ws::Message::Continuation(_) | ws::Message::Nop) => {}
            Err(e) => {
                tracing::debug!(error = %e, "WebSocket protocol error; closing");
                ctx.stop();
            }
        }
    }
}
