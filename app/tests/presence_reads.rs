//! Issue 15, points 3 and 4, end to end through the app's own network and reducer code
//! against the real server (PostgreSQL, Redis):
//! - a partner who goes away while the observer's link is down is shown offline after the
//!   observer reconnects (their `user_offline` was never received);
//! - a partner's reply moves their read cursor for the sender: the sender's message shows
//!   read although the partner never sent a `read`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod support;

use natter::state::LinkStatus;
use natter_shared::ChatId;
use natter_tests::{TestApp, WsClient};
use support::client::{Client, wait_until};
use support::proxy::Proxy;

const PASSWORD: &str = "correct horse";

fn name(who: &str) -> String {
    format!("{who}{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

fn partner_online(client: &Client, chat: ChatId) -> Option<bool> {
    let entry = client.state.chats.by_id.get(&chat)?;
    entry.summary.partner.as_ref().map(|p| p.online)
}

#[actix_web::test]
async fn a_partner_who_left_while_the_link_was_down_shows_offline_after_the_reconnect() {
    // Arrange: Alice's app behind a proxy; Bob connected (a plain socket), seen online.
    let app = TestApp::spawn().await;
    let (alice_name, bob_name) = (name("alice"), name("bob"));
    app.register(&alice_name, PASSWORD).await;
    let bob_user = app.register(&bob_name, PASSWORD).await;
    let alice_tokens = app.login(&alice_name, PASSWORD).await;
    let bob_tokens = app.login(&bob_name, PASSWORD).await;
    let chat = app.direct_chat(&alice_tokens.token, bob_user.id).await.id;
    app.accept_request(&bob_tokens.token, chat).await; // they know each other
    let bob_ws = WsClient::connect(&app.ws_url(), &bob_tokens.token).await;
    let proxy = Proxy::start(app.port);
    let mut alice = Client::new("alice", &proxy.url());
    alice.sign_in(&alice_name, PASSWORD);
    wait_until(&mut [&mut alice], "alice sees bob online", |c| {
        c[0].state.connection.is_online() && partner_online(c[0], chat) == Some(true)
    })
    .await;

    // Act: Alice's network goes; Bob leaves meanwhile (his `user_offline` cannot reach her).
    proxy.cut();
    wait_until(&mut [&mut alice], "alice notices she is offline", |c| {
        matches!(c[0].state.connection.status, LinkStatus::Offline { .. })
    })
    .await;
    bob_ws.close().await;
    let mut gone = false;
    for _ in 0..300 {
        let list = app.chats(&alice_tokens.token, "").await;
        gone = list
            .chats
            .iter()
            .all(|c| c.partner.as_ref().is_some_and(|p| !p.online));
        if gone {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(gone, "the server noticed Bob leave");
    alice.pump();
    assert_eq!(
        partner_online(&alice, chat),
        Some(true),
        "while offline, Alice still shows what she last heard"
    );
    proxy.restore();

    // Assert: the reconnect brings Bob's presence as it is now.
    wait_until(
        &mut [&mut alice],
        "alice is back and shows bob offline",
        |c| {
            c[0].state.connection.is_online()
                && !c[0].state.chats.syncing
                && partner_online(c[0], chat) == Some(false)
        },
    )
    .await;
}

#[actix_web::test]
async fn a_partners_reply_turns_my_message_read_without_a_read_frame() {
    // Arrange: Alice and Bob signed in through the app's code; neither opens the chat, so
    // neither sends a read cursor.
    let app = TestApp::spawn().await;
    let (alice_name, bob_name) = (name("alice"), name("bob"));
    app.register(&alice_name, PASSWORD).await;
    let bob_user = app.register(&bob_name, PASSWORD).await;
    let alice_tokens = app.login(&alice_name, PASSWORD).await;
    let chat = app.direct_chat(&alice_tokens.token, bob_user.id).await.id;
    // Bob takes Alice's message request (until then the server hides his reads from her)
    let bob_tokens = app.login(&bob_name, PASSWORD).await;
    app.accept_request(&bob_tokens.token, chat).await;
    let mut alice = Client::new("alice", &app.address);
    let mut bob = Client::new("bob", &app.address);
    alice.sign_in(&alice_name, PASSWORD);
    bob.sign_in(&bob_name, PASSWORD);
    wait_until(&mut [&mut alice, &mut bob], "both see the chat", |c| {
        c.iter().all(|c| {
            c.state.connection.is_online()
                && c.state.chats.loaded
                && c.state.chats.by_id.contains_key(&chat)
        })
    })
    .await;

    // Act 1: Alice writes; Bob's app receives it and shows nothing read.
    alice.send(chat, "are you there?");
    wait_until(&mut [&mut alice, &mut bob], "bob has it", |c| {
        c[0].state.chats.outbox.is_empty() && c[1].texts(chat) == ["are you there?"]
    })
    .await;
    let entry = &alice.state.chats.by_id[&chat];
    assert_eq!(
        entry.read_by_others(),
        0,
        "one grey tick: Bob has not read it"
    );

    // Act 2: Bob replies without ever sending `read`.
    bob.send(chat, "yes");
    wait_until(&mut [&mut alice, &mut bob], "alice has the reply", |c| {
        c[0].texts(chat) == ["are you there?", "yes"] && c[1].state.chats.outbox.is_empty()
    })
    .await;

    // Assert: Alice's message 1 counts as read by Bob, as the server has it.
    assert_eq!(
        bob.state.chats.by_id[&chat].read.wanted, 0,
        "bob's app never asked to move his read cursor"
    );
    let entry = &alice.state.chats.by_id[&chat];
    assert!(
        entry.read_by_others() >= 1,
        "the reply moved Bob's read cursor: {:?}",
        entry.others_read
    );
    let details: natter_shared::api::ChatDetails = natter_tests::json_with_status(
        app.get_authed(&format!("/chats/{chat}"), &alice_tokens.token)
            .await,
        200,
    )
    .await;
    let bob_cursor = details
        .members
        .iter()
        .find(|m| m.id == bob_user.id)
        .map(|m| m.read_seq);
    assert_eq!(bob_cursor, Some(2), "the server moved it the same way");
}
