//! `WsSession`: one actor per WebSocket connection. It keeps the connection alive
//! (heartbeat, idle timeout), parses client frames, hands them to chat rooms, and writes
//! server frames out. A bad frame gets an `error` frame; the connection stays open.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web::web;
use actix_web_actors::ws;
use natter_shared::api::{ChangeResult, ForwardRequest};
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{ChatId, ErrorCode, MessageId, RequestId, SessionId, UserId};

use super::actions::{self, Asked};
use super::budget::{FrameBudget, TypingThrottle};
use super::commands::{MarkRead, PostMessage, SetTyping};
use super::events::{ConnId, Deliver, Disconnect, Outbox};
use super::registry::Conn;
use super::room::room_for;
use crate::error::ApiError;
use crate::state::AppState;
use crate::{limits, presence};
use guard::watch;

mod guard;
mod shed;

/// How often the server pings.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// A connection silent (no frame, no pong) for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(45);

/// See the module docs.
pub struct WsSession {
    id: ConnId,
    user: UserId,
    session: SessionId,
    state: web::Data<AppState>,
    last_heard: Instant,
    /// What waits to be written, shared with the registry and the watchdog.
    outbox: Arc<Outbox>,
    typing: TypingThrottle,
    budget: FrameBudget,
    /// Chats this connection's user was found a member of (typing and read frames for any
    /// other chat are checked first, so they start no room; a stale entry is harmless: rooms
    /// check their members again).
    member_of: HashSet<ChatId>,
    /// Whether the registry took the connection (it refuses past the per-user cap).
    registered: bool,
    /// A fragmented message being put together: whether it is text, and its bytes so far.
    fragments: Option<(bool, Vec<u8>)>,
    /// When the access token the socket holds expires (Unix seconds): it closes then,
    /// unless an `auth` frame brings a fresh one.
    expires_at: i64,
    expiry: Option<SpawnHandle>,
}

impl WsSession {
    pub fn new(
        state: web::Data<AppState>,
        user: UserId,
        session: SessionId,
        expires_at: i64,
    ) -> Self {
        let now = Instant::now();
        let ws = &state.settings.ws;
        Self {
            outbox: Arc::new(Outbox::new(ws.queue_frames, ws.queue_bytes)),
            id: state.registry.new_conn_id(),
            user,
            session,
            budget: FrameBudget::new(ws.frames_per_sec, ws.frame_burst, now),
            state,
            last_heard: now,
            typing: TypingThrottle::default(),
            member_of: HashSet::new(),
            registered: false,
            fragments: None,
            expires_at,
            expiry: None,
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
        // while the writer is past its time budget a send is refused before anything else
        if !self.state.writer.admission().admits()
            && let Some(request_id) = shed::send_request_id(text)
        {
            metrics::counter!("natter_writer_refused_total", "why" => "early").increment(1);
            return ctx.text(shed::overloaded_frame(request_id));
        }
        let frame: ClientFrame = match serde_json::from_str::<ClientFrame>(text) {
            // frames with a request id (sends, edits, reactions …) are limited per user by
            // `limits::check_messages`, so an outbox resending a backlog is not cut short;
            // the budget is for the frames nothing else limits (typing, read, auth, garbage)
            Ok(f) if f.request_id().is_some() || self.within_budget(ctx) => f,
            Ok(_) => return,
            Err(_) if !self.within_budget(ctx) => return,
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
                self.as_member(ctx, chat_id, move |session, _| {
                    if session.typing.relay(chat_id, is_typing, Instant::now()) {
                        room_for(&session.state, chat_id).typing.do_send(SetTyping {
                            user: session.user,
                            is_typing,
                        });
                    }
                });
            }
            ClientFrame::Read { chat_id, seq } => {
                self.as_member(ctx, chat_id, move |session, ctx| {
                    let room = room_for(&session.state, chat_id).read.clone();
                    let read = MarkRead {
                        user: session.user,
                        conn: Some(session.id),
                        seq,
                    };
                    ctx.spawn(
                        async move { room.send(read).await }
                            .into_actor(session)
                            .map(|result, _, ctx| match result {
                                Ok(Ok(_)) => {}
                                Ok(Err(e)) => Self::send_api_error(ctx, None, &e),
                                Err(e) => tracing::warn!(error = %e, "room unavailable"),
                            }),
                    );
                });
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
            ClientFrame::Auth { token } => self.reauthenticate(ctx, token.0),
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
        // let through only while the queue, with the sends already on their way to it, is
        // within its target; otherwise refused here, in the poll that read it
        let Some(pass) = self.state.writer.admission().pass() else {
            metrics::counter!("natter_writer_refused_total", "why" => "early").increment(1);
            return ctx.text(shed::overloaded_frame(request_id));
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
            received: started,
            pass: Some(pass),
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
                    Err(e) => {
                        Self::send_api_error(ctx, Some(request_id), &e);
                        // a refusal past the session's early check (the writer's admission,
                        // its timeout): how long after reading the send it was answered
                        if matches!(e, ApiError::Overloaded) {
                            metrics::histogram!("natter_send_refused_seconds")
                                .record(started.elapsed().as_secs_f64());
                        }
                    }
                }),
        );
    }
}

impl Actor for WsSession {
    type Context = ws::WebsocketContext<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let Some(first_here) = self.state.registry.connect(
            self.user,
            self.id,
            Conn {
                session: self.session,
                deliver: ctx.address().recipient(),
                disconnect: ctx.address().recipient(),
                outbox: self.outbox.clone(),
            },
            self.state.settings.ws.connections_per_user,
        ) else {
            // another upgrade took the last place since this one was checked
            metrics::counter!("natter_ws_closed_total", "reason" => "too_many_connections")
                .increment(1);
            ctx.close(Some(ws::CloseReason {
                code: ws::CloseCode::Policy,
                description: Some("too many connections".into()),
            }));
            ctx.stop();
            return;
        };
        self.registered = true;
        if first_here {
            let (state, user) = (self.state.clone(), self.user);
            actix_web::rt::spawn(async move { presence::connected(&state, user).await });
        }
        actix_web::rt::spawn(watch(self.outbox.clone()));
        self.expire_at(self.expires_at, ctx);
        ctx.run_interval(HEARTBEAT, |session, ctx| {
            if session.outbox.is_cut() {
                close_behind(ctx);
                return;
            }
            if session.last_heard.elapsed() > IDLE_TIMEOUT {
                tracing::debug!(user_id = %session.user, "WebSocket idle; closing");
                ctx.stop();
                return;
            }
            ctx.ping(b"");
        });
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        self.outbox.stopped();
        if self.registered && self.state.registry.disconnect(self.user, self.id) {
            let (state, user) = (self.state.clone(), self.user);
            actix_web::rt::spawn(async move { presence::disconnected(&state, user).await });
        }
    }
}

/// Closes a connection that fell behind its outgoing bounds (1013, try again later): its
/// client reconnects and fetches what it missed by seq.
fn close_behind(ctx: &mut ws::WebsocketContext<WsSession>) {
    ctx.close(Some(ws::CloseReason {
        code: ws::CloseCode::Again,
        description: Some("fell behind; reconnect and resync".into()),
    }));
    ctx.stop();
}

impl Handler<Deliver> for WsSession {
    type Result = ();

    fn handle(&mut self, msg: Deliver, ctx: &mut Self::Context) {
        self.outbox.taken(msg.0.len());
        ctx.text(&*msg.0);
        // frames after this one were refused: the client must resync, not miss them
        if self.outbox.is_cut() {
            close_behind(ctx);
        }
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
        self.outbox.heard();
        match item {
            Ok(ws::Message::Text(text)) => self.handle_text(&text, ctx),
            Ok(ws::Message::Ping(p)) => ctx.pong(&p),
            Ok(ws::Message::Pong(_)) => {}
            Ok(ws::Message::Binary(_)) if !self.within_budget(ctx) => {}
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
            Ok(ws::Message::Continuation(item)) => self.continued(item, ctx),
            Ok(ws::Message::Nop) => {}
            Err(ws::ProtocolError::Overflow) => self.too_big(ctx),
            Err(e) => {
                tracing::debug!(error = %e, "WebSocket protocol error; closing");
                ctx.stop();
            }
        }
    }
}
