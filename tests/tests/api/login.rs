use natter_shared::ErrorCode;
use natter_shared::api::{LoginRequest, User};
use natter_tests::{TestApp, assert_error, json_with_status};

fn login(username: &str, password: &str) -> LoginRequest {
    LoginRequest {
        username: username.into(),
        password: password.into(),
        device_name: Some("Test device".into()),
    }
}

#[actix_web::test]
async fn login_returns_tokens_and_the_user() {
    let app = TestApp::spawn().await;
    let user = app.register("erin", "password1").await;
    let tokens = app.login("ERIN", "password1").await;
    assert_eq!(tokens.user, user);
    assert_eq!(tokens.expires_in, 900);
    assert!(!tokens.refresh_token.is_empty());
    let me: User = json_with_status(app.get_authed("/users/me", &tokens.token).await, 200).await;
    assert_eq!(me.id, user.id);
}

#[actix_web::test]
async fn wrong_password_is_rejected_with_401() {
    let app = TestApp::spawn().await;
    app.register("frank", "password1").await;
    let resp = app
        .post_json("/auth/login", &login("frank", "password2"))
        .await;
    assert_error(resp, 401, ErrorCode::InvalidCredentials).await;
}

#[actix_web::test]
async fn unknown_user_gets_the_same_answer_as_a_wrong_password() {
    let app = TestApp::spawn().await;
    let resp = app
        .post_json("/auth/login", &login("nobody", "password1"))
        .await;
    let body = assert_error(resp, 401, ErrorCode::InvalidCredentials).await;
    assert_eq!(body.error.message, "wrong username or password");
}

#[actix_web::test]
async fn an_overlong_device_name_is_rejected() {
    let app = TestApp::spawn().await;
    app.register("gina", "password1").await;
    let mut req = login("gina", "password1");
    req.device_name = Some("x".repeat(101));
    let resp = app.post_json("/auth/login", &req).await;
    let body = assert_error(resp, 400, ErrorCode::ValidationFailed).await;
    assert_eq!(body.error.field, Some(natter_shared::Field::DeviceName));
}
