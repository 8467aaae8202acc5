//! Every kind of malformed request gets a clear 4xx in the shared error shape.

use natter_shared::ErrorCode;
use natter_tests::{TestApp, assert_error};

async fn raw_post(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut req = app.client.post(app.api(path)).body(body);
    if let Some(ct) = content_type {
        req = req.header("Content-Type", ct);
    }
    req.send().await.unwrap()
}

#[actix_web::test]
async fn malformed_json_is_a_400() {
    let app = TestApp::spawn().await;
    let resp = raw_post(
        &app,
        "/auth/register",
        Some("application/json"),
        b"{\"username\": ".to_vec(),
    )
    .await;
    assert_error(resp, 400, ErrorCode::InvalidJson).await;
}

#[actix_web::test]
async fn wrong_types_are_a_400() {
    let app = TestApp::spawn().await;
    let resp = raw_post(
        &app,
        "/auth/register",
        Some("application/json"),
        br#"{"username": 42, "password": ["x"]}"#.to_vec(),
    )
    .await;
    let body = assert_error(resp, 400, ErrorCode::InvalidJson).await;
    assert!(
        body.error.message.contains("invalid type"),
        "{}",
        body.error.message
    );
}

#[actix_web::test]
async fn missing_and_unknown_fields_are_400s() {
    let app = TestApp::spawn().await;
    let resp = raw_post(
        &app,
        "/auth/login",
        Some("application/json"),
        br#"{"username":"abc"}"#.to_vec(),
    )
    .await;
    let body = assert_error(resp, 400, ErrorCode::InvalidJson).await;
    assert!(
        body.error.message.contains("password"),
        "{}",
        body.error.message
    );
    let resp = raw_post(
        &app,
        "/auth/login",
        Some("application/json"),
        br#"{"username":"abc","password":"password1","is_admin":true}"#.to_vec(),
    )
    .await;
    let body = assert_error(resp, 400, ErrorCode::InvalidJson).await;
    assert!(
        body.error.message.contains("is_admin"),
        "{}",
        body.error.message
    );
}

#[actix_web::test]
async fn an_empty_body_is_a_400_that_says_so() {
    let app = TestApp::spawn().await;
    let resp = raw_post(&app, "/auth/login", Some("application/json"), Vec::new()).await;
    let body = assert_error(resp, 400, ErrorCode::InvalidJson).await;
    assert!(
        body.error.message.contains("empty"),
        "{}",
        body.error.message
    );
}

#[actix_web::test]
async fn an_oversized_body_is_a_413() {
    let app = TestApp::spawn().await;
    let huge = format!(
        r#"{{"username":"abc","password":"{}"}}"#,
        "p".repeat(100_000)
    );
    let resp = raw_post(
        &app,
        "/auth/login",
        Some("application/json"),
        huge.into_bytes(),
    )
    .await;
    assert_error(resp, 413, ErrorCode::PayloadTooLarge).await;
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = TestApp::spawn().await;
    let resp = raw_post(&app, "/auth/login", None, br#"{"username":"a"}"#.to_vec()).await;
    assert_error(resp, 415, ErrorCode::UnsupportedMediaType).await;
    let resp = raw_post(&app, "/auth/login", Some("text/plain"), b"hello".to_vec()).await;
    assert_error(resp, 415, ErrorCode::UnsupportedMediaType).await;
}

#[actix_web::test]
async fn an_unknown_route_is_a_json_404() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(app.api("/nope")).send().await.unwrap();
    assert_error(resp, 404, ErrorCode::NotFound).await;
}

#[actix_web::test]
async fn non_utf8_and_binary_garbage_is_a_400() {
    let app = TestApp::spawn().await;
    let resp = raw_post(
        &app,
        "/auth/register",
        Some("application/json"),
        vec![0xff, 0xfe, 0x00, 0x7b],
    )
    .await;
    assert_error(resp, 400, ErrorCode::InvalidJson).await;
}

/// serde's derived structs also take an array of the fields' values in order; where every
/// field is optional, `[]` passed as "nothing given" (schemathesis found `POST
/// /chats/{id}/links` with `[]` making a link, and `[60]` made one expiring in a minute).
/// Those four bodies must be objects.
#[actix_web::test]
async fn an_array_where_an_object_of_optional_fields_belongs_is_a_400_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.user("owner").await;
    let (bob, _) = app.user("bob").await;
    let chat = app.group_chat(&owner, "club", &[bob]).await;
    let id = chat.id.0;
    for (method, path) in [
        (reqwest::Method::POST, format!("/chats/{id}/links")),
        (reqwest::Method::PATCH, format!("/chats/{id}")),
        (
            reqwest::Method::PATCH,
            format!("/chats/{id}/members/{}", bob.0),
        ),
        (reqwest::Method::PATCH, "/users/me".to_owned()),
    ] {
        for body in ["[]", "[60]", "[null, null]"] {
            let resp = app
                .client
                .request(method.clone(), app.api(&path))
                .bearer_auth(&owner)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let error = assert_error(resp, 400, ErrorCode::InvalidJson).await;
            assert!(
                error.error.message.contains("expected a JSON object"),
                "{method} {path} {body}: {}",
                error.error.message
            );
        }
    }
    let links = app
        .get_authed(&format!("/chats/{id}/links"), &owner)
        .await
        .json::<Vec<natter_shared::api::JoinLink>>()
        .await
        .unwrap();
    assert!(links.is_empty(), "a link was made: {links:?}");
    // an object still works, the empty one included
    let resp = app
        .client
        .post(app.api(&format!("/chats/{id}/links")))
        .bearer_auth(&owner)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
}

/// The same holds where fields are required: an array of the right values in the right order
/// is not the object the contract names, and makes no account.
#[actix_web::test]
async fn an_array_of_a_bodys_values_in_order_is_a_400() {
    let app = TestApp::spawn().await;
    let resp = raw_post(
        &app,
        "/auth/register",
        Some("application/json"),
        br#"["arrayed", "correct horse battery staple"]"#.to_vec(),
    )
    .await;
    let error = assert_error(resp, 400, ErrorCode::InvalidJson).await;
    assert!(
        error.error.message.contains("expected a JSON object"),
        "{error:?}"
    );
    let login = app
        .post_json(
            "/auth/login",
            &serde_json::json!({"username": "arrayed", "password": "correct horse battery staple"}),
        )
        .await;
    assert_eq!(login.status(), 401, "an account was made");
}

/// A key given twice is refused, as before bodies had to be objects, not settled by the last.
#[actix_web::test]
async fn a_field_given_twice_is_a_400() {
    let app = TestApp::spawn().await;
    let resp = raw_post(
        &app,
        "/auth/register",
        Some("application/json"),
        br#"{"username": "twice", "username": "again", "password": "correct horse battery staple"}"#
            .to_vec(),
    )
    .await;
    let error = assert_error(resp, 400, ErrorCode::InvalidJson).await;
    assert!(error.error.message.contains("duplicate field"), "{error:?}");
}
