//! The WebSocket thread: owns the one live connection ([`crate::net::ws`]), opens and closes it on
//! command, writes frames to it, and turns what arrives into [`Action::Socket`] events.
//!
//! Every event names the attempt (`conn`) it belongs to, so the reducer can drop events of
//! a connection it has already given up on.

use std::ops::ControlFlow;
use std::sync::mpsc::{Receiver, Sender};

use natter_shared::ws::ServerFrame;

use crate::action::{Action, SocketEvent, SocketEventKind};
use crate::effect::SocketCommand;
use crate::net::tls::Trust;
use crate::net::wake::Wake;
use crate::net::ws::{self, WsEvent};

/// Runs until the command channel closes (the executor was dropped).
pub fn socket_loop(
    commands: &Receiver<SocketCommand>,
    actions: &Sender<Action>,
    wake: &Wake,
    trust: &Trust,
) {
    let mut current: Option<(u64, ws::WsSender)> = None;
    while let Ok(command) = commands.recv() {
        match command {
            SocketCommand::Open {
                epoch,
                conn,
                url,
                token,
            } => {
                // dropping the old sender closes the old connection
                current = None;
                let handler = event_handler(epoch, conn, actions.clone(), wake.clone());
                match ws::connect(url, Some(token), trust, handler) {
                    Ok(sender) => current = Some((conn, sender)),
                    Err(error) => {
                        tracing::error!(%error, "could not start the WebSocket");
                        let event = SocketEvent {
                            epoch,
                            conn,
                            at: chrono::Utc::now(),
                            kind: SocketEventKind::Lost(error),
                        };
                        if actions.send(Action::Socket(event)).is_err() {
                            return;
                        }
                        wake();
                    }
                }
            }
            SocketCommand::Send { conn, frame } => match &mut current {
                Some((live, sender)) if *live == conn => match serde_json::to_string(&frame) {
                    Ok(text) => sender.send(text),
                    Err(error) => tracing::error!(%error, "cannot serialize a frame"),
                },
                _ => tracing::debug!(conn, "frame for a closed connection dropped"),
            },
            SocketCommand::Close { conn } => {
                if current.as_ref().is_some_and(|(live, _)| *live == conn) {
                    current = None;
                }
            }
        }
    }
}

/// The callback the connection calls on its own thread for each event of attempt `conn`.
fn event_handler(epoch: u64, conn: u64, actions: Sender<Action>, wake: Wake) -> ws::EventHandler {
    Box::new(move |event| {
        let event = SocketEvent {
            epoch,
            conn,
            at: chrono::Utc::now(),
            kind: event_kind(event),
        };
        if actions.send(Action::Socket(event)).is_err() {
            return ControlFlow::Break(());
        }
        wake();
        ControlFlow::Continue(())
    })
}

/// What a connection's event means for the reducer.
pub fn event_kind(event: WsEvent) -> SocketEventKind {
    match event {
        WsEvent::Opened => SocketEventKind::Opened,
        WsEvent::Text(text) => {
            match serde_json::from_str::<ServerFrame>(&text) {
                Ok(frame) => SocketEventKind::Frame(Box::new(frame)),
                Err(error) => {
                    // a newer server may send frames this build does not know
                    tracing::warn!(%error, "unknown frame ignored");
                    SocketEventKind::Heard
                }
            }
        }
        WsEvent::Heard => SocketEventKind::Heard,
        WsEvent::Error(detail) if is_unauthorized(&detail) => SocketEventKind::Unauthorized,
        WsEvent::Error(detail) => SocketEventKind::Lost(detail),
        WsEvent::Closed => SocketEventKind::Lost("closed by the server".into()),
    }
}

/// tungstenite reports a refused upgrade as "HTTP error: 401 Unauthorized" ([`ws`] prefixes
/// "Connect: "); the body is not passed on, so the code cannot be read.
fn is_unauthorized(detail: &str) -> bool {
    detail.contains("HTTP error: 401")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_translated_for_the_reducer() {
        let cases = [
            (
                WsEvent::Error("Connect: HTTP error: 401 Unauthorized".into()),
                SocketEventKind::Unauthorized,
                "a refused upgrade asks for a new token",
            ),
            (
                WsEvent::Error("Connect: IO error: Connection refused".into()),
                SocketEventKind::Lost("Connect: IO error: Connection refused".into()),
                "anything else is a lost link",
            ),
            (
                WsEvent::Heard,
                SocketEventKind::Heard,
                "pings keep the link alive",
            ),
            (
                WsEvent::Text(r#"{"type":"x"}"#.into()),
                SocketEventKind::Heard,
                "unknown frames are skipped, not fatal",
            ),
            (
                WsEvent::Closed,
                SocketEventKind::Lost("closed by the server".into()),
                "a close is a lost link",
            ),
        ];
        for (event, want, reason) in cases {
            assert_eq!(event_kind(event), want, "{reason}");
        }
    }
}
