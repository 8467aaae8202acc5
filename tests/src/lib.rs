//! Black-box test support: start the real Natter server on a random port against a fresh
//! PostgreSQL database and a private Redis key prefix, and talk HTTP to it.
//!
//! `NATTER_TEST_PG` (default `postgres://postgres@127.0.0.1:5432`) and
//! `NATTER_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`) point at the real services.
//! A test never skips when one is missing: it fails, saying which.

// Test support: a failed set-up step should panic with its reason, like an assertion.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;

use diesel::{Connection, PgConnection, RunQueryDsl};
use natter_server::{Application, Settings};
use natter_shared::api::{AuthTokens, LoginRequest, RegisterRequest, User};
use natter_shared::{API_PREFIX, ErrorBody, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// The JWT secret every test server signs with, so tests can forge expired tokens.
pub const TEST_JWT_SECRET: &str = "natter-black-box-tests-jwt-secret-0123456789";

/// The PostgreSQL server tests create their databases on.
pub fn pg_base_url() -> String {
    std::env::var("NATTER_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// The Redis server tests use (each under its own key prefix).
pub fn redis_url() -> String {
    std::env::var("NATTER_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A running server with its own database.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub db_name: String,
    pub redis_prefix: String,
}

impl TestApp {
    /// Starts a server with test defaults (bcrypt cost 4, one worker).
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server after `configure` adjusted its environment map.
    pub async fn spawn_with(configure: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        let db_name = format!("natter_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&format!("{}/postgres", pg_base_url()))
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL at NATTER_TEST_PG={} is not reachable: {e}",
                    pg_base_url()
                )
            });
        diesel::sql_query(format!("CREATE DATABASE {db_name}"))
            .execute(&mut admin)
            .expect("create test database");
        let redis_prefix = format!("natter-test:{}:", Uuid::new_v4().simple());
        let mut vars: HashMap<String, String> = [
            ("DATABASE_URL", format!("{}/{db_name}", pg_base_url())),
            ("REDIS_URL", redis_url()),
            ("NATTER_REDIS_PREFIX", redis_prefix.clone()),
            ("NATTER_ADDR", "127.0.0.1:0".into()),
            ("NATTER_WORKERS", "1".into()),
            ("NATTER_DB_POOL_SIZE", "4".into()),
            ("NATTER_BCRYPT_COST", "4".into()),
            ("NATTER_JWT_SECRET", TEST_JWT_SECRET.into()),
            (
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        configure(&mut vars);
        let settings = Settings::from_map(&vars).expect("valid test settings");
        natter_server::telemetry::init(&settings);
        let app = Application::build(settings).await.expect("server builds");
        let port = app.port();
        actix_web::rt::spawn(app.run_until_stopped());
        Self {
            address: format!("http://127.0.0.1:{port}"),
            port,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            db_name,
            redis_prefix,
        }
    }

    /// `address` + `/api/v1` + `path`.
    pub fn api(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.address)
    }

    pub async fn post_json(&self, path: &str, body: &impl Serialize) -> reqwest::Response {
        self.client
            .post(self.api(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_authed(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.api(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent")
    }

    /// Registers `username` with `password`; panics unless 201.
    pub async fn register(&self, username: &str, password: &str) -> User {
        let resp = self
            .post_json(
                "/auth/register",
                &RegisterRequest {
                    username: username.into(),
                    password: password.into(),
                    display_name: None,
                },
            )
            .await;
        assert_eq!(resp.status(), 201, "register {username}");
        resp.json().await.expect("user body")
    }

    /// Signs in; panics unless 200.
    pub async fn login(&self, username: &str, password: &str) -> AuthTokens {
        let resp = self
            .post_json(
                "/auth/login",
                &LoginRequest {
                    username: username.into(),
                    password: password.into(),
                    device_name: None,
                },
            )
            .await;
        assert_eq!(resp.status(), 200, "login {username}");
        resp.json().await.expect("tokens body")
    }

    /// Registers and signs in a fresh user with a random name.
    pub async fn signed_in_user(&self) -> AuthTokens {
        let name = format!("u{}", &Uuid::new_v4().simple().to_string()[..12]);
        self.register(&name, "correct horse").await;
        self.login(&name, "correct horse").await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // FORCE ends the server's pooled connections; the server dies with the test runtime.
        if let Ok(mut admin) = PgConnection::establish(&format!("{}/postgres", pg_base_url())) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.db_name
            ))
            .execute(&mut admin);
        }
    }
}

/// Reads a JSON body, asserting the status first (with the body in the message).
pub async fn json_with_status<T: DeserializeOwned>(resp: reqwest::Response, status: u16) -> T {
    let got = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    assert_eq!(got, status, "unexpected status; body: {text}");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("body is not the expected JSON ({e}): {text}"))
}

/// Asserts the response is an error with `status` and `code`; returns the body.
pub async fn assert_error(resp: reqwest::Response, status: u16, code: ErrorCode) -> ErrorBody {
    let body: ErrorBody = json_with_status(resp, status).await;
    assert_eq!(body.error.code, code, "error body: {body:?}");
    assert!(
        !body.error.message.is_empty(),
        "error message must say something"
    );
    body
}
