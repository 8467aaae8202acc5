//! One load connection: a task owns the WebSocket, sends what the scheduler tells it to,
//! and measures send→ack (its own sends) and send→delivery (messages it receives, whose text
//! carries the send time).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{ChatId, MessageId, RequestId};
use rand::Rng;
use tokio::net::TcpSocket;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

use super::arrival::{Arrival, TimedStream};
use super::stats::ConnStats;

pub type Ws = tokio_tungstenite::WebSocketStream<TimedStream>;

/// What the scheduler asks a connection to do.
#[derive(Debug, Clone, Copy)]
pub enum Cmd {
    Send(ChatId),
}

/// Shares of the scheduled operations that change earlier messages instead of sending a new
/// one (the rest are sends). Edits and deletes take one's own recent messages, reactions any
/// recent message of the chat; with none at hand the operation is a send.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mix {
    pub edit: f64,
    pub react: f64,
    pub delete: f64,
}

/// Recent messages a connection keeps per chat, for edits, deletes and reactions.
const RECENT: usize = 64;
/// Reactions drawn from these (20: never past the per-message limit).
const EMOJI: [&str; 20] = [
    "👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "🔥", "👀", "💯", "👏", "🤔", "😍", "🙌", "😅", "🤝",
    "✅", "🚀", "😎", "🥳",
];

/// What a load connection reads into at a time. tungstenite zero-fills its whole read buffer
/// before every read (128 KiB by default): with thousands of small frames a second that was
/// half of the generator's CPU (perf, issue 16). Frames here are well under 1 KiB.
const READ_BUFFER: usize = 16 * 1024;

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
    let stream = TimedStream::new(stream)?;
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse()?);
    let config = tungstenite::protocol::WebSocketConfig::default().read_buffer_size(READ_BUFFER);
    let (ws, _) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await?;
    Ok(ws)
}

/// How long a connection must stay silent to count as settled ([`settle`]).
pub const SETTLE_QUIET: std::time::Duration = std::time::Duration::from_millis(300);

/// Reads what the server sent while the connections were opening (presence and the like)
/// until the connection has been silent for `quiet`; returns it and the frames read. Without
/// this those frames wait unread until the connection's task starts with the sending, and
/// the first acks queue behind thousands of them: the first seconds would measure the
/// generator's own backlog.
pub async fn settle(mut ws: Ws, quiet: std::time::Duration) -> (Ws, u64) {
    let mut frames = 0;
    // at most SETTLE_MAX in all: a connection others keep writing to is never silent
    let until = tokio::time::Instant::now() + SETTLE_MAX;
    while let Ok(Some(Ok(_))) =
        tokio::time::timeout_at(until.min(tokio::time::Instant::now() + quiet), ws.next()).await
    {
        frames += 1;
    }
    (ws, frames)
}

/// The longest [`settle`] waits for a connection to fall silent.
pub const SETTLE_MAX: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs a connection until `stop` turns true or the server closes it.
pub async fn run(
    ws: Ws,
    mut cmds: mpsc::Receiver<Cmd>,
    base: Instant,
    mut stop: watch::Receiver<bool>,
    mix: Mix,
    acks: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> ConnStats {
    let mut stats = ConnStats::new();
    let arrival = ws.get_ref().arrival();
    let (mut sink, mut stream) = ws.split();
    let mut pending: HashMap<RequestId, Instant> = HashMap::new();
    let mut recent = Recent::default();
    loop {
        tokio::select! {
            cmd = cmds.recv() => {
                let Some(Cmd::Send(chat_id)) = cmd else { continue };
                let request_id = RequestId::new_random();
                let (kind, frame) = recent.next_op(chat_id, request_id, mix, base);
                *stats.ops.entry(kind.into()).or_default() += 1;
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
                    Some(Ok(tungstenite::Message::Text(text))) => {
                        let before = stats.acked;
                        on_frame(text.as_str(), &arrival, &mut pending, &mut stats, &mut recent, base);
                        if stats.acked > before {
                            acks.fetch_add(stats.acked - before, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
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

/// The recent messages of each chat this connection knows: its own (for edits and deletes)
/// and any (for reactions).
#[derive(Default)]
struct Recent {
    own: HashMap<ChatId, Vec<MessageId>>,
    any: HashMap<ChatId, Vec<MessageId>>,
}

impl Recent {
    fn remember(list: &mut Vec<MessageId>, id: MessageId) {
        if list.len() >= RECENT {
            list.remove(0);
        }
        list.push(id);
    }

    fn saw(&mut self, chat: ChatId, id: MessageId, mine: bool) {
        if mine {
            Self::remember(self.own.entry(chat).or_default(), id);
        }
        Self::remember(self.any.entry(chat).or_default(), id);
    }

    fn forget(&mut self, chat: ChatId, id: MessageId) {
        for lists in [&mut self.own, &mut self.any] {
            if let Some(list) = lists.get_mut(&chat) {
                list.retain(|m| *m != id);
            }
        }
    }

    /// The next operation on `chat` by the mix: its kind and frame.
    fn next_op(
        &mut self,
        chat_id: ChatId,
        request_id: RequestId,
        mix: Mix,
        base: Instant,
    ) -> (&'static str, ClientFrame) {
        let mut rng = rand::rng();
        let roll: f64 = rng.random();
        let own = self.own.get(&chat_id).filter(|l| !l.is_empty());
        let any = self.any.get(&chat_id).filter(|l| !l.is_empty());
        if roll < mix.edit
            && let Some(own) = own
        {
            let message_id = own[rng.random_range(0..own.len())];
            return (
                "edit",
                ClientFrame::Edit {
                    chat_id,
                    message_id,
                    text: format!("edited {}", base.elapsed().as_micros()),
                    request_id,
                },
            );
        }
        if roll >= mix.edit
            && roll < mix.edit + mix.react
            && let Some(any) = any
        {
            let message_id = any[rng.random_range(0..any.len())];
            return (
                "react",
                ClientFrame::React {
                    chat_id,
                    message_id,
                    emoji: EMOJI[rng.random_range(0..EMOJI.len())].into(),
                    remove: rng.random_bool(0.3),
                    request_id,
                },
            );
        }
        if roll >= mix.edit + mix.react
            && roll < mix.edit + mix.react + mix.delete
            && let Some(own) = self.own.get_mut(&chat_id).filter(|l| !l.is_empty())
        {
            let message_id = own.remove(rng.random_range(0..own.len()));
            if let Some(any) = self.any.get_mut(&chat_id) {
                any.retain(|m| *m != message_id);
            }
            return (
                "delete",
                ClientFrame::Delete {
                    chat_id,
                    message_id,
                    for_everyone: true,
                    request_id,
                },
            );
        }
        (
            "send",
            ClientFrame::Message {
                attachments: Vec::new(),
                chat_id,
                text: format!("load {}", base.elapsed().as_micros()),
                request_id,
                reply_to: None,
            },
        )
    }
}

fn on_frame(
    text: &str,
    arrival: &Arrival,
    pending: &mut HashMap<RequestId, Instant>,
    stats: &mut ConnStats,
    recent: &mut Recent,
    base: Instant,
) {
    let Ok(frame) = serde_json::from_str::<ServerFrame>(text) else {
        *stats.errors.entry("unparsable frame".into()).or_default() += 1;
        return;
    };
    match frame {
        ServerFrame::MessageSent {
            request_id,
            message,
            ..
        } => {
            recent.saw(message.chat_id, message.id, true);
            if let Some(at) = pending.remove(&request_id) {
                stats.record_ack(base, at, arrival.lag());
            }
        }
        ServerFrame::ChatEvent { event } => {
            // a message deleted by someone else is no longer a target
            if let Some(m) = event.message.filter(|m| m.deleted) {
                recent.forget(m.chat_id, m.id);
            }
        }
        ServerFrame::ChangeApplied { request_id, .. } => {
            if let Some(at) = pending.remove(&request_id) {
                stats.record_ack(base, at, arrival.lag());
            }
        }
        ServerFrame::NewMessage { message, .. } => {
            recent.saw(message.chat_id, message.id, false);
            if let Some(sent) = message
                .text
                .strip_prefix("load ")
                .and_then(|t| t.parse::<u128>().ok())
            {
                let now = base.elapsed().as_micros();
                stats.record_delivery(message.id, now.saturating_sub(sent));
            }
        }
        ServerFrame::Error {
            code, request_id, ..
        } => {
            if let Some(at) = request_id.and_then(|r| pending.remove(&r))
                && code == natter_shared::ErrorCode::Overloaded
            {
                stats.record_refusal(base, at, arrival.lag());
            }
            *stats.errors.entry(format!("{code:?}")).or_default() += 1;
        }
        _ => {}
    }
}
