//! The WebSocket thread: owns the one live `ewebsock` connection, opens and closes it on
//! command, writes frames to it, and turns what arrives into [`Action::Socket`] events.
//!
//! Every event names the attempt (`conn`) it belongs to, so the reducer can drop events of
//! a connection it has already given up on.

use std::ops::ControlFlow;
use std::sync::mpsc::{Receiver, Sender};

use natter_shared::ws::ServerFrame;

use crate::action::{Action, SocketEvent, SocketEventKind};
use crate::effect::SocketCommand;
use crate::net::wake::Wake;

/// Runs until the command channel closes (the executor was dropped).
pub fn socket_loop(commands: &Receiver<SocketCommand>, actions: &Sender<Action>, wake: &Wake) {
    let mut current: Option<(u64, ewebsock::WsSender)> = None;
    while let Ok(command) = commands.recv() {
        match command {
            SocketCommand::Open { epoch, conn, url } => {
                // dropping the old sender closes the old connection
                current = None;
                let handler = event_handler(epoch, conn, actions.clone(), wake.clone());
                match ewebsock::ws_connect(url, ewebsock::Options::default(), handler) {
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
                    Ok(text) => sender.send(ewebsock::WsMessage::Text(text)),
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

/// The callback `ewebsock` calls on its own thread for each event of attempt `conn`.
fn event_handler(
    epoch: u64,
    conn: u64,
    actions: Sender<Action>,
    wake: Wake,
) -> Box<dyn Fn(ewebsock::WsEvent) -> ControlFlow<()> + Send> {
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

/// What an `ewebsock` event means for the reducer.
pub fn event_kind(event: ewebsock::WsEvent) -> SocketEventKind {
    match event {
        ewebsock::WsEvent::Opened => SocketEventKind::Opened,
        ewebsock::WsEvent::Message(ewebsock::WsMessage::Text(text)) => {
            match serde_json::from_str::<ServerFrame>(&text) {
                Ok(frame) => SocketEventKind::Frame(Box::new(frame)),
                Err(error) => {
                    // a newer server may send frames this build does not know
                    tracing::warn!(%error, "unknown frame ignored");
                    SocketEventKind::Heard
                }
            }
        }
        ewebsock::WsEvent::Message(_) => SocketEventKind::Heard,
        ewebsock::WsEvent::Error(detail) if is_unauthorized(&detail) => {
            SocketEventKind::Unauthorized
        }
        ewebsock::WsEvent::Error(detail) => SocketEventKind::Lost(detail),
        ewebsock::WsEvent::Closed => SocketEventKind::Lost("closed by the server".into()),
    }
}

/// tungstenite reports a refused upgrade as "HTTP error: 401 Unauthorized" (ewebsock
/// prefixes "Connect: "); the body is not passed on, so the code cannot be read.
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
                ewebsock::WsEvent::Error("Connect: HTTP error: 401 Unauthorized".into()),
                SocketEventKind::Unauthorized,
                "a refused upgrade asks for a new token",
            ),
            (
                ewebsock::WsEvent::Error("Connect: IO error: Connection refused".into()),
                SocketEventKind::Lost("Connect: IO error: Connection refused".into()),
                "anything else is a lost link",
            ),
            (
                ewebsock::WsEvent::Message(ewebsock::WsMessage::Ping(vec![1])),
                SocketEventKind::Heard,
                "pings keep the link alive",
            ),
            (
                ewebsock::WsEvent::Message(ewebsock::WsMessage::Text(r#"{"type":"x"}"#.into())),
                SocketEventKind::Heard,
                "unknown frames are skipped, not fatal",
            ),
            (
                ewebsock::WsEvent::Closed,
                SocketEventKind::Lost("closed by the server".into()),
                "a close is a lost link",
            ),
        ];
        for (event, want, reason) in cases {
            assert_eq!(event_kind(event), want, "{reason}");
        }
    }
}
