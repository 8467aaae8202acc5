//! The catch-up figure: a chat gets `events` changes while one member is away; the member then
//! fetches them with `GET /chats/{id}/events?after=` page by page. Time and bytes are measured.

use std::collections::HashSet;
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use natter_shared::api::EventPage;
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{API_PREFIX, ChatId, RequestId};
use serde::Serialize;
use tokio_tungstenite::tungstenite;

use super::conn::Ws;
use super::setup::LoadUser;

/// Events fetched per request.
const PAGE: u32 = 1000;
/// Sends in flight at once while the backlog is made.
const WINDOW: usize = 500;

/// What a catch-up cost.
#[derive(Debug, Default, Serialize)]
pub struct CatchUp {
    pub events: i64,
    pub requests: u64,
    pub bytes: u64,
    pub seconds: f64,
    pub events_per_s: f64,
}

/// Makes `events` sends into `chat` over `ws` (as `sender`), then catches `reader` up.
pub async fn measure(
    client: &reqwest::Client,
    server: &str,
    mut ws: Ws,
    chat: ChatId,
    reader: &LoadUser,
    events: usize,
) -> anyhow::Result<CatchUp> {
    let after = last_event_seq(client, server, reader, chat).await?;
    let mut sent = 0;
    while sent < events {
        let n = WINDOW.min(events - sent);
        let mut waiting = HashSet::new();
        for i in 0..n {
            let request_id = RequestId::new_random();
            waiting.insert(request_id);
            let frame = ClientFrame::Message {
                attachments: Vec::new(),
                chat_id: chat,
                text: format!("backlog {}", sent + i),
                request_id,
                reply_to: None,
            };
            ws.send(tungstenite::Message::text(serde_json::to_string(&frame)?))
                .await?;
        }
        while !waiting.is_empty() {
            let Some(msg) = ws.next().await else {
                anyhow::bail!("the connection closed while the backlog was made");
            };
            if let tungstenite::Message::Text(t) = msg? {
                match serde_json::from_str::<ServerFrame>(t.as_str())? {
                    ServerFrame::MessageSent { request_id, .. } => {
                        waiting.remove(&request_id);
                    }
                    ServerFrame::Error { code, message, .. } => {
                        anyhow::bail!("backlog send refused: {code:?} {message}")
                    }
                    _ => {}
                }
            }
        }
        sent += n;
    }
    let started = Instant::now();
    let mut figures = CatchUp::default();
    let mut at = after;
    loop {
        let resp = client
            .get(format!(
                "{server}{API_PREFIX}/chats/{chat}/events?after={at}&limit={PAGE}"
            ))
            .bearer_auth(&reader.token)
            .send()
            .await?;
        anyhow::ensure!(resp.status() == 200, "events: {}", resp.status());
        let body = resp.bytes().await?;
        figures.requests += 1;
        figures.bytes += body.len() as u64;
        let page: EventPage = serde_json::from_slice(&body)?;
        if let Some(last) = page.events.last() {
            at = last.event_seq;
        }
        if !page.has_more {
            break;
        }
    }
    figures.seconds = started.elapsed().as_secs_f64();
    figures.events = at - after;
    figures.events_per_s = figures.events as f64 / figures.seconds.max(1e-6);
    Ok(figures)
}

async fn last_event_seq(
    client: &reqwest::Client,
    server: &str,
    reader: &LoadUser,
    chat: ChatId,
) -> anyhow::Result<i64> {
    let resp = client
        .get(format!(
            "{server}{API_PREFIX}/chats/{chat}/events?after=0&limit=1"
        ))
        .bearer_auth(&reader.token)
        .send()
        .await?;
    anyhow::ensure!(resp.status() == 200, "events: {}", resp.status());
    let page: EventPage = resp.json().await?;
    Ok(page.last_event_seq)
}
