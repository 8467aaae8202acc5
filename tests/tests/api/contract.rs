//! The HTTP contract around the routes (issue 14, finding 13): a method a path does not take
//! is 405 with `Allow`, every answer carries the security headers, and the OpenAPI document
//! names the answers every operation may give (400, 401, 429, 503).

use natter_shared::ErrorCode;
use natter_tests::{TestApp, assert_error};

#[actix_web::test]
async fn a_method_a_path_does_not_take_is_405_with_allow() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let trace = app
        .client
        .request(reqwest::Method::TRACE, app.api("/chats"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let allow = trace.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert_error(trace, 405, ErrorCode::MethodNotAllowed).await;
    // with a parameter in the path
    let put = app
        .client
        .put(app.api(&format!("/chats/{}/messages", uuid::Uuid::new_v4())))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 405);
    // a path that is not ours stays 404
    let nothing = app
        .client
        .get(app.api("/nothing/here"))
        .send()
        .await
        .unwrap();
    assert_error(nothing, 404, ErrorCode::NotFound).await;
}

#[actix_web::test]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/api/v1/chats", "/api/openapi.json"] {
        let resp = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        let csp = resp.headers()["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
    }
    let docs = app
        .client
        .get(format!("{}/api/docs/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
    let csp = docs.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
}

#[actix_web::test]
async fn every_operation_documents_the_answers_any_may_give() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = app
        .client
        .get(format!("{}/api/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1") {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            let answers = operation["responses"].as_object().unwrap();
            for code in ["429", "503"] {
                assert!(answers.contains_key(code), "{method} {path}: no {code}");
            }
            if operation["operationId"] != "register_user" {
                assert!(answers.contains_key("401"), "{method} {path}: no 401");
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
}
