//! End to end: two clients built on the app's own network and reducer code exchange
//! messages through the real server (PostgreSQL, Redis). One of them sits behind a proxy
//! that cuts its network while it keeps writing, and later loses the server's answers.
//! Both must end with the same history: every seq from 1, no gap, no duplicate.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod support;

use std::collections::BTreeSet;

use natter::state::{LinkStatus, OutgoingState};
use natter_shared::ChatId;
use natter_tests::TestApp;
use support::client::{Client, wait_until};
use support::proxy::Proxy;

const PASSWORD: &str = "correct horse";

fn has_all(client: &Client, chat: ChatId, count: usize) -> bool {
    client.state.chats.outbox.is_empty()
        && client.state.chats.by_id.get(&chat).is_some_and(|c| {
            c.messages.len() == count && c.synced_seq == Some(count as i64) && !c.history.filling
        })
}

/// Every seq from 1 to `count`, each text once.
fn assert_complete(client: &Client, chat: ChatId, count: usize) {
    let entry = &client.state.chats.by_id[&chat];
    let seqs: Vec<i64> = entry.messages.keys().copied().collect();
    assert_eq!(
        seqs,
        (1..=count as i64).collect::<Vec<_>>(),
        "{}: no gaps",
        client.name
    );
    let texts: BTreeSet<String> = client.texts(chat).into_iter().collect();
    assert_eq!(texts.len(), count, "{}: no duplicates", client.name);
    assert_eq!(entry.summary.last_seq, count as i64);
}

#[actix_web::test]
async fn two_clients_end_with_identical_histories_across_a_forced_disconnect() {
    // Arrange: a server, two people, their direct chat; Bob's client behind a proxy.
    let app = TestApp::spawn().await;
    let alice_name = format!("alice{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let bob_name = format!("bob{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.register(&alice_name, PASSWORD).await;
    let bob_user = app.register(&bob_name, PASSWORD).await;
    let alice_tokens = app.login(&alice_name, PASSWORD).await;
    let chat = app.direct_chat(&alice_tokens.token, bob_user.id).await.id;
    let proxy = Proxy::start(app.port);

    let mut alice = Client::new("alice", &app.address);
    let mut bob = Client::new("bob", &proxy.url());
    alice.sign_in(&alice_name, PASSWORD);
    bob.sign_in(&bob_name, PASSWORD);
    wait_until(
        &mut [&mut alice, &mut bob],
        "both are online and see the chat",
        |c| {
            c.iter().all(|c| {
                c.state.connection.is_online()
                    && c.state.chats.loaded
                    && c.state.chats.by_id.contains_key(&chat)
            })
        },
    )
    .await;
    alice.dispatch(natter::action::Action::ChatOpened(chat));
    bob.dispatch(natter::action::Action::ChatOpened(chat));

    // Act 1: an interleaved conversation.
    for i in 0..5 {
        alice.send(chat, &format!("alice {i}"));
        bob.send(chat, &format!("bob {i}"));
    }
    wait_until(
        &mut [&mut alice, &mut bob],
        "both have the 10 messages",
        |c| c.iter().all(|c| has_all(c, chat, 10)),
    )
    .await;

    // Act 2: Bob's network goes away; he keeps writing while Alice writes too.
    proxy.cut();
    wait_until(&mut [&mut bob], "bob notices he is offline", |c| {
        matches!(c[0].state.connection.status, LinkStatus::Offline { .. })
    })
    .await;
    for i in 0..3 {
        bob.send(chat, &format!("bob offline {i}"));
    }
    assert!(
        bob.state
            .chats
            .outbox
            .iter()
            .all(|o| o.state == OutgoingState::Queued),
        "queued while offline: {:?}",
        bob.state.chats.outbox
    );
    for i in 0..4 {
        alice.send(chat, &format!("alice while bob is away {i}"));
    }
    wait_until(&mut [&mut alice], "alice's messages are stored", |c| {
        has_all(c[0], chat, 14)
    })
    .await;
    assert!(
        !alice
            .texts(chat)
            .iter()
            .any(|t| t.starts_with("bob offline")),
        "bob's queued messages did not leave his machine"
    );

    // The network comes back: the queue goes out, the gap comes in.
    proxy.restore();
    wait_until(
        &mut [&mut alice, &mut bob],
        "both have all 17 messages",
        |c| c.iter().all(|c| has_all(c, chat, 17)),
    )
    .await;

    // Act 3: Bob's message reaches the server but the acknowledgement is lost; the link
    // breaks; on reconnect it is resent with the same request id and stored only once.
    proxy.mute_replies();
    bob.send(chat, "bob unacknowledged");
    wait_until(
        &mut [&mut alice, &mut bob],
        "the server stored bob's message",
        |c| c[0].texts(chat).iter().any(|t| t == "bob unacknowledged"),
    )
    .await;
    assert!(
        matches!(
            bob.state.chats.outbox.first().map(|o| &o.state),
            Some(OutgoingState::Sending { .. })
        ),
        "bob never heard back: {:?}",
        bob.state.chats.outbox
    );
    proxy.cut();
    wait_until(&mut [&mut bob], "bob notices the broken link", |c| {
        matches!(c[0].state.connection.status, LinkStatus::Offline { .. })
    })
    .await;
    assert!(
        matches!(
            bob.state.chats.outbox.first().map(|o| &o.state),
            Some(OutgoingState::Queued)
        ),
        "requeued for the reconnect"
    );
    proxy.restore();
    wait_until(
        &mut [&mut alice, &mut bob],
        "both have all 18 messages",
        |c| {
            c.iter()
                .all(|c| has_all(c, chat, 18) && c.state.connection.is_online())
        },
    )
    .await;

    // Assert: identical, complete, no duplicates, and the same as the server's.
    for client in [&alice, &bob] {
        assert_complete(client, chat, 18);
    }
    let alice_messages = &alice.state.chats.by_id[&chat].messages;
    let bob_messages = &bob.state.chats.by_id[&chat].messages;
    assert_eq!(alice_messages, bob_messages, "identical histories");
    let server = app.history(&alice_tokens.token, chat, "limit=200").await;
    assert_eq!(
        server.messages,
        alice_messages.values().cloned().collect::<Vec<_>>(),
        "the server has exactly what the clients show"
    );
    let bob_texts = bob.texts(chat);
    let offline: Vec<_> = bob_texts
        .iter()
        .filter(|t| t.starts_with("bob offline"))
        .collect();
    assert_eq!(
        offline,
        vec!["bob offline 0", "bob offline 1", "bob offline 2"],
        "queued sends went out once each, in order"
    );
    assert!(
        matches!(bob.state.connection.status, LinkStatus::Online { .. }),
        "{:?}",
        bob.state.connection.status
    );
}

#[actix_web::test]
async fn a_socket_refused_with_401_refreshes_the_token_once_and_reconnects() {
    // Arrange: a signed-in client behind a proxy, online.
    let app = TestApp::spawn().await;
    let name = format!("carol{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.register(&name, PASSWORD).await;
    let proxy = Proxy::start(app.port);
    let mut carol = Client::new("carol", &proxy.url());
    carol.sign_in(&name, PASSWORD);
    wait_until(&mut [&mut carol], "carol is online", |c| {
        c[0].state.connection.is_online() && c[0].state.chats.loaded
    })
    .await;
    let generation = carol.state.session.as_ref().unwrap().token_generation;

    // Act: the link drops, and the token it will reconnect with is no longer accepted.
    proxy.cut();
    wait_until(&mut [&mut carol], "carol is offline", |c| {
        matches!(c[0].state.connection.status, LinkStatus::Offline { .. })
    })
    .await;
    carol.state.session.as_mut().unwrap().access_token = Some("not-a-valid-token".into());
    proxy.restore();

    // Assert: the server's 401 led to one refresh and a link on the new token.
    wait_until(
        &mut [&mut carol],
        "carol is back online on a fresh token",
        |c| {
            c[0].state.connection.is_online()
                && c[0].state.connection.token_generation == generation + 1
        },
    )
    .await;
    let session = carol.state.session.as_ref().unwrap();
    assert_eq!(
        session.token_generation,
        generation + 1,
        "exactly one refresh"
    );
    assert!(matches!(
        carol.state.screen,
        natter::state::Screen::Shell(_)
    ));
}
