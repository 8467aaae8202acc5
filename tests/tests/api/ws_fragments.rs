//! Fragmented WebSocket messages (issue 14, finding 12): continuation frames are put
//! together within the size limit and the message handled as if whole; a message past the
//! limit, in one frame or in fragments, closes the socket with 1009 (message too big).

use futures_util::{SinkExt, StreamExt};
use natter_shared::RequestId;
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_tests::{FRAME_TIMEOUT, TestApp};
use tokio_tungstenite::tungstenite::{
    self, Message,
    protocol::frame::{
        Frame,
        coding::{Data, OpCode},
    },
};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(app: &TestApp, token: &str) -> Socket {
    let mut request =
        tungstenite::client::IntoClientRequest::into_client_request(app.ws_url()).unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// Sends `text` in fragments of `size` bytes (a text frame, continuations, the last one final).
async fn send_fragmented(ws: &mut Socket, text: &str, size: usize) {
    let chunks: Vec<&[u8]> = text.as_bytes().chunks(size).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let opcode = if i == 0 {
            OpCode::Data(Data::Text)
        } else {
            OpCode::Data(Data::Continue)
        };
        let frame = Frame::message(chunk.to_vec(), opcode, i + 1 == chunks.len());
        ws.feed(Message::Frame(frame)).await.unwrap();
    }
    ws.flush().await.unwrap();
}

/// The next text frame as a server frame, or the close code when the server closes.
async fn next(ws: &mut Socket) -> Result<ServerFrame, Option<u16>> {
    loop {
        let msg = tokio::time::timeout(FRAME_TIMEOUT, ws.next())
            .await
            .expect("an answer within the timeout");
        match msg {
            Some(Ok(Message::Text(t))) => return Ok(serde_json::from_str(t.as_str()).unwrap()),
            Some(Ok(Message::Close(c))) => return Err(c.map(|c| u16::from(c.code))),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Err(None),
        }
    }
}

#[actix_web::test]
async fn a_message_sent_in_fragments_is_put_together() {
    let app = TestApp::spawn_busy().await;
    let (alice, _bob, chat, _) = app.pair().await;
    let mut ws = connect(&app, &alice).await;
    let request_id = RequestId::new_random();
    let frame = serde_json::to_string(&ClientFrame::Message {
        chat_id: chat,
        text: "Привет, fragments!".repeat(20),
        request_id,
        reply_to: None,
        attachments: vec![],
    })
    .unwrap();
    // 7-byte pieces cut multi-byte letters in half: only the whole is UTF-8
    send_fragmented(&mut ws, &frame, 7).await;
    loop {
        match next(&mut ws).await {
            Ok(ServerFrame::MessageSent {
                request_id: acked,
                message,
                ..
            }) => {
                assert_eq!(acked, request_id);
                assert_eq!(message.text, "Привет, fragments!".repeat(20));
                break;
            }
            Ok(ServerFrame::Error { message, .. }) => panic!("refused: {message}"),
            Ok(_) => {}
            Err(code) => panic!("closed: {code:?}"),
        }
    }
}

#[actix_web::test]
async fn a_message_past_the_limit_closes_with_1009_in_one_frame_or_in_fragments() {
    let app = TestApp::spawn_busy().await;
    let (alice, ..) = app.pair().await;
    let big = format!(
        "{{\"type\":\"typing\",\"pad\":\"{}\"}}",
        "x".repeat(70 * 1024)
    );

    let mut fragmented = connect(&app, &alice).await;
    send_fragmented(&mut fragmented, &big, 8 * 1024).await;
    assert_eq!(next(&mut fragmented).await.err(), Some(Some(1009)));

    let mut whole = connect(&app, &alice).await;
    whole.send(Message::text(big)).await.unwrap();
    assert_eq!(next(&mut whole).await.err(), Some(Some(1009)));
}
