use chrono::Utc;
use natter_server::auth::JwtKeys;
use natter_shared::ErrorCode;
use natter_shared::api::{AuthTokens, RefreshRequest};
use natter_tests::{TEST_JWT_SECRET, TestApp, assert_error, json_with_status};

async fn refresh(app: &TestApp, refresh_token: &str) -> reqwest::Response {
    app.post_json(
        "/auth/refresh",
        &RefreshRequest {
            refresh_token: refresh_token.into(),
        },
    )
    .await
}

#[actix_web::test]
async fn refresh_rotates_the_refresh_token_and_keeps_the_session() {
    let app = TestApp::spawn().await;
    let first = app.signed_in_user().await;
    let second: AuthTokens = json_with_status(refresh(&app, &first.refresh_token).await, 200).await;
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(second.session_id, first.session_id);
    assert_eq!(second.user.id, first.user.id);
    // the new access token works, and the new refresh token can be used in turn
    assert_eq!(
        app.get_authed("/users/me", &second.token).await.status(),
        200
    );
    let third: AuthTokens = json_with_status(refresh(&app, &second.refresh_token).await, 200).await;
    assert_eq!(third.session_id, first.session_id);
}

#[actix_web::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_session() {
    let app = TestApp::spawn().await;
    let first = app.signed_in_user().await;
    let second: AuthTokens = json_with_status(refresh(&app, &first.refresh_token).await, 200).await;

    // someone replays the spent token
    assert_error(
        refresh(&app, &first.refresh_token).await,
        401,
        ErrorCode::RefreshTokenReused,
    )
    .await;

    // now neither the newest refresh token nor the newest access token works
    assert_error(
        refresh(&app, &second.refresh_token).await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
    assert_error(
        app.get_authed("/users/me", &second.token).await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
}

#[actix_web::test]
async fn reuse_of_one_session_leaves_other_sessions_signed_in() {
    let app = TestApp::spawn().await;
    app.register("hank", "password1").await;
    let laptop = app.login("hank", "password1").await;
    let phone = app.login("hank", "password1").await;
    json_with_status::<AuthTokens>(refresh(&app, &laptop.refresh_token).await, 200).await;
    assert_error(
        refresh(&app, &laptop.refresh_token).await,
        401,
        ErrorCode::RefreshTokenReused,
    )
    .await;
    assert_eq!(
        app.get_authed("/users/me", &phone.token).await.status(),
        200
    );
}

#[actix_web::test]
async fn an_unknown_refresh_token_is_rejected() {
    let app = TestApp::spawn().await;
    assert_error(
        refresh(&app, "not-a-token").await,
        401,
        ErrorCode::InvalidRefreshToken,
    )
    .await;
    assert_error(refresh(&app, "").await, 401, ErrorCode::InvalidRefreshToken).await;
}

#[actix_web::test]
async fn logout_revokes_access_and_refresh_tokens_at_once() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_in_user().await;
    let resp = app
        .client
        .post(app.api("/auth/logout"))
        .bearer_auth(&tokens.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    // the access token has not expired, yet it no longer works
    assert_error(
        app.get_authed("/users/me", &tokens.token).await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
    assert_error(
        refresh(&app, &tokens.refresh_token).await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
}

#[actix_web::test]
async fn requests_without_a_token_get_missing_token() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(app.api("/users/me")).send().await.unwrap();
    assert_error(resp, 401, ErrorCode::MissingToken).await;
    let resp = app
        .client
        .get(app.api("/users/me"))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_error(resp, 401, ErrorCode::MissingToken).await;
}

#[actix_web::test]
async fn garbled_and_forged_tokens_get_invalid_token() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_in_user().await;
    let forged = JwtKeys::new(b"some-other-secret-some-other-secret!")
        .issue(tokens.user.id.0, tokens.session_id.0, Utc::now(), 900)
        .unwrap();
    let mut tampered = tokens.token.clone();
    tampered.pop();
    for bad in ["garbage", "a.b.c", forged.as_str(), tampered.as_str()] {
        assert_error(
            app.get_authed("/users/me", bad).await,
            401,
            ErrorCode::InvalidToken,
        )
        .await;
    }
}

#[actix_web::test]
async fn expired_tokens_get_token_expired() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_in_user().await;
    let an_hour_ago = Utc::now() - chrono::Duration::hours(1);
    let expired = JwtKeys::new(TEST_JWT_SECRET.as_bytes())
        .issue(tokens.user.id.0, tokens.session_id.0, an_hour_ago, 900)
        .unwrap();
    assert_error(
        app.get_authed("/users/me", &expired).await,
        401,
        ErrorCode::TokenExpired,
    )
    .await;
}
