//! `deploy/nginx/natter.conf` for real: Debian's nginx (`scripts/test` installs it) with a
//! certificate of a test CA, in front of the real server ([`natter_tests::nginx`]). Only the
//! marked lines of the file are changed (ports, upstream address, paths), so what is tested
//! is what operators install.
//!
//! Each test starts its own server and nginx on free ports; clients connect from different
//! loopback addresses (127.0.0.2, 127.0.0.3 …) to look like different people to nginx.
#![allow(clippy::expect_used)] // test code: a failed expect is a failed test

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{API_PREFIX, ErrorCode};
use natter_tests::nginx::Nginx;
use natter_tests::{FRAME_TIMEOUT, TestApp, assert_error};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio_tungstenite::tungstenite;

const CONF: &str = include_str!("../../deploy/nginx/natter.conf");

/// The clients of the nginx tests: HTTPS (reqwest) and WSS (tokio-tungstenite over rustls),
/// trusting the test CA only.
trait Clients {
    fn client(&self, from: Ipv4Addr) -> reqwest::Client;
    async fn websocket(&self, token: &str) -> Wss;
}

impl Clients for Nginx {
    /// An HTTPS client that trusts the test CA, connecting from `from`.
    fn client(&self, from: Ipv4Addr) -> reqwest::Client {
        reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(&self.ca_pem).expect("CA certificate"),
            )
            .tls_built_in_root_certs(false)
            .local_address(IpAddr::V4(from))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTPS client")
    }

    /// A WebSocket through nginx over TLS, signed in with `token` in the Authorization header.
    async fn websocket(&self, token: &str) -> Wss {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(&self.ca_pem) {
            roots.add(cert.expect("CA PEM")).expect("CA certificate");
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.https_port))
            .await
            .expect("TCP to nginx");
        let name = ServerName::try_from("127.0.0.1").expect("server name");
        let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .expect("TLS handshake with nginx");
        use tungstenite::client::IntoClientRequest;
        let mut request = format!("wss://127.0.0.1:{}{API_PREFIX}/ws", self.https_port)
            .into_client_request()
            .expect("request");
        request.headers_mut().insert(
            "Authorization",
            format!("Bearer {token}").parse().expect("header"),
        );
        let (stream, _) = tokio_tungstenite::client_async(request, tls)
            .await
            .expect("WebSocket upgrade through nginx");
        Wss { stream }
    }
}

struct Wss {
    stream:
        tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>,
}

impl Wss {
    async fn send(&mut self, frame: &ClientFrame) {
        let text = serde_json::to_string(frame).expect("frame");
        self.stream
            .send(tungstenite::Message::text(text))
            .await
            .expect("frame sent");
    }

    /// The next frame for which `pred` holds.
    async fn recv_until(&mut self, pred: impl Fn(&ServerFrame) -> bool) -> ServerFrame {
        loop {
            let next = tokio::time::timeout(FRAME_TIMEOUT, self.stream.next())
                .await
                .expect("a frame within the timeout")
                .expect("connection open")
                .expect("valid WebSocket message");
            if let tungstenite::Message::Text(t) = next {
                let frame: ServerFrame = serde_json::from_str(t.as_str()).expect("known frame");
                if pred(&frame) {
                    return frame;
                }
            }
        }
    }
}

/// A server behind nginx that believes nginx's X-Forwarded-For, with `rest_per_min` requests
/// a minute per client.
async fn server_behind_nginx(trusted: bool, rest_per_min: u32) -> (TestApp, Nginx) {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_RATE_REST_PER_MIN".into(), rest_per_min.to_string());
        if trusted {
            v.insert("NATTER_TRUSTED_PROXIES".into(), "127.0.0.1".into());
        }
    })
    .await;
    let nginx = Nginx::start(app.port).await;
    (app, nginx)
}

#[test]
fn the_upload_limit_of_the_proxy_is_the_servers() {
    let line = CONF
        .lines()
        .find(|l| l.contains("# NATTER_UPLOAD_MAX_BYTES"))
        .expect("the uploads location names its limit");
    let megabytes: i64 = line
        .trim()
        .strip_prefix("client_max_body_size ")
        .and_then(|l| l.split_once("m;"))
        .and_then(|(n, _)| n.parse().ok())
        .expect("client_max_body_size <n>m;");
    let defaults =
        natter_server::Settings::from_map(&[("NATTER_DEV".to_owned(), "1".to_owned())].into())
            .expect("default settings");
    assert_eq!(megabytes << 20, defaults.files.max_bytes);
}

#[actix_web::test]
async fn rest_and_the_websocket_work_through_tls() {
    let (mut app, nginx) = server_behind_nginx(true, 100_000).await;
    let client = nginx.client(Ipv4Addr::LOCALHOST);
    // plain HTTP is sent to HTTPS
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let redirect = plain
        .get(format!("http://127.0.0.1:{}/api/v1/chats", nginx.http_port))
        .send()
        .await
        .expect("HTTP answered");
    assert_eq!(redirect.status(), 301);
    let location = redirect.headers()["location"].to_str().expect("location");
    assert!(location.starts_with("https://"), "{location}");
    // every helper of the test support now goes through nginx
    app.address = nginx.base();
    app.client = client.clone();
    let (alice, bob, chat, _) = app.pair().await;
    let resp = client
        .get(app.api("/chats"))
        .bearer_auth(&alice)
        .send()
        .await
        .expect("chats");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), reqwest::Version::HTTP_2, "HTTP/2 over TLS");
    let resp_id = resp.headers()["x-request-id"].clone();
    let hsts = resp.headers()["strict-transport-security"]
        .to_str()
        .unwrap_or("");
    assert!(hsts.contains("max-age="), "{hsts}");
    // the WebSocket: Bob's socket through nginx gets what Alice sends through nginx, and
    // Alice's own socket gets the ack of a send over it
    let mut bob_ws = nginx.websocket(&bob).await;
    let mut alice_ws = nginx.websocket(&alice).await;
    let sent = app.send_text(&alice, chat, "hello through the proxy").await;
    let got = bob_ws
        .recv_until(|f| matches!(f, ServerFrame::NewMessage { .. }))
        .await;
    let ServerFrame::NewMessage { message, .. } = got else {
        unreachable!()
    };
    assert_eq!(message.id, sent.id);
    let request_id = natter_shared::RequestId(uuid::Uuid::new_v4());
    alice_ws
        .send(&ClientFrame::Message {
            chat_id: chat,
            request_id,
            text: "and over the socket".into(),
            reply_to: None,
            attachments: Vec::new(),
        })
        .await;
    let ack = alice_ws
        .recv_until(|f| matches!(f, ServerFrame::MessageSent { .. }))
        .await;
    assert!(matches!(ack, ServerFrame::MessageSent { request_id: r, .. } if r == request_id));
    let got = bob_ws
        .recv_until(|f| matches!(f, ServerFrame::NewMessage { .. }))
        .await;
    assert!(
        matches!(got, ServerFrame::NewMessage { message, .. } if message.text == "and over the socket")
    );
    // the metrics stay private
    let metrics = client
        .get(format!("{}/metrics", nginx.base()))
        .send()
        .await
        .expect("metrics");
    assert_eq!(metrics.status(), 404);
    // nginx's access log has one JSON line a request, with the id it sent upstream, and
    // never a query string (a token could be in one)
    let _ = client
        .get(format!("{}/api/v1/ws?token={alice}", nginx.base()))
        .send()
        .await;
    let log = nginx.log("access.log");
    assert!(!log.contains(&alice) && !log.contains("token="), "{log}");
    // the server kept nginx's request id: the same id in both logs and in the answer
    let answered = resp_id.to_str().expect("request id");
    assert!(
        log.contains(&format!("\"request_id\":\"{answered}\"")),
        "{answered}: {log}"
    );
    let first: serde_json::Value =
        serde_json::from_str(log.lines().next().unwrap_or("")).expect("JSON access log");
    assert_eq!(
        first["request_id"].as_str().map(str::len),
        Some(32),
        "{first}"
    );
}

#[actix_web::test]
async fn a_large_upload_streams_through_and_an_oversized_body_is_refused() {
    let (mut app, nginx) = server_behind_nginx(true, 100_000).await;
    app.address = nginx.base();
    app.client = nginx.client(Ipv4Addr::LOCALHOST);
    let token = app.signed_in_user().await.token;
    let size = 24 << 20;
    let id = app.tus_created(&token, size, "big.bin").await;
    // one PATCH of 24 MiB: past the 1 MiB the rest of the API allows, so only the uploads
    // location's limit lets it through, streamed (nginx warns in its error log when it
    // buffers a request body to a file instead)
    let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let resp = app.tus_patch(&token, id, 0, bytes).await;
    assert_eq!(resp.status(), 204, "{:?}", resp.text().await);
    assert_eq!(resp.headers()["upload-offset"], size.to_string().as_str());
    let errors = nginx.log("error.log");
    assert!(!errors.contains("buffered to a temporary file"), "{errors}");
    // elsewhere bodies stay small: 2 MiB of JSON is refused by nginx
    let huge = format!("{{\"username\":\"{}\"}}", "a".repeat(2 << 20));
    let refused = app
        .client
        .post(app.api("/auth/login"))
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("answered");
    assert_eq!(refused.status(), 413);
}

/// Six wrong sign-ins from one address reach the server's limit of five a minute.
async fn spend_the_limit(client: &reqwest::Client, app: &TestApp) -> reqwest::Response {
    let mut last = None;
    for _ in 0..6 {
        last = Some(wrong_sign_in(client, app, None).await);
    }
    last.expect("six answers")
}

async fn wrong_sign_in(
    client: &reqwest::Client,
    app: &TestApp,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = client
        .post(app.api("/auth/login"))
        .json(&serde_json::json!({
            "username": "nobody", "password": "wrong password"
        }));
    if let Some(claimed) = forwarded_for {
        request = request.header("X-Forwarded-For", claimed);
    }
    request.send().await.expect("answered")
}

#[actix_web::test]
async fn behind_a_trusted_proxy_the_server_limits_each_client_not_the_proxy() {
    let (mut app, nginx) = server_behind_nginx(true, 5).await;
    app.address = nginx.base();
    let first = nginx.client(Ipv4Addr::new(127, 0, 0, 2));
    let limited = spend_the_limit(&first, &app).await;
    assert_error(limited, 429, ErrorCode::RateLimited).await;
    // a second person behind the same proxy is not limited for the first one's requests
    let second = nginx.client(Ipv4Addr::new(127, 0, 0, 3));
    let resp = wrong_sign_in(&second, &app, None).await;
    assert_eq!(resp.status(), 401);
    // and the first cannot escape by claiming another address
    let resp = wrong_sign_in(&first, &app, Some("203.0.113.5")).await;
    assert_error(resp, 429, ErrorCode::RateLimited).await;
}

#[actix_web::test]
async fn without_trusted_proxies_everyone_behind_the_proxy_shares_its_address() {
    let (mut app, nginx) = server_behind_nginx(false, 5).await;
    app.address = nginx.base();
    let first = nginx.client(Ipv4Addr::new(127, 0, 0, 2));
    let limited = spend_the_limit(&first, &app).await;
    assert_error(limited, 429, ErrorCode::RateLimited).await;
    let second = nginx.client(Ipv4Addr::new(127, 0, 0, 3));
    let resp = wrong_sign_in(&second, &app, None).await;
    assert_error(resp, 429, ErrorCode::RateLimited).await;
}

#[actix_web::test]
async fn nginx_turns_away_a_flood_from_one_address_before_the_server() {
    let (app, nginx) = server_behind_nginx(true, 100_000).await;
    let flooder = nginx.client(Ipv4Addr::new(127, 0, 0, 4));
    let url = format!("{}/readyz", nginx.base());
    let answers = futures_util::future::join_all((0..300).map(|_| flooder.get(&url).send())).await;
    let statuses: Vec<u16> = answers
        .into_iter()
        .map(|r| r.expect("answered").status().as_u16())
        .collect();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    let served = statuses.iter().filter(|s| **s == 200).count();
    assert!(refused > 0 && served > 0, "{statuses:?}");
    assert_eq!(refused + served, statuses.len(), "{statuses:?}");
    // someone else is served meanwhile
    let other = nginx.client(Ipv4Addr::new(127, 0, 0, 5));
    let resp = other.get(&url).send().await.expect("answered");
    assert_eq!(resp.status(), 200);
    drop(app);
}
