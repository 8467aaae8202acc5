//! A refresh token presented twice revokes its session, and the session's sockets close on
//! every process at once (issue 14, finding 2).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use natter_shared::api::{AuthTokens, RefreshRequest};
use natter_tests::{ServerProcess, TestDatabase, WsClient, json_with_status, sign_up};

const BIN: &str = env!("CARGO_BIN_EXE_natter-server");

#[actix_web::test]
async fn refresh_token_reuse_closes_the_sessions_sockets_on_every_process() {
    let db = TestDatabase::create();
    let one = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &[]).await;
    let two = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &[]).await;
    let client = reqwest::Client::new();
    let alice = sign_up(&client, |p| one.api(p)).await;
    let other = sign_up(&client, |p| one.api(p)).await;
    let mut here = WsClient::connect(&one.ws_url(), &alice.token).await;
    let mut there = WsClient::connect(&two.ws_url(), &alice.token).await;
    let mut bystander = WsClient::connect(&two.ws_url(), &other.token).await;
    let refresh = |token: String| {
        client
            .post(one.api("/auth/refresh"))
            .json(&RefreshRequest {
                refresh_token: token,
            })
            .send()
    };
    let rotated: AuthTokens =
        json_with_status(refresh(alice.refresh_token.clone()).await.unwrap(), 200).await;
    assert_ne!(rotated.refresh_token, alice.refresh_token);
    // the spent one again: someone stole it
    let reused = refresh(alice.refresh_token.clone()).await.unwrap();
    assert_eq!(reused.status(), 401);
    assert_eq!(here.close_code().await, Some(1008), "on this process");
    assert_eq!(there.close_code().await, Some(1008), "on the other process");
    // another person's socket is untouched
    bystander
        .send(&natter_shared::ws::ClientFrame::Read {
            chat_id: natter_shared::ChatId::new_random(),
            seq: 1,
        })
        .await;
    assert!(matches!(
        bystander.recv().await,
        natter_shared::ws::ServerFrame::Error { .. }
    ));
}
