//! Rate limits behind a proxy and in outages (issue 14, finding 7): failed sign-ins are
//! limited per username from any address; a socket opened with its token in the URL counts
//! for the token's verified owner, and a forged token spends nobody's budget; while Redis is
//! down each process still counts.

use natter_shared::ErrorCode;
use natter_tests::{TestApp, assert_error};

/// A server behind a trusted proxy on 127.0.0.1, so `X-Forwarded-For` names the client.
async fn behind_a_proxy(extra: &[(&str, &str)]) -> TestApp {
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    TestApp::spawn_with(move |v| {
        v.insert("NATTER_TRUSTED_PROXIES".into(), "127.0.0.1".into());
        v.extend(extra);
    })
    .await
}

async fn sign_in_from(
    app: &TestApp,
    address: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.api("/auth/login"))
        .header("X-Forwarded-For", address)
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("answered")
}

#[actix_web::test]
async fn failed_sign_ins_are_limited_per_username_from_any_address() {
    let app = behind_a_proxy(&[("NATTER_RATE_LOGIN_FAILURES_PER_MIN", "3")]).await;
    app.register("victim", "correct horse battery").await;
    app.register("bystander", "correct horse battery").await;
    // three guesses from three addresses
    for n in 1..=3 {
        let resp = sign_in_from(&app, &format!("198.51.100.{n}"), "victim", "a wrong guess").await;
        assert_error(resp, 401, ErrorCode::InvalidCredentials).await;
    }
    // the fourth, from a fresh address and in another case, is refused before any check
    let resp = sign_in_from(&app, "203.0.113.77", "VICTIM", "a wrong guess").await;
    assert_error(resp, 429, ErrorCode::RateLimited).await;
    // another person is not affected, nor are successful sign-ins counted
    for _ in 0..4 {
        let resp = sign_in_from(&app, "198.51.100.1", "bystander", "correct horse battery").await;
        assert_eq!(resp.status(), 200);
    }
}

#[actix_web::test]
async fn a_socket_with_its_token_in_the_url_counts_for_its_owner_and_a_forged_one_for_nobody() {
    let app = behind_a_proxy(&[("NATTER_RATE_REST_PER_MIN", "4")]).await;
    let (victim, victim_token) = app.user("victimuser").await;
    let (_, attacker_token) = app.user("attacker").await;
    // the attacker forges tokens naming the victim: rejected, and they spend only the
    // attacker's address's budget, never the victim's
    let forged = format!("{}x", &victim_token[..victim_token.len() - 1]);
    for n in 0..6 {
        let resp = app
            .client
            .get(format!("{}?token={forged}", app.api("/ws")))
            .header("X-Forwarded-For", "203.0.113.9")
            .send()
            .await
            .expect("answered");
        let status = resp.status().as_u16();
        assert!(status == 401 || (n >= 4 && status == 429), "{n}: {status}");
    }
    let fine = app
        .get_authed(&format!("/users/{victim}"), &victim_token)
        .await;
    assert_eq!(fine.status(), 200, "the victim's budget is untouched");
    // the attacker's own upgrades with ?token= count for the attacker, whatever the address
    for n in 0..5 {
        let resp = app
            .client
            .get(format!("{}?token={attacker_token}", app.api("/ws")))
            .header("X-Forwarded-For", format!("198.51.100.{n}"))
            .send()
            .await
            .expect("answered");
        if n < 4 {
            // not a WebSocket handshake, but past the limiter: the limiter let it through
            assert_ne!(resp.status(), 429, "{n}");
        } else {
            assert_error(resp, 429, ErrorCode::RateLimited).await;
        }
    }
}

#[actix_web::test]
async fn while_redis_is_down_each_process_still_counts() {
    let app = TestApp::spawn_with(|v| {
        v.insert("REDIS_URL".into(), "redis://127.0.0.1:1".into());
        v.insert("NATTER_RATE_REST_PER_MIN".into(), "3".into());
        v.insert("NATTER_RATE_LOGIN_FAILURES_PER_MIN".into(), "2".into());
    })
    .await;
    let attempt = || {
        app.client
            .post(app.api("/auth/login"))
            .json(&serde_json::json!({ "username": "nobody", "password": "wrong one" }))
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(attempt().await.expect("answered").status().as_u16());
    }
    // two failures for the username, then its limit; and the address's REST limit after three
    assert_eq!(statuses, [401, 401, 429, 429, 429], "{statuses:?}");
}
