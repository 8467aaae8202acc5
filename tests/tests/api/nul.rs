//! A NUL character (`\0`, which PostgreSQL cannot store in text) in any text a client sends is
//! a 400 naming the field, over REST and the WebSocket alike — never a 500 or 503 — and it
//! does not slow anyone else's sends down (issue 14, finding 5).

use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{ErrorCode, RequestId};
use natter_tests::{TestApp, WsClient};
use serde_json::json;

#[actix_web::test]
async fn a_nul_in_any_rest_text_is_a_400() {
    let app = TestApp::spawn_busy().await;
    let (alice, _bob, chat, _) = app.pair().await;
    let sent = app.send_text(&alice, chat, "fine").await;
    let cases: Vec<(&str, reqwest::RequestBuilder)> = vec![
        (
            "message text",
            app.client
                .post(app.api(&format!("/chats/{}/messages", chat.0)))
                .bearer_auth(&alice)
                .json(&json!({"text": "a\u{0}b", "request_id": RequestId::new_random()})),
        ),
        (
            "edited text",
            app.client
                .patch(app.api(&format!("/chats/{}/messages/{}", chat.0, sent.id.0)))
                .bearer_auth(&alice)
                .json(&json!({"text": "a\u{0}b", "request_id": RequestId::new_random()})),
        ),
        (
            "people search",
            app.client
                .get(app.api("/users?query=a%00b"))
                .bearer_auth(&alice),
        ),
        (
            "message search",
            app.client
                .get(app.api("/search/messages?q=hello%00world"))
                .bearer_auth(&alice),
        ),
        (
            "bio",
            app.client
                .patch(app.api("/users/me"))
                .bearer_auth(&alice)
                .json(&json!({"bio": "a\u{0}b"})),
        ),
        (
            "password at sign-up",
            app.client
                .post(app.api("/auth/register"))
                .json(&json!({"username": "carol", "password": "password\u{0}1"})),
        ),
        (
            "device name",
            app.client.post(app.api("/auth/login")).json(
                &json!({"username": "alice", "password": "correct horse battery",
                    "device_name": "laptop\u{0}"}),
            ),
        ),
    ];
    for (what, request) in cases {
        let resp = request.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert_eq!(status, 400, "{what}: {text}");
        let body: natter_shared::ErrorBody = serde_json::from_str(&text).unwrap();
        assert!(
            matches!(
                body.error.code,
                ErrorCode::ValidationFailed | ErrorCode::InvalidQuery
            ),
            "{what}: {text}"
        );
    }
}

#[actix_web::test]
async fn a_nul_in_a_websocket_message_is_refused_and_the_connection_stays() {
    let app = TestApp::spawn_busy().await;
    let (alice, _bob, chat, _) = app.pair().await;
    let mut ws = WsClient::connect(&app.ws_url(), &alice).await;
    let bad = RequestId::new_random();
    ws.send(&ClientFrame::Message {
        chat_id: chat,
        text: "nul\u{0}here".into(),
        request_id: bad,
        reply_to: None,
        attachments: vec![],
    })
    .await;
    let refused = ws
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    let ServerFrame::Error {
        request_id, code, ..
    } = refused
    else {
        unreachable!()
    };
    assert_eq!((request_id, code), (Some(bad), ErrorCode::ValidationFailed));
    // the same connection still sends
    let good = RequestId::new_random();
    ws.send(&ClientFrame::Message {
        chat_id: chat,
        text: "still here".into(),
        request_id: good,
        reply_to: None,
        attachments: vec![],
    })
    .await;
    let acked = ws
        .recv_until(|f| matches!(f, ServerFrame::MessageSent { .. }))
        .await;
    assert!(matches!(acked, ServerFrame::MessageSent { request_id, .. } if request_id == good));
}

#[actix_web::test]
async fn a_nul_in_a_join_link_token_is_not_found_not_a_500() {
    let app = TestApp::spawn_busy().await;
    let (alice, ..) = app.pair().await;
    let resp = app
        .client
        .post(app.api("/join/abc%00def"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert!(
        matches!(resp.status().as_u16(), 400 | 404),
        "{}",
        resp.status()
    );
}
