//! A rolling restart under load: two real `natter-server` processes on one database, and an
//! operator who takes one out of the proxy's list, stops it (SIGTERM), starts a new one, then
//! does the same to the other, while a sender keeps sending and a reader keeps reading. The
//! clients behave as the app does: reconnect to a live process, resend what was not
//! acknowledged with the same request ids, catch up by seq. Nothing may be lost or doubled.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;
use std::time::{Duration, Instant};

use natter_shared::api::MessagePage;
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{ChatId, RequestId};
use natter_tests::{
    ServerProcess, TestDatabase, WsClient, json_with_status, open_direct_chat, sign_up,
};

const BIN: &str = env!("CARGO_BIN_EXE_natter-server");
/// Limits this load never reaches (one sender, as fast as acks come back).
const GENEROUS: [(&str, &str); 4] = [
    ("NATTER_RATE_MESSAGES_PER_MIN", "1000000"),
    ("NATTER_RATE_REST_PER_MIN", "1000000"),
    ("NATTER_WS_FRAMES_PER_SEC", "1000000"),
    ("NATTER_WS_FRAME_BURST", "1000000"),
];
/// Sends per burst; the sender waits for their acks before the next burst.
const BURST: usize = 10;

/// The processes the "proxy" sends new connections to: (WebSocket URL, API base).
type Live = Rc<RefCell<Vec<(String, String)>>>;

fn urls(server: &ServerProcess) -> (String, String) {
    (server.ws_url(), server.api(""))
}

/// Connects to the first live process that takes the connection, as the app's reconnect
/// loop (through a proxy) would.
async fn connect(live: &Live, token: &str) -> WsClient {
    for _ in 0..200 {
        let candidates = live.borrow().clone();
        for (ws, _) in candidates {
            if let Ok(client) = WsClient::try_connect(&ws, token).await {
                return client;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no live process took the connection");
}

/// Every message of `chat` after `after`, by seq, from a live process.
async fn history_after(
    live: &Live,
    token: &str,
    chat: ChatId,
    mut after: i64,
) -> Vec<(i64, String)> {
    let client = reqwest::Client::new();
    let api = live.borrow()[0].1.clone();
    let mut all = Vec::new();
    loop {
        let resp = client
            .get(format!(
                "{api}/chats/{chat}/messages?after={after}&limit=200"
            ))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let page: MessagePage = json_with_status(resp, 200).await;
        let Some(last) = page.messages.last() else {
            return all;
        };
        after = last.seq;
        all.extend(page.messages.into_iter().map(|m| (m.seq, m.text)));
    }
}

#[actix_web::test]
async fn a_rolling_restart_under_load_loses_nothing_and_doubles_nothing() {
    let db = TestDatabase::create();
    let first = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &GENEROUS).await;
    let second = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &GENEROUS).await;
    let client = reqwest::Client::new();
    let alice = sign_up(&client, |p| first.api(p)).await;
    let bob = sign_up(&client, |p| first.api(p)).await;
    let chat = open_direct_chat(&client, &first.api("/chats"), &alice.token, bob.user.id)
        .await
        .id;
    let accepted = client
        .post(first.api(&format!("/chats/{chat}/request/accept")))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    let live: Live = Rc::new(RefCell::new(vec![urls(&first), urls(&second)]));
    // the reader starts on the second process, the sender on the first: each restart cuts one
    let mut bob_ws = WsClient::connect(&second.ws_url(), &bob.token).await;
    let alice_ws = WsClient::connect(&first.ws_url(), &alice.token).await;

    let (progress_tx, mut progress) = tokio::sync::watch::channel(0usize);
    let (done_tx, done) = tokio::sync::watch::channel(false);

    // the operator: after some load, out of the list, SIGTERM, a new process in, the next one
    let operator = {
        let live = live.clone();
        let db_name = db.name.clone();
        let prefix = db.redis_prefix.clone();
        actix_web::rt::spawn(async move {
            let mut replacements = Vec::new();
            for (round, old) in [first, second].into_iter().enumerate() {
                let wanted = (round + 1) * 60;
                progress.wait_for(|acked| *acked >= wanted).await.unwrap();
                live.borrow_mut().retain(|(ws, _)| *ws != old.ws_url());
                let stopping = Instant::now();
                let (status, stopped) = tokio::task::spawn_blocking(move || {
                    let mut old = old;
                    (old.terminate(), old)
                })
                .await
                .unwrap();
                drop(stopped);
                assert!(
                    status.success(),
                    "a stopped process exits cleanly: {status}"
                );
                // its sockets were closed at once, not held until the 10 s shutdown timeout
                assert!(
                    stopping.elapsed() < Duration::from_secs(8),
                    "stopping took {:?}",
                    stopping.elapsed()
                );
                let new = ServerProcess::start(BIN, &db_name, &prefix, &GENEROUS).await;
                live.borrow_mut().push(urls(&new));
                replacements.push(new);
            }
            replacements
        })
    };

    // the reader: every message that reaches the open connection, by connection
    let reader = {
        let live = live.clone();
        let token = bob.token.clone();
        let mut done = done.clone();
        actix_web::rt::spawn(async move {
            let mut received: Vec<Vec<i64>> = vec![Vec::new()];
            loop {
                tokio::select! {
                    frame = bob_ws.next_frame() => match frame {
                        Some(ServerFrame::NewMessage { message, .. }) => {
                            received.last_mut().unwrap().push(message.seq);
                        }
                        Some(_) => {}
                        None => {
                            bob_ws = connect(&live, &token).await;
                            received.push(Vec::new());
                        }
                    },
                    _ = done.changed() => return received,
                }
            }
        })
    };

    // the sender: bursts until both processes were replaced, then one more
    let mut ws = alice_ws;
    let mut outbox: Vec<(RequestId, String)> = Vec::new();
    let mut acked: HashSet<RequestId> = HashSet::new();
    let mut reconnects = 0;
    let mut last_burst = false;
    while !last_burst {
        last_burst = operator.is_finished();
        let start = outbox.len();
        for i in start..start + BURST {
            outbox.push((RequestId::new_random(), format!("load {i}")));
        }
        let mut to_send: Vec<(RequestId, String)> = outbox[start..].to_vec();
        // until this burst and everything before it are acknowledged
        while outbox.iter().any(|(r, _)| !acked.contains(r)) {
            let mut lost = false;
            for (request_id, text) in to_send.drain(..) {
                let frame = ClientFrame::Message {
                    attachments: Vec::new(),
                    chat_id: chat,
                    text,
                    request_id,
                    reply_to: None,
                };
                if !ws.try_send(&frame).await {
                    lost = true;
                    break;
                }
            }
            while !lost && outbox.iter().any(|(r, _)| !acked.contains(r)) {
                match ws.next_frame().await {
                    Some(ServerFrame::MessageSent { request_id, .. }) => {
                        acked.insert(request_id);
                    }
                    Some(ServerFrame::Error { code, message, .. }) => {
                        panic!("a send was refused: {code:?} {message}")
                    }
                    Some(_) => {}
                    None => lost = true,
                }
            }
            if lost {
                // the app's outbox: reconnect, resend everything unacknowledged, same ids
                reconnects += 1;
                ws = connect(&live, &alice.token).await;
                to_send = outbox
                    .iter()
                    .filter(|(r, _)| !acked.contains(r))
                    .cloned()
                    .collect();
            }
        }
        progress_tx.send_replace(acked.len());
    }
    let replacements = operator.await.unwrap();
    done_tx.send_replace(true);
    let received = reader.await.unwrap();
    assert!(
        reconnects >= 1,
        "the sender's process was restarted under it"
    );
    assert!(
        received.len() >= 2,
        "the reader's process was restarted under it"
    );

    // the database: every send exactly once, seqs gap-free
    let stored = history_after(&live, &bob.token, chat, 0).await;
    let seqs: Vec<i64> = stored.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(
        seqs,
        (1..=outbox.len() as i64).collect::<Vec<_>>(),
        "every send once, no gap"
    );
    let texts: BTreeSet<&str> = stored.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts.len(), outbox.len(), "no text twice");
    assert!(
        outbox.iter().all(|(_, t)| texts.contains(t.as_str())),
        "no text lost"
    );
    // the reader: no message twice on one connection, and what the live connections missed
    // while reconnecting is exactly what catching up by seq brings
    let mut seen = BTreeSet::new();
    for connection in &received {
        let distinct: BTreeSet<i64> = connection.iter().copied().collect();
        assert_eq!(distinct.len(), connection.len(), "a frame delivered twice");
        seen.extend(distinct);
    }
    let contiguous = (1..).take_while(|s| seen.contains(s)).last().unwrap_or(0);
    let caught_up = history_after(&live, &bob.token, chat, contiguous).await;
    seen.extend(caught_up.iter().map(|(seq, _)| *seq));
    assert_eq!(seen, seqs.iter().copied().collect::<BTreeSet<_>>());
    drop(replacements);
}
