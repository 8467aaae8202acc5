//! Admission by time (issue 16): when the writer cannot keep up, a send is refused at once
//! with `overloaded` — a WebSocket error frame carrying its request id, or 503 with
//! `Retry-After` — instead of waiting in a queue without bound; once the writer can write
//! again, sends succeed and nothing acknowledged is missing.

use std::collections::HashSet;
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use natter_shared::api::SendMessageRequest;
use natter_shared::ws::ServerFrame;
use natter_shared::{ErrorCode, MessageId, RequestId};
use natter_tests::frames::message;
use natter_tests::{TestApp, WsClient, assert_error, db_url};

/// The answer to the send `request_id`: its ack's message id, or its error code.
async fn answer(ws: &mut WsClient, request_id: RequestId) -> Result<MessageId, ErrorCode> {
    let frame = ws
        .recv_until(|f| match f {
            ServerFrame::MessageSent { request_id: r, .. } => *r == request_id,
            ServerFrame::Error { request_id: r, .. } => *r == Some(request_id),
            _ => false,
        })
        .await;
    match frame {
        ServerFrame::MessageSent { message, .. } => Ok(message.id),
        ServerFrame::Error { code, .. } => Err(code),
        other => panic!("unexpected {other:?}"),
    }
}

/// WebSocket sends refused so far by `/metrics`: those the session refused before reading
/// them further (`early`) and those timed from reading to refusal.
async fn refusals_counted(app: &TestApp) -> f64 {
    let early = app
        .metric("natter_writer_refused_total{why=\"early\"}")
        .await;
    let timed = app.metric("natter_send_refused_seconds_count").await;
    early.unwrap_or(0.0) + timed.unwrap_or(0.0)
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[actix_web::test]
async fn a_send_the_writer_cannot_take_in_time_is_refused_with_overloaded_not_queued() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_SEND_ADMIT_MS".into(), "300".into());
        v.insert("NATTER_RATE_MESSAGES_PER_MIN".into(), "10000".into());
    })
    .await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    let first = app
        .send_text(&alice.token, chat.id, "before the lock")
        .await;
    let mut ws = WsClient::connect(&app.ws_url(), &alice.token).await;

    // hold the writer: another transaction holds the messages table
    let mut locker = PgConnection::establish(&db_url(&app.db_name)).unwrap();
    diesel::sql_query("BEGIN").execute(&mut locker).unwrap();
    diesel::sql_query("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .unwrap();
    // a send the writer takes, and then waits for the lock with
    let (held_id, held) = message(chat.id, "taken before the lock was released");
    ws.send(&held).await;
    let mut waited = 0;
    loop {
        let w: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .get_result(&mut locker)
        .unwrap();
        if w.n > 0 {
            break;
        }
        waited += 1;
        assert!(waited < 1000, "the writer never waited for the lock");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // while the writer cannot write, every further send is refused: none waits for the lock
    let counted_before = refusals_counted(&app).await;
    for i in 0..5 {
        let (id, frame) = message(chat.id, &format!("refused {i}"));
        ws.send(&frame).await;
        assert_eq!(
            answer(&mut ws, id).await,
            Err(ErrorCode::Overloaded),
            "send {i}"
        );
    }
    // each refusal is counted once: in the session's early check, or in the time from
    // reading the send to refusing it
    assert_eq!(refusals_counted(&app).await - counted_before, 5.0);
    // over REST too: 503 with Retry-After, code overloaded
    let resp = app
        .client
        .post(app.api(&format!("/chats/{}/messages", chat.id)))
        .bearer_auth(&alice.token)
        .json(&SendMessageRequest {
            attachments: Vec::new(),
            text: "refused over REST".into(),
            request_id: RequestId::new_random(),
            reply_to: None,
        })
        .send()
        .await
        .unwrap();
    assert!(resp.headers().contains_key("retry-after"));
    assert_error(resp, 503, ErrorCode::Overloaded).await;
    // the lock is still held: the refusals did not wait for it
    let still: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_locks WHERE relation = 'messages'::regclass \
         AND mode = 'AccessExclusiveLock' AND granted",
    )
    .get_result(&mut locker)
    .unwrap();
    assert_eq!(still.n, 1);

    diesel::sql_query("ROLLBACK").execute(&mut locker).unwrap();
    // the send the writer had taken is written and acknowledged
    let mut acked = vec![first.id];
    acked.push(
        answer(&mut ws, held_id)
            .await
            .expect("the held send is stored"),
    );
    // and new sends succeed again
    for i in 0..3 {
        let (id, frame) = message(chat.id, &format!("after {i}"));
        ws.send(&frame).await;
        acked.push(answer(&mut ws, id).await.expect("a send after the lock"));
    }
    // nothing acknowledged is missing, nothing refused was stored
    let history = app.history(&alice.token, chat.id, "").await;
    let stored: HashSet<MessageId> = history.messages.iter().map(|m| m.id).collect();
    for id in &acked {
        assert!(stored.contains(id), "acknowledged {id} missing");
    }
    assert_eq!(
        history.messages.len(),
        acked.len(),
        "only the acknowledged are stored"
    );
    assert!(
        history
            .messages
            .iter()
            .all(|m| !m.text.starts_with("refused")),
        "a refused send was stored"
    );
}
