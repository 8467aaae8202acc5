//! The chat list tells the truth after a crash while Redis did not answer (issue 16): sends
//! that went ahead without their in-flight marks, by a process that was then killed with
//! SIGKILL, show in every member's list — on a process started afterwards (its start-up
//! sweep) and on one that lived through it (its background sweeper).
//!
//! The victim reaches Redis through a proxy of the test's that swallows what the victim
//! sends while it is "silent" (a Redis that does not answer, as when it is stalled or the
//! network drops packets): its marks time out, its cache updates never arrive, and what it
//! remembered in memory dies with it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use natter_shared::api::{AuthTokens, Message};
use natter_shared::ws::ServerFrame;
use natter_shared::{ChatId, UserId};
use natter_tests::frames::message;
use natter_tests::lists::{from_postgres, list, truth};
use natter_tests::{ServerProcess, TestDatabase, WsClient, redis_url, sign_up};

const BIN: &str = env!("CARGO_BIN_EXE_natter-server");
const GENEROUS: [(&str, &str); 2] = [
    ("NATTER_RATE_MESSAGES_PER_MIN", "100000"),
    ("NATTER_RATE_REST_PER_MIN", "100000"),
];
/// How long a process may take to drop the lists it finds noted (its sweeper runs every
/// second).
const SWEPT_WITHIN: Duration = Duration::from_secs(10);

/// A TCP proxy to the test Redis that, while silent, swallows what clients send (nothing
/// reaches Redis, nothing is answered).
struct RedisProxy {
    port: u16,
    answering: Arc<AtomicBool>,
}

impl RedisProxy {
    fn start() -> Self {
        let upstream = redis_url()
            .trim_start_matches("redis://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let answering = Arc::new(AtomicBool::new(true));
        let gate = answering.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let (Ok(client), Ok(redis)) = (client, TcpStream::connect(&upstream)) else {
                    continue;
                };
                let (c2, r2) = (client.try_clone().unwrap(), redis.try_clone().unwrap());
                let gate = gate.clone();
                std::thread::spawn(move || pump(client, redis, Some(&gate)));
                std::thread::spawn(move || pump(r2, c2, None));
            }
        });
        Self { port, answering }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn silent(&self) {
        self.answering.store(false, Ordering::SeqCst);
    }

    fn answer(&self) {
        self.answering.store(true, Ordering::SeqCst);
    }
}

/// Copies `from` to `to` (dropping the bytes while `gate` is false) until either closes.
fn pump(mut from: TcpStream, mut to: TcpStream, gate: Option<&AtomicBool>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if gate.is_none_or(|g| g.load(Ordering::SeqCst)) && to.write_all(&buf[..n]).is_err()
                {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

/// Whether `user`'s list is cached complete with no change in flight (so a reader trusts it).
fn trusted_in_cache(redis: &mut redis::Connection, prefix: &str, user: UserId) -> bool {
    let (ok, busy): (bool, i64) = redis::pipe()
        .exists(format!("{prefix}cl:{user}:ok"))
        .zcard(format!("{prefix}cl:{user}:busy"))
        .query(redis)
        .unwrap();
    ok && busy == 0
}

/// Sends `text` and waits for its ack.
async fn send(ws: &mut WsClient, chat: ChatId, text: &str) -> Message {
    let (request_id, frame) = message(chat, text);
    ws.send(&frame).await;
    match ws
        .recv_until(|f| {
            matches!(f, ServerFrame::MessageSent { request_id: r, .. } if *r == request_id)
                || matches!(f, ServerFrame::Error { .. })
        })
        .await
    {
        ServerFrame::MessageSent { message, .. } => message,
        other => panic!("send refused: {other:?}"),
    }
}

/// Alice and Bob chat through `via` (a process on the proxy) with both lists cached as
/// complete and trusted; then Redis goes silent for `via`, Alice sends through it (acked,
/// unmarked), and `via` is killed. Answers the two, the chat and the last text sent.
async fn sends_unmarked_then_killed(
    db: &TestDatabase,
    proxy: &RedisProxy,
    reader: Option<&ServerProcess>,
) -> (AuthTokens, AuthTokens, ChatId, String) {
    let client = reqwest::Client::new();
    let redis_env = proxy.url();
    let mut env = GENEROUS.to_vec();
    env.push(("REDIS_URL", &redis_env));
    let mut victim = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &env).await;
    let alice = sign_up(&client, |p| victim.api(p)).await;
    let bob = sign_up(&client, |p| victim.api(p)).await;
    let chat =
        natter_tests::open_direct_chat(&client, &victim.api("/chats"), &alice.token, bob.user.id)
            .await
            .id;
    let mut ws = WsClient::connect(&victim.ws_url(), &alice.token).await;
    send(&mut ws, chat, "before the silence").await;
    // both lists cached and trusted: a reader would serve them from Redis
    let mut redis = redis::Client::open(redis_url())
        .unwrap()
        .get_connection()
        .unwrap();
    let reader = reader.unwrap_or(&victim);
    let deadline = Instant::now() + SWEPT_WITHIN;
    for u in [&alice, &bob] {
        while !trusted_in_cache(&mut redis, &db.redis_prefix, u.user.id) {
            assert!(Instant::now() < deadline, "the list was never cached");
            // a read rebuilds a missing list in the background
            list(&client, reader, &u.token).await;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    proxy.silent();
    let mut last = String::new();
    for i in 0..5 {
        last = format!("while Redis is silent {i}");
        send(&mut ws, chat, &last).await;
    }
    victim.kill();
    proxy.answer();
    (alice, bob, chat, last)
}

#[actix_web::test]
async fn sends_unmarked_while_redis_was_silent_show_in_the_lists_after_a_kill_and_a_restart() {
    let db = TestDatabase::create();
    let proxy = RedisProxy::start();
    let (alice, bob, chat, last) = sends_unmarked_then_killed(&db, &proxy, None).await;
    let client = reqwest::Client::new();
    let restarted = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &GENEROUS).await;
    // from the first request on
    for token in [&alice.token, &bob.token] {
        let cached = list(&client, &restarted, token).await;
        let pg = from_postgres(&client, &restarted, token, chat).await;
        assert_eq!(
            pg.last_message.as_ref().map(|m| m.text.as_str()),
            Some(&*last)
        );
        assert_eq!(cached.chats.len(), 1);
        assert_eq!(
            truth(&cached.chats[0]),
            truth(&pg),
            "the list equals PostgreSQL"
        );
    }
}

#[actix_web::test]
async fn sends_unmarked_by_a_killed_process_show_in_a_surviving_process_lists() {
    let db = TestDatabase::create();
    let proxy = RedisProxy::start();
    let survivor = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &GENEROUS).await;
    let (alice, bob, chat, last) = sends_unmarked_then_killed(&db, &proxy, Some(&survivor)).await;
    let client = reqwest::Client::new();
    for token in [&alice.token, &bob.token] {
        let pg = from_postgres(&client, &survivor, token, chat).await;
        assert_eq!(
            pg.last_message.as_ref().map(|m| m.text.as_str()),
            Some(&*last)
        );
        // the survivor's sweeper finds the noted lists and drops them
        let deadline = Instant::now() + SWEPT_WITHIN;
        loop {
            let cached = list(&client, &survivor, token).await;
            if cached.chats.len() == 1 && truth(&cached.chats[0]) == truth(&pg) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the survivor's list stayed behind PostgreSQL: {:?} vs {:?}",
                cached.chats.first().map(truth),
                truth(&pg)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
