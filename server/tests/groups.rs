//! A member removed on one process stops receiving the group at once on an already-open
//! socket on another process: the removal reaches every process's room, and a send that a
//! stale room let through is checked again by the writer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use natter_shared::api::{ChatSummary, DepartureReason, Message};
use natter_shared::ws::ServerFrame;
use natter_shared::{ChatId, RequestId};
use natter_tests::{ServerProcess, TestDatabase, WsClient, json_with_status, sign_up};

const BIN: &str = env!("CARGO_BIN_EXE_natter-server");
const GENEROUS: &[(&str, &str)] = &[
    ("NATTER_RATE_MESSAGES_PER_MIN", "100000"),
    ("NATTER_RATE_REST_PER_MIN", "100000"),
];

async fn send(
    client: &reqwest::Client,
    server: &ServerProcess,
    token: &str,
    chat: ChatId,
    text: &str,
) -> Message {
    let resp = client
        .post(server.api(&format!("/chats/{chat}/messages")))
        .bearer_auth(token)
        .json(&serde_json::json!({"text": text, "request_id": RequestId::new_random()}))
        .send()
        .await
        .unwrap();
    json_with_status(resp, 201).await
}

#[actix_web::test]
async fn a_member_removed_on_one_process_stops_receiving_at_once_on_another() {
    let db = TestDatabase::create();
    let a = ServerProcess::start(BIN, &db.name, &db.redis_prefix, GENEROUS).await;
    let b = ServerProcess::start(BIN, &db.name, &db.redis_prefix, GENEROUS).await;
    let client = reqwest::Client::new();
    let alice = sign_up(&client, |p| a.api(p)).await;
    let bob = sign_up(&client, |p| b.api(p)).await;
    let carol = sign_up(&client, |p| b.api(p)).await;
    let group: ChatSummary = json_with_status(
        client
            .post(a.api("/chats"))
            .bearer_auth(&alice.token)
            .json(&serde_json::json!({"title": "club", "member_ids": [bob.user.id, carol.user.id]}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let probe_chat =
        natter_tests::open_direct_chat(&client, &b.api("/chats"), &carol.token, bob.user.id)
            .await
            .id;
    let mut bob_ws = WsClient::connect(&b.ws_url(), &bob.token).await;
    // B's room runs and knows Bob as a member
    let first = send(&client, &b, &carol.token, group.id, "while a member").await;
    let got = bob_ws
        .recv_until(
            |f| matches!(f, ServerFrame::NewMessage { message, .. } if message.chat_id == group.id),
        )
        .await;
    assert!(matches!(got, ServerFrame::NewMessage { message, .. } if message.id == first.id));

    // removed on A; Carol keeps sending on B from the first moment
    let removing = client
        .delete(a.api(&format!("/chats/{}/members/{}", group.id, bob.user.id)))
        .bearer_auth(&alice.token)
        .send();
    let mut after = Vec::new();
    let (removed, early) = tokio::join!(
        removing,
        send(&client, &b, &carol.token, group.id, "racing")
    );
    assert_eq!(removed.unwrap().status(), 204);
    after.push(early);
    for i in 0..20 {
        after.push(send(&client, &b, &carol.token, group.id, &format!("after {i}")).await);
    }
    let probe = send(&client, &b, &carol.token, probe_chat, "probe").await;

    // until the probe, Bob's socket may see only what was sent before his removal
    let history: natter_shared::api::MessagePage = json_with_status(
        client
            .get(a.api(&format!("/chats/{}/messages?limit=100", group.id)))
            .bearer_auth(&alice.token)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let removal_seq = history
        .messages
        .iter()
        .find(|m| matches!(&m.service, Some(natter_shared::api::ServiceAction::Departed { user_id, .. }) if *user_id == bob.user.id))
        .map(|m| m.seq)
        .expect("the removal is in the history");
    let mut ended = false;
    loop {
        match bob_ws.recv().await {
            ServerFrame::MembershipEnded { chat_id, reason } => {
                assert_eq!((chat_id, reason), (group.id, DepartureReason::Removed));
                ended = true;
            }
            ServerFrame::NewMessage { message, .. } if message.chat_id == group.id => {
                assert!(
                    message.seq <= removal_seq,
                    "message {} (seq {}) reached Bob after his removal at {removal_seq}",
                    message.text,
                    message.seq
                );
            }
            ServerFrame::NewMessage { message, .. } if message.id == probe.id => break,
            _ => {}
        }
    }
    assert!(
        ended,
        "membership_ended reached the socket on the other process"
    );
    assert!(
        after.iter().any(|m| m.seq > removal_seq),
        "sends after the removal were made"
    );
    // and nothing newer over REST, on either process
    let newer = client
        .get(b.api(&format!("/chats/{}/messages?after={removal_seq}", group.id)))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(newer.status(), 404);
}
