//! One load connection: a task owns the WebSocket, sends what the scheduler tells it to,
//! and measures send→ack (its own sends) and send→delivery (messages it receives, whose text
//! carries the send time).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{ChatId, RequestId};
use tokio::net::TcpSocket;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

pub type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// What the scheduler asks a connection to do.
#[derive(Debug, Clone, Copy)]
pub enum Cmd {
    Send(ChatId),
}

/// What one connection measured; merged into the report.
pub struct ConnStats {
    /// send→ack, µs
    pub ack: Histogram<u64>,
    /// send→delivery, µs (every delivery to every connection)
    pub delivery: Histogram<u64>,
    pub sent: u64,
    pub acked: u64,
    pub delivered: u64,
    pub errors: HashMap<String, u64>,
    pub dropped_connection: bool,
}

impl ConnStats {
    pub fn new() -> Self {
        Self {
            ack: histogram(),
            delivery: histogram(),
            sent: 0,
            acked: 0,
            delivered: 0,
            errors: HashMap::new(),
            dropped_connection: false,
        }
    }

    pub fn merge(&mut self, other: &ConnStats) {
        let _ = self.ack.add(&other.ack);
        let _ = self.delivery.add(&other.delivery);
        self.sent += other.sent;
        self.acked += other.acked;
        self.delivered += other.delivered;
        for (k, v) in &other.errors {
            *self.errors.entry(k.clone()).or_default() += v;
        }
        self.dropped_connection |= other.dropped_connection;
    }
}

impl Default for ConnStats {
    fn default() -> Self {
        Self::new()
    }
}

/// A histogram of microseconds from 1 µs to 10 minutes, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3)
        .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!("3 digits is valid")))
}

/// Opens a WebSocket from `source` (a loopback address) to `url`, authenticated by `token`.
pub async fn open(
    url: &str,
    target: SocketAddr,
    source: IpAddr,
    token: &str,
) -> anyhow::Result<Ws> {
    let socket = if target.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.bind(SocketAddr::new(source, 0))?;
    let stream = socket.connect(target).await?;
    stream.set_nodelay(true)?;
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse()?);
    let (ws, _) = tokio_tungstenite::client_async(request, stream).await?;
    Ok(ws)
}

/// Runs a connection until `stop` turns true or the server closes it.
pub async fn run(
    ws: Ws,
    mut cmds: mpsc::Receiver<Cmd>,
    base: Instant,
    mut stop: watch::Receiver<bool>,
) -> ConnStats {
    let mut stats = ConnStats::new();
    let (mut sink, mut stream) = ws.split();
    let mut pending: HashMap<RequestId, Instant> = HashMap::new();
    loop {
        tokio::select! {
            cmd = cmds.recv() => {
                let Some(Cmd::Send(chat_id)) = cmd else { continue };
                let request_id = RequestId::new_random();
                let frame = ClientFrame::Message {
                    chat_id,
                    text: format!("load {}", base.elapsed().as_micros()),
                    request_id,
                    reply_to: None,
                };
                let Ok(text) = serde_json::to_string(&frame) else { continue };
                pending.insert(request_id, Instant::now());
                stats.sent += 1;
                if sink.send(tungstenite::Message::text(text)).await.is_err() {
                    stats.dropped_connection = true;
                    break;
                }
            }
            msg = stream.next() => {
                match msg {
                    Some(Ok(tungstenite::Message::Text(text))) => on_frame(text.as_str(), &mut pending, &mut stats, base),
                    // the pong tungstenite queued goes out on the next flush
                    Some(Ok(tungstenite::Message::Ping(_))) => { let _ = sink.flush().await; }
                    Some(Ok(tungstenite::Message::Close(_)) | Err(_)) | None => {
                        stats.dropped_connection = !*stop.borrow();
                        break;
                    }
                    Some(Ok(_)) => {}
                }
            }
            _ = stop.changed() => break,
        }
    }
    let _ = sink.close().await;
    stats
}

fn on_frame(
    text: &str,
    pending: &mut HashMap<RequestId, Instant>,
    stats: &mut ConnStats,
    base: Instant,
) {
    let Ok(frame) = serde_json::from_str::<ServerFrame>(text) else {
        *stats.errors.entry("unparsable frame".into()).or_default() += 1;
        return;
    };
    match frame {
        ServerFrame::MessageSent { request_id, .. } => {
            if let Some(at) = pending.remove(&request_id) {
                stats.acked += 1;
                let _ = stats.ack.record(at.elapsed().as_micros().max(1) as u64);
            }
        }
        ServerFrame::NewMessage { message, .. } => {
            if let Some(sent) = message
                .text
                .strip_prefix("load ")
                .and_then(|t| t.parse::<u128>().ok())
            {
                stats.delivered += 1;
                let now = base.elapsed().as_micros();
                let _ = stats
                    .delivery
                    .record(now.saturating_sub(sent).max(1) as u64);
            }
        }
        ServerFrame::Error {
            code, request_id, ..
        } => {
            if let Some(r) = request_id {
                pending.remove(&r);
            }
            *stats.errors.entry(format!("{code:?}")).or_default() += 1;
        }
        _ => {}
    }
}
