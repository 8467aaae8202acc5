//! Several real `natter-server` processes on one PostgreSQL and Redis, and a process killed
//! mid-send: the promises hold across processes and crashes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};

use natter_shared::api::MessagePage;
use natter_shared::ws::{ClientFrame, PresenceEvent, ServerFrame};
use natter_shared::{ChatId, RequestId};
use natter_tests::{
    ServerProcess, TestDatabase, WsClient, json_with_status, open_direct_chat, sign_up,
};

const BIN: &str = env!("CARGO_BIN_EXE_natter-server");

#[actix_web::test]
async fn two_processes_deliver_messages_typing_and_presence_to_each_other() {
    let db = TestDatabase::create();
    let one = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &[]).await;
    let two = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &[]).await;
    let client = reqwest::Client::new();
    let alice = sign_up(&client, |p| one.api(p)).await;
    let bob = sign_up(&client, |p| two.api(p)).await;
    let chat = open_direct_chat(&client, &one.api("/chats"), &alice.token, bob.user.id).await;

    let mut bob_ws = WsClient::connect(&two.ws_url(), &bob.token).await;
    let mut alice_ws = WsClient::connect(&one.ws_url(), &alice.token).await;
    // bob (on two) hears that alice (on one) came online
    let online = bob_ws
        .recv_until(|f| matches!(f, ServerFrame::Presence { .. }))
        .await;
    assert!(
        matches!(online, ServerFrame::Presence { event: PresenceEvent::UserOnline, user_id, .. } if user_id == alice.user.id)
    );

    alice_ws
        .send(&ClientFrame::Typing {
            chat_id: chat.id,
            is_typing: true,
        })
        .await;
    let typing = bob_ws
        .recv_until(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    assert!(matches!(typing, ServerFrame::Typing { user_id, .. } if user_id == alice.user.id));

    let request_id = RequestId::new_random();
    alice_ws
        .send(&ClientFrame::Message {
            attachments: Vec::new(),
            chat_id: chat.id,
            text: "across".into(),
            request_id,
            reply_to: None,
        })
        .await;
    let got = bob_ws
        .recv_until(|f| matches!(f, ServerFrame::NewMessage { .. }))
        .await;
    let ServerFrame::NewMessage { message, .. } = got else {
        unreachable!()
    };
    assert_eq!((message.text.as_str(), message.seq), ("across", 1));

    // and back the other way
    bob_ws
        .send(&ClientFrame::Message {
            attachments: Vec::new(),
            chat_id: chat.id,
            text: "back".into(),
            request_id: RequestId::new_random(),
            reply_to: None,
        })
        .await;
    let got = alice_ws
        .recv_until(|f| matches!(f, ServerFrame::NewMessage { .. }))
        .await;
    assert!(
        matches!(got, ServerFrame::NewMessage { message, .. } if message.text == "back" && message.seq == 2)
    );

    alice_ws.close().await;
    let offline = bob_ws
        .recv_until(|f| matches!(f, ServerFrame::Presence { .. }))
        .await;
    assert!(
        matches!(offline, ServerFrame::Presence { event: PresenceEvent::UserOffline, user_id, .. } if user_id == alice.user.id)
    );
}

#[actix_web::test]
async fn a_user_whose_process_died_is_announced_offline_when_their_presence_runs_out() {
    // Arrange: two processes with a short presence TTL; Alice connected only to the second,
    // Bob to the first, hearing that Alice came online.
    let db = TestDatabase::create();
    let short = [("NATTER_PRESENCE_TTL_SECS", "3")];
    let one = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &short).await;
    let mut two = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &short).await;
    let client = reqwest::Client::new();
    let alice = sign_up(&client, |p| one.api(p)).await;
    let bob = sign_up(&client, |p| one.api(p)).await;
    open_direct_chat(&client, &one.api("/chats"), &alice.token, bob.user.id).await;
    let mut bob_ws = WsClient::connect(&one.ws_url(), &bob.token).await;
    let _alice_ws = WsClient::connect(&two.ws_url(), &alice.token).await;
    let online = bob_ws
        .recv_until(|f| matches!(f, ServerFrame::Presence { .. }))
        .await;
    assert!(
        matches!(online, ServerFrame::Presence { event: PresenceEvent::UserOnline, user_id, .. } if user_id == alice.user.id)
    );

    // Act: the second process dies without a goodbye (no disconnect runs for Alice).
    two.kill();

    // Assert: once its entry runs out, a live process tells Bob, and the list agrees.
    let offline = bob_ws
        .recv_until(|f| matches!(f, ServerFrame::Presence { .. }))
        .await;
    let ServerFrame::Presence {
        event,
        user_id,
        timestamp,
    } = offline
    else {
        unreachable!()
    };
    assert_eq!(
        (event, user_id),
        (PresenceEvent::UserOffline, alice.user.id)
    );
    assert!(
        timestamp <= chrono::Utc::now(),
        "last seen is the dead process's last refresh, not later"
    );
    let list: natter_shared::api::ChatList = json_with_status(
        client
            .get(one.api("/chats"))
            .bearer_auth(&bob.token)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let partner = list.chats[0].partner.as_ref().unwrap();
    assert!(!partner.online, "{partner:?}");
}

#[actix_web::test]
async fn a_server_killed_mid_send_loses_nothing_and_doubles_nothing() {
    let db = TestDatabase::create();
    let generous = [
        ("NATTER_RATE_MESSAGES_PER_MIN", "100000"),
        ("NATTER_RATE_REST_PER_MIN", "100000"),
    ];
    let mut first = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &generous).await;
    let client = reqwest::Client::new();
    let alice = sign_up(&client, |p| first.api(p)).await;
    let bob = sign_up(&client, |p| first.api(p)).await;
    let chat: ChatId = open_direct_chat(&client, &first.api("/chats"), &alice.token, bob.user.id)
        .await
        .id;

    // alice fires 300 sends without waiting; the server is killed while acks stream back
    const N: usize = 300;
    let outbox: Vec<(RequestId, String)> = (0..N)
        .map(|i| (RequestId::new_random(), format!("msg {i}")))
        .collect();
    let mut ws = WsClient::connect(&first.ws_url(), &alice.token).await;
    for (request_id, text) in &outbox {
        ws.send(&ClientFrame::Message {
            attachments: Vec::new(),
            chat_id: chat,
            text: text.clone(),
            request_id: *request_id,
            reply_to: None,
        })
        .await;
    }
    let mut acked: HashSet<RequestId> = HashSet::new();
    while acked.len() < N / 10 {
        if let ServerFrame::MessageSent { request_id, .. } = ws
            .recv_until(|f| matches!(f, ServerFrame::MessageSent { .. }))
            .await
        {
            acked.insert(request_id);
        }
    }
    first.kill();
    drop(ws);

    // a new process on the same database; the client resends everything not acked, with the
    // original request ids, as the app's outbox does
    let second = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &generous).await;
    let mut ws = WsClient::connect(&second.ws_url(), &alice.token).await;
    let pending: Vec<&(RequestId, String)> =
        outbox.iter().filter(|(r, _)| !acked.contains(r)).collect();
    assert!(
        !pending.is_empty(),
        "the kill came before every send was acknowledged"
    );
    for (request_id, text) in &pending {
        ws.send(&ClientFrame::Message {
            attachments: Vec::new(),
            chat_id: chat,
            text: text.clone(),
            request_id: *request_id,
            reply_to: None,
        })
        .await;
    }
    let mut settled: HashMap<RequestId, i64> = HashMap::new();
    while settled.len() < pending.len() {
        if let ServerFrame::MessageSent {
            request_id,
            message,
            ..
        } = ws
            .recv_until(|f| matches!(f, ServerFrame::MessageSent { .. }))
            .await
        {
            settled.insert(request_id, message.seq);
        }
    }

    // bob, who was offline throughout, fetches everything by seq
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let resp = client
            .get(second.api(&format!("/chats/{chat}/messages?after={after}&limit=200")))
            .bearer_auth(&bob.token)
            .send()
            .await
            .unwrap();
        let page: MessagePage = json_with_status(resp, 200).await;
        let Some(last) = page.messages.last() else {
            break;
        };
        after = last.seq;
        all.extend(page.messages);
    }
    let seqs: Vec<i64> = all.iter().map(|m| m.seq).collect();
    assert_eq!(
        seqs,
        (1..=N as i64).collect::<Vec<_>>(),
        "every message once, seqs gap-free"
    );
    let texts: HashSet<&str> = all.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts.len(), N, "no text twice");
    assert!(
        outbox.iter().all(|(_, t)| texts.contains(t.as_str())),
        "no text lost"
    );
}
