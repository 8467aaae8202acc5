//! `/metrics` behind an optional bearer token (`NATTER_METRICS_TOKEN`, issue 14 finding 13).

use natter_tests::TestApp;

const TOKEN: &str = "a-scrape-token-of-the-operators-choosing";

async fn scrape(app: &TestApp, authorization: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(format!("{}/metrics", app.address));
    if let Some(value) = authorization {
        req = req.header("Authorization", value);
    }
    req.send().await.unwrap()
}

#[actix_web::test]
async fn with_a_token_set_metrics_answer_only_to_that_bearer() {
    let app = TestApp::spawn_with(|vars| {
        vars.insert("NATTER_METRICS_TOKEN".into(), TOKEN.into());
    })
    .await;
    for (why, header) in [
        ("no header", None),
        ("another token", Some("Bearer not-the-token".to_owned())),
        ("a prefix of it", Some(format!("Bearer {}", &TOKEN[..10]))),
        ("it with more after", Some(format!("Bearer {TOKEN}x"))),
        ("not a bearer", Some(format!("Basic {TOKEN}"))),
    ] {
        let resp = scrape(&app, header.as_deref()).await;
        assert_eq!(resp.status(), 401, "{why}");
        assert_eq!(
            resp.headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer"),
            "{why}"
        );
        assert!(
            !resp.text().await.unwrap().contains("natter_"),
            "{why}: no metric leaks"
        );
    }
    let resp = scrape(&app, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("natter_http_request_seconds")
    );
}

#[actix_web::test]
async fn without_a_token_metrics_stay_open() {
    let app = TestApp::spawn().await;
    let resp = scrape(&app, None).await;
    assert_eq!(resp.status(), 200);
}
