//! "The chat list tells the truth": while a change is marked in flight the list comes from
//! PostgreSQL, and a mark left by a crashed process makes the reader repair the cache. The
//! crash between a commit and its cache update is staged here exactly (the cache set behind,
//! the mark left); `server/tests/event_log.rs` kills real processes at random points.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use natter_shared::ChatId;
use natter_tests::{TestApp, redis_url};

fn redis() -> redis::Connection {
    redis::Client::open(redis_url())
        .unwrap()
        .get_connection()
        .unwrap()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Sets the cached chat back to its first message, as if the process had died after
/// committing the second and before updating the cache.
fn set_cache_behind(app: &TestApp, chat: ChatId) {
    let mut r = redis();
    let key = format!("{}c:{chat}", app.redis_prefix);
    // the cache is updated beside the send's answer: wait until it holds the second message
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let seq: Option<i64> = redis::cmd("HGET")
            .arg(&key)
            .arg("last_seq")
            .query(&mut r)
            .unwrap();
        if seq == Some(2) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the cache never held the second message"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    redis::cmd("HSET")
        .arg(&key)
        .arg("last_seq")
        .arg(1)
        .arg("last_event_seq")
        .arg(1)
        .query::<()>(&mut r)
        .unwrap();
}

fn mark(app: &TestApp, user: natter_shared::UserId, at_ms: i64) {
    redis::cmd("ZADD")
        .arg(format!("{}cl:{user}:busy", app.redis_prefix))
        .arg(at_ms)
        .arg("crashed-writer")
        .query::<()>(&mut redis())
        .unwrap();
}

fn marks(app: &TestApp, user: natter_shared::UserId) -> i64 {
    redis::cmd("ZCARD")
        .arg(format!("{}cl:{user}:busy", app.redis_prefix))
        .query(&mut redis())
        .unwrap()
}

async fn cached_list_of(app: &TestApp, token: &str) {
    // the first read starts the rebuild; wait until the list is served from the cache
    app.chats(token, "").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let metrics = app.metrics().await;
        if metrics.contains("natter_chat_list_total{source=\"redis\"}") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the list was never served from Redis"
        );
        app.chats(token, "").await;
    }
}

#[actix_web::test]
async fn a_list_with_a_change_in_flight_is_read_from_postgres() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    app.send_text(&me.token, chat.id, "one").await;
    cached_list_of(&app, &me.token).await;
    app.send_text(&me.token, chat.id, "two").await;
    set_cache_behind(&app, chat.id);
    // without a mark the (staged) stale entry would be served: the cache is behind …
    let stale = app.chats(&me.token, "").await;
    assert_eq!(stale.chats[0].last_seq, 1, "the staging took effect");
    // … with one, a reader goes to PostgreSQL from the next request on
    mark(&app, me.user.id, now_ms());
    let list = app.chats(&me.token, "").await;
    assert_eq!(
        (list.chats[0].last_seq, list.chats[0].last_event_seq),
        (2, 2)
    );
    assert_eq!(list.chats[0].last_message.as_ref().unwrap().text, "two");
    assert_eq!(
        marks(&app, me.user.id),
        1,
        "a fresh mark is not cleared by a reader"
    );
}

#[actix_web::test]
async fn a_mark_left_by_a_crashed_process_makes_the_reader_repair_the_cache() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    app.send_text(&me.token, chat.id, "one").await;
    cached_list_of(&app, &me.token).await;
    app.send_text(&me.token, chat.id, "two").await;
    set_cache_behind(&app, chat.id);
    mark(&app, me.user.id, now_ms() - 60_000);
    let list = app.chats(&me.token, "").await;
    assert_eq!(list.chats[0].last_seq, 2);
    // the repair runs beside the answer: wait for the mark to go, then the cache is right
    let deadline = Instant::now() + Duration::from_secs(10);
    while marks(&app, me.user.id) > 0 {
        assert!(
            Instant::now() < deadline,
            "the stale mark was never cleared"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seq: i64 = redis::cmd("HGET")
        .arg(format!("{}c:{}", app.redis_prefix, chat.id))
        .arg("last_seq")
        .query(&mut redis())
        .unwrap();
    assert_eq!(seq, 2, "the cache entry was rebuilt from PostgreSQL");
    let again = app.chats(&me.token, "").await;
    assert_eq!(again.chats[0].last_seq, 2);
}
