//! End to end, through the app's own network and reducer code: a client is cut off while 50
//! changes (sends, edits, deletes, reactions) happen in its open chat; back online, it catches
//! up by `event_seq` and ends with exactly the server's history, byte for byte.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod support;

use natter::state::LinkStatus;
use natter_shared::api::{ChangeResult, EditMessageRequest, Message};
use natter_shared::{ChatId, RequestId};
use natter_tests::{TestApp, json_with_status};
use serde_json::json;
use support::client::{Client, wait_until};
use support::proxy::Proxy;

const PASSWORD: &str = "correct horse";

fn caught_up(client: &Client, chat: ChatId, last_event_seq: i64) -> bool {
    client.state.chats.by_id.get(&chat).is_some_and(|c| {
        c.event_seq == Some(last_event_seq) && !c.events_loading && !c.history.filling
    })
}

#[actix_web::test]
async fn a_client_offline_for_50_changes_catches_up_by_event_seq_to_the_servers_history() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_RATE_MESSAGES_PER_MIN".into(), "10000".into());
        v.insert("NATTER_RATE_REST_PER_MIN".into(), "10000".into());
    })
    .await;
    let alice_name = format!("alice{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.register(&alice_name, PASSWORD).await;
    let alice_tokens = app.login(&alice_name, PASSWORD).await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&bob.token, alice_tokens.user.id).await.id;
    let mut sent: Vec<Message> = Vec::new();
    for i in 0..10 {
        sent.push(
            app.send_text(&bob.token, chat, &format!("before {i}"))
                .await,
        );
    }
    let proxy = Proxy::start(app.port);
    let mut alice = Client::new("alice", &proxy.url());
    alice.sign_in(&alice_name, PASSWORD);
    wait_until(&mut [&mut alice], "alice is online with the chat", |c| {
        c[0].state.connection.is_online() && c[0].state.chats.by_id.contains_key(&chat)
    })
    .await;
    alice.dispatch(natter::action::Action::ChatOpened(chat));
    wait_until(&mut [&mut alice], "alice has the 10 messages", |c| {
        caught_up(c[0], chat, 10) && c[0].state.chats.by_id[&chat].messages.len() == 10
    })
    .await;

    proxy.cut();
    wait_until(&mut [&mut alice], "alice notices she is offline", |c| {
        matches!(c[0].state.connection.status, LinkStatus::Offline { .. })
    })
    .await;
    // 50 changes while she is away
    for i in 0..50usize {
        match i % 5 {
            0 | 1 => sent.push(app.send_text(&bob.token, chat, &format!("away {i}")).await),
            2 => {
                let m = &sent[i % sent.len()];
                let resp = app
                    .client
                    .patch(app.api(&format!("/chats/{chat}/messages/{}", m.id)))
                    .bearer_auth(&bob.token)
                    .json(&EditMessageRequest {
                        text: format!("edited {i}"),
                        request_id: RequestId::new_random(),
                    })
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status() == 200 || resp.status() == 409);
            }
            3 => {
                let m = &sent[(i * 7) % sent.len()];
                let resp = app
                    .client
                    .post(app.api(&format!("/chats/{chat}/messages/{}/reactions", m.id)))
                    .bearer_auth(&bob.token)
                    .json(&json!({ "emoji": "🎉" }))
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status() == 200 || resp.status() == 409);
            }
            _ => {
                let m = sent.remove(i % sent.len());
                let resp = app
                    .client
                    .delete(app.api(&format!(
                        "/chats/{chat}/messages/{}?for_everyone=true",
                        m.id
                    )))
                    .bearer_auth(&bob.token)
                    .send()
                    .await
                    .unwrap();
                json_with_status::<ChangeResult>(resp, 200).await;
            }
        }
    }
    let target = app.chats(&alice_tokens.token, "").await.chats[0].last_event_seq;
    assert!(target >= 50, "the changes are in the log: {target}");

    proxy.restore();
    wait_until(&mut [&mut alice], "alice caught up by event_seq", |c| {
        caught_up(c[0], chat, target)
    })
    .await;
    let server = app.history(&alice_tokens.token, chat, "limit=200").await;
    let local: Vec<Message> = alice.state.chats.by_id[&chat]
        .messages
        .values()
        .cloned()
        .collect();
    assert_eq!(
        serde_json::to_string(&local).unwrap(),
        serde_json::to_string(&server.messages).unwrap(),
        "byte for byte the server's history"
    );
}
