//! Signed-in states for the egui_kittest tests of the chat screens: Alice, online, with
//! chats and messages, on an injected clock; the shell in the shared harness.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use egui_kittest::Harness;
use natter::action::{Action, SocketEventKind};
use natter::api::{ApiCall, ApiReply};
use natter::effect::Effect;
use natter::i18n::Language;
use natter::reduce::reduce;
use natter::state::AppState;
use natter::testing::{self, TestApp};
use natter::ui::shell_ui;
use natter_shared::UserId;
use natter_shared::api::{ChatKind, ChatList, ChatSummary, Message, MessagePage};

pub use natter::testing::{alice_id, bob_id, carol_id, chat};

/// 2026-03-10 12:00 UTC plus `secs`.
pub fn at(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap() + chrono::TimeDelta::seconds(secs)
}

pub const DAY: i64 = 86_400;

pub fn message(n: u128, seq: i64, sender: UserId, text: &str, when: DateTime<Utc>) -> Message {
    testing::message(n, seq, sender, text, when)
}

/// Direct chat `n` with Bob.
pub fn direct(n: u128, last: Option<Message>, read_seq: i64) -> ChatSummary {
    ChatSummary {
        updated_at: last.as_ref().map_or(at(0), |m| m.created_at),
        ..testing::direct_with_bob(n, last, read_seq, Some("Bob"), true, at(-10 * DAY))
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
    testing::finish(state, effect, reply, at(0))
}

/// Alice, signed in and online, with `chats` listed; the clock at `at(0)` in UTC.
pub fn with_chats(chats: Vec<ChatSummary>) -> AppState {
    let mut state = testing::fresh_state(Language::English);
    let alice = testing::user(alice_id(), "alice", Some("Alice"), at(-100 * DAY));
    testing::sign_in(&mut state, alice, at(0));
    let opened = testing::socket(&mut state, SocketEventKind::Opened, at(0));
    let list = ChatList {
        total: chats.len() as i64,
        chats,
        has_more: false,
    };
    let list_call = testing::call(&opened, |c| matches!(c, ApiCall::ListChats { .. }));
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
    let history = testing::call(&effects, |c| matches!(c, ApiCall::History { .. }));
    finish(state, history, ApiReply::Messages(page));
}

/// The shell (chat list and conversation) on `state`.
pub fn harness(state: AppState) -> Harness<'static, TestApp> {
    testing::harness(state, [1000.0, 700.0], shell_ui)
}

/// The REST calls made while the harness ran.
pub fn calls(app: &TestApp) -> Vec<&ApiCall> {
    app.calls()
}
