//! A client that stops reading cannot make the server queue its frames without bound
//! (issue 14, finding 1): once its outgoing queue passes `NATTER_WS_QUEUE_FRAMES` or
//! `NATTER_WS_QUEUE_BYTES`, the server closes the connection (the client resyncs by seq when
//! it comes back), and everyone else goes on.

use std::time::Duration;

use futures_util::StreamExt;
use natter_shared::RequestId;
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_tests::{TestApp, WsClient};
use tokio_tungstenite::tungstenite;

/// A counter of `/metrics` (0 when it has not appeared yet).
async fn counter(app: &TestApp, series: &str) -> f64 {
    app.metric(series).await.unwrap_or(0.0)
}

#[actix_web::test]
async fn a_client_that_stops_reading_is_closed_and_its_queue_stays_bounded() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_RATE_MESSAGES_PER_MIN".into(), "1000000".into());
        v.insert("NATTER_RATE_REST_PER_MIN".into(), "1000000".into());
        v.insert("NATTER_WS_FRAMES_PER_SEC".into(), "1000000".into());
        v.insert("NATTER_WS_FRAME_BURST".into(), "1000000".into());
        v.insert("NATTER_WS_QUEUE_FRAMES".into(), "64".into());
        v.insert("NATTER_WS_QUEUE_BYTES".into(), "65536".into());
        // the kernel closes a connection whose bytes cannot leave for this long
        v.insert("NATTER_WS_STALL_SECS".into(), "2".into());
    })
    .await;
    let (alice, bob, chat, _) = app.pair().await;

    // Bob's socket: a small receive buffer, and nobody ever reads it
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket
        .connect(format!("127.0.0.1:{}", app.port).parse().unwrap())
        .await
        .unwrap();
    let mut request =
        tungstenite::client::IntoClientRequest::into_client_request(app.ws_url()).unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {bob}").parse().unwrap());
    let (mut stalled, _) = tokio_tungstenite::client_async(request, tcp).await.unwrap();

    // Alice floods the chat with long messages
    let mut flood = WsClient::connect(&app.ws_url(), &alice).await;
    let text = "x".repeat(4000);
    let mut acked = 0;
    let mut sent = 0;
    while counter(&app, "natter_ws_closed_total{reason=\"behind\"}").await < 1.0 {
        assert!(sent < 20_000, "the stalled connection was never closed");
        for _ in 0..100 {
            flood
                .send(&ClientFrame::Message {
                    chat_id: chat,
                    text: text.clone(),
                    request_id: RequestId::new_random(),
                    reply_to: None,
                    attachments: vec![],
                })
                .await;
            sent += 1;
        }
        while acked < sent {
            if let ServerFrame::MessageSent { .. } = flood.recv().await {
                acked += 1;
            }
        }
    }
    // the server forgot it: only Alice's socket is open
    let mut open = counter(&app, "natter_ws_connections").await;
    // polled: the kernel gives the stalled socket up after NATTER_WS_STALL_SECS (2 s) of
    // its bytes not leaving, and nothing announces that to the test
    for _ in 0..500 {
        if open == 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        open = counter(&app, "natter_ws_connections").await;
    }
    assert_eq!(
        open, 1.0,
        "the stalled connection is gone from the registry"
    );
    // what Bob's socket still holds is what was written before the cut; then it ends
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(next) = stalled.next().await {
            match next {
                Ok(tungstenite::Message::Close(_)) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "Bob's socket was closed by the server");
    // Alice is not held up
    app.send_text(&alice, chat, "still going").await;
}
