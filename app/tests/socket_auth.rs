//! The app's WebSocket against the real server: the access token goes in the upgrade's
//! `Authorization` header and the address carries no query at all. With the header the
//! socket opens and receives a message sent to the person; without it the server refuses
//! the upgrade with 401.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod support;

use std::ops::ControlFlow;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use natter::net::tls::Trust;
use natter::net::ws::{self, WsEvent, WsSender};
use natter::reduce::ws_url;
use natter_tests::TestApp;
use support::client::PATIENCE;

const PASSWORD: &str = "correct horse";

fn open(url: &str, token: Option<String>) -> (WsSender, Receiver<WsEvent>) {
    let (tx, rx) = channel();
    let sender = ws::connect(
        url.to_owned(),
        token,
        &Trust::load(None),
        Box::new(move |event| {
            let _ = tx.send(event);
            ControlFlow::Continue(())
        }),
    )
    .unwrap();
    (sender, rx)
}

/// The next event that `wanted` accepts (the server runs on this test's thread: wait
/// without blocking it).
async fn next(rx: &Receiver<WsEvent>, wanted: impl Fn(&WsEvent) -> bool) -> WsEvent {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(event) = rx.try_recv()
            && wanted(&event)
        {
            return event;
        }
        assert!(
            Instant::now() < deadline,
            "no such event from the WebSocket"
        );
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
}

#[actix_web::test]
async fn the_socket_authenticates_with_the_header_and_receives() {
    let app = TestApp::spawn().await;
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let alice_name = format!("alice{suffix}");
    let bob_name = format!("bob{suffix}");
    app.register(&alice_name, PASSWORD).await;
    let bob = app.register(&bob_name, PASSWORD).await;
    let alice_tokens = app.login(&alice_name, PASSWORD).await;
    let bob_tokens = app.login(&bob_name, PASSWORD).await;
    let chat = app.direct_chat(&alice_tokens.token, bob.id).await.id;

    let url = ws_url(&app.address);
    assert!(!url.contains('?'), "{url}");

    let (_refused, rx) = open(&url, None);
    let refused = next(&rx, |_| true).await;
    assert!(
        matches!(&refused, WsEvent::Error(detail) if detail.contains("401")),
        "no token, no socket: {refused:?}"
    );

    let (_bob_socket, rx) = open(&url, Some(bob_tokens.token.clone()));
    assert_eq!(next(&rx, |_| true).await, WsEvent::Opened);
    app.send_text(&alice_tokens.token, chat, "through the header")
        .await;
    next(
        &rx,
        |e| matches!(e, WsEvent::Text(t) if t.contains("through the header")),
    )
    .await;
}
