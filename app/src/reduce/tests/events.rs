//! The event log in the app: the next event is applied, a known one ignored, a skip fetched;
//! 410 reloads; changes wait offline and go out in order; the server's answer wins.

use natter_shared::api::{ChangeResult, ChatEvent, EventKind, EventPage, Message};
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{ErrorCode, RequestId};
use uuid::Uuid;

use super::support::*;
use crate::action::{Action, SocketEventKind};
use crate::api::{ApiCall, ApiReply};
use crate::reduce::reduce;
use crate::state::AppState;
use crate::testing::alice_id;

fn event(seq: i64, kind: EventKind, message: Message) -> ChatEvent {
    ChatEvent {
        chat_id: chat(1),
        event_seq: seq,
        kind,
        actor_id: bob_id(),
        at: at(100 + seq),
        message: Some(message),
        emoji: None,
    }
}

fn edited(seq: i64, text: &str) -> Message {
    Message {
        text: text.into(),
        edited_at: Some(at(50)),
        ..message(1, seq, bob_id())
    }
}

fn tombstone(seq: i64) -> Message {
    Message {
        text: String::new(),
        deleted: true,
        ..message(1, seq, bob_id())
    }
}

fn text_of(state: &AppState, seq: i64) -> Option<(String, bool)> {
    let m = state.chats.by_id[&chat(1)].messages.get(&seq)?;
    Some((m.text.clone(), m.deleted))
}

fn applied(state: &AppState) -> Option<i64> {
    state.chats.by_id[&chat(1)].event_seq
}

fn rid(n: u128) -> RequestId {
    RequestId(Uuid::from_u128(7_000 + n))
}

#[test]
fn the_next_event_is_applied_and_a_known_one_ignored() {
    let mut state = with_open_chat(3);
    assert_eq!(applied(&state), Some(3));
    let e = event(4, EventKind::MessageEdited, edited(2, "changed"));
    let effects = frame(
        &mut state,
        ServerFrame::ChatEvent { event: e.clone() },
        at(10),
    );
    assert!(api(&effects).is_empty(), "nothing to fetch: {effects:?}");
    assert_eq!(text_of(&state, 2), Some(("changed".into(), false)));
    assert_eq!(applied(&state), Some(4));
    // the same event again (another path) changes nothing, an older one neither
    let older = event(3, EventKind::MessageEdited, edited(2, "older"));
    frame(&mut state, ServerFrame::ChatEvent { event: older }, at(11));
    frame(&mut state, ServerFrame::ChatEvent { event: e }, at(11));
    assert_eq!(text_of(&state, 2), Some(("changed".into(), false)));
    assert_eq!(applied(&state), Some(4));
}

#[test]
fn an_event_that_skips_ahead_fetches_the_gap_and_an_edit_never_resurrects_a_delete() {
    let mut state = with_open_chat(3);
    let effects = frame(
        &mut state,
        ServerFrame::ChatEvent {
            event: event(6, EventKind::MessageEdited, edited(1, "later")),
        },
        at(10),
    );
    let fetch = call_where(&effects, |c| matches!(c, ApiCall::Events { .. }));
    assert_eq!(
        fetch.call,
        ApiCall::Events {
            chat_id: chat(1),
            after: 3
        }
    );
    assert_eq!(applied(&state), Some(3), "not applied out of order");
    // the log as the server has it now: message 1 was edited, then deleted; events carry
    // the current state, so the edit event carries the tombstone too
    let page = EventPage {
        events: vec![
            event(4, EventKind::MessageEdited, tombstone(1)),
            event(5, EventKind::MessageDeleted, tombstone(1)),
            event(6, EventKind::MessageEdited, edited(2, "two")),
        ],
        has_more: false,
        last_event_seq: 6,
    };
    let effects = reduce(&mut state, answer(&fetch, Ok(ApiReply::Events(page))));
    assert!(api(&effects).is_empty(), "{effects:?}");
    assert_eq!(applied(&state), Some(6));
    assert_eq!(text_of(&state, 1), Some((String::new(), true)));
    assert_eq!(text_of(&state, 2), Some(("two".into(), false)));
    // a late live copy of the edit is old news
    frame(
        &mut state,
        ServerFrame::ChatEvent {
            event: event(4, EventKind::MessageEdited, edited(1, "resurrected?")),
        },
        at(12),
    );
    assert_eq!(text_of(&state, 1), Some((String::new(), true)));
}

#[test]
fn a_log_too_far_behind_reloads_the_latest_page() {
    let mut state = with_open_chat(3);
    let effects = frame(
        &mut state,
        ServerFrame::ChatEvent {
            event: event(90, EventKind::MessageEdited, edited(1, "x")),
        },
        at(10),
    );
    let fetch = call_where(&effects, |c| matches!(c, ApiCall::Events { .. }));
    let effects = reduce(
        &mut state,
        answer(
            &fetch,
            Err(server_error(410, ErrorCode::EventsExpired, None)),
        ),
    );
    let reload = call_where(&effects, |c| matches!(c, ApiCall::History { .. }));
    assert!(matches!(
        reload.call,
        ApiCall::History { query, .. } if query.before.is_none() && query.after.is_none()
    ));
    assert!(state.chats.by_id[&chat(1)].messages.is_empty());
}

#[test]
fn changes_made_offline_wait_and_go_out_in_order_and_the_answer_settles_them() {
    let mut state = with_open_chat(3);
    socket(&mut state, SocketEventKind::Lost("gone".into()), at(5));
    let none = reduce(
        &mut state,
        Action::ReactionToggled {
            chat_id: chat(1),
            message_id: message(1, 1, bob_id()).id,
            emoji: "👍".into(),
            request_id: rid(1),
        },
    );
    assert!(
        sent_frames(&none).is_empty(),
        "offline: nothing on the wire"
    );
    reduce(
        &mut state,
        Action::PinToggled {
            chat_id: chat(1),
            message_id: message(1, 2, bob_id()).id,
            request_id: rid(2),
        },
    );
    // shown at once
    let m1 = &state.chats.by_id[&chat(1)].messages[&1];
    assert_eq!(m1.reactions[0].emoji, "👍");
    reduce(&mut state, Action::ReconnectRequested { now: at(6) });
    let effects = socket(&mut state, SocketEventKind::Opened, at(7));
    let sent: Vec<RequestId> = sent_frames(&effects)
        .into_iter()
        .filter_map(|f| match f {
            ClientFrame::React { request_id, .. } | ClientFrame::Pin { request_id, .. } => {
                Some(request_id)
            }
            _ => None,
        })
        .collect();
    assert_eq!(sent, [rid(1), rid(2)], "in the order made");
    let server_copy = Message {
        reactions: vec![natter_shared::api::Reaction {
            emoji: "👍".into(),
            count: 2,
            user_ids: vec![bob_id(), alice_id()],
        }],
        ..message(1, 1, bob_id())
    };
    frame(
        &mut state,
        ServerFrame::ChangeApplied {
            request_id: rid(1),
            chat_id: chat(1),
            result: ChangeResult {
                message: server_copy,
                event_seq: Some(4),
            },
        },
        at(8),
    );
    assert_eq!(state.chats.changes.len(), 1, "the pin still waits");
    assert_eq!(
        state.chats.by_id[&chat(1)].messages[&1].reactions[0].count,
        2
    );
    assert_eq!(applied(&state), Some(4));
}

#[test]
fn a_refused_edit_puts_the_text_back_and_says_why() {
    let mut state = with_open_chat(2);
    // a message of mine
    let mine = Message {
        text: "typo".into(),
        ..message(1, 3, alice_id())
    };
    frame(
        &mut state,
        ServerFrame::NewMessage {
            message: mine.clone(),
            event_seq: 3,
        },
        at(9),
    );
    reduce(
        &mut state,
        Action::EditSubmitted {
            chat_id: chat(1),
            message_id: mine.id,
            text: "fixed".into(),
            request_id: rid(3),
            now: at(10),
        },
    );
    assert_eq!(text_of(&state, 3), Some(("fixed".into(), false)));
    frame(
        &mut state,
        ServerFrame::Error {
            request_id: Some(rid(3)),
            code: ErrorCode::EditWindowExpired,
            message: "too late".into(),
        },
        at(11),
    );
    assert_eq!(text_of(&state, 3), Some(("typo".into(), false)));
    assert!(state.chats.changes.is_empty());
    assert!(state.chats.change_error.is_some());
}

#[test]
fn deleting_a_notified_message_withdraws_its_notification() {
    let mut state = with_chats(vec![summary(1, 3, 3)]);
    state.window_focused = false;
    let incoming = message(1, 4, bob_id());
    let shown = frame(
        &mut state,
        ServerFrame::NewMessage {
            message: incoming.clone(),
            event_seq: 4,
        },
        at(10),
    );
    assert!(
        shown
            .iter()
            .any(|e| matches!(e, crate::effect::Effect::Notify(_)))
    );
    let gone = Message {
        text: String::new(),
        deleted: true,
        ..incoming
    };
    let effects = frame(
        &mut state,
        ServerFrame::ChatEvent {
            event: event(5, EventKind::MessageDeleted, gone.clone()),
        },
        at(11),
    );
    assert!(
        effects
            .iter()
            .any(|e| *e == crate::effect::Effect::Withdraw(chat(1))),
        "{effects:?}"
    );
    // a read message's deletion withdraws nothing
    let effects = frame(
        &mut state,
        ServerFrame::ChatEvent {
            event: event(6, EventKind::MessageDeleted, tombstone(2)),
        },
        at(12),
    );
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, crate::effect::Effect::Withdraw(_)))
    );
}

#[test]
fn a_copy_read_before_a_delete_does_not_bring_the_message_back() {
    let mut state = with_open_chat(3);
    frame(
        &mut state,
        ServerFrame::ChatEvent {
            event: event(4, EventKind::MessageDeleted, tombstone(2)),
        },
        at(10),
    );
    assert_eq!(text_of(&state, 2), Some((String::new(), true)));
    // a history page read before the delete answers only now (it raced the event)
    let effects = reduce(&mut state, Action::OlderMessagesWanted(chat(1)));
    assert!(api(&effects).is_empty(), "the start is loaded: {effects:?}");
    let stale = natter_shared::api::MessagePage {
        messages: vec![message(1, 2, bob_id()), message(1, 3, bob_id())],
        has_previous: false,
        has_next: false,
    };
    let request = crate::effect::ApiRequest {
        epoch: state.epoch,
        server_url: URL.into(),
        call: ApiCall::History {
            chat_id: chat(1),
            query: natter_shared::api::HistoryQuery {
                limit: Some(200),
                before: None,
                after: Some(1),
                around: None,
                around_id: None,
            },
        },
        access_token: Some("access-1".into()),
        token_generation: 1,
    };
    reduce(&mut state, answer(&request, Ok(ApiReply::Messages(stale))));
    assert_eq!(
        text_of(&state, 2),
        Some((String::new(), true)),
        "still gone"
    );
    assert_eq!(text_of(&state, 3), Some(("message 3".into(), false)));
    // nor does a late `new_message` copy of it
    frame(
        &mut state,
        ServerFrame::NewMessage {
            message: message(1, 2, bob_id()),
            event_seq: 2,
        },
        at(11),
    );
    assert_eq!(text_of(&state, 2), Some((String::new(), true)));
}
