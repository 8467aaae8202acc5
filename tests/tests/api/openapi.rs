//! The OpenAPI document lists every route of the contract, and every route it lists is served.

use natter_tests::TestApp;
use serde_json::Value;

/// The REST contract so far (DESIGN.md). Adding a route to the server means adding it here.
const CONTRACT: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/auth/sessions"),
    ("delete", "/api/v1/auth/sessions/{id}"),
    ("post", "/api/v1/auth/login/2fa"),
    ("post", "/api/v1/auth/sessions/revoke-others"),
    ("get", "/api/v1/account/2fa"),
    ("post", "/api/v1/account/2fa/setup"),
    ("post", "/api/v1/account/2fa/enable"),
    ("post", "/api/v1/account/2fa/disable"),
    ("post", "/api/v1/account/2fa/recovery-codes"),
    ("post", "/api/v1/account/password"),
    ("delete", "/api/v1/account"),
    ("get", "/api/v1/account/export"),
    ("get", "/api/v1/users/me"),
    ("patch", "/api/v1/users/me"),
    ("get", "/api/v1/users/{id}"),
    ("get", "/api/v1/users"),
    ("get", "/metrics"),
    ("get", "/updates/{name}"),
    ("post", "/api/v1/chats"),
    ("get", "/api/v1/chats"),
    ("get", "/api/v1/chats/{id}"),
    ("get", "/api/v1/chats/{id}/messages"),
    ("post", "/api/v1/chats/{id}/messages"),
    ("post", "/api/v1/chats/{id}/read"),
    ("patch", "/api/v1/chats/{id}/messages/{message_id}"),
    ("delete", "/api/v1/chats/{id}/messages/{message_id}"),
    ("post", "/api/v1/chats/{id}/messages/{message_id}/reactions"),
    (
        "delete",
        "/api/v1/chats/{id}/messages/{message_id}/reactions/{emoji}",
    ),
    ("put", "/api/v1/chats/{id}/pins/{message_id}"),
    ("delete", "/api/v1/chats/{id}/pins/{message_id}"),
    ("get", "/api/v1/chats/{id}/pins"),
    ("post", "/api/v1/chats/{id}/forward"),
    ("get", "/api/v1/chats/{id}/events"),
    ("patch", "/api/v1/chats/{id}"),
    ("get", "/api/v1/chats/{id}/members"),
    ("patch", "/api/v1/chats/{id}/members/{user_id}"),
    ("delete", "/api/v1/chats/{id}/members/{user_id}"),
    ("post", "/api/v1/chats/{id}/bans"),
    ("delete", "/api/v1/chats/{id}/bans/{user_id}"),
    ("post", "/api/v1/chats/{id}/owner"),
    ("post", "/api/v1/chats/{id}/invites"),
    ("get", "/api/v1/invites"),
    ("post", "/api/v1/invites/{id}/accept"),
    ("post", "/api/v1/invites/{id}/decline"),
    ("post", "/api/v1/chats/{id}/request/accept"),
    ("post", "/api/v1/chats/{id}/request/decline"),
    ("put", "/api/v1/users/{id}/block"),
    ("delete", "/api/v1/users/{id}/block"),
    ("get", "/api/v1/users/me/blocks"),
    ("post", "/api/v1/chats/{id}/links"),
    ("get", "/api/v1/chats/{id}/links"),
    ("delete", "/api/v1/chats/{id}/links/{token}"),
    ("post", "/api/v1/join/{token}"),
    ("get", "/api/v1/chats/{id}/join-requests"),
    ("post", "/api/v1/chats/{id}/join-requests/{user_id}/approve"),
    ("post", "/api/v1/chats/{id}/join-requests/{user_id}/decline"),
    ("get", "/api/v1/ws"),
    ("post", "/api/v1/ws/ticket"),
    ("options", "/api/v1/uploads"),
    ("post", "/api/v1/uploads"),
    ("head", "/api/v1/uploads/{id}"),
    ("patch", "/api/v1/uploads/{id}"),
    ("delete", "/api/v1/uploads/{id}"),
    ("get", "/api/v1/uploads/{id}"),
    ("get", "/api/v1/files/{id}"),
    ("get", "/api/v1/files/{id}/thumbnail"),
    ("put", "/api/v1/users/me/avatar"),
    ("delete", "/api/v1/users/me/avatar"),
    ("get", "/api/v1/users/{id}/avatar"),
    ("put", "/api/v1/chats/{id}/photo"),
    ("delete", "/api/v1/chats/{id}/photo"),
    ("get", "/api/v1/chats/{id}/photo"),
    ("get", "/api/v1/search/messages"),
];

async fn document(app: &TestApp) -> Value {
    let resp = app
        .client
        .get(format!("{}/api/openapi.json", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

fn documented(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths object") {
        for method in item.as_object().expect("path item").keys() {
            out.push((method.clone(), path.clone()));
        }
    }
    out.sort();
    out
}

#[actix_web::test]
async fn every_contract_route_is_documented_and_nothing_else() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let mut expected: Vec<(String, String)> = CONTRACT
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(documented(&doc), expected);
}

#[actix_web::test]
async fn every_documented_route_is_served() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    for (method, path) in documented(&doc) {
        let url = format!(
            "{}{}",
            app.address,
            path.replace("{id}", &uuid::Uuid::new_v4().to_string())
        );
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let resp = app
            .client
            .request(method.clone(), &url)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert!(
            !body.contains("no route for"),
            "{method} {path} is documented but not routed ({status}: {body})"
        );
    }
}

#[actix_web::test]
async fn documented_request_schemas_come_from_the_shared_crate() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for name in [
        "RegisterRequest",
        "LoginRequest",
        "AuthTokens",
        "User",
        "ErrorBody",
        "SessionList",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[actix_web::test]
async fn the_docs_page_is_browsable() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(format!("{}/api/docs", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 308);
    let resp = app
        .client
        .get(format!("{}/api/docs/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("swagger"));
}
