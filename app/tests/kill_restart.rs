//! Nothing typed is lost when the app is killed, on the real binary under Xvfb against the
//! real server (behind a proxy the test can cut, so "the server is down" for the app):
//!
//! 1. Alice's session is in the portable folder; the app signs back in and lists her chat with
//!    Bob. She opens it (a click), the network goes, she sends two messages (queued) and
//!    types a third without sending it (the draft), all with the keyboard (xdotool).
//! 2. As soon as the app has them in its store, it is killed with SIGKILL (no save on close).
//! 3. Started again with the server still unreachable, its first frame shows the chat list
//!    from the store (the log line of the first frame says so, with the time from process
//!    start); it signs back in by itself when the server returns, no click.
//! 4. Each queued message reaches the server exactly once, and the draft is back in the
//!    composer: Enter sends it.
//!
//! `scripts/test` installs Xvfb and xdotool (`ensure_xvfb`); without them this fails.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod support;

use std::path::Path;
use std::time::Duration;

use natter::store::{Account, Store};
use natter::token_store::{StoredSession, TokenStore};
use natter_tests::TestApp;
use support::client::PATIENCE;
use support::desktop::{Portable, Xvfb, poll, window};
use support::proxy::Proxy;

const PASSWORD: &str = "correct horse";
const QUEUED: [&str; 2] = ["queued while offline one", "queued while offline two"];
const DRAFT: &str = "a draft typed before the kill";

/// Where on the 900×640 window (at the screen's corner: no window manager) a person clicks.
const FIRST_CHAT: (&str, &str) = ("160", "135");
const COMPOSER: (&str, &str) = ("600", "610");

/// A look into the app's store file (the app keeps it open; SQLite allows a reader beside).
fn rows(store: &Path, sql: &str) -> Vec<String> {
    let Ok(conn) = rusqlite::Connection::open(store) else {
        return Vec::new();
    };
    let Ok(mut stmt) = conn.prepare(sql) else {
        return Vec::new();
    };
    stmt.query_map([], |r| r.get::<_, String>(0))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

fn click(xvfb: &Xvfb, window: &str, at: (&str, &str)) {
    xvfb.xdotool(&["windowfocus", "--sync", window]);
    xvfb.xdotool(&["mousemove", "--window", window, at.0, at.1, "click", "1"]);
}

fn type_text(xvfb: &Xvfb, text: &str) {
    xvfb.xdotool(&["type", "--delay", "15", text]);
}

#[actix_web::test]
async fn queued_sends_and_the_draft_survive_sigkill_and_arrive_exactly_once() {
    // Arrange: a server behind a proxy; Alice and Bob with a direct chat she wrote in; Alice's
    // session in the portable folder, as a sign-in there would have left it.
    let app = TestApp::spawn().await;
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (alice_name, bob_name) = (format!("alice{suffix}"), format!("bob{suffix}"));
    let alice_user = app.register(&alice_name, PASSWORD).await;
    let bob_user = app.register(&bob_name, PASSWORD).await;
    let alice = app.login(&alice_name, PASSWORD).await;
    let bob = app.login(&bob_name, PASSWORD).await;
    let chat = app.direct_chat(&alice.token, bob_user.id).await;
    app.send_text(&alice.token, chat.id, "hello from alice before all this")
        .await;
    let proxy = Proxy::start(app.port);
    let server_url = proxy.url();
    let stick = Portable::new("kill");
    TokenStore::open(&stick.data, false)
        .save(&StoredSession {
            server_url: server_url.clone(),
            user_id: alice_user.id,
            username: alice_name.clone(),
            session_id: alice.session_id,
            refresh_token: alice.refresh_token.clone(),
        })
        .unwrap();
    let store = Store::file_for(
        &stick.data,
        &Account {
            user_id: alice_user.id,
            server_url: server_url.clone(),
        },
    );
    let xvfb = Xvfb::start();
    let shot = stick.root.join("screen.png");
    let kept_shot = std::env::temp_dir().join(format!("natter-kill-{suffix}.png"));
    let context = |log: &Path| {
        let _ = std::fs::copy(&shot, &kept_shot);
        format!(
            "screenshot: {}\nlog:\n{}",
            kept_shot.display(),
            std::fs::read_to_string(log).unwrap_or_default()
        )
    };

    // Act 1: online, the chat opened, then offline: two sends and a draft.
    let (log, first_log) = natter_tests::logs::app_log("kill-first", &stick.root.join("1.log"));
    let mut natter = stick.start(&xvfb, &server_url, log);
    let win = window(&xvfb, PATIENCE).await;
    let chat_row = format!("SELECT id FROM chats WHERE id = '{}'", chat.id.0);
    poll(
        "the chat list is synced into the store",
        PATIENCE,
        || context(&first_log),
        || !rows(&store, &chat_row).is_empty(),
    )
    .await;
    let history = format!("SELECT body FROM messages WHERE chat_id = '{}'", chat.id.0);
    poll(
        "the chat is open with its history",
        PATIENCE,
        || {
            xvfb.screenshot(&shot);
            context(&first_log)
        },
        || {
            click(&xvfb, &win, FIRST_CHAT);
            !rows(&store, &history).is_empty()
        },
    )
    .await;
    proxy.cut();
    click(&xvfb, &win, COMPOSER);
    for (n, text) in QUEUED.into_iter().enumerate() {
        type_text(&xvfb, text);
        xvfb.xdotool(&["key", "Return"]);
        // keys typed in the frame that handles Enter would join this message: wait for it
        poll(
            "the send is queued in the store",
            PATIENCE,
            || {
                xvfb.screenshot(&shot);
                context(&first_log)
            },
            || rows(&store, "SELECT body FROM sends").len() == n + 1,
        )
        .await;
    }
    type_text(&xvfb, DRAFT);
    poll(
        "the sends and the draft are in the store",
        PATIENCE,
        || {
            xvfb.screenshot(&shot);
            context(&first_log)
        },
        || {
            rows(&store, "SELECT body FROM sends").len() == 2
                && rows(&store, "SELECT body FROM drafts")
                    .iter()
                    .any(|d| d.contains(DRAFT))
        },
    )
    .await;
    natter.kill().unwrap(); // SIGKILL: no chance to save anything on the way out
    natter.wait().unwrap();

    // Act 2: started again while the server is still unreachable.
    let (log, second_log) = natter_tests::logs::app_log("kill-second", &stick.root.join("2.log"));
    let mut natter = stick.start(&xvfb, &server_url, log);
    let mut first_frame = String::new();
    poll(
        "the first frame is drawn",
        PATIENCE,
        || context(&second_log),
        || {
            first_frame = std::fs::read_to_string(&second_log)
                .unwrap_or_default()
                .lines()
                .find(|l| l.contains("first frame laid out"))
                .unwrap_or_default()
                .to_owned();
            !first_frame.is_empty()
        },
    )
    .await;
    println!("{first_frame}");
    assert!(
        first_frame.contains("chat_list=true") && first_frame.contains("chats=1"),
        "the first frame shows the stored chat list: {first_frame}"
    );
    let win = window(&xvfb, PATIENCE).await;
    // a few failed attempts at signing back in, then the server returns: no click needed
    proxy_down_for_a_while().await;
    proxy.restore();

    // Assert: each queued message arrives once; then the draft is in the composer.
    let texts = || async {
        app.history(&bob.token, chat.id, "limit=50")
            .await
            .messages
            .into_iter()
            .map(|m| m.text)
            .collect::<Vec<String>>()
    };
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + PATIENCE * 2;
    while !QUEUED.iter().all(|q| seen.contains(&(*q).to_owned())) {
        assert!(
            std::time::Instant::now() < deadline,
            "the queued messages never arrived: {seen:?}\n{}",
            context(&second_log)
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        seen = texts().await;
    }
    poll(
        "the outbox is empty (acknowledged)",
        PATIENCE,
        || context(&second_log),
        || rows(&store, "SELECT body FROM sends").is_empty(),
    )
    .await;
    let seen = texts().await;
    for text in QUEUED {
        assert_eq!(
            seen.iter().filter(|t| *t == text).count(),
            1,
            "{text:?} exactly once: {seen:?}"
        );
    }
    let stored_draft = rows(&store, "SELECT body FROM drafts");
    assert!(
        stored_draft.iter().any(|d| d.contains(DRAFT)),
        "the draft is still kept: {stored_draft:?}"
    );
    // the draft is back in the composer: open the chat, Enter sends what it holds
    poll(
        "the draft is sent from the composer",
        PATIENCE,
        || {
            xvfb.screenshot(&shot);
            context(&second_log)
        },
        || {
            click(&xvfb, &win, FIRST_CHAT);
            click(&xvfb, &win, COMPOSER);
            xvfb.xdotool(&["key", "End", "Return"]);
            rows(&store, "SELECT body FROM drafts").is_empty()
        },
    )
    .await;
    let mut seen = Vec::new();
    while !seen.contains(&DRAFT.to_owned()) {
        assert!(
            std::time::Instant::now() < deadline + PATIENCE,
            "the draft never arrived: {seen:?}\n{}",
            context(&second_log)
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        seen = texts().await;
    }
    assert_eq!(seen.iter().filter(|t| *t == DRAFT).count(), 1, "{seen:?}");
    for text in QUEUED {
        assert_eq!(seen.iter().filter(|t| *t == text).count(), 1, "{seen:?}");
    }

    // the audit looks for the app's own refresh token in its logs
    if let Ok(Some(kept)) = TokenStore::open(&stick.data, false).load() {
        natter_tests::logs::remember_secret(&kept.refresh_token);
    }
    let _ = natter.kill();
    let _ = natter.wait();
    drop(xvfb);
}

/// The server stays unreachable long enough for the app to fail signing back in at least
/// once (its first retry comes after about half a second).
async fn proxy_down_for_a_while() {
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
}
