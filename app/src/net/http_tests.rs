//! Tests of request building, decoding and the retry policy, with a scripted transport and
//! a recording sleep (no network, no waiting).

use std::cell::RefCell;
use std::time::Duration;

use natter_shared::api::{LoginRequest, RefreshRequest};
use natter_shared::{ErrorCode, SessionId};

use super::*;

struct Scripted {
    answers: RefCell<Vec<Result<ehttp::Response, String>>>,
    seen: RefCell<Vec<ehttp::Request>>,
}

impl Scripted {
    fn new(mut answers: Vec<Result<ehttp::Response, String>>) -> Self {
        answers.reverse();
        Self {
            answers: RefCell::new(answers),
            seen: RefCell::new(Vec::new()),
        }
    }
    fn calls(&self) -> usize {
        self.seen.borrow().len()
    }
}

impl Transport for Scripted {
    fn send(&self, request: &ehttp::Request) -> Result<ehttp::Response, String> {
        self.seen.borrow_mut().push(request.clone());
        self.answers
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| Err("script exhausted".into()))
    }
}

fn response(status: u16, body: &str) -> Result<ehttp::Response, String> {
    Ok(ehttp::Response {
        url: String::new(),
        ok: (200..300).contains(&status),
        status,
        status_text: String::new(),
        headers: ehttp::Headers::default(),
        bytes: body.as_bytes().to_vec(),
    })
}

fn request(call: ApiCall, token: Option<&str>) -> ApiRequest {
    ApiRequest {
        epoch: 0,
        server_url: "http://127.0.0.1:8080".into(),
        call,
        access_token: token.map(str::to_owned),
        token_generation: 0,
    }
}

fn run(call: ApiCall, transport: &Scripted) -> (Result<ApiReply, ApiFailure>, Vec<Duration>) {
    let mut slept = Vec::new();
    let result = execute(
        &request(call, Some("tok")),
        transport,
        &RetryPolicy::default(),
        &mut |d| slept.push(d),
    );
    (result, slept)
}

const REFUSED: &str = "io: Connection refused (os error 111)";

#[test]
fn requests_carry_url_method_json_body_and_bearer_token() {
    let call = ApiCall::Login(LoginRequest {
        username: "alice".into(),
        password: "password1".into(),
        device_name: None,
    });
    let http = build(&request(call, None)).unwrap();
    assert_eq!(http.url, "http://127.0.0.1:8080/api/v1/auth/login");
    assert_eq!(http.method, ehttp::Method::POST);
    assert_eq!(http.headers.get("Content-Type"), Some("application/json"));
    assert_eq!(http.headers.get("Authorization"), None);
    assert_eq!(
        String::from_utf8(http.body).unwrap(),
        r#"{"username":"alice","password":"password1"}"#
    );

    let id = SessionId::new_random();
    let http = build(&request(ApiCall::RevokeSession(id), Some("t0k"))).unwrap();
    assert_eq!(http.method, ehttp::Method::DELETE);
    assert_eq!(
        http.url,
        format!("http://127.0.0.1:8080/api/v1/auth/sessions/{id}")
    );
    assert_eq!(http.headers.get("Authorization"), Some("Bearer t0k"));
}

#[test]
fn error_bodies_are_decoded_with_code_and_field() {
    let transport = Scripted::new(vec![response(
        400,
        r#"{"error":{"code":"validation_failed","message":"m","field":"bio"}}"#,
    )]);
    let (result, slept) = run(ApiCall::GetMe, &transport);
    let Err(ApiFailure::Server { status: 400, body }) = result else {
        panic!("{result:?}")
    };
    assert_eq!(body.error.code, ErrorCode::ValidationFailed);
    assert_eq!(body.error.field, Some(natter_shared::Field::Bio));
    assert!(slept.is_empty());
}

#[test]
fn unreachable_server_is_retried_with_exponential_backoff_then_fails() {
    let transport = Scripted::new(vec![Err(REFUSED.into()); 4]);
    let (result, slept) = run(ApiCall::GetMe, &transport);
    assert!(matches!(
        result,
        Err(ApiFailure::Network {
            kind: NetErrorKind::Unreachable,
            ..
        })
    ));
    assert_eq!(transport.calls(), 4);
    assert_eq!(slept, [250, 500, 1000].map(Duration::from_millis).to_vec());
}

#[test]
fn a_transient_failure_followed_by_success_succeeds() {
    let transport = Scripted::new(vec![
        response(
            503,
            r#"{"error":{"code":"service_unavailable","message":"db"}}"#,
        ),
        response(204, ""),
    ]);
    let (result, slept) = run(ApiCall::Logout, &transport);
    assert_eq!(result, Ok(ApiReply::Empty));
    assert_eq!(slept.len(), 1);
}

#[test]
fn refresh_is_not_resent_after_the_server_may_have_consumed_the_token() {
    let refresh = ApiCall::Refresh(RefreshRequest {
        refresh_token: "r".into(),
    });
    for outcome in [
        response(502, "bad gateway"),
        Err("io: connection reset".into()),
    ] {
        let transport = Scripted::new(vec![outcome]);
        let (result, _) = run(refresh.clone(), &transport);
        assert!(result.is_err());
        assert_eq!(transport.calls(), 1, "one attempt only");
    }
    // but a refused connection never reached the server: safe to retry
    let transport = Scripted::new(vec![Err(REFUSED.into()), response(401, "{}")]);
    let _ = run(refresh, &transport);
    assert_eq!(transport.calls(), 2);
}

#[test]
fn idempotent_calls_are_retried_after_a_gateway_error() {
    let transport = Scripted::new(vec![
        response(504, "timeout"),
        response(200, r#"{"sessions":[]}"#),
    ]);
    let (result, _) = run(ApiCall::ListSessions, &transport);
    assert_eq!(
        result,
        Ok(ApiReply::Sessions(natter_shared::api::SessionList {
            sessions: vec![]
        }))
    );
}

#[test]
fn client_errors_are_not_retried() {
    let transport = Scripted::new(vec![response(
        401,
        r#"{"error":{"code":"token_expired","message":"m"}}"#,
    )]);
    let (result, slept) = run(ApiCall::GetMe, &transport);
    assert!(matches!(
        result,
        Err(ApiFailure::Server { status: 401, .. })
    ));
    assert!(slept.is_empty());
}

#[test]
fn a_garbled_success_body_is_a_bad_response() {
    let transport = Scripted::new(vec![response(200, "<html>")]);
    let (result, _) = run(ApiCall::GetMe, &transport);
    assert!(matches!(result, Err(ApiFailure::BadResponse(_))));
}

#[test]
fn backoff_is_capped() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.delay(0), Duration::from_millis(250));
    assert_eq!(policy.delay(10), Duration::from_secs(4));
    assert_eq!(policy.delay(40), Duration::from_secs(4));
}
