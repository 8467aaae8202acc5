//! The event log across real processes: concurrent changes from four connections on two
//! processes stay gap-free and reach everyone once; and the chat list tells the truth after
//! a process is killed at random points of sends, edits and deletes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use natter_shared::api::{ChatSummary, EventKind, EventPage};
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{ChatId, MessageId, RequestId, UserId};
use natter_tests::lists::{from_postgres, list, truth};
use natter_tests::{ServerProcess, TestDatabase, WsClient, json_with_status, sign_up};
use rand::Rng;

const BIN: &str = env!("CARGO_BIN_EXE_natter-server");
const GENEROUS: &[(&str, &str)] = &[
    ("NATTER_RATE_MESSAGES_PER_MIN", "100000"),
    ("NATTER_RATE_REST_PER_MIN", "100000"),
];

/// What one connection saw of the log: event seq → (kind, actor, message).
type Seen = BTreeMap<i64, (Option<EventKind>, UserId, MessageId)>;

/// Records a frame about `chat`; answers the request id of an ack.
fn record(frame: &ServerFrame, chat: ChatId, me: UserId, seen: &mut Seen) -> Option<RequestId> {
    let mut put = |seq: i64, entry: (Option<EventKind>, UserId, MessageId)| {
        assert!(
            seen.insert(seq, entry).is_none(),
            "event {seq} arrived twice"
        );
    };
    match frame {
        ServerFrame::NewMessage { message, event_seq } if message.chat_id == chat => {
            put(
                *event_seq,
                (
                    Some(EventKind::MessageCreated),
                    message.sender_id,
                    message.id,
                ),
            );
            None
        }
        ServerFrame::MessageSent {
            request_id,
            message,
            event_seq,
        } => {
            put(
                *event_seq,
                (Some(EventKind::MessageCreated), me, message.id),
            );
            Some(*request_id)
        }
        ServerFrame::ChatEvent { event } if event.chat_id == chat => {
            let m = event
                .message
                .as_ref()
                .expect("message events carry the message");
            put(event.event_seq, (Some(event.kind), event.actor_id, m.id));
            None
        }
        ServerFrame::ChangeApplied {
            request_id, result, ..
        } => {
            let seq = result
                .event_seq
                .expect("every change in this test changes something");
            // the ack does not name the kind
            put(seq, (None, me, result.message.id));
            Some(*request_id)
        }
        ServerFrame::Error { code, message, .. } => panic!("refused: {code:?} {message}"),
        _ => None,
    }
}

/// Sends `frame` and records everything until its answer.
async fn call(
    ws: &mut WsClient,
    frame: ClientFrame,
    rid: RequestId,
    chat: ChatId,
    me: UserId,
    seen: &mut Seen,
) -> ServerFrame {
    ws.send(&frame).await;
    loop {
        let f = ws.recv().await;
        if record(&f, chat, me, seen) == Some(rid) {
            return f;
        }
    }
}

#[actix_web::test]
async fn concurrent_changes_on_two_processes_are_one_gap_free_log_seen_once_by_everyone() {
    let db = TestDatabase::create();
    let one = ServerProcess::start(BIN, &db.name, &db.redis_prefix, GENEROUS).await;
    let two = ServerProcess::start(BIN, &db.name, &db.redis_prefix, GENEROUS).await;
    let client = reqwest::Client::new();
    let alice = sign_up(&client, |p| one.api(p)).await;
    let bob = sign_up(&client, |p| two.api(p)).await;
    let chat: ChatSummary = json_with_status(
        client
            .post(one.api("/chats"))
            .bearer_auth(&alice.token)
            .json(&serde_json::json!({"title": "log", "member_ids": [bob.user.id]}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let chat = chat.id;
    // four connections: each person on both processes
    let people = [
        (&alice, one.ws_url()),
        (&alice, two.ws_url()),
        (&bob, one.ws_url()),
        (&bob, two.ws_url()),
    ];
    let mut conns = Vec::new();
    for (who, url) in &people {
        conns.push((
            WsClient::connect(url, &who.token).await,
            who.user.id,
            Seen::new(),
        ));
    }
    // phase 1: each connection sends five messages
    let mut own: Vec<Vec<MessageId>> = Vec::new();
    for (ws, me, seen) in conns.iter_mut() {
        let mut mine = Vec::new();
        for i in 0..5 {
            let rid = RequestId::new_random();
            let frame = ClientFrame::Message {
                attachments: Vec::new(),
                chat_id: chat,
                text: format!("{me} {i}"),
                request_id: rid,
                reply_to: None,
            };
            if let ServerFrame::MessageSent { message, .. } =
                call(ws, frame, rid, chat, *me, seen).await
            {
                mine.push(message.id);
            }
        }
        own.push(mine);
    }
    // phase 2: all four at once, each: edits, reactions on others' messages, a delete, sends
    let emoji = ["👍", "🎉", "🔥", "👀"];
    let tasks = conns
        .into_iter()
        .enumerate()
        .map(|(c, (mut ws, me, mut seen))| {
            let own = own.clone();
            async move {
                let mut ops = Vec::new();
                for (k, target) in [(0usize, 1usize), (1, 2), (2, 3)] {
                    ops.push(ClientFrame::Edit {
                        chat_id: chat,
                        message_id: own[c][k],
                        text: format!("edited {c} {k}"),
                        request_id: RequestId::new_random(),
                    });
                    ops.push(ClientFrame::React {
                        chat_id: chat,
                        message_id: own[(c + target) % 4][k],
                        emoji: emoji[c].into(),
                        remove: false,
                        request_id: RequestId::new_random(),
                    });
                    ops.push(ClientFrame::Message {
                        attachments: Vec::new(),
                        chat_id: chat,
                        text: format!("more {c} {k}"),
                        request_id: RequestId::new_random(),
                        reply_to: None,
                    });
                }
                ops.push(ClientFrame::Delete {
                    chat_id: chat,
                    message_id: own[c][4],
                    for_everyone: true,
                    request_id: RequestId::new_random(),
                });
                for op in ops {
                    let rid = match &op {
                        ClientFrame::Edit { request_id, .. }
                        | ClientFrame::React { request_id, .. }
                        | ClientFrame::Message { request_id, .. }
                        | ClientFrame::Delete { request_id, .. } => *request_id,
                        _ => unreachable!(),
                    };
                    call(&mut ws, op, rid, chat, me, &mut seen).await;
                }
                (ws, me, seen)
            }
        });
    let mut conns = futures_util::future::join_all(tasks).await;
    // 4 × (5 + 10) events in all
    let total = 4 * 15;
    for (ws, me, seen) in conns.iter_mut() {
        while seen.len() < total {
            let f = ws.recv().await;
            record(&f, chat, *me, seen);
        }
    }
    let log: EventPage = json_with_status(
        client
            .get(two.api(&format!("/chats/{chat}/events?after=0&limit=1000")))
            .bearer_auth(&bob.token)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let seqs: Vec<i64> = log.events.iter().map(|e| e.event_seq).collect();
    assert_eq!(
        seqs,
        (1..=total as i64).collect::<Vec<_>>(),
        "gap-free 1..N"
    );
    for (_, _, seen) in &conns {
        assert_eq!(
            seen.keys().copied().collect::<Vec<_>>(),
            seqs,
            "each event once, none missing"
        );
        for e in &log.events {
            let (kind, actor, message) = seen[&e.event_seq];
            assert_eq!(
                message,
                e.message.as_ref().unwrap().id,
                "event {}",
                e.event_seq
            );
            assert_eq!(actor, e.actor_id, "event {}", e.event_seq);
            if let Some(kind) = kind {
                assert_eq!(kind, e.kind, "event {}", e.event_seq);
            }
        }
    }
    let kinds: HashSet<EventKind> = log.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds.len(),
        4,
        "sends, edits, reactions and deletes all in the log"
    );
}

#[actix_web::test]
async fn after_kills_at_random_points_the_chat_list_equals_postgres_and_nothing_is_lost_or_doubled()
{
    let db = TestDatabase::create();
    let survivor = ServerProcess::start(BIN, &db.name, &db.redis_prefix, GENEROUS).await;
    let client = reqwest::Client::new();
    let alice = sign_up(&client, |p| survivor.api(p)).await;
    let bob = sign_up(&client, |p| survivor.api(p)).await;
    let chat =
        natter_tests::open_direct_chat(&client, &survivor.api("/chats"), &alice.token, bob.user.id)
            .await
            .id;
    let mut acked_sends: HashSet<RequestId> = HashSet::new();
    let mut all_sends: HashSet<RequestId> = HashSet::new();
    let mut own: Vec<MessageId> = Vec::new();
    for round in 0..20 {
        let mut victim = ServerProcess::start(BIN, &db.name, &db.redis_prefix, GENEROUS).await;
        // the lists are cached before the burst
        list(&client, &survivor, &alice.token).await;
        list(&client, &victim, &bob.token).await;
        let mut ws = WsClient::connect(&victim.ws_url(), &alice.token).await;
        let mut burst = Vec::new();
        for i in 0..60 {
            let request_id = RequestId::new_random();
            let frame = match (i % 3, own.len()) {
                (1, n) if n > 0 => ClientFrame::Edit {
                    chat_id: chat,
                    message_id: own[rand::rng().random_range(0..n)],
                    text: format!("edit {round} {i}"),
                    request_id,
                },
                (2, n) if n > 3 => ClientFrame::Delete {
                    chat_id: chat,
                    message_id: own[rand::rng().random_range(0..n)],
                    for_everyone: true,
                    request_id,
                },
                _ => {
                    all_sends.insert(request_id);
                    ClientFrame::Message {
                        attachments: Vec::new(),
                        chat_id: chat,
                        text: format!("send {round} {i}"),
                        request_id,
                        reply_to: None,
                    }
                }
            };
            burst.push((request_id, frame));
        }
        for (_, f) in &burst {
            ws.send(f).await;
        }
        // the kill comes at a random point of the burst's processing: 0–15 ms after the
        // last frame went out (the delay is the kill point, not a wait for anything)
        let kill_after = Duration::from_micros(rand::rng().random_range(0..15_000));
        tokio::time::sleep(kill_after).await;
        victim.kill();
        drop(ws);
        // the client resends everything through the survivor, as the app's outbox does
        let mut ws = WsClient::connect(&survivor.ws_url(), &alice.token).await;
        for (_, f) in &burst {
            ws.send(f).await;
        }
        let mut settled = 0;
        while settled < burst.len() {
            match ws.recv().await {
                ServerFrame::MessageSent {
                    request_id,
                    message,
                    ..
                } => {
                    acked_sends.insert(request_id);
                    if !own.contains(&message.id) {
                        own.push(message.id);
                    }
                    settled += 1;
                }
                ServerFrame::ChangeApplied { .. } => settled += 1,
                // refused before anything was done: sent again after a back-off, as the
                // app's outbox does (the survivor's writer may be past its time budget on a
                // loaded machine)
                ServerFrame::Error {
                    code: natter_shared::ErrorCode::Overloaded,
                    request_id: Some(request_id),
                    ..
                } => {
                    let again = burst.iter().find(|(id, _)| *id == request_id);
                    let (_, frame) = again.expect("refused a request of this burst");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    ws.send(frame).await;
                }
                // an edit of a message this burst deleted
                ServerFrame::Error { code, .. } => {
                    assert_eq!(code, natter_shared::ErrorCode::MessageDeleted);
                    settled += 1;
                }
                _ => {}
            }
        }
        drop(ws);
        // from the next request on, on every process, the list is what PostgreSQL says
        for token in [&alice.token, &bob.token] {
            let cached = list(&client, &survivor, token).await;
            let pg = from_postgres(&client, &survivor, token, chat).await;
            assert_eq!(cached.chats.len(), 1);
            assert_eq!(truth(&cached.chats[0]), truth(&pg), "round {round}");
        }
    }
    // nothing lost, nothing doubled: every send once, in a gap-free history
    let mut history = Vec::new();
    let mut after = 0;
    loop {
        let page: natter_shared::api::MessagePage = json_with_status(
            client
                .get(survivor.api(&format!("/chats/{chat}/messages?after={after}&limit=200")))
                .bearer_auth(&bob.token)
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        let Some(last) = page.messages.last() else {
            break;
        };
        after = last.seq;
        history.extend(page.messages);
    }
    let seqs: Vec<i64> = history.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=history.len() as i64).collect::<Vec<_>>());
    let stored: Vec<RequestId> = history.iter().filter_map(|m| m.request_id).collect();
    let distinct: HashSet<RequestId> = stored.iter().copied().collect();
    assert_eq!(distinct.len(), stored.len(), "no send doubled");
    assert_eq!(distinct, all_sends, "every send stored");
    assert_eq!(acked_sends, all_sends);
}
