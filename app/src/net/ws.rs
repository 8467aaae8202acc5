//! One WebSocket connection on a thread of its own, over the app's TLS configuration
//! ([`Trust`]: the system's roots plus the extra CA), as `ewebsock` did it but with roots we
//! choose. The thread connects, reports [`WsEvent`]s to a callback, writes what the
//! [`WsSender`] is given, and closes the connection when the sender is dropped.
//!
//! Reads wait at most [`POLL`], so frames to send never wait long behind a quiet socket
//! (tungstenite's blocking socket cannot be read and written from two threads).

use std::io::ErrorKind;
use std::net::{TcpStream, ToSocketAddrs};
use std::ops::ControlFlow;
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::time::Duration;

use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::net::tls::{self, Trust};

/// How long one read waits before the outgoing queue is looked at again.
const POLL: Duration = Duration::from_millis(10);
/// Limits for reaching the server and for its answer to the upgrade.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(20);

/// What happened on the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsEvent {
    Opened,
    Text(String),
    /// Anything else from the server (ping, pong, binary): it is alive.
    Heard,
    /// The connection could not be made or broke; the words say why.
    Error(String),
    /// The server closed it.
    Closed,
}

/// The callback of a connection, called on its thread; `Break` closes the connection.
pub type EventHandler = Box<dyn Fn(WsEvent) -> ControlFlow<()> + Send>;

/// Writes text frames to the connection; dropping it closes the connection.
pub struct WsSender {
    tx: Sender<String>,
}

impl WsSender {
    /// Queues a text frame (dropped silently once the connection is gone).
    pub fn send(&self, text: String) {
        let _ = self.tx.send(text);
    }
}

/// Starts connecting to `url` (`ws://` or `wss://`) on a new thread, with `token` (if any)
/// as `Authorization: Bearer` on the upgrade request: never in the address.
pub fn connect(
    url: String,
    token: Option<String>,
    trust: &Trust,
    on_event: EventHandler,
) -> Result<WsSender, String> {
    let (tx, rx) = channel();
    let config = trust.rustls_config();
    std::thread::Builder::new()
        .name("natter-ws-conn".to_owned())
        .spawn(move || match open(&url, token.as_deref(), config) {
            Ok(socket) => {
                if on_event(WsEvent::Opened).is_continue() {
                    run(socket, &rx, &on_event);
                }
            }
            Err(detail) => {
                let _ = on_event(WsEvent::Error(detail));
            }
        })
        .map_err(|e| format!("could not start the WebSocket thread: {e}"))?;
    Ok(WsSender { tx })
}

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

/// Connects, shakes hands (TLS, then the upgrade); the error in words.
fn open(
    url: &str,
    token: Option<&str>,
    config: std::sync::Arc<rustls::ClientConfig>,
) -> Result<Socket, String> {
    let uri: tungstenite::http::Uri = url.parse().map_err(|e| format!("bad URL: {e}"))?;
    let secure = match uri.scheme_str() {
        Some("wss") => true,
        Some("ws") => false,
        _ => return Err("bad URL: not ws:// or wss://".into()),
    };
    let host = uri.host().ok_or("bad URL: no host")?;
    if !secure && !crate::state::is_loopback(host) {
        // the token is in a header: never in the clear to another machine
        return Err(
            "refused: plain ws:// to another machine would send the token unencrypted".into(),
        );
    }
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    let tcp = tcp_connect(host.trim_start_matches('[').trim_end_matches(']'), port)?;
    tcp.set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .and_then(|()| tcp.set_nodelay(true))
        .map_err(|e| format!("Connect: {e}"))?;
    let request = upgrade_request(url, token)?;
    let connector = tungstenite::Connector::Rustls(config);
    let (socket, _response) =
        tungstenite::client_tls_with_config(request, tcp, None, Some(connector)).map_err(|e| {
            match e {
                tungstenite::HandshakeError::Failure(error) => describe(&error),
                tungstenite::HandshakeError::Interrupted(_) => "Connect: timed out".to_owned(),
            }
        })?;
    let tcp = match socket.get_ref() {
        MaybeTlsStream::Plain(s) => s,
        MaybeTlsStream::Rustls(s) => s.get_ref(),
        _ => return Err("Connect: unexpected stream".into()),
    };
    tcp.set_read_timeout(Some(POLL))
        .map_err(|e| format!("Connect: {e}"))?;
    Ok(socket)
}

/// The upgrade request for `url`, carrying `token` as `Authorization: Bearer`.
fn upgrade_request(
    url: &str,
    token: Option<&str>,
) -> Result<tungstenite::handshake::client::Request, String> {
    use tungstenite::client::IntoClientRequest as _;
    use tungstenite::http::{HeaderValue, header::AUTHORIZATION};
    let mut request = url
        .into_client_request()
        .map_err(|e| format!("bad URL: {e}"))?;
    if let Some(token) = token {
        let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| "the access token is not a valid header value".to_owned())?;
        value.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, value);
    }
    Ok(request)
}

fn tcp_connect(host: &str, port: u16) -> Result<TcpStream, String> {
    let addresses = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("Connect: host not found: {e}"))?;
    let mut last = format!("Connect: host not found: {host}");
    for address in addresses {
        match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = format!("Connect: IO error: {e}"),
        }
    }
    Err(last)
}

/// A tungstenite error in words; a refused certificate as [`tls::describe`] says it.
fn describe(error: &tungstenite::Error) -> String {
    let tls = match error {
        tungstenite::Error::Io(io) => tls::describe_io(io),
        tungstenite::Error::Tls(tungstenite::error::TlsError::Rustls(e)) => tls::describe(e),
        _ => None,
    };
    // "Connect: HTTP error: 401 Unauthorized" is how a refused token reads (see socket.rs)
    tls.unwrap_or_else(|| format!("Connect: {error}"))
}

/// Writes what is queued and reads what arrives until either side ends it.
fn run(mut socket: Socket, outgoing: &Receiver<String>, on_event: &EventHandler) {
    loop {
        loop {
            match outgoing.try_recv() {
                Ok(text) => {
                    if let Err(error) = socket.send(Message::text(text)) {
                        let _ = on_event(WsEvent::Error(format!("send: {error}")));
                        return;
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    // the sender was dropped: close politely
                    let _ = socket.close(None);
                    let _ = socket.flush();
                    return;
                }
            }
        }
        let event = match socket.read() {
            Ok(Message::Text(text)) => WsEvent::Text(text.as_str().to_owned()),
            Ok(Message::Close(_)) => {
                let _ = on_event(WsEvent::Closed);
                let _ = socket.flush();
                return;
            }
            Ok(_) => WsEvent::Heard,
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
            {
                continue;
            }
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                let _ = on_event(WsEvent::Closed);
                return;
            }
            Err(error) => {
                let _ = on_event(WsEvent::Error(format!("read: {error}")));
                return;
            }
        };
        if on_event(event).is_break() {
            let _ = socket.close(None);
            let _ = socket.flush();
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ws_goes_only_to_this_machine() {
        let config = Trust::load(None).rustls_config();
        let refused = open(
            "ws://chat.example.org/api/v1/ws",
            Some("secret"),
            config.clone(),
        )
        .err()
        .unwrap();
        assert!(refused.starts_with("refused: plain ws://"), "{refused}");
        let bad = open("http://127.0.0.1:1/api/v1/ws", None, config)
            .err()
            .unwrap();
        assert!(bad.contains("not ws:// or wss://"), "{bad}");
    }

    #[test]
    fn the_token_goes_in_the_authorization_header_not_the_address() {
        let request = upgrade_request("wss://chat.example.org/api/v1/ws", Some("secret")).unwrap();
        assert_eq!(
            request.uri().to_string(),
            "wss://chat.example.org/api/v1/ws"
        );
        let header = request.headers().get("authorization").unwrap();
        assert_eq!(header, "Bearer secret");
        assert!(header.is_sensitive());
    }
}
