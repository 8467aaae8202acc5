//! One `request_id` sent to two processes at the same moment (a client that resent through
//! another process behind the balancer) stores one message, and both answers name it —
//! neither is `request_id_reused` (issue 14, finding 9).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use natter_shared::RequestId;
use natter_shared::api::Message;
use natter_tests::{ServerProcess, TestDatabase, open_direct_chat, sign_up};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_natter-server");

#[actix_web::test]
async fn the_same_request_id_on_two_processes_at_once_answers_the_one_message_on_both() {
    let db = TestDatabase::create();
    let limits = [
        ("NATTER_RATE_MESSAGES_PER_MIN", "1000000"),
        ("NATTER_RATE_REST_PER_MIN", "1000000"),
    ];
    let one = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &limits).await;
    let two = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &limits).await;
    let client = reqwest::Client::new();
    let alice = sign_up(&client, |p| one.api(p)).await;
    let bob = sign_up(&client, |p| two.api(p)).await;
    let chat = open_direct_chat(&client, &one.api("/chats"), &alice.token, bob.user.id).await;
    let path = format!("/chats/{}/messages", chat.id.0);
    let send = |api: String, request_id: RequestId, i: usize| {
        let client = client.clone();
        let token = alice.token.clone();
        async move {
            let resp = client
                .post(api)
                .bearer_auth(token)
                .json(&json!({"text": format!("twice {i}"), "request_id": request_id}))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap();
            assert!(status == 200 || status == 201, "{status}: {body}");
            serde_json::from_str::<Message>(&body).unwrap()
        }
    };
    for round in 0..30 {
        // several at once per round, each to both processes at once
        let mut pairs = Vec::new();
        for i in 0..8 {
            let request_id = RequestId::new_random();
            let n = round * 8 + i;
            let (a, b) = (one.api(&path), two.api(&path));
            let (send_a, send_b) = (send(a, request_id, n), send(b, request_id, n));
            pairs.push(async move { tokio::join!(send_a, send_b) });
        }
        for (a, b) in futures_util::future::join_all(pairs).await {
            assert_eq!(a.id, b.id, "one message for one request_id");
            assert_eq!(a.seq, b.seq);
        }
    }
    let page: natter_shared::api::MessagePage = client
        .get(one.api(&format!("{path}?limit=100")))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        page.messages.last().unwrap().seq,
        240,
        "no message stored twice"
    );
}
