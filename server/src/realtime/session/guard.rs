//! What one connection may do, kept apart from the frames themselves: its frame budget,
//! the membership check before a room starts, the deadline of its access token (and `auth`
//! moving it), fragments put together within the size limit, and the watchdog that closes a
//! connection whose actor is stalled.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use actix_web_actors::ws;
use natter_shared::ws::ServerFrame;
use natter_shared::{ChatId, ErrorCode};

use super::{HEARTBEAT, IDLE_TIMEOUT, WsSession};
use crate::db;
use crate::error::ApiError;
use crate::realtime::budget::Verdict;
use crate::realtime::events::{Cut, Outbox};

impl WsSession {
    /// Charges a client frame to the connection's budget: true to handle it; otherwise it
    /// was answered (`rate_limited`) or the connection is closing.
    pub(super) fn within_budget(&mut self, ctx: &mut ws::WebsocketContext<Self>) -> bool {
        let verdict = self.budget.charge(Instant::now());
        self.obey(
            verdict,
            ctx,
            ErrorCode::RateLimited,
            "too many frames; slow down",
        )
    }

    pub(super) fn obey(
        &mut self,
        verdict: Verdict,
        ctx: &mut ws::WebsocketContext<Self>,
        code: ErrorCode,
        message: &str,
    ) -> bool {
        match verdict {
            Verdict::Take => true,
            Verdict::Refuse => {
                metrics::counter!("natter_ws_frames_refused_total").increment(1);
                Self::send_error(ctx, None, code, message);
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
    pub(super) fn as_member(
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
                        session.obey(verdict, ctx, ErrorCode::NotFound, "no such chat");
                    }
                    Err(e) => Self::send_api_error(ctx, None, &e),
                }),
        );
    }

    /// Closes the socket at `expires_at` (Unix seconds), replacing any earlier deadline.
    pub(super) fn expire_at(&mut self, expires_at: i64, ctx: &mut ws::WebsocketContext<Self>) {
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
    pub(super) fn reauthenticate(&mut self, ctx: &mut ws::WebsocketContext<Self>, token: String) {
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
    pub(super) fn continued(
        &mut self,
        item: actix_http::ws::Item,
        ctx: &mut ws::WebsocketContext<Self>,
    ) {
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
            if self.within_budget(ctx) {
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
    pub(super) fn too_big(&mut self, ctx: &mut ws::WebsocketContext<Self>) {
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

/// The heartbeat that does not depend on the actor: actix runs a WebSocket's actor only
/// while its socket takes bytes, so a client that stopped reading stalls it, interval and
/// all. This task cuts such a connection once nothing was heard from it for a heartbeat
/// longer than the idle timeout (a live actor closes it politely before that).
pub(super) async fn watch(outbox: Arc<Outbox>) {
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
