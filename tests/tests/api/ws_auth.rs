//! A socket does not outlive its token (issue 14, finding 2): it closes when its access token
//! expires unless the client sends a fresh one on it (`auth`), and it can be opened with a
//! single-use ticket instead of a token in the URL.

use std::time::Duration;

use futures_util::StreamExt;
use natter_shared::api::{AuthTokens, RefreshRequest};
use natter_shared::ws::{BearerToken, ClientFrame, ServerFrame, WsTicket};
use natter_shared::{ChatId, ErrorCode};
use natter_tests::{TestApp, WsClient, assert_error, json_with_status};

async fn short_lived() -> TestApp {
    TestApp::spawn_with(|v| {
        v.insert("NATTER_ACCESS_TTL_SECS".into(), "10".into());
    })
    .await
}

#[actix_web::test]
async fn a_socket_closes_when_its_access_token_expires() {
    let app = short_lived().await;
    let tokens = app.signed_in_user().await;
    let mut ws = WsClient::connect(&app.ws_url(), &tokens.token).await;
    // the token lives 10 s, as long as a frame is awaited: start waiting halfway
    tokio::time::sleep(Duration::from_secs(5)).await;
    let expired = ws
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(
        matches!(
            expired,
            ServerFrame::Error {
                code: ErrorCode::TokenExpired,
                ..
            }
        ),
        "{expired:?}"
    );
    assert_eq!(ws.close_code().await, Some(1008));
}

#[actix_web::test]
async fn a_fresh_token_sent_on_the_socket_keeps_it_open_past_the_old_expiry() {
    let app = short_lived().await;
    let tokens = app.signed_in_user().await;
    let opened = tokio::time::Instant::now();
    let mut ws = WsClient::connect(&app.ws_url(), &tokens.token).await;
    // a refreshed token of the same session expires later. Token times are whole seconds
    // and the socket's timer counts whole seconds from when it reads the token, so 3 s here
    // puts the fresh expiry more than a second past the check at `opened + 11 s` (with
    // 1.1 s it could fall within a few ms of it when the second sign-in below was slow)
    tokio::time::sleep(Duration::from_secs(3)).await;
    let fresh: AuthTokens = json_with_status(
        app.post_json(
            "/auth/refresh",
            &RefreshRequest {
                refresh_token: tokens.refresh_token.clone(),
            },
        )
        .await,
        200,
    )
    .await;
    // another session's token is refused: the deadline stays
    let other = app.signed_in_user().await;
    ws.send(&ClientFrame::Auth {
        token: BearerToken(other.token),
    })
    .await;
    let refused = ws.recv().await;
    assert!(
        matches!(
            refused,
            ServerFrame::Error {
                code: ErrorCode::InvalidToken,
                ..
            }
        ),
        "{refused:?}"
    );
    ws.send(&ClientFrame::Auth {
        token: BearerToken(fresh.token),
    })
    .await;
    let answer = ws.recv().await;
    assert!(
        matches!(answer, ServerFrame::Authenticated { expires_in } if expires_in >= 9),
        "{answer:?}"
    );
    // past the first token's expiry the socket still answers
    tokio::time::sleep_until(opened + Duration::from_secs(11)).await;
    ws.send(&ClientFrame::Read {
        chat_id: ChatId::new_random(),
        seq: 1,
    })
    .await;
    let still = ws.recv().await;
    assert!(
        matches!(
            still,
            ServerFrame::Error {
                code: ErrorCode::NotFound,
                ..
            }
        ),
        "{still:?}"
    );
}

#[actix_web::test]
async fn a_ticket_opens_one_socket_once_without_a_token_in_the_url() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_in_user().await;
    let anonymous = app.client.post(app.api("/ws/ticket")).send().await.unwrap();
    assert_error(anonymous, 401, ErrorCode::MissingToken).await;
    let resp = app
        .client
        .post(app.api("/ws/ticket"))
        .bearer_auth(&tokens.token)
        .send()
        .await
        .unwrap();
    let ticket: WsTicket = json_with_status(resp, 200).await;
    assert_eq!(ticket.expires_in, 30);
    let url = format!("{}?ticket={}", app.ws_url(), ticket.ticket.0);
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    socket
        .send_text(r#"{"type":"read","chat_id":"00000000-0000-0000-0000-000000000001","seq":1}"#)
        .await;
    let answer = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(
        answer.to_text().unwrap().contains("not_found"),
        "{answer:?}"
    );
    // spent
    let again = app
        .client
        .get(url.replace("ws://", "http://"))
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_error(again, 401, ErrorCode::InvalidToken).await;
}

#[actix_web::test]
async fn the_deprecated_token_in_the_url_still_opens_a_socket() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_in_user().await;
    let url = format!("{}?token={}", app.ws_url(), tokens.token);
    assert!(tokio_tungstenite::connect_async(url.as_str()).await.is_ok());
}

trait SendText {
    async fn send_text(&mut self, text: &str);
}

impl<S> SendText for tokio_tungstenite::WebSocketStream<S>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    async fn send_text(&mut self, text: &str) {
        use futures_util::SinkExt;
        self.send(tokio_tungstenite::tungstenite::Message::text(text))
            .await
            .unwrap();
    }
}
