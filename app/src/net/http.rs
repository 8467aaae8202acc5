//! One REST call: the request (in `ehttp`'s types) for an [`ApiRequest`], the decoding of the answer, and
//! the retries with exponential backoff for transient failures.
//!
//! What is retried: a request that never reached the server (connection refused, DNS) and a
//! 503 (the server refused before doing anything), for every call; a broken connection or a
//! proxy's 502/504 only for idempotent calls, because the server may have acted on the
//! first copy. Login, register and above all refresh (one-use token) are not resent then.

use std::time::Duration;

use natter_shared::api::{
    AuthTokens, ChatDetails, ChatList, ChatSummary, LoginAnswer, MessagePage, ReadState,
    SessionList, User, UserSearchResponse,
};
use natter_shared::{API_PREFIX, ErrorBody};

use crate::api::NetErrorKind;
use crate::api::{AccountCall, ApiCall, ApiFailure, ApiReply, GroupCall, Method};
use crate::effect::ApiRequest;

/// Sends one HTTP request and waits for the answer.
pub trait Transport {
    fn send(&self, request: &ehttp::Request) -> Result<ehttp::Response, String>;
}

/// The real transport: the app's HTTP client.
impl Transport for crate::net::client::Http {
    fn send(&self, request: &ehttp::Request) -> Result<ehttp::Response, String> {
        self.fetch(request)
    }
}

/// How often and how patiently transient failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included.
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based): base, 2×base, 4×base … capped.
    pub fn delay(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Makes the call, retrying transient failures; `sleep` waits between attempts.
pub fn execute(
    request: &ApiRequest,
    transport: &dyn Transport,
    policy: &RetryPolicy,
    sleep: &mut dyn FnMut(Duration),
) -> Result<ApiReply, ApiFailure> {
    let http = build(request)?;
    let mut retry = 0;
    loop {
        let result = decode(&request.call, transport.send(&http));
        match &result {
            Err(failure) if retry + 1 < policy.attempts && is_transient(&request.call, failure) => {
                let delay = policy.delay(retry);
                tracing::debug!(call = ?request.call, ?failure, ?delay, "retrying");
                sleep(delay);
                retry += 1;
            }
            _ => return result,
        }
    }
}

/// Whether `failure` may go away by itself and resending `call` is safe.
pub fn is_transient(call: &ApiCall, failure: &ApiFailure) -> bool {
    let status = match failure {
        ApiFailure::Network {
            kind: NetErrorKind::Unreachable,
            ..
        } => return true,
        ApiFailure::Network {
            kind: NetErrorKind::Interrupted,
            ..
        } => return call.is_idempotent(),
        ApiFailure::Network {
            kind: NetErrorKind::Untrusted,
            ..
        } => return false,
        ApiFailure::Server { status, .. } | ApiFailure::UnexpectedStatus(status) => *status,
        ApiFailure::BadResponse(_) => return false,
    };
    match status {
        503 => true,
        502 | 504 => call.is_idempotent(),
        _ => false,
    }
}

/// The `ehttp` request for a call.
pub fn build(request: &ApiRequest) -> Result<ehttp::Request, ApiFailure> {
    let url = format!(
        "{}{}{}",
        request.server_url,
        API_PREFIX,
        request.call.path()
    );
    if let Some(rest) = request.server_url.strip_prefix("http://")
        && !crate::state::is_loopback(rest)
    {
        // the sign-in screen refuses such an address; a session stored before that rule
        // must not send its refresh token in the clear either
        return Err(ApiFailure::BadResponse(
            "refused: plain http:// to another machine would send credentials unencrypted".into(),
        ));
    }
    let body = match request.call.body() {
        Some(Ok(body)) => body,
        Some(Err(e)) => return Err(ApiFailure::BadResponse(format!("encoding request: {e}"))),
        None => Vec::new(),
    };
    let method = match request.call.method() {
        Method::Get => ehttp::Method::GET,
        Method::Post => ehttp::Method::POST,
        Method::Put => ehttp::Method::PUT,
        Method::Patch => ehttp::Method::PATCH,
        Method::Delete => ehttp::Method::DELETE,
    };
    let mut http = ehttp::Request::new(
        method,
        url,
        ehttp::Headers::new(&[("Accept", "application/json")]),
    )
    .with_body(body)
    .with_timeout(Some(Duration::from_secs(20)));
    if request.call.body().is_some() {
        http = http.with_header("Content-Type", "application/json");
    }
    if let Some(token) = &request.access_token {
        http = http.with_header("Authorization", format!("Bearer {token}"));
    }
    Ok(http)
}

/// A successful answer of Settings → Security.
fn decode_account(call: &AccountCall, bytes: &[u8]) -> Result<ApiReply, ApiFailure> {
    let bad = |e: serde_json::Error| ApiFailure::BadResponse(e.to_string());
    Ok(match call {
        AccountCall::Status => {
            ApiReply::TwoFactorStatus(serde_json::from_slice(bytes).map_err(bad)?)
        }
        AccountCall::SetUp(_) => {
            ApiReply::TwoFactorSetup(serde_json::from_slice(bytes).map_err(bad)?)
        }
        AccountCall::Enable(_) | AccountCall::NewCodes(_) => {
            ApiReply::RecoveryCodes(serde_json::from_slice(bytes).map_err(bad)?)
        }
        AccountCall::Export => ApiReply::Document(bytes.to_vec()),
        AccountCall::Disable(_)
        | AccountCall::ChangePassword(_)
        | AccountCall::SignOutOthers
        | AccountCall::Delete(_) => ApiReply::Empty,
    })
}

/// The answer (or transport error) as a reply for `call`.
pub fn decode(
    call: &ApiCall,
    outcome: Result<ehttp::Response, String>,
) -> Result<ApiReply, ApiFailure> {
    let response = outcome.map_err(|detail| ApiFailure::Network {
        kind: net_error_kind(&detail),
        detail,
    })?;
    if !(200..300).contains(&response.status) {
        return Err(decode_failure(&response));
    }
    let bad = |e: serde_json::Error| ApiFailure::BadResponse(e.to_string());
    match call {
        ApiCall::Logout | ApiCall::RevokeSession(_) => Ok(ApiReply::Empty),
        ApiCall::Register(_) | ApiCall::GetMe | ApiCall::UpdateMe(_) | ApiCall::SetPhoto(_) => {
            let user: User = serde_json::from_slice(&response.bytes).map_err(bad)?;
            Ok(ApiReply::User(Box::new(user)))
        }
        ApiCall::Login(_) => {
            let answer: LoginAnswer = serde_json::from_slice(&response.bytes).map_err(bad)?;
            Ok(match answer {
                LoginAnswer::Tokens(tokens) => ApiReply::Tokens(Box::new(tokens)),
                LoginAnswer::TwoFactor(challenge) => ApiReply::TwoFactorRequired(challenge),
            })
        }
        ApiCall::Account(call) => decode_account(call, &response.bytes),
        ApiCall::LoginSecondFactor(_) | ApiCall::Refresh(_) => {
            let tokens: AuthTokens = serde_json::from_slice(&response.bytes).map_err(bad)?;
            Ok(ApiReply::Tokens(Box::new(tokens)))
        }
        ApiCall::ListSessions => {
            let list: SessionList = serde_json::from_slice(&response.bytes).map_err(bad)?;
            Ok(ApiReply::Sessions(list))
        }
        ApiCall::ListChats { .. } => {
            let list: ChatList = serde_json::from_slice(&response.bytes).map_err(bad)?;
            Ok(ApiReply::Chats(list))
        }
        ApiCall::History { .. } => {
            let page: MessagePage = serde_json::from_slice(&response.bytes).map_err(bad)?;
            Ok(ApiReply::Messages(page))
        }
        ApiCall::MarkRead { .. } => {
            let read: ReadState = serde_json::from_slice(&response.bytes).map_err(bad)?;
            Ok(ApiReply::Read(read))
        }
        ApiCall::SearchUsers { .. } => {
            let found: UserSearchResponse = serde_json::from_slice(&response.bytes).map_err(bad)?;
            Ok(ApiReply::Users(found))
        }
        ApiCall::CreateChat(_) => {
            let chat: ChatSummary = serde_json::from_slice(&response.bytes).map_err(bad)?;
            Ok(ApiReply::Chat(Box::new(chat)))
        }
        ApiCall::GetChat(_) => {
            let details: ChatDetails = serde_json::from_slice(&response.bytes).map_err(bad)?;
            Ok(ApiReply::ChatDetails(Box::new(details)))
        }
        ApiCall::Events { .. } => Ok(ApiReply::Events(
            serde_json::from_slice(&response.bytes).map_err(bad)?,
        )),
        ApiCall::Pins(_) => Ok(ApiReply::Pins(
            serde_json::from_slice(&response.bytes).map_err(bad)?,
        )),
        ApiCall::SearchMessages(_) => Ok(ApiReply::Search(
            serde_json::from_slice(&response.bytes).map_err(bad)?,
        )),
        ApiCall::Group(g) => match g {
            GroupCall::ListInvites => Ok(ApiReply::Invites(
                serde_json::from_slice(&response.bytes).map_err(bad)?,
            )),
            GroupCall::Members(_) => Ok(ApiReply::Members(
                serde_json::from_slice(&response.bytes).map_err(bad)?,
            )),
            GroupCall::Answer { accept: true, .. }
            | GroupCall::AnswerRequest { accept: true, .. } => Ok(ApiReply::Chat(Box::new(
                serde_json::from_slice(&response.bytes).map_err(bad)?,
            ))),
            GroupCall::Links(_) => Ok(ApiReply::Links(
                serde_json::from_slice(&response.bytes).map_err(bad)?,
            )),
            GroupCall::Join(_) => Ok(ApiReply::Joined(
                serde_json::from_slice(&response.bytes).map_err(bad)?,
            )),
            GroupCall::UpdateChat { .. } => Ok(ApiReply::ChatDetails(Box::new(
                serde_json::from_slice(&response.bytes).map_err(bad)?,
            ))),
            // what these answer is read again with the member list
            GroupCall::Answer { accept: false, .. }
            | GroupCall::UpdateMember { .. }
            | GroupCall::Remove { .. }
            | GroupCall::Ban { .. }
            | GroupCall::HandOver { .. }
            | GroupCall::Invite { .. }
            | GroupCall::AnswerRequest { accept: false, .. }
            | GroupCall::Block { .. }
            | GroupCall::CreateLink(_)
            | GroupCall::SetPhoto { .. }
            | GroupCall::RevokeLink { .. } => Ok(ApiReply::Empty),
        },
    }
}

/// An error answer as a failure: the shared error body when there is one.
pub fn decode_failure(response: &ehttp::Response) -> ApiFailure {
    match serde_json::from_slice::<ErrorBody>(&response.bytes) {
        Ok(body) => ApiFailure::Server {
            status: response.status,
            body,
        },
        Err(_) => ApiFailure::UnexpectedStatus(response.status),
    }
}

/// Tells "not trusted", "never got there" and "broke on the way" apart by the error's words
/// (the transport gives a string).
pub fn net_error_kind(detail: &str) -> NetErrorKind {
    if detail.contains(crate::net::tls::UNTRUSTED) {
        return NetErrorKind::Untrusted;
    }
    let detail = detail.to_ascii_lowercase();
    let before_sending = [
        "connection refused",
        "connection failed",
        "host not found",
        "timeout: resolve",
        "timeout: connect",
        "network is unreachable",
        "no route to host",
        "bad uri",
    ];
    if before_sending.iter().any(|p| detail.contains(p)) {
        NetErrorKind::Unreachable
    } else {
        NetErrorKind::Interrupted
    }
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
