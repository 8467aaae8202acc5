use natter_shared::api::{RegisterRequest, User};
use natter_shared::{ErrorCode, Field};
use natter_tests::{TestApp, assert_error, json_with_status};

fn request(username: &str, password: &str, display_name: Option<&str>) -> RegisterRequest {
    RegisterRequest {
        username: username.into(),
        password: password.into(),
        display_name: display_name.map(Into::into),
    }
}

#[actix_web::test]
async fn register_creates_an_account_with_a_folded_username() {
    let app = TestApp::spawn().await;
    let resp = app
        .post_json(
            "/auth/register",
            &request(" Alice.Smith ", "correct horse", Some(" Alice ")),
        )
        .await;
    let user: User = json_with_status(resp, 201).await;
    assert_eq!(user.username.as_str(), "alice.smith");
    assert_eq!(
        user.display_name.as_ref().map(|d| d.as_str()),
        Some("Alice")
    );
    assert_eq!(user.bio, "");
}

#[actix_web::test]
async fn the_response_never_contains_the_password_or_its_hash() {
    let app = TestApp::spawn().await;
    let resp = app
        .post_json("/auth/register", &request("carol", "secret-password", None))
        .await;
    let text = resp.text().await.unwrap();
    assert!(!text.contains("secret-password"));
    assert!(!text.contains("$2b$"), "bcrypt hash leaked: {text}");
}

#[actix_web::test]
async fn duplicate_username_is_rejected_with_409_whatever_the_case() {
    let app = TestApp::spawn().await;
    app.register("bob", "password1").await;
    let resp = app
        .post_json("/auth/register", &request("BOB", "password2", None))
        .await;
    let body = assert_error(resp, 409, ErrorCode::UsernameTaken).await;
    assert_eq!(body.error.field, Some(Field::Username));
}

#[actix_web::test]
async fn invalid_input_is_rejected_with_400_naming_the_field() {
    let app = TestApp::spawn().await;
    let long_display = "d".repeat(65);
    let long_username = "u".repeat(51);
    let long_password = "p".repeat(73);
    let cases: Vec<(&str, RegisterRequest, Field)> = vec![
        (
            "username too short",
            request("ab", "password1", None),
            Field::Username,
        ),
        (
            "username too long",
            request(&long_username, "password1", None),
            Field::Username,
        ),
        (
            "username with a space",
            request("a b c", "password1", None),
            Field::Username,
        ),
        (
            "username with cyrillic",
            request("юзер", "password1", None),
            Field::Username,
        ),
        (
            "password too short",
            request("dave", "short", None),
            Field::Password,
        ),
        (
            "password over 72 bytes",
            request("dave", &long_password, None),
            Field::Password,
        ),
        (
            "display name too long",
            request("dave", "password1", Some(&long_display)),
            Field::DisplayName,
        ),
        (
            "display name with newline",
            request("dave", "password1", Some("a\nb")),
            Field::DisplayName,
        ),
    ];
    for (reason, body, field) in cases {
        let resp = app.post_json("/auth/register", &body).await;
        let err = assert_error(resp, 400, ErrorCode::ValidationFailed).await;
        assert_eq!(err.error.field, Some(field), "{reason}");
        assert!(
            err.error.message.starts_with(field.as_str()),
            "{reason}: {}",
            err.error.message
        );
    }
    // nothing was stored by the rejected requests
    let resp = app
        .post_json("/auth/register", &request("dave", "password1", None))
        .await;
    assert_eq!(resp.status(), 201);
}
