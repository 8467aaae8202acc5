//! How many sockets one user may hold (issue 14, finding 10): 20 by default on a process;
//! the 21st upgrade is a 429 before any upgrade, and closing one makes room again.

use natter_shared::ErrorCode;
use natter_tests::{TestApp, WsClient, assert_error};

/// The answer to an upgrade request, as HTTP (tungstenite hides the body of a refusal).
async fn upgrade(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.api("/ws"))
        .bearer_auth(token)
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_twenty_first_socket_of_a_user_is_refused_with_429() {
    let app = TestApp::spawn_busy().await;
    let (_, token) = app.user("alice").await;
    let (_, other) = app.user("bob").await;
    let mut open = Vec::new();
    for _ in 0..20 {
        open.push(WsClient::connect(&app.ws_url(), &token).await);
    }
    let refused = upgrade(&app, &token).await;
    assert!(refused.headers().contains_key("retry-after"));
    let body = assert_error(refused, 429, ErrorCode::RateLimited).await;
    assert!(body.error.message.contains("20"), "{}", body.error.message);
    assert!(WsClient::try_connect(&app.ws_url(), &token).await.is_err());
    // someone else is not affected
    let _bob = WsClient::connect(&app.ws_url(), &other).await;
    // one closed makes room for one more (the server forgets it when its actor stops)
    open.pop().unwrap().close().await;
    let mut again = None;
    for _ in 0..100 {
        if let Ok(c) = WsClient::try_connect(&app.ws_url(), &token).await {
            again = Some(c);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(again.is_some(), "a place was freed by closing a socket");
}
