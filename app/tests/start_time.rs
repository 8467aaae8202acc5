//! A measurement, not a check (ignored; run by hand, see BENCHMARKS.md): how long the real
//! binary takes from process start to its first frame with the chat list from the local store,
//! with the server unreachable. The store holds 200 chats with 100 messages each; the app is
//! started 5 times under Xvfb and each first frame's log line is printed.
//!
//! `cargo nextest run -p natter --test start_time --run-ignored only --no-capture`
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::time::Duration;

use natter::effect::StoreWrite;
use natter::state::kept::KeptChat;
use natter::store::{Account, Store};
use natter::token_store::{StoredSession, TokenStore};
use natter_shared::{SessionId, UserId};
use support::desktop::{Portable, Xvfb, poll};
use support::ui::{alice_id, at, bob_id, direct, message};

const CHATS: u128 = 200;
const MESSAGES: i64 = 100;
const RUNS: usize = 5;

#[actix_web::test]
#[ignore = "a measurement for BENCHMARKS.md, run by hand"]
async fn start_to_chat_list_from_the_store() {
    // nothing listens on port 9 (discard): every sign-in attempt is refused
    let server = "http://127.0.0.1:9".to_owned();
    let stick = Portable::new("start-time");
    let me = alice_id();
    TokenStore::open(&stick.data, false)
        .save(&StoredSession {
            server_url: server.clone(),
            user_id: me,
            username: "alice".into(),
            session_id: SessionId(uuid::Uuid::from_u128(5)),
            refresh_token: "not-a-real-refresh-token".into(),
        })
        .unwrap();
    let mut store = Store::open(
        &stick.data,
        &Account {
            user_id: me,
            server_url: server.clone(),
        },
    )
    .unwrap();
    let alice = natter::testing::user(me, "alice", Some("Alice"), at(-1000));
    store.write(&StoreWrite::User(Box::new(alice))).unwrap();
    for n in 1..=CHATS {
        let messages: Vec<_> = (1..=MESSAGES)
            .map(|seq| {
                let who: UserId = if seq % 3 == 0 { me } else { bob_id() };
                message(n, seq, who, &format!("message {seq} of chat {n}"), at(seq))
            })
            .collect();
        let chat = KeptChat {
            summary: direct(n, messages.last().cloned(), MESSAGES),
            messages,
            synced_seq: Some(MESSAGES),
            event_seq: Some(MESSAGES),
            read_wanted: MESSAGES,
            others_read: HashMap::new(),
            members: Vec::new(),
            group: None,
            pins: Vec::new(),
        };
        store.write(&StoreWrite::Chat(Box::new(chat))).unwrap();
    }
    drop(store);
    let xvfb = Xvfb::start();
    let mut results = Vec::new();
    for run in 0..RUNS {
        let log_path = stick.root.join(format!("run-{run}.log"));
        let log = std::fs::File::create(&log_path).unwrap();
        let mut natter = stick.start(&xvfb, &server, log);
        let mut line = String::new();
        poll(
            "the first frame",
            Duration::from_secs(60),
            || std::fs::read_to_string(&log_path).unwrap_or_default(),
            || {
                let text = std::fs::read_to_string(&log_path).unwrap_or_default();
                line = text
                    .lines()
                    .filter(|l| l.contains("first frame laid out") || l.contains("store loaded"))
                    .collect::<Vec<_>>()
                    .join("\n");
                line.contains("first frame laid out")
            },
        )
        .await;
        natter.kill().unwrap();
        natter.wait().unwrap();
        println!("run {run}:\n{line}");
        assert!(line.contains("chat_list=true"), "{line}");
        assert!(line.contains(&format!("chats={CHATS}")), "{line}");
        results.push(line);
    }
}
