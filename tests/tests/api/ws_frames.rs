//! What one WebSocket connection may ask of the server (issue 14, finding 4): typing and read
//! frames about chats that are not the user's start no room, every typing frame is throttled,
//! and a connection has a frame budget (`rate_limited`, then closed with 1008).

use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{ChatId, ErrorCode};
use natter_tests::{TestApp, WsClient};

/// `natter_chat_rooms` as `/metrics` reports it.
async fn rooms(app: &TestApp) -> f64 {
    app.metric("natter_chat_rooms")
        .await
        .expect("natter_chat_rooms in /metrics")
}

#[actix_web::test]
async fn typing_and_read_for_chats_not_ones_own_start_no_room() {
    let app = TestApp::spawn_busy().await;
    let (alice, _bob, chat, _) = app.pair().await;
    let (_, stranger) = app.user("mallory").await;
    let mut ws = WsClient::connect(&app.ws_url(), &stranger).await;
    // random ids, and a real chat of others
    let mut asked = vec![chat];
    asked.extend((0..30).map(|_| ChatId::new_random()));
    for chat_id in &asked {
        ws.send(&ClientFrame::Typing {
            chat_id: *chat_id,
            is_typing: true,
        })
        .await;
        ws.send(&ClientFrame::Read {
            chat_id: *chat_id,
            seq: 1,
        })
        .await;
    }
    for _ in 0..asked.len() * 2 {
        let frame = ws
            .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
            .await;
        assert!(
            matches!(
                frame,
                ServerFrame::Error {
                    code: ErrorCode::NotFound,
                    ..
                }
            ),
            "{frame:?}"
        );
    }
    assert_eq!(rooms(&app).await, 0.0, "no room was started");
    // a member's frames still work
    let mut own = WsClient::connect(&app.ws_url(), &alice).await;
    own.send(&ClientFrame::Read {
        chat_id: chat,
        seq: 0,
    })
    .await;
    own.send(&ClientFrame::Typing {
        chat_id: chat,
        is_typing: true,
    })
    .await;
    app.send_text(&alice, chat, "hello").await;
    assert!(rooms(&app).await >= 1.0);
}

#[actix_web::test]
async fn every_typing_frame_is_throttled_stops_included() {
    let app = TestApp::spawn_busy().await;
    let (alice, bob, chat, _) = app.pair().await;
    let mut bob_ws = WsClient::connect(&app.ws_url(), &bob).await;
    let mut alice_ws = WsClient::connect(&app.ws_url(), &alice).await;
    for i in 0..200 {
        alice_ws
            .send(&ClientFrame::Typing {
                chat_id: chat,
                is_typing: i % 2 == 0,
            })
            .await;
    }
    // one connection's frames reach the room in order: every typing frame Bob gets comes
    // before this message
    alice_ws
        .send(&ClientFrame::Message {
            chat_id: chat,
            text: "done typing".into(),
            request_id: natter_shared::RequestId::new_random(),
            reply_to: None,
            attachments: vec![],
        })
        .await;
    let mut typing = Vec::new();
    loop {
        match bob_ws.recv().await {
            ServerFrame::Typing { is_typing, .. } => typing.push(is_typing),
            ServerFrame::NewMessage { .. } => break,
            _ => {}
        }
    }
    assert_eq!(typing, vec![true, false], "one start and its stop, not 200");
}

#[actix_web::test]
async fn a_connection_over_its_frame_budget_is_refused_then_closed() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_WS_FRAMES_PER_SEC".into(), "1".into());
        v.insert("NATTER_WS_FRAME_BURST".into(), "20".into());
    })
    .await;
    let (alice, _bob, chat, _) = app.pair().await;
    let mut ws = WsClient::connect(&app.ws_url(), &alice).await;
    for _ in 0..60 {
        ws.send(&ClientFrame::Typing {
            chat_id: chat,
            is_typing: false,
        })
        .await;
    }
    let refused = ws
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(
        matches!(
            refused,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(ws.close_code().await, Some(1008), "policy violation");
}

#[actix_web::test]
async fn sends_count_against_the_message_limit_not_the_frame_budget() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_WS_FRAMES_PER_SEC".into(), "1".into());
        v.insert("NATTER_WS_FRAME_BURST".into(), "5".into());
        v.insert("NATTER_RATE_MESSAGES_PER_MIN".into(), "100000".into());
    })
    .await;
    let (alice, _bob, chat, _) = app.pair().await;
    let mut ws = WsClient::connect(&app.ws_url(), &alice).await;
    // an outbox resending its backlog after a reconnect
    for i in 0..50 {
        ws.send(&ClientFrame::Message {
            chat_id: chat,
            text: format!("backlog {i}"),
            request_id: natter_shared::RequestId::new_random(),
            reply_to: None,
            attachments: vec![],
        })
        .await;
    }
    for _ in 0..50 {
        let frame = ws
            .recv_until(|f| {
                matches!(
                    f,
                    ServerFrame::MessageSent { .. } | ServerFrame::Error { .. }
                )
            })
            .await;
        assert!(
            matches!(frame, ServerFrame::MessageSent { .. }),
            "{frame:?}"
        );
    }
}
