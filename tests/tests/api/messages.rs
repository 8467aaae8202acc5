use natter_shared::api::{Message, ReadState};
use natter_shared::{ErrorCode, Field, RequestId};
use natter_tests::{TestApp, assert_error, json_with_status};
use serde_json::json;

async fn post_message(
    app: &TestApp,
    token: &str,
    chat: impl std::fmt::Display,
    body: serde_json::Value,
) -> reqwest::Response {
    app.client
        .post(app.api(&format!("/chats/{chat}/messages")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn history_pages_by_seq_in_both_directions() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_RATE_MESSAGES_PER_MIN".into(), "1000".into());
        v.insert("NATTER_RATE_REST_PER_MIN".into(), "1000".into());
    })
    .await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    for i in 1..=120 {
        app.send_text(&me.token, chat.id, &format!("m{i}")).await;
    }
    let newest = app.history(&me.token, chat.id, "").await;
    let seqs: Vec<i64> = newest.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (71..=120).collect::<Vec<_>>());
    assert!(newest.has_previous && !newest.has_next);
    assert_eq!(newest.messages[0].text, "m71");

    let older = app.history(&me.token, chat.id, "before=71").await;
    assert_eq!(older.messages.first().map(|m| m.seq), Some(21));
    assert_eq!(older.messages.last().map(|m| m.seq), Some(70));
    let oldest = app.history(&me.token, chat.id, "before=21&limit=200").await;
    assert_eq!(oldest.messages.len(), 20);
    assert!(!oldest.has_previous && oldest.has_next);

    let gap = app.history(&me.token, chat.id, "after=100&limit=5").await;
    assert_eq!(
        gap.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [101, 102, 103, 104, 105]
    );
    assert!(gap.has_previous && gap.has_next);
    let caught_up = app.history(&me.token, chat.id, "after=120").await;
    assert!(caught_up.messages.is_empty() && !caught_up.has_next && caught_up.has_previous);
    let between = app.history(&me.token, chat.id, "after=10&before=13").await;
    assert_eq!(
        between.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [11, 12]
    );
}

#[actix_web::test]
async fn bad_history_parameters_are_400s() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    for q in [
        "limit=0",
        "limit=201",
        "before=0",
        "after=-1",
        "before=abc",
        "page=2",
    ] {
        let resp = app
            .get_authed(&format!("/chats/{}/messages?{q}", chat.id), &me.token)
            .await;
        assert_error(resp, 400, ErrorCode::InvalidQuery).await;
    }
}

#[actix_web::test]
async fn resending_a_request_id_over_rest_returns_the_original() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    let rid = RequestId::new_random();
    let first: Message = json_with_status(
        post_message(
            &app,
            &me.token,
            chat.id,
            json!({"text": "once", "request_id": rid}),
        )
        .await,
        201,
    )
    .await;
    let again: Message = json_with_status(
        post_message(
            &app,
            &me.token,
            chat.id,
            json!({"text": "once", "request_id": rid}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(again, first);
    let page = app.history(&me.token, chat.id, "").await;
    assert_eq!(page.messages.len(), 1);
    // the same key in another chat is a conflict, not a silent second message
    let third = app.signed_in_user().await;
    let other = app.direct_chat(&me.token, third.user.id).await;
    let resp = post_message(
        &app,
        &me.token,
        other.id,
        json!({"text": "x", "request_id": rid}),
    )
    .await;
    assert_error(resp, 409, ErrorCode::RequestIdReused).await;
}

#[actix_web::test]
async fn invalid_texts_and_replies_are_rejected() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    for text in ["".to_owned(), "   \n ".to_owned(), "я".repeat(4097)] {
        let resp = post_message(
            &app,
            &me.token,
            chat.id,
            json!({"text": text, "request_id": RequestId::new_random()}),
        )
        .await;
        let err = assert_error(resp, 400, ErrorCode::ValidationFailed).await;
        assert_eq!(err.error.field, Some(Field::Text));
    }
    let ok = post_message(
        &app,
        &me.token,
        chat.id,
        json!({"text": "я".repeat(4096), "request_id": RequestId::new_random()}),
    )
    .await;
    assert_eq!(
        ok.status(),
        201,
        "4096 characters is the limit, not 4096 bytes"
    );

    let other = app
        .direct_chat(&me.token, app.signed_in_user().await.user.id)
        .await;
    let elsewhere = app.send_text(&me.token, other.id, "elsewhere").await;
    let resp = post_message(
        &app,
        &me.token,
        chat.id,
        json!({"text": "re", "request_id": RequestId::new_random(), "reply_to": elsewhere.id}),
    )
    .await;
    assert_error(resp, 404, ErrorCode::NotFound).await;
    let original = app.send_text(&you.token, chat.id, "question?").await;
    let reply: Message = json_with_status(
        post_message(&app, &me.token, chat.id, json!({"text": "answer", "request_id": RequestId::new_random(), "reply_to": original.id})).await,
        201,
    )
    .await;
    assert_eq!(reply.reply_to, Some(original.id));
    let resp = post_message(&app, &me.token, chat.id, json!({"text": "x"})).await;
    assert_error(resp, 400, ErrorCode::InvalidJson).await;
}

#[actix_web::test]
async fn the_read_cursor_only_moves_forward_and_stops_at_the_last_message() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    for t in ["a", "b", "c"] {
        app.send_text(&you.token, chat.id, t).await;
    }
    let read = |seq: i64| {
        let app = &app;
        let token = me.token.clone();
        async move {
            let resp = app
                .client
                .post(app.api(&format!("/chats/{}/read", chat.id)))
                .bearer_auth(&token)
                .json(&json!({"seq": seq}))
                .send()
                .await
                .unwrap();
            json_with_status::<ReadState>(resp, 200).await
        }
    };
    assert_eq!(read(2).await.unread_count, 1);
    assert_eq!(read(1).await.read_seq, 2, "never back");
    let past = read(99).await;
    assert_eq!(
        (past.read_seq, past.unread_count),
        (3, 0),
        "never past the last message"
    );
    let resp = app
        .client
        .post(app.api(&format!("/chats/{}/read", chat.id)))
        .bearer_auth(&me.token)
        .json(&json!({"seq": -1}))
        .send()
        .await
        .unwrap();
    assert_error(resp, 400, ErrorCode::ValidationFailed).await;
}

#[actix_web::test]
async fn the_rest_rate_limit_answers_429_with_retry_after() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_RATE_REST_PER_MIN".into(), "5".into());
    })
    .await;
    let me = app.signed_in_user().await; // register + login: 2 requests from this address
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.get_authed("/users/me", &me.token).await);
    }
    let last = statuses.pop().unwrap();
    assert!(statuses.iter().all(|r| r.status() == 200));
    let retry: u64 = last.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_error(last, 429, ErrorCode::RateLimited).await;
}

#[actix_web::test]
async fn the_message_rate_limit_applies_to_rest_sends() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_RATE_MESSAGES_PER_MIN".into(), "3".into());
    })
    .await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    for _ in 0..3 {
        app.send_text(&me.token, chat.id, "ok").await;
    }
    let resp = post_message(
        &app,
        &me.token,
        chat.id,
        json!({"text": "too many", "request_id": RequestId::new_random()}),
    )
    .await;
    assert!(resp.headers().contains_key("retry-after"));
    assert_error(resp, 429, ErrorCode::RateLimited).await;
    assert_eq!(app.history(&me.token, chat.id, "").await.messages.len(), 3);
}
