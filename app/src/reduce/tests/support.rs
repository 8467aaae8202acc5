//! Builders and helpers shared by the reducer tests.

use chrono::{TimeZone, Utc};
use natter_shared::api::{AuthTokens, HistoryQuery, SessionInfo, SessionList, User};
use natter_shared::{ErrorBody, ErrorCode, Field, SessionId, UserId};
use uuid::Uuid;

use crate::action::Action;
use crate::api::{ApiCall, ApiFailure, ApiReply};
use crate::effect::{ApiRequest, Effect, SocketCommand};
use crate::i18n::Language;
use crate::reduce::reduce;
use crate::state::AppState;
use crate::testing;

pub(super) use crate::testing::{URL, bob_id, chat, this_session, type_credentials};

pub(super) fn alice() -> User {
    testing::user(
        testing::alice_id(),
        "alice",
        Some("Alice"),
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
    )
}

pub(super) fn tokens(n: u32) -> AuthTokens {
    testing::tokens(alice(), &format!("access-{n}"), &format!("refresh-{n}"))
}

pub(super) fn fresh() -> AppState {
    testing::fresh_state(Language::English)
}

pub(super) fn api(effects: &[Effect]) -> Vec<&ApiRequest> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api(r) => Some(r),
            _ => None,
        })
        .collect()
}

pub(super) fn only_api(effects: &[Effect]) -> &ApiRequest {
    let calls = api(effects);
    assert_eq!(calls.len(), 1, "{effects:?}");
    calls[0]
}

pub(super) fn answer(request: &ApiRequest, result: Result<ApiReply, ApiFailure>) -> Action {
    testing::answer(
        request,
        result,
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 5, 0).unwrap(),
    )
}

pub(super) fn server_error(status: u16, code: ErrorCode, field: Option<Field>) -> ApiFailure {
    let mut body = ErrorBody::new(code, "message");
    body.error.field = field;
    ApiFailure::Server { status, body }
}

/// Signs in and returns the state in the shell, plus the effects of the login answer.
pub(super) fn signed_in() -> (AppState, Vec<Effect>) {
    let mut state = fresh();
    type_credentials(&mut state, "alice", "password1");
    let login = reduce(&mut state, Action::SignInSubmitted);
    let effects = reduce(
        &mut state,
        answer(only_api(&login), Ok(ApiReply::Tokens(Box::new(tokens(1))))),
    );
    (state, effects)
}

pub(super) fn expired() -> ApiFailure {
    server_error(401, ErrorCode::TokenExpired, None)
}

pub(super) fn device(n: u128, current: bool) -> SessionInfo {
    SessionInfo {
        id: if current {
            this_session()
        } else {
            SessionId(Uuid::from_u128(n))
        },
        device_name: format!("device {n}"),
        created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        last_seen_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 6).unwrap(),
        current,
    }
}

pub(super) fn with_devices() -> AppState {
    let (mut state, effects) = signed_in();
    let list = SessionList {
        sessions: vec![device(1, true), device(2, false)],
    };
    reduce(
        &mut state,
        answer(only_api(&effects), Ok(ApiReply::Sessions(list))),
    );
    state
}

/// What ending a signed-in session asks for: forget the stored session, close the link.
pub(super) fn session_ended_effects() -> Vec<Effect> {
    vec![
        Effect::ClearSession,
        Effect::Transfer(crate::transfers::TransferCommand::StopAll),
        Effect::Socket(SocketCommand::Close { conn: 1 }),
    ]
}

// --- chats and the link ---

/// A fixed moment plus `secs` seconds (the reducer's clock comes from actions).
pub(super) fn at(secs: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 4, 0, 0).unwrap() + chrono::TimeDelta::seconds(secs)
}

pub(super) fn at_ms(ms: i64) -> chrono::DateTime<Utc> {
    at(0) + chrono::TimeDelta::milliseconds(ms)
}

/// A message of chat `n` with `seq`, from `sender`, written `seq` seconds after `at(0)`.
pub(super) fn message(n: u128, seq: i64, sender: UserId) -> natter_shared::api::Message {
    testing::message(n, seq, sender, &format!("message {seq}"), at(seq))
}

/// Direct chat `n` with Bob as the list shows it.
pub(super) fn summary(n: u128, last_seq: i64, read_seq: i64) -> natter_shared::api::ChatSummary {
    let last = (last_seq > 0).then(|| message(n, last_seq, bob_id()));
    testing::direct_with_bob(n, last, read_seq, None, false, at(0))
}

/// Feeds a socket event of the current attempt.
pub(super) fn socket(
    state: &mut AppState,
    kind: crate::action::SocketEventKind,
    when: chrono::DateTime<Utc>,
) -> Vec<Effect> {
    testing::socket(state, kind, when)
}

pub(super) fn frame(
    state: &mut AppState,
    frame: natter_shared::ws::ServerFrame,
    when: chrono::DateTime<Utc>,
) -> Vec<Effect> {
    socket(
        state,
        crate::action::SocketEventKind::Frame(Box::new(frame)),
        when,
    )
}

/// A live message `seq` from Bob in chat 1, as the socket brings it.
pub(super) fn live(state: &mut AppState, seq: i64) -> Vec<Effect> {
    frame(
        state,
        natter_shared::ws::ServerFrame::NewMessage {
            event_seq: seq,
            message: message(1, seq, bob_id()),
        },
        at(10),
    )
}

/// Signed in and the link just opened; returns the effects of the open.
pub(super) fn online() -> (AppState, Vec<Effect>) {
    let (mut state, _) = signed_in();
    let effects = socket(&mut state, crate::action::SocketEventKind::Opened, at(0));
    (state, effects)
}

/// The one API call matching `pred`.
pub(super) fn call_where(effects: &[Effect], pred: impl Fn(&ApiCall) -> bool) -> ApiRequest {
    let calls: Vec<_> = api(effects).into_iter().filter(|r| pred(&r.call)).collect();
    assert_eq!(calls.len(), 1, "{effects:?}");
    calls[0].clone()
}

/// Online with the given chats listed.
pub(super) fn with_chats(chats: Vec<natter_shared::api::ChatSummary>) -> AppState {
    let (mut state, effects) = online();
    let list = call_where(&effects, |c| matches!(c, ApiCall::ListChats { .. }));
    let reply = natter_shared::api::ChatList {
        total: chats.len() as i64,
        chats,
        has_more: false,
    };
    reduce(&mut state, answer(&list, Ok(ApiReply::Chats(reply))));
    state
}

/// Chat 1 with `last_seq` messages, opened, its latest page (all of them) loaded.
pub(super) fn with_open_chat(last_seq: i64) -> AppState {
    let mut state = with_chats(vec![summary(1, last_seq, last_seq)]);
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    let latest = call_where(&effects, |c| matches!(c, ApiCall::History { .. }));
    let page = natter_shared::api::MessagePage {
        messages: (1..=last_seq).map(|s| message(1, s, bob_id())).collect(),
        has_previous: false,
        has_next: false,
    };
    reduce(&mut state, answer(&latest, Ok(ApiReply::Messages(page))));
    state
}

/// The frames sent on the socket.
pub(super) fn sent_frames(effects: &[Effect]) -> Vec<natter_shared::ws::ClientFrame> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Socket(SocketCommand::Send { frame, .. }) => Some(frame.clone()),
            _ => None,
        })
        .collect()
}

// --- history pages and windows ---

/// A page of chat 1 with Bob's messages `seqs`.
pub(super) fn page(
    seqs: std::ops::RangeInclusive<i64>,
    has_previous: bool,
    has_next: bool,
) -> ApiReply {
    ApiReply::Messages(natter_shared::api::MessagePage {
        messages: seqs.map(|s| message(1, s, bob_id())).collect(),
        has_previous,
        has_next,
    })
}

/// The history calls among `effects`, with their queries.
pub(super) fn histories(effects: &[Effect]) -> Vec<(ApiRequest, HistoryQuery)> {
    api(effects)
        .into_iter()
        .filter_map(|r| match &r.call {
            ApiCall::History { query, .. } => Some((r.clone(), query.clone())),
            _ => None,
        })
        .collect()
}

/// The one history call among `effects`.
pub(super) fn only_history(effects: &[Effect]) -> (ApiRequest, HistoryQuery) {
    let found = histories(effects);
    assert_eq!(found.len(), 1, "{effects:?}");
    found.into_iter().next().unwrap()
}

/// The seqs of chat 1's stored messages.
pub(super) fn seqs(state: &AppState) -> Vec<i64> {
    state.chats.by_id[&chat(1)]
        .messages
        .keys()
        .copied()
        .collect()
}

/// A search hit in chat 1 clicked at `at(secs)`.
pub(super) fn open_hit(state: &mut AppState, seq: i64, secs: i64) -> Vec<Effect> {
    reduce(
        state,
        Action::Search(crate::action::SearchAction::HitOpened {
            chat_id: chat(1),
            seq,
            now: at(secs),
        }),
    )
}

/// Chat 1 with `last` messages, open, its latest page (`last - 49 ..= last`) loaded.
pub(super) fn with_latest_loaded(last: i64) -> AppState {
    with_latest_loaded_among(last, Vec::new())
}

/// [`with_latest_loaded`], with `others` listed too.
pub(super) fn with_latest_loaded_among(
    last: i64,
    others: Vec<natter_shared::api::ChatSummary>,
) -> AppState {
    let mut listed = vec![summary(1, last, last)];
    listed.extend(others);
    let mut state = with_chats(listed);
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    let (latest, _) = only_history(&effects);
    reduce(
        &mut state,
        answer(&latest, Ok(page(last - 49..=last, last > 50, false))),
    );
    state
}

/// Opened at `seq`, its page `around` answered (`has_previous` when it does not start at 1).
pub(super) fn jumped(state: &mut AppState, seq: i64, around: std::ops::RangeInclusive<i64>) {
    let effects = open_hit(state, seq, 5);
    let (request, _) = only_history(&effects);
    let first = *around.start();
    reduce(state, answer(&request, Ok(page(around, first > 1, true))));
}

/// The request id of Alice's send `n` in these tests.
pub(super) fn request(n: u128) -> natter_shared::RequestId {
    natter_shared::RequestId(Uuid::from_u128(9_000 + n))
}

/// Alice sends `text` in chat 1 at `secs`, as send `n`.
pub(super) fn submit(state: &mut AppState, n: u128, text: &str, secs: i64) -> Vec<Effect> {
    reduce(
        state,
        Action::MessageSubmitted {
            chat_id: chat(1),
            text: text.into(),
            reply_to: None,
            request_id: request(n),
            now: at(secs),
        },
    )
}

/// Alice's message `seq` in chat 1 with `text`, as the server stores a send.
pub(super) fn sent(seq: i64, text: &str) -> natter_shared::api::Message {
    let mut message = message(1, seq, alice().id);
    message.text = text.into();
    message
}

/// The server acknowledges Alice's send `n`: stored as `message`.
pub(super) fn acknowledge(
    state: &mut AppState,
    n: u128,
    message: natter_shared::api::Message,
    when: chrono::DateTime<Utc>,
) -> Vec<Effect> {
    frame(
        state,
        natter_shared::ws::ServerFrame::MessageSent {
            event_seq: 0,
            request_id: request(n),
            message,
        },
        when,
    )
}

/// The local store writes among `effects`.
pub(super) fn store_writes(effects: &[Effect]) -> Vec<&crate::effect::StoreWrite> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Store(w) => Some(w),
            _ => None,
        })
        .collect()
}

/// The chats written to the local store among `effects`.
pub(super) fn kept_chats(effects: &[Effect]) -> Vec<&crate::state::kept::KeptChat> {
    store_writes(effects)
        .into_iter()
        .filter_map(|w| match w {
            crate::effect::StoreWrite::Chat(c) => Some(&**c),
            _ => None,
        })
        .collect()
}
