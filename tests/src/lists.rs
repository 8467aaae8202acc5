//! The chat list as a server process shows it, against PostgreSQL (for the tests that kill
//! processes and check that the list tells the truth afterwards).

use natter_shared::ChatId;
use natter_shared::api::{ChatDetails, ChatList, ChatSummary, Message};

use crate::{ServerProcess, json_with_status};

/// The parts of a summary the list must get right (presence may differ between reads).
pub fn truth(c: &ChatSummary) -> (ChatId, i64, i64, i64, i64, Option<Message>) {
    (
        c.id,
        c.last_seq,
        c.last_event_seq,
        c.read_seq,
        c.unread_count,
        c.last_message.clone(),
    )
}

/// `GET /chats` on `server` (from the cache when it is trusted).
pub async fn list(client: &reqwest::Client, server: &ServerProcess, token: &str) -> ChatList {
    json_with_status(
        client
            .get(server.api("/chats"))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent"),
        200,
    )
    .await
}

/// The chat as PostgreSQL has it (`GET /chats/{id}` reads no cache).
pub async fn from_postgres(
    client: &reqwest::Client,
    server: &ServerProcess,
    token: &str,
    chat: ChatId,
) -> ChatSummary {
    let d: ChatDetails = json_with_status(
        client
            .get(server.api(&format!("/chats/{chat}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent"),
        200,
    )
    .await;
    d.chat
}
