//! Secure connections end to end: the real server behind nginx with a certificate of a
//! private test CA (`deploy/nginx/natter.conf`, [`natter_tests::nginx`]), and clients built on
//! the app's own network code (its executor, HTTP client, WebSocket and reducer). With that
//! CA as the extra CA file the app signs in over `https://`, opens its WebSocket over
//! `wss://`, and sends and receives; with the system's roots alone the certificate is refused
//! with words that say so, and no request reaches the server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod support;

use std::ops::ControlFlow;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use natter::api::NetErrorKind;
use natter::net::tls::{ExtraCa, Trust, UNTRUSTED};
use natter::net::ws::{self, WsEvent};
use natter::state::{Screen, UiError};
use natter_shared::API_PREFIX;
use natter_tests::TestApp;
use natter_tests::nginx::Nginx;
use support::client::{Client, PATIENCE, wait_until};

const PASSWORD: &str = "correct horse";

fn name(prefix: &str) -> String {
    format!(
        "{prefix}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

#[actix_web::test]
async fn with_the_extra_ca_the_app_signs_in_and_chats_over_https_and_wss() {
    // Arrange: a server behind nginx; two people and their chat; clients trusting the CA.
    let app = TestApp::spawn().await;
    let nginx = Nginx::start(app.port).await;
    let (alice_name, bob_name) = (name("alice"), name("bob"));
    app.register(&alice_name, PASSWORD).await;
    let bob_user = app.register(&bob_name, PASSWORD).await;
    let tokens = app.login(&alice_name, PASSWORD).await;
    let chat = app.direct_chat(&tokens.token, bob_user.id).await.id;
    let trust = Trust::load(Some(&nginx.ca_path()));
    assert!(
        matches!(
            trust.extra(),
            ExtraCa::Loaded {
                certificates: 1,
                ..
            }
        ),
        "{:?}",
        trust.extra()
    );
    let mut alice = Client::with_trust("alice", &nginx.base(), &trust);
    let mut bob = Client::with_trust("bob", &nginx.base(), &trust);

    // Act: both sign in through nginx (https://), go online (wss://) and write.
    alice.sign_in(&alice_name, PASSWORD);
    bob.sign_in(&bob_name, PASSWORD);
    wait_until(
        &mut [&mut alice, &mut bob],
        "both are online over wss:// and see the chat",
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
    alice.send(chat, "hello over TLS");
    bob.send(chat, "and back again");

    // Assert: each has both messages, acknowledged and delivered over the secure socket.
    wait_until(
        &mut [&mut alice, &mut bob],
        "both have both messages",
        |c| {
            c.iter().all(|c| {
                let mut texts = c.texts(chat);
                texts.sort();
                c.state.chats.outbox.is_empty() && texts == ["and back again", "hello over TLS"]
            })
        },
    )
    .await;
    let log = nginx.log("access.log");
    assert!(
        log.contains(&format!(r#""path":"{API_PREFIX}/auth/login","status":200"#)),
        "the sign-in went through nginx: {log}"
    );
}

#[actix_web::test]
async fn without_the_extra_ca_the_certificate_is_refused_as_not_trusted() {
    // Arrange: the same set-up; a client trusting the system's roots only.
    let app = TestApp::spawn().await;
    let nginx = Nginx::start(app.port).await;
    let alice_name = name("alice");
    app.register(&alice_name, PASSWORD).await;
    let mut alice = Client::with_trust("alice", &nginx.base(), &Trust::load(None));

    // Act
    alice.sign_in(&alice_name, PASSWORD);
    wait_until(&mut [&mut alice], "the sign-in fails", |c| {
        matches!(&c[0].state.screen, Screen::SignIn(form) if !form.busy && form.general_error.is_some())
    })
    .await;

    // Assert: the sign-in screen says the certificate is not trusted (not "unreachable"),
    // and how to trust a private CA; nothing reached the server.
    let Screen::SignIn(form) = &alice.state.screen else {
        unreachable!()
    };
    let error = form.general_error.clone().unwrap();
    assert_eq!(error, UiError::Network(NetErrorKind::Untrusted));
    let words = natter::ui::words::error_message(natter::i18n::Language::English, &error);
    assert!(
        words.contains("certificate is not trusted") && words.contains("extra-ca.pem"),
        "{words}"
    );
    assert!(alice.state.session.is_none());
    let log = nginx.log("access.log");
    assert!(!log.contains("/auth/login"), "no request went out: {log}");
}

/// The WebSocket of the app trusts exactly what its [`Trust`] holds: without the CA the
/// handshake is refused with the same words; with it the TLS handshake succeeds and the
/// server itself answers (401 for a made-up token).
#[actix_web::test]
async fn the_websocket_refuses_an_untrusted_certificate_and_accepts_the_extra_ca() {
    let app = TestApp::spawn().await;
    let nginx = Nginx::start(app.port).await;
    let url = format!("wss://127.0.0.1:{}{API_PREFIX}/ws", nginx.https_port);
    // the server runs on this test's thread: wait without blocking it
    async fn first_event(url: &str, trust: &Trust) -> WsEvent {
        let (tx, rx) = channel();
        let _sender = ws::connect(
            url.to_owned(),
            Some("made-up".to_owned()),
            trust,
            Box::new(move |event| {
                let _ = tx.send(event);
                ControlFlow::Break(())
            }),
        )
        .unwrap();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(event) = rx.try_recv() {
                return event;
            }
            assert!(Instant::now() < deadline, "no event from the WebSocket");
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
    }

    let without = first_event(&url, &Trust::load(None)).await;
    assert!(
        matches!(&without, WsEvent::Error(detail) if detail.starts_with(UNTRUSTED)),
        "{without:?}"
    );
    let with = first_event(&url, &Trust::load(Some(&nginx.ca_path()))).await;
    assert!(
        matches!(&with, WsEvent::Error(detail) if detail.contains("401")),
        "TLS passed and the server refused the token: {with:?}"
    );
}
