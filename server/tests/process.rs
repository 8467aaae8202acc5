//! The `natter-server` binary as an operator runs it: start-up errors and graceful shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::Duration;

use natter_tests::{TestDatabase, db_url, redis_url};

const BIN: &str = env!("CARGO_BIN_EXE_natter-server");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn an_invalid_setting_stops_start_up_with_one_line_naming_it() {
    let cases = [
        ("NATTER_BCRYPT_COST", "cheap"),
        ("NATTER_ADDR", "not-an-address"),
        ("DATABASE_URL", "mysql://localhost/x"),
        ("NATTER_LOG_FORMAT", "yaml"),
        ("NATTER_TRUSTED_PROXIES", "the-load-balancer"),
    ];
    for (var, value) in cases {
        let out = Command::new(BIN)
            .env_clear()
            .env("NATTER_DEV", "1")
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{var}: {stderr}");
        assert!(stderr.contains(var), "{var}: {stderr}");
    }
}

#[test]
fn without_its_own_jwt_secret_the_server_refuses_to_start_outside_development() {
    let known = [None, Some(natter_server::config::DEV_JWT_SECRET)];
    for secret in known {
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .env("NATTER_ADDR", format!("127.0.0.1:{}", free_port()));
        if let Some(secret) = secret {
            cmd.env("NATTER_JWT_SECRET", secret);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{secret:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("NATTER_JWT_SECRET"), "{stderr}");
        assert!(stderr.contains("NATTER_DEV=1"), "{stderr}");
        assert!(!stderr.contains(natter_server::config::DEV_JWT_SECRET));
    }
}

#[test]
fn an_unreachable_database_stops_start_up_with_a_clear_line() {
    let out = Command::new(BIN)
        .env_clear()
        .env("NATTER_DEV", "1")
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/natter")
        .env("NATTER_ADDR", format!("127.0.0.1:{}", free_port()))
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("cannot connect to PostgreSQL (DATABASE_URL)"),
        "{stderr}"
    );
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish_then_stops() {
    let db = TestDatabase::create();
    let port = free_port();
    let mut child = Command::new(BIN)
        .env_clear()
        .env("DATABASE_URL", db_url(&db.name))
        .env("REDIS_URL", redis_url())
        .env("NATTER_ADDR", format!("127.0.0.1:{port}"))
        .env("NATTER_DEV", "1")
        // a high bcrypt cost keeps the registration in flight long enough to signal mid-way
        .env("NATTER_BCRYPT_COST", "13")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..200 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "server did not come up");

    let in_flight = tokio::spawn({
        let client = client.clone();
        let url = format!("{base}/api/v1/auth/register");
        async move {
            client
                .post(url)
                .json(&serde_json::json!({"username": "graceful", "password": "password1"}))
                .send()
                .await
        }
    });
    // The request is being served once the server has read it; give the client a moment to
    // send it (bcrypt at cost 13 then takes far longer than this).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    let resp = in_flight
        .await
        .unwrap()
        .expect("in-flight request completes");
    assert_eq!(
        resp.status(),
        201,
        "the request in flight at SIGTERM finished"
    );
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    assert!(
        client.get(format!("{base}/healthz")).send().await.is_err(),
        "no longer accepting connections"
    );
}

#[tokio::test]
async fn processes_started_together_on_a_fresh_database_all_come_up() {
    // each applies the migrations at start: they must take turns, not race to create the
    // same tables and types
    let db = TestDatabase::create();
    let start = || natter_tests::ServerProcess::start(BIN, &db.name, &db.redis_prefix, &[]);
    let (a, b, c, d) = tokio::join!(start(), start(), start(), start());
    let client = reqwest::Client::new();
    for server in [&a, &b, &c, &d] {
        let tokens = natter_tests::sign_up(&client, |p| server.api(p)).await;
        assert!(!tokens.token.is_empty());
    }
}
