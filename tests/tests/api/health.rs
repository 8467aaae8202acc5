use diesel::{Connection, PgConnection, RunQueryDsl};
use natter_tests::{TestApp, db_url};
use serde_json::Value;

#[actix_web::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "ok");
}

#[actix_web::test]
async fn readyz_is_ok_when_postgres_and_redis_answer() {
    let app = TestApp::spawn().await;
    app.wait_ready().await;
    let resp = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"postgres": "ok", "redis": "ok", "bus": "ok"})
    );
}

#[actix_web::test]
async fn readyz_names_redis_when_it_is_down_and_the_api_still_works() {
    // port 1 on loopback: nothing listens there
    let app = TestApp::spawn_with(|vars| {
        vars.insert("REDIS_URL".into(), "redis://127.0.0.1:1".into());
    })
    .await;
    let resp = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["postgres"], "ok");
    assert_eq!(body["redis"], "down");
    assert_eq!(body["bus"], "down");
    // PostgreSQL is the truth: accounts work without Redis.
    let tokens = app.signed_in_user().await;
    let me = app.get_authed("/users/me", &tokens.token).await;
    assert_eq!(me.status(), 200);
}

#[actix_web::test]
async fn readyz_names_postgres_when_its_database_disappears() {
    let app = TestApp::spawn().await;
    let mut admin = PgConnection::establish(&db_url("postgres")).unwrap();
    diesel::sql_query(format!("DROP DATABASE {} WITH (FORCE)", app.db_name))
        .execute(&mut admin)
        .unwrap();
    let resp = app
        .client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["postgres"], "down");
    assert_eq!(body["redis"], "ok");
    // and a request that needs the database answers 503, not 500
    let resp = app
        .post_json(
            "/auth/login",
            &serde_json::json!({"username": "nobody", "password": "password1"}),
        )
        .await;
    assert_eq!(resp.status(), 503);
}

#[actix_web::test]
async fn metrics_expose_connections_messages_latency_and_the_pool() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    app.send_text(&alice.token, chat.id, "counted").await;
    let resp = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    for name in [
        "natter_ws_connections",
        "natter_messages_accepted_total",
        "natter_http_request_seconds_bucket",
        "natter_db_pool_in_use",
        "natter_writer_batch_size",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics");
    }
    assert!(
        text.contains(r#"route="/api/v1/chats/{id}/messages""#),
        "latency is labelled by route"
    );
}

#[actix_web::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    let id = resp
        .headers()
        .get("x-request-id")
        .expect("x-request-id header");
    assert!(uuid::Uuid::parse_str(id.to_str().unwrap()).is_ok());
}

#[actix_web::test]
async fn a_proxys_request_id_is_kept_and_a_strange_one_replaced() {
    let app = TestApp::spawn().await;
    let with_id = |id: &'static str| {
        app.client
            .get(format!("{}/healthz", app.address))
            .header("X-Request-Id", id)
            .send()
    };
    // nginx's $request_id: 32 hex digits, kept so its access log and ours share the id
    let kept = with_id("4f1d0c9be2a34b6f8e7d6c5b4a392817").await.unwrap();
    assert_eq!(
        kept.headers()["x-request-id"],
        "4f1d0c9be2a34b6f8e7d6c5b4a392817"
    );
    // something that could forge a log field is not taken
    let strange = with_id("a\"b").await.unwrap();
    let replaced = strange.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(replaced).is_ok(), "{replaced}");
}
