//! Builds signed-in states for the egui_kittest tests of the chat screens: Alice, online,
//! with chats and messages, on an injected clock; and a harness that runs the shell and
//! applies the actions it pushes through the real reducer.
#![allow(dead_code)] // each test file uses its own part

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use egui_kittest::Harness;
use natter::action::{Action, ApiCall, ApiReply, ApiResponse, SocketEvent, SocketEventKind};
use natter::effect::Effect;
use natter::i18n::Language;
use natter::reduce::reduce;
use natter::state::AppState;
use natter::ui::shell_ui;
use natter_shared::api::{
    AuthTokens, ChatKind, ChatList, ChatPartner, ChatSummary, Message, MessagePage, User,
};
use natter_shared::{ChatId, DisplayName, Field, MessageId, SessionId, UserId, Username};
use uuid::Uuid;

pub struct TestApp {
    pub state: AppState,
    pub effects: Vec<Effect>,
}

/// 2026-03-10 12:00 UTC plus `secs`.
pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap() + chrono::TimeDelta::seconds(secs)
}

pub const DAY: i64 = 86_400;

pub fn alice_id() -> UserId {
    UserId(Uuid::from_u128(1))
}

pub fn bob_id() -> UserId {
    UserId(Uuid::from_u128(2))
}

pub fn carol_id() -> UserId {
    UserId(Uuid::from_u128(3))
}

pub fn chat(n: u128) -> ChatId {
    ChatId(Uuid::from_u128(100 + n))
}

pub fn message(n: u128, seq: i64, sender: UserId, text: &str, when: DateTime<Utc>) -> Message {
    Message {
        id: MessageId(Uuid::from_u128(n * 1_000_000 + seq as u128)),
        chat_id: chat(n),
        seq,
        sender_id: sender,
        text: text.into(),
        reply_to: None,
        request_id: None,
        created_at: when,
        edited_at: None,
    }
}

/// Direct chat `n` with Bob.
pub fn direct(n: u128, last: Option<Message>, read_seq: i64) -> ChatSummary {
    let last_seq = last.as_ref().map_or(0, |m| m.seq);
    ChatSummary {
        id: chat(n),
        kind: ChatKind::Direct,
        title: None,
        partner: Some(ChatPartner {
            id: bob_id(),
            username: Username::parse("bob").unwrap(),
            display_name: Some(DisplayName::parse("Bob").unwrap()),
            online: true,
            last_seen_at: None,
        }),
        updated_at: last.as_ref().map_or(at(0), |m| m.created_at),
        last_message: last,
        last_seq,
        read_seq,
        unread_count: last_seq - read_seq,
        member_count: 2,
        created_at: at(-10 * DAY),
    }
}

/// Group chat `n` titled `title`.
pub fn group(n: u128, title: &str, last: Option<Message>) -> ChatSummary {
    let last_seq = last.as_ref().map_or(0, |m| m.seq);
    ChatSummary {
        kind: ChatKind::Group,
        title: Some(title.into()),
        partner: None,
        member_count: 3,
        unread_count: 0,
        read_seq: last_seq,
        ..direct(n, last, 0)
    }
}

fn finish(state: &mut AppState, effect: &Effect, reply: ApiReply) -> Vec<Effect> {
    let Effect::Api(request) = effect else {
        panic!("{effect:?}")
    };
    reduce(
        state,
        Action::ApiFinished(ApiResponse {
            epoch: request.epoch,
            server_url: request.server_url.clone(),
            token_generation: request.token_generation,
            call: request.call.clone(),
            result: Ok(reply),
            received_at: at(0),
        }),
    )
}

/// The one API effect matching `pred`.
pub fn call(effects: &[Effect], pred: impl Fn(&ApiCall) -> bool) -> &Effect {
    effects
        .iter()
        .find(|e| matches!(e, Effect::Api(r) if pred(&r.call)))
        .unwrap_or_else(|| panic!("no such call in {effects:?}"))
}

/// Alice, signed in and online, with `chats` listed; the clock at `at(0)` in UTC.
pub fn with_chats(chats: Vec<ChatSummary>) -> AppState {
    let mut state = AppState::new(
        Language::English,
        "http://127.0.0.1:8080".into(),
        "Natter on Linux (test)".into(),
    );
    for (field, value) in [(Field::Username, "alice"), (Field::Password, "password1")] {
        reduce(
            &mut state,
            Action::AuthFieldEdited {
                field,
                value: value.into(),
            },
        );
    }
    let login = reduce(&mut state, Action::SignInSubmitted);
    let user = User {
        id: alice_id(),
        username: Username::parse("alice").unwrap(),
        display_name: Some(DisplayName::parse("Alice").unwrap()),
        bio: String::new(),
        created_at: at(-100 * DAY),
        last_seen_at: None,
    };
    let tokens = AuthTokens {
        token: "access".into(),
        expires_in: 900,
        refresh_token: "refresh".into(),
        session_id: SessionId(Uuid::from_u128(10)),
        user,
    };
    finish(&mut state, &login[0], ApiReply::Tokens(Box::new(tokens)));
    let event = SocketEvent {
        epoch: state.epoch,
        conn: state.connection.conn,
        at: at(0),
        kind: SocketEventKind::Opened,
    };
    let opened = reduce(&mut state, Action::Socket(event));
    let list = ChatList {
        total: chats.len() as i64,
        chats,
        has_more: false,
    };
    let list_call = call(&opened, |c| matches!(c, ApiCall::ListChats { .. }));
    finish(&mut state, list_call, ApiReply::Chats(list));
    reduce(
        &mut state,
        Action::ClockSet {
            now: at(0),
            offset: FixedOffset::east_opt(0).unwrap(),
        },
    );
    state
}

/// Opens chat `n` and answers its latest page with `messages`.
pub fn open(state: &mut AppState, n: u128, messages: Vec<Message>) {
    let effects = reduce(state, Action::ChatOpened(chat(n)));
    let page = MessagePage {
        messages,
        has_previous: false,
        has_next: false,
    };
    let history = call(&effects, |c| matches!(c, ApiCall::History { .. }));
    finish(state, history, ApiReply::Messages(page));
}

pub fn harness(state: AppState) -> Harness<'static, TestApp> {
    Harness::builder()
        .with_size([1000.0, 700.0])
        .build_ui_state(
            |ui, app: &mut TestApp| {
                let mut actions = Vec::new();
                shell_ui(ui, &app.state, &mut actions);
                if !actions.is_empty() {
                    ui.ctx().request_repaint();
                }
                for action in actions {
                    let effects = reduce(&mut app.state, action);
                    app.effects.extend(effects);
                }
            },
            TestApp {
                state,
                effects: Vec::new(),
            },
        )
}

/// The REST calls made while the harness ran.
pub fn calls(app: &TestApp) -> Vec<&ApiCall> {
    app.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api(r) => Some(&r.call),
            _ => None,
        })
        .collect()
}
