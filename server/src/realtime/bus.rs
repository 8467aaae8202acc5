//! Events between server processes over Redis pub/sub.
//!
//! Every process publishes the frames it delivered locally, addressed to user ids, and
//! delivers what the others publish to its own connections. Chat events go on the chat's
//! channel (`<prefix>ev:chat:<id>`), others on `<prefix>ev:users`; each process subscribes to
//! `<prefix>ev:*`. Pub/sub is fire-and-forget: if the subscription breaks, this process may
//! have missed events, so once it is back it closes its connections and their clients
//! reconnect and fetch what they missed by seq. Nothing is lost that way.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use natter_shared::{ChatId, SessionId, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::registry::Registry;
use crate::cache::Redis;

/// Every channel of the bus (what each process subscribes to).
const CHANNEL_PATTERN: &str = "ev:*";
/// Publishes waiting for Redis beyond this many are dropped (counted): a stopped Redis must
/// not grow the server's memory; the clients of other processes catch up by seq as after
/// any bus outage.
const OUTBOX: usize = 65_536;
/// Most publishes sent in one pipeline.
const PUBLISH_BATCH: usize = 512;

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    origin: Uuid,
    event: BusEvent,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum BusEvent {
    /// Deliver `frame` (serialized JSON) to every connection of `recipients`.
    Frame {
        recipients: Vec<UserId>,
        frame: String,
    },
    /// Close every connection of a signed-out session.
    CloseSession { session: SessionId },
    /// The members of a chat changed: its room must read them again.
    MembersChanged { chat: ChatId },
}

/// Publishes to and receives from the other processes.
#[derive(Clone)]
pub struct Bus {
    redis: Redis,
    registry: Arc<Registry>,
    subscribed: Arc<AtomicBool>,
    /// Publishes on their way to Redis: one task sends what waits in one pipeline, so no
    /// send waits for Redis and a busy second costs a round trip per batch, not per event.
    outbox: tokio::sync::mpsc::Sender<(String, String)>,
    /// The start of this process's own payloads, which come back through the subscription
    /// and are skipped without being parsed.
    own_prefix: Arc<str>,
}

impl Bus {
    /// Must be made inside the server's runtime (the publisher runs on it).
    pub fn new(redis: Redis, registry: Arc<Registry>) -> Self {
        let (outbox, queue) = tokio::sync::mpsc::channel(OUTBOX);
        actix_web::rt::spawn(publisher(redis.clone(), queue));
        let own_prefix = format!("{{\"origin\":\"{}\"", registry.process_id).into();
        Self {
            redis,
            registry,
            subscribed: Arc::new(AtomicBool::new(false)),
            outbox,
            own_prefix,
        }
    }

    /// True while this process receives the others' events.
    pub fn is_subscribed(&self) -> bool {
        self.subscribed.load(Ordering::Acquire)
    }

    /// Sends `frame` to `recipients`' connections on the other processes.
    pub fn publish_frame(&self, chat: Option<ChatId>, recipients: Vec<UserId>, frame: &str) {
        if recipients.is_empty() {
            return;
        }
        let channel = match chat {
            Some(c) => self.chat_channel(c),
            None => self.users_channel(),
        };
        self.publish(
            channel,
            BusEvent::Frame {
                recipients,
                frame: frame.to_owned(),
            },
        );
    }

    /// Closes a signed-out session's connections everywhere (this process included).
    pub fn close_session(&self, session: SessionId) {
        self.registry.close_session(session);
        self.publish(self.users_channel(), BusEvent::CloseSession { session });
    }

    /// Tells every process's room of `chat` (this one's included) that its members changed.
    pub fn members_changed(&self, chat: ChatId) {
        self.registry.members_changed(chat);
        self.publish(self.chat_channel(chat), BusEvent::MembersChanged { chat });
    }

    /// `ev:chat:<chat>`: events about one chat.
    fn chat_channel(&self, chat: ChatId) -> String {
        self.redis.key(&format!("ev:chat:{chat}"))
    }

    /// `ev:users`: events addressed to users, about no chat.
    fn users_channel(&self) -> String {
        self.redis.key("ev:users")
    }

    fn publish(&self, channel: String, event: BusEvent) {
        let envelope = Envelope {
            origin: self.registry.process_id,
            event,
        };
        let payload = match serde_json::to_string(&envelope) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "bus: cannot serialize an event");
                return;
            }
        };
        if self.outbox.try_send((channel, payload)).is_err() {
            metrics::counter!("natter_redis_errors_total", "op" => "publish").increment(1);
            tracing::debug!("bus: outbox full; event dropped");
        }
    }

    /// Receives the other processes' events until the process ends, resubscribing after
    /// failures.
    pub fn start_subscriber(&self) {
        let bus = self.clone();
        actix_web::rt::spawn(async move {
            let pattern = bus.redis.key(CHANNEL_PATTERN);
            let mut had_subscription = false;
            let mut backoff = Duration::from_millis(200);
            loop {
                match bus.redis.client().get_async_pubsub().await {
                    Ok(mut pubsub) => match pubsub.psubscribe(&pattern).await {
                        Ok(()) => {
                            if had_subscription {
                                tracing::warn!(
                                    "bus: resubscribed; closing connections so clients resync"
                                );
                                bus.registry.close_all();
                            }
                            had_subscription = true;
                            backoff = Duration::from_millis(200);
                            bus.subscribed.store(true, Ordering::Release);
                            tracing::info!(pattern = %pattern, "bus: subscribed");
                            let mut stream = pubsub.into_on_message();
                            while let Some(msg) = stream.next().await {
                                bus.receive(msg.get_payload_bytes());
                            }
                            tracing::warn!("bus: subscription ended");
                        }
                        Err(e) => tracing::warn!(error = %e, "bus: psubscribe failed"),
                    },
                    Err(e) => tracing::debug!(error = %e, "bus: cannot connect to Redis"),
                }
                bus.subscribed.store(false, Ordering::Release);
                metrics::counter!("natter_redis_errors_total", "op" => "subscribe").increment(1);
                actix_web::rt::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        });
    }

    fn receive(&self, payload: &[u8]) {
        if payload.starts_with(self.own_prefix.as_bytes()) {
            // delivered locally before it was published
            return;
        }
        let envelope: Envelope = match serde_json::from_slice(payload) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "bus: unreadable event");
                return;
            }
        };
        if envelope.origin == self.registry.process_id {
            // delivered locally before it was published
            return;
        }
        match envelope.event {
            BusEvent::Frame { recipients, frame } => {
                self.registry.deliver_all(&recipients, &frame.into(), None);
            }
            BusEvent::CloseSession { session } => self.registry.close_session(session),
            BusEvent::MembersChanged { chat } => self.registry.members_changed(chat),
        }
    }
}

/// Sends the outbox's publishes in order, everything waiting in one pipeline.
async fn publisher(redis: Redis, mut queue: tokio::sync::mpsc::Receiver<(String, String)>) {
    let mut batch = Vec::with_capacity(PUBLISH_BATCH);
    while queue.recv_many(&mut batch, PUBLISH_BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for (channel, payload) in batch.drain(..) {
            pipe.cmd("PUBLISH").arg(channel).arg(payload).ignore();
        }
        let mut conn = redis.conn();
        if let Err(e) = pipe.query_async::<()>(&mut conn).await {
            metrics::counter!("natter_redis_errors_total", "op" => "publish").increment(1);
            tracing::warn!(error = %e, "bus: publish failed");
        }
    }
}
