//! The three promises: order, no duplicates, no loss.

use std::collections::HashSet;

use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{RequestId, UserId};
use natter_tests::{TestApp, WsClient};

fn generous(v: &mut std::collections::HashMap<String, String>) {
    v.insert("NATTER_RATE_MESSAGES_PER_MIN".into(), "100000".into());
    v.insert("NATTER_RATE_REST_PER_MIN".into(), "100000".into());
}

#[actix_web::test]
async fn seqs_are_gap_free_under_concurrent_senders() {
    let app = TestApp::spawn_with(generous).await;
    let owner = app.signed_in_user().await;
    let mut members = Vec::new();
    for _ in 0..4 {
        members.push(app.signed_in_user().await);
    }
    let ids: Vec<UserId> = members.iter().map(|m| m.user.id).collect();
    let group = app.group_chat(&owner.token, "race", &ids).await;
    const EACH: usize = 50;
    let mut senders = Vec::new();
    for m in &members {
        let url = app.ws_url();
        let token = m.token.clone();
        let chat = group.id;
        senders.push(async move {
            let mut ws = WsClient::connect(&url, &token).await;
            let mut sent = Vec::new();
            for i in 0..EACH {
                let request_id = RequestId::new_random();
                sent.push(request_id);
                ws.send(&ClientFrame::Message {
                    attachments: Vec::new(),
                    chat_id: chat,
                    text: format!("{i}"),
                    request_id,
                    reply_to: None,
                })
                .await;
            }
            let mut acked = HashSet::new();
            while acked.len() < EACH {
                if let ServerFrame::MessageSent { request_id, .. } = ws
                    .recv_until(|f| matches!(f, ServerFrame::MessageSent { .. }))
                    .await
                {
                    acked.insert(request_id);
                }
            }
            assert_eq!(acked, sent.into_iter().collect());
        });
    }
    futures_util::future::join_all(senders).await;
    let page = app.history(&owner.token, group.id, "limit=200").await;
    let seqs: Vec<i64> = page.messages.iter().map(|m| m.seq).collect();
    assert_eq!(
        seqs,
        (1..=200).collect::<Vec<_>>(),
        "1..=200 with no gap and no repeat"
    );
    let list = app.chats(&owner.token, "").await;
    assert_eq!(
        (list.chats[0].last_seq, list.chats[0].unread_count),
        (200, 200)
    );
}

#[actix_web::test]
async fn resending_a_request_id_never_stores_a_second_message() {
    let app = TestApp::spawn_with(generous).await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    let request_id = RequestId::new_random();
    let frame = ClientFrame::Message {
        attachments: Vec::new(),
        chat_id: chat.id,
        text: "only once".into(),
        request_id,
        reply_to: None,
    };
    // the first connection sends and "times out"; a reconnect sends the same key again, twice
    let mut ids = Vec::new();
    for _ in 0..2 {
        let mut ws = WsClient::connect(&app.ws_url(), &alice.token).await;
        ws.send(&frame).await;
        ws.send(&frame).await;
        for _ in 0..2 {
            if let ServerFrame::MessageSent { message, .. } = ws
                .recv_until(|f| matches!(f, ServerFrame::MessageSent { .. }))
                .await
            {
                ids.push(message.id);
            }
        }
    }
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "every ack names the original"
    );
    let page = app.history(&bob.token, chat.id, "").await;
    assert_eq!(page.messages.len(), 1);
}

#[actix_web::test]
async fn a_client_that_was_away_recovers_every_message_by_seq() {
    let app = TestApp::spawn_with(generous).await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    let mut bob_ws = WsClient::connect(&app.ws_url(), &bob.token).await;
    app.send_text(&alice.token, chat.id, "seen live").await;
    let mut last_seen = 0;
    if let ServerFrame::NewMessage { message, .. } = bob_ws
        .recv_until(|f| matches!(f, ServerFrame::NewMessage { .. }))
        .await
    {
        last_seen = message.seq;
    }
    bob_ws.close().await;
    for i in 0..37 {
        app.send_text(&alice.token, chat.id, &format!("missed {i}"))
            .await;
    }
    // back: compare the last seq per chat with the server's and fetch the gap
    let _bob_ws = WsClient::connect(&app.ws_url(), &bob.token).await;
    let server_last = app.chats(&bob.token, "").await.chats[0].last_seq;
    let mut recovered = Vec::new();
    let mut after = last_seen;
    while after < server_last {
        let page = app
            .history(&bob.token, chat.id, &format!("after={after}&limit=10"))
            .await;
        after = page.messages.last().map_or(server_last, |m| m.seq);
        recovered.extend(page.messages);
    }
    let seqs: Vec<i64> = recovered.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (2..=38).collect::<Vec<_>>());
    assert_eq!(recovered.last().map(|m| m.text.as_str()), Some("missed 36"));
}
