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
use super::budget::{FrameBudget, TypingThrottle, Verdict};
use super::commands::{MarkRead, PostMessage, SetTyping};
use super::events::{ConnId, ConnSocket, Cut, Deliver, Disconnect, Outbox};
use super::room::room_for;
use crate::error::ApiError;
use crate::state::AppState;
use crate::{db, limits, presence};

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
    /// `socket` is the connection's TCP socket (see [`ConnSocket`]), when it has one.
    pub fn new(
        state: web::Data<AppState>,
        user: UserId,
        session: SessionId,
        expires_at: i64,
        socket: Option<ConnSocket>,
    ) -> Self {
        let now = Instant::now();
        let ws = &state.settings.ws;
        Self {
            outbox: Arc::new(Outbox::new(ws.queue_frames, ws.queue_bytes, socket)),
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

    /// Charges a client frame to the connection's budget: true to handle it; otherwise it
    /// was answered (`rate_limited`) or the connection is closing.
    fn within_budget(
        &mut self,
        ctx: &mut ws::WebsocketContext<Self>,
        request_id: Option<RequestId>,
    ) -> bool {
        let verdict = self.budget.charge(Instant::now());
        self.obey(
            verdict,
            ctx,
            request_id,
            ErrorCode::RateLimited,
            "too many frames; slow down",
        )
    }

    fn obey(
        &mut self,
        verdict: Verdict,
        ctx: &mut ws::WebsocketContext<Self>,
        request_id: Option<RequestId>,
        code: ErrorCode,
        message: &str,
    ) -> bool {
        match verdict {
            Verdict::Take => true,
            Verdict::Refuse => {
                metrics::counter!("natter_ws_frames_refused_total").increment(1);
                Self::send_error(ctx, request_id, code, message);
                false
            }
            Verdict::Close => {
                metrics::counter!("natter_ws_closed_total", "reason" => "frame_abuse").increment(1);
                tracing::info!(user_id = %self.user, "WebSocket refused too many frames; closing");
                ctx.close(Some(ws::CloseReason {
                    code: ws::CloseCode::Policy,
                    description: Some("too many refused frames".into()),
                }));
                ctx.stop();
                false
            }
        }
    }

    /// Runs `then` once `chat` is known to be one of the user's chats; any other chat is
    /// answered `not_found` (and counts against the connection) without starting a room.
    fn as_member(
        &mut self,
        ctx: &mut ws::WebsocketContext<Self>,
        chat: ChatId,
        then: impl FnOnce(&mut Self, &mut ws::WebsocketContext<Self>) + 'static,
    ) {
        if self.member_of.contains(&chat) {
            return then(self, ctx);
        }
        let (state, user) = (self.state.clone(), self.user);
        let check = async move {
            db::run(&state.db, move |conn| {
                Ok(db::chats::membership(conn, chat.0, user.0)?.is_some())
            })
            .await
        };
        // frames after this one wait for the answer, so they keep their order
        ctx.wait(
            check
                .into_actor(self)
                .map(move |found, session, ctx| match found {
                    Ok(true) => {
                        session.member_of.insert(chat);
                        then(session, ctx);
                    }
                    Ok(false) => {
                        let verdict = session.budget.strike(Instant::now());
                        session.obey(verdict, ctx, None, ErrorCode::NotFound, "no such chat");
                    }
                    Err(e) => Self::send_api_error(ctx, None, &e),
                }),
        );
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
        let frame: ClientFrame = match serde_json::from_str::<ClientFrame>(text) {
            Ok(f) if self.within_budget(ctx, f.request_id()) => f,
            Ok(_) => return,
            Err(_) if !self.within_budget(ctx, None) => return,
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
                    let room = room_for(&session.state, chat_id).read;
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
        let Some(first_here) = self.state.registry.connect(
            self.user,
            self.session,
            self.id,
            ctx.address().recipient(),
            ctx.address().recipient(),
            self.outbox.clone(),
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

impl Handler<Deliver> for WsSession {
    type Result = ();

    fn handle(&mut self, msg: Deliver, ctx: &mut Self::Context) {
        self.outbox.taken(msg.0.len());
        ctx.text(&*msg.0);
    }
}

/// The heartbeat that does not depend on the actor: actix runs a WebSocket's actor only
/// while its socket takes bytes, so a client that stopped reading stalls it, interval and
/// all. This task cuts such a connection once nothing was heard from it for a heartbeat
/// longer than the idle timeout (a live actor closes it politely before that).
async fn watch(outbox: Arc<Outbox>) {
    let mut beat = actix_web::rt::time::interval(HEARTBEAT);
    beat.tick().await;
    loop {
        beat.tick().await;
        if outbox.is_stopped() || outbox.is_cut() {
            return;
        }
        if outbox.silent_for() > IDLE_TIMEOUT + HEARTBEAT {
            outbox.cut(Cut::Idle);
            return;
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

impl WsSession {
    /// Closes the socket at `expires_at` (Unix seconds), replacing any earlier deadline.
    fn expire_at(&mut self, expires_at: i64, ctx: &mut ws::WebsocketContext<Self>) {
        if let Some(earlier) = self.expiry.take() {
            ctx.cancel_future(earlier);
        }
        self.expires_at = expires_at;
        let left = u64::try_from(expires_at - chrono::Utc::now().timestamp()).unwrap_or(0);
        self.expiry = Some(ctx.run_later(Duration::from_secs(left), |session, ctx| {
            tracing::debug!(user_id = %session.user, "WebSocket token expired; closing");
            metrics::counter!("natter_ws_closed_total", "reason" => "token_expired").increment(1);
            Self::send_error(
                ctx,
                None,
                ErrorCode::TokenExpired,
                "the access token expired; refresh it and connect again",
            );
            ctx.close(Some(ws::CloseReason {
                code: ws::CloseCode::Policy,
                description: Some("access token expired".into()),
            }));
            ctx.stop();
        }));
    }

    /// An `auth` frame: a fresh access token of the same session moves the deadline.
    fn reauthenticate(&mut self, ctx: &mut ws::WebsocketContext<Self>, token: String) {
        let state = self.state.clone();
        let check = async move {
            let auth = crate::auth::AuthUser::from_token(&state, &token).await?;
            let expires_at = state.jwt.verify(&token).map_or(0, |claims| claims.exp);
            Ok::<_, ApiError>((auth, expires_at))
        };
        ctx.spawn(
            check
                .into_actor(self)
                .map(|checked, session, ctx| match checked {
                    Ok((auth, expires_at))
                        if auth.user_id == session.user && auth.session_id == session.session =>
                    {
                        session.expire_at(expires_at, ctx);
                        let left =
                            u64::try_from(expires_at - chrono::Utc::now().timestamp()).unwrap_or(0);
                        Self::send_frame(ctx, &ServerFrame::Authenticated { expires_in: left });
                    }
                    Ok(_) => Self::send_error(
                        ctx,
                        None,
                        ErrorCode::InvalidToken,
                        "the token is of another session than the socket's",
                    ),
                    Err(e) => Self::send_api_error(ctx, None, &e),
                }),
        );
    }

    /// A fragment of a message: kept until the last one, then the whole message is handled
    /// as if it had come in one frame. A message past the size limit closes with 1009.
    fn continued(&mut self, item: actix_http::ws::Item, ctx: &mut ws::WebsocketContext<Self>) {
        let (bytes, last) = match item {
            actix_http::ws::Item::FirstText(b) => {
                self.fragments = Some((true, Vec::new()));
                (b, false)
            }
            actix_http::ws::Item::FirstBinary(b) => {
                self.fragments = Some((false, Vec::new()));
                (b, false)
            }
            actix_http::ws::Item::Continue(b) => (b, false),
            actix_http::ws::Item::Last(b) => (b, true),
        };
        let Some((text, buffer)) = self.fragments.as_mut() else {
            // a continuation without a first fragment breaks the protocol
            tracing::debug!("WebSocket continuation without a start; closing");
            ctx.close(Some(ws::CloseCode::Protocol.into()));
            ctx.stop();
            return;
        };
        if buffer.len() + bytes.len() > self.state.settings.ws.message_max_bytes {
            self.fragments = None;
            return self.too_big(ctx);
        }
        buffer.extend_from_slice(&bytes);
        if !last {
            return;
        }
        let (text, buffer) = (*text, std::mem::take(buffer));
        self.fragments = None;
        if !text {
            if self.within_budget(ctx, None) {
                Self::send_error(
                    ctx,
                    None,
                    ErrorCode::InvalidJson,
                    "binary frames are not supported; send JSON text frames",
                );
            }
            return;
        }
        match std::str::from_utf8(&buffer) {
            Ok(message) => self.handle_text(message, ctx),
            Err(_) => {
                ctx.close(Some(ws::CloseReason {
                    code: ws::CloseCode::Invalid,
                    description: Some("text is not UTF-8".into()),
                }));
                ctx.stop();
            }
        }
    }

    /// A message larger than the server takes: close with 1009.
    fn too_big(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
        metrics::counter!("natter_ws_closed_total", "reason" => "too_big").increment(1);
        ctx.close(Some(ws::CloseReason {
            code: ws::CloseCode::Size,
            description: Some(format!(
                "a message may have at most {} bytes",
                self.state.settings.ws.message_max_bytes
            )),
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
            Ok(ws::Message::Binary(_)) if !self.within_budget(ctx, None) => {}
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
