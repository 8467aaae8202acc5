//! `/metrics` keeps a fixed number of series whatever clients send: made-up HTTP methods are
//! counted as `other`, paths no route matches as `unmatched` (issue 14, finding 6).

use std::collections::BTreeSet;

use natter_tests::TestApp;

/// The values the `label` of `natter_http_request_seconds` takes in the exposition.
fn label_values(text: &str, label: &str) -> BTreeSet<String> {
    let needle = format!("{label}=\"");
    text.lines()
        .filter(|l| l.starts_with("natter_http_request_seconds"))
        .filter_map(|l| {
            let start = l.find(&needle)? + needle.len();
            let len = l[start..].find('"')?;
            Some(l[start..start + len].to_owned())
        })
        .collect()
}

#[actix_web::test]
async fn made_up_methods_and_paths_add_no_series() {
    let app = TestApp::spawn_busy().await;
    for i in 0..40 {
        let method = reqwest::Method::from_bytes(format!("FAKE{i}").as_bytes()).unwrap();
        let _ = app
            .client
            .request(method, format!("{}/api/v1/nowhere/{i}", app.address))
            .send()
            .await
            .unwrap();
        let _ = app
            .client
            .get(format!("{}/made/up/{i}", app.address))
            .send()
            .await
            .unwrap();
    }
    let _ = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    let text = app.metrics().await;
    let methods = label_values(&text, "method");
    let known: BTreeSet<String> = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert!(methods.contains("other"), "{methods:?}");
    assert!(methods.contains("GET"), "{methods:?}");
    assert!(methods.is_subset(&known), "{methods:?}");
    let routes = label_values(&text, "route");
    assert!(routes.contains("unmatched"), "{routes:?}");
    assert!(routes.contains("/healthz"), "{routes:?}");
    assert!(
        routes
            .iter()
            .all(|r| !r.contains("nowhere") && !r.contains("made")),
        "{routes:?}"
    );
    // the same again adds nothing (once /metrics itself has been counted)
    let series = app
        .metrics()
        .await
        .lines()
        .filter(|l| l.starts_with("natter_http"))
        .count();
    for i in 40..80 {
        let method = reqwest::Method::from_bytes(format!("FAKE{i}").as_bytes()).unwrap();
        let _ = app
            .client
            .request(method, format!("{}/api/v1/nowhere/{i}", app.address))
            .send()
            .await
            .unwrap();
    }
    let again = app.metrics().await;
    assert_eq!(
        again
            .lines()
            .filter(|l| l.starts_with("natter_http"))
            .count(),
        series
    );
}

/// Each HTTP worker measures how late its own 10 ms timer fires (`natter_worker_lag_seconds`):
/// the figure the overload benchmark reads to tell a frame waiting for the server's workers
/// from one waiting elsewhere.
#[actix_web::test]
async fn the_workers_measure_their_lag() {
    let app = TestApp::spawn().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let count = app.metric("natter_worker_lag_seconds_count").await;
        // ten ticks of the one worker a test server runs: it keeps measuring, not once
        if count.is_some_and(|c| c >= 10.0) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no worker lag measured in 10 s: {count:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
