//! Black-box test support: start the real Natter server on a random port against a fresh
//! PostgreSQL database and a private Redis key prefix, and talk HTTP to it.
//!
//! `NATTER_TEST_PG` (default `postgres://postgres@127.0.0.1:5432`) and
//! `NATTER_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`) point at the real services.
//! A test never skips when one is missing: it fails, saying which.

// Test support: a failed set-up step should panic with its reason, like an assertion.
#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod files;
pub mod frames;
pub mod lists;
pub mod load;
pub mod logs;
pub mod nginx;

use std::collections::HashMap;

use diesel::{Connection, PgConnection, RunQueryDsl};
use natter_server::{Application, Settings};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use natter_shared::api::{
    AuthTokens, ChatList, ChatSummary, CreateChatRequest, LoginRequest, Message, MessagePage,
    RegisterRequest, SendMessageRequest, User,
};
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{API_PREFIX, ErrorBody, ErrorCode};
use natter_shared::{ChatId, RequestId, UserId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_tungstenite::tungstenite;
use uuid::Uuid;

/// The JWT secret every test server signs with, so tests can forge expired tokens.
pub const TEST_JWT_SECRET: &str = "natter-black-box-tests-jwt-secret-0123456789";

/// The URL of database `name` on the test server. TLS and GSS encryption are off: they buy
/// nothing on a local test database, and OpenSSL's clean-up at process exit racing a
/// connection still closing in a server thread crashed test processes (double free).
pub fn db_url(name: &str) -> String {
    format!(
        "{}/{name}?sslmode=disable&gssencmode=disable",
        pg_base_url()
    )
}

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
    /// The local storage backend's folder (`NATTER_FILES_DIR`), to look at stored files.
    pub files_dir: std::path::PathBuf,
    /// The settings it was started with.
    pub settings: Settings,
}

/// A test server's own folders for files and unfinished uploads, by database name (the
/// processes of one test share them, as processes behind one proxy would).
pub fn files_dirs(database: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let root = std::env::temp_dir()
        .join("natter-test-files")
        .join(database);
    (root.join("files"), root.join("uploads"))
}

impl TestApp {
    /// Starts a server with test defaults (bcrypt cost 4, one worker).
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server after `configure` adjusted its environment map.
    pub async fn spawn_with(configure: impl FnOnce(&mut HashMap<String, String>)) -> Self {
        let db_name = format!("natter_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&db_url("postgres")).unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at NATTER_TEST_PG={} is not reachable: {e}",
                pg_base_url()
            )
        });
        diesel::sql_query(format!("CREATE DATABASE {db_name}"))
            .execute(&mut admin)
            .expect("create test database");
        let redis_prefix = format!("natter-test:{}:", Uuid::new_v4().simple());
        let (files_dir, uploads_dir) = files_dirs(&db_name);
        let mut vars: HashMap<String, String> = [
            ("NATTER_FILES_DIR", files_dir.display().to_string()),
            ("NATTER_UPLOADS_DIR", uploads_dir.display().to_string()),
            ("DATABASE_URL", db_url(&db_name)),
            ("REDIS_URL", redis_url()),
            ("NATTER_REDIS_PREFIX", redis_prefix.clone()),
            ("NATTER_ADDR", "127.0.0.1:0".into()),
            ("NATTER_WORKERS", "1".into()),
            ("NATTER_DB_POOL_SIZE", "4".into()),
            // no background reconnects once the test has dropped its database: libpq busy in
            // another thread while the process exits can crash it (SIGSEGV)
            ("NATTER_DB_MIN_IDLE", "0".into()),
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
        let files_dir = vars
            .get("NATTER_FILES_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or(files_dir);
        let settings = Settings::from_map(&vars).expect("valid test settings");
        logs::init_in_process();
        natter_server::telemetry::init(&settings);
        let app = Application::build(settings.clone())
            .await
            .expect("server builds");
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
            files_dir,
            settings,
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
        logs::remember_secret(password);
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
        logs::remember_secret(password);
        remembered(resp.json().await.expect("tokens body"))
    }

    /// A server whose rate limits a test's bursts of sends and requests never reach.
    pub async fn spawn_busy() -> Self {
        Self::spawn_with(|v| {
            v.insert("NATTER_RATE_MESSAGES_PER_MIN".into(), "100000".into());
            v.insert("NATTER_RATE_REST_PER_MIN".into(), "100000".into());
            v.insert("NATTER_WS_FRAMES_PER_SEC".into(), "100000".into());
            v.insert("NATTER_WS_FRAME_BURST".into(), "100000".into());
        })
        .await
    }

    /// Registers `name` and signs in: the user's id and access token.
    pub async fn user(&self, name: &str) -> (UserId, String) {
        let user = self.register(name, "correct horse battery").await;
        let token = self.login(name, "correct horse battery").await.token;
        (user.id, token)
    }

    /// Alice and Bob, fresh, with their direct chat (Bob accepted it): Alice's token, Bob's
    /// token, the chat and Bob's id.
    pub async fn pair(&self) -> (String, String, ChatId, UserId) {
        let (_, alice) = self.user("alice").await;
        let (bob_id, bob) = self.user("bob").await;
        let chat = self.direct_chat(&alice, bob_id).await.id;
        self.accept_request(&bob, chat).await;
        (alice, bob, chat, bob_id)
    }

    /// Registers and signs in a fresh user with a random name.
    pub async fn signed_in_user(&self) -> AuthTokens {
        let name = format!("u{}", &Uuid::new_v4().simple().to_string()[..12]);
        self.register(&name, "correct horse").await;
        self.login(&name, "correct horse").await
    }
}

impl TestApp {
    /// `/metrics` as the server prints it.
    pub async fn metrics(&self) -> String {
        self.client
            .get(format!("{}/metrics", self.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// The value of one series of `/metrics`, named as printed (`name` or
    /// `name{label="value"}`); `None` until it has appeared.
    pub async fn metric(&self, series: &str) -> Option<f64> {
        self.metrics().await.lines().find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
    }

    /// Waits until `/readyz` answers 200 (the bus is subscribed), at most 10 s.
    pub async fn wait_ready(&self) {
        for _ in 0..200 {
            if let Ok(r) = self
                .client
                .get(format!("{}/readyz", self.address))
                .send()
                .await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server at {} never became ready", self.address);
    }

    /// `ws://…/api/v1/ws`
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}{API_PREFIX}/ws", self.port)
    }

    /// Opens the direct chat with `partner`; panics unless 200/201.
    pub async fn direct_chat(&self, token: &str, partner: UserId) -> ChatSummary {
        open_direct_chat(&self.client, &self.api("/chats"), token, partner).await
    }

    /// Accepts the message request of a direct chat opened by a stranger; panics unless 200.
    pub async fn accept_request(&self, token: &str, chat: ChatId) {
        let resp = self
            .client
            .post(self.api(&format!("/chats/{chat}/request/accept")))
            .bearer_auth(token)
            .send()
            .await
            .expect("request sent");
        assert_eq!(resp.status(), 200, "accepting the request of {chat}");
    }

    /// Creates a group; panics unless 201.
    pub async fn group_chat(&self, token: &str, title: &str, members: &[UserId]) -> ChatSummary {
        let resp = self
            .client
            .post(self.api("/chats"))
            .bearer_auth(token)
            .json(&CreateChatRequest::Group {
                title: title.into(),
                member_ids: members.to_vec(),
            })
            .send()
            .await
            .expect("request sent");
        json_with_status(resp, 201).await
    }

    /// Sends over REST with a fresh request id; panics unless 201.
    pub async fn send_text(&self, token: &str, chat: ChatId, text: &str) -> Message {
        logs::remember_secret(text);
        let resp = self
            .client
            .post(self.api(&format!("/chats/{chat}/messages")))
            .bearer_auth(token)
            .json(&SendMessageRequest {
                attachments: Vec::new(),
                text: text.into(),
                request_id: RequestId::new_random(),
                reply_to: None,
            })
            .send()
            .await
            .expect("request sent");
        json_with_status(resp, 201).await
    }

    /// `GET /chats/{chat}/messages?{query}`; panics unless 200.
    pub async fn history(&self, token: &str, chat: ChatId, query: &str) -> MessagePage {
        let resp = self
            .get_authed(&format!("/chats/{chat}/messages?{query}"), token)
            .await;
        json_with_status(resp, 200).await
    }

    /// `GET /chats?{query}`; panics unless 200.
    pub async fn chats(&self, token: &str, query: &str) -> ChatList {
        json_with_status(
            self.get_authed(&format!("/chats?{query}"), token).await,
            200,
        )
        .await
    }

    /// Deletes this test's Redis keys (as a flush would).
    pub fn flush_redis(&self) {
        flush_prefix(&self.redis_prefix);
    }
}

/// `POST {chats_url} {partner_id}` on any server; panics unless 200/201.
pub async fn open_direct_chat(
    client: &reqwest::Client,
    chats_url: &str,
    token: &str,
    partner: UserId,
) -> ChatSummary {
    let resp = client
        .post(chats_url)
        .bearer_auth(token)
        .json(&CreateChatRequest::Direct {
            partner_id: partner,
        })
        .send()
        .await
        .expect("request sent");
    assert!(
        resp.status() == 200 || resp.status() == 201,
        "direct chat: {}",
        resp.status()
    );
    resp.json().await.expect("chat body")
}

/// Deletes every Redis key under `prefix`, as a flush would; panics if Redis does not answer
/// (a test that means to flush must not pass without flushing).
pub fn flush_prefix(prefix: &str) {
    delete_prefix(prefix).unwrap_or_else(|e| panic!("flushing {prefix}* in Redis: {e}"));
}

/// Best-effort clean-up when a test ends.
fn clean_up_prefix(prefix: &str) {
    let _ = delete_prefix(prefix);
}

fn delete_prefix(prefix: &str) -> redis::RedisResult<()> {
    let mut conn = redis::Client::open(redis_url())?.get_connection()?;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query(&mut conn)?;
    if !keys.is_empty() {
        redis::cmd("DEL").arg(keys).query::<()>(&mut conn)?;
    }
    Ok(())
}

/// A WebSocket client speaking the Natter frames.
pub struct WsClient {
    stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

/// Notes a message's text for the log audit.
fn remember_text(frame: &ClientFrame) {
    if let ClientFrame::Message { text, .. } = frame {
        logs::remember_secret(text);
    }
}

/// How long a test waits for a frame before failing.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(10);

impl WsClient {
    /// Connects with the token in the Authorization header; panics on failure.
    pub async fn connect(url: &str, token: &str) -> Self {
        Self::try_connect(url, token)
            .await
            .expect("WebSocket connects")
    }

    pub async fn try_connect(url: &str, token: &str) -> Result<Self, tungstenite::Error> {
        use tungstenite::client::IntoClientRequest;
        let mut request = url.into_client_request()?;
        request.headers_mut().insert(
            "Authorization",
            format!("Bearer {token}").parse().expect("header value"),
        );
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Self { stream })
    }

    pub async fn send(&mut self, frame: &ClientFrame) {
        remember_text(frame);
        let text = serde_json::to_string(frame).expect("frame serializes");
        self.send_raw(&text).await;
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.stream
            .send(tungstenite::Message::text(text))
            .await
            .expect("frame sent");
    }

    /// The next server frame (pings answered, skipped); panics after [`FRAME_TIMEOUT`].
    pub async fn recv(&mut self) -> ServerFrame {
        loop {
            let next = tokio::time::timeout(FRAME_TIMEOUT, self.stream.next())
                .await
                .expect("a frame within the timeout")
                .expect("connection open")
                .expect("valid WebSocket message");
            match next {
                tungstenite::Message::Text(t) => {
                    return serde_json::from_str(t.as_str())
                        .unwrap_or_else(|e| panic!("unknown frame {t}: {e}"));
                }
                tungstenite::Message::Close(c) => panic!("connection closed: {c:?}"),
                _ => {}
            }
        }
    }

    /// The next server frame, or `None` once the connection is closed or broken (pings are
    /// answered and skipped); panics after [`FRAME_TIMEOUT`] of silence.
    pub async fn next_frame(&mut self) -> Option<ServerFrame> {
        loop {
            let next = tokio::time::timeout(FRAME_TIMEOUT, self.stream.next())
                .await
                .expect("a frame or a close within the timeout");
            match next {
                Some(Ok(tungstenite::Message::Text(t))) => {
                    return Some(
                        serde_json::from_str(t.as_str())
                            .unwrap_or_else(|e| panic!("unknown frame {t}: {e}")),
                    );
                }
                Some(Ok(tungstenite::Message::Close(_))) | Some(Err(_)) | None => return None,
                Some(Ok(_)) => {}
            }
        }
    }

    /// Sends a frame; false when the connection is gone.
    pub async fn try_send(&mut self, frame: &ClientFrame) -> bool {
        remember_text(frame);
        let text = serde_json::to_string(frame).expect("frame serializes");
        self.stream
            .send(tungstenite::Message::text(text))
            .await
            .is_ok()
    }

    /// The next frame for which `pred` holds, skipping others (presence, typing …).
    pub async fn recv_until(&mut self, pred: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
        loop {
            let frame = self.recv().await;
            if pred(&frame) {
                return frame;
            }
        }
    }

    /// Waits until the server closes the connection; true if it did within the timeout.
    pub async fn closed_by_server(&mut self) -> bool {
        let wait = async {
            while let Some(msg) = self.stream.next().await {
                match msg {
                    Ok(tungstenite::Message::Close(_)) | Err(_) => return true,
                    Ok(_) => {}
                }
            }
            true
        };
        tokio::time::timeout(FRAME_TIMEOUT, wait)
            .await
            .unwrap_or(false)
    }

    /// Waits for the server to close the connection: the close frame's code, or `None` when
    /// the connection ended without one or nothing came within the timeout.
    pub async fn close_code(&mut self) -> Option<u16> {
        let wait = async {
            while let Some(msg) = self.stream.next().await {
                match msg {
                    Ok(tungstenite::Message::Close(frame)) => {
                        return frame.map(|f| u16::from(f.code));
                    }
                    Err(_) => return None,
                    Ok(_) => {}
                }
            }
            None
        };
        tokio::time::timeout(FRAME_TIMEOUT, wait)
            .await
            .ok()
            .flatten()
    }

    /// Closes from this side.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        clean_up_prefix(&self.redis_prefix);
        // FORCE ends the server's pooled connections; the server dies with the test runtime.
        if let Ok(mut admin) = PgConnection::establish(&db_url("postgres")) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.db_name
            ))
            .execute(&mut admin);
        }
        let _ = std::fs::remove_dir_all(
            files_dirs(&self.db_name)
                .0
                .parent()
                .unwrap_or(&self.files_dir),
        );
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

/// A `natter-server` process started from its binary (for tests that need real processes:
/// several servers, or one killed mid-send). Killed on drop.
pub struct ServerProcess {
    child: std::process::Child,
    pub port: u16,
    pub address: String,
}

impl ServerProcess {
    /// Starts `binary` on a free port with a test environment on `database` and `redis_prefix`,
    /// and waits until it is ready.
    pub async fn start(
        binary: &str,
        database: &str,
        redis_prefix: &str,
        extra: &[(&str, &str)],
    ) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let (files_dir, uploads_dir) = files_dirs(database);
        let mut cmd = std::process::Command::new(binary);
        cmd.env_clear()
            .env("NATTER_FILES_DIR", files_dir)
            .env("NATTER_UPLOADS_DIR", uploads_dir)
            .env("DATABASE_URL", db_url(database))
            .env("REDIS_URL", redis_url())
            .env("NATTER_REDIS_PREFIX", redis_prefix)
            .env("NATTER_ADDR", format!("127.0.0.1:{port}"))
            .env("NATTER_JWT_SECRET", TEST_JWT_SECRET)
            .env("NATTER_BCRYPT_COST", "4")
            .env("NATTER_WORKERS", "1")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null());
        if let Some((log, settings)) = logs::for_process(port) {
            cmd.stdout(log).envs(settings);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("server binary starts");
        let server = Self {
            child,
            port,
            address: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = client
                .get(format!("{}/readyz", server.address))
                .send()
                .await
                && r.status() == 200
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server process on port {port} never became ready");
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}{API_PREFIX}/ws", self.port)
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.address)
    }

    /// SIGTERM, as an operator's `systemctl stop` or a rolling restart: the process drains
    /// and exits by itself; waits for that.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        self.child.wait().expect("the process exits")
    }

    /// SIGKILL: the process dies mid-whatever, as in a crash.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A database of its own for a test that runs server processes; dropped on drop.
pub struct TestDatabase {
    pub name: String,
    pub redis_prefix: String,
}

impl TestDatabase {
    pub fn create() -> Self {
        let name = format!("natter_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&db_url("postgres")).unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at NATTER_TEST_PG={} is not reachable: {e}",
                pg_base_url()
            )
        });
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create test database");
        Self {
            name,
            redis_prefix: format!("natter-test:{}:", Uuid::new_v4().simple()),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        clean_up_prefix(&self.redis_prefix);
        if let Ok(mut admin) = PgConnection::establish(&db_url("postgres")) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}

/// Notes the tokens for the log audit and hands them on.
fn remembered(tokens: AuthTokens) -> AuthTokens {
    logs::remember_secret(&tokens.token);
    logs::remember_secret(&tokens.refresh_token);
    tokens
}

/// Registers and signs in a random user against any server address.
pub async fn sign_up(client: &reqwest::Client, api: impl Fn(&str) -> String) -> AuthTokens {
    let name = format!("u{}", &Uuid::new_v4().simple().to_string()[..12]);
    let resp = client
        .post(api("/auth/register"))
        .json(&RegisterRequest {
            username: name.clone(),
            password: "correct horse".into(),
            display_name: None,
        })
        .send()
        .await
        .expect("register sent");
    assert_eq!(resp.status(), 201);
    let resp = client
        .post(api("/auth/login"))
        .json(&LoginRequest {
            username: name,
            password: "correct horse".into(),
            device_name: None,
        })
        .send()
        .await
        .expect("login sent");
    logs::remember_secret("correct horse");
    remembered(json_with_status(resp, 200).await)
}
