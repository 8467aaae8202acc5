//! Sending: optimistic copies, the outbox, acknowledgements, failures and retries.

use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{ErrorCode, RequestId};

use super::support::*;
use crate::action::{Action, SocketEventKind};
use crate::effect::Effect;
use crate::reduce::{SEND_TIMEOUT, reduce};
use crate::state::{AppState, OutgoingState, SendFailure};

fn request_ids(frames: &[ClientFrame]) -> Vec<RequestId> {
    frames
        .iter()
        .filter_map(|f| match f {
            ClientFrame::Message { request_id, .. } => Some(*request_id),
            _ => None,
        })
        .collect()
}

fn states(state: &AppState) -> Vec<OutgoingState> {
    state.chats.outbox.iter().map(|o| o.state.clone()).collect()
}

fn drop_and_reopen(state: &mut AppState, secs: i64) -> Vec<Effect> {
    socket(state, SocketEventKind::Lost("reset".into()), at(secs));
    reduce(state, Action::ReconnectRequested { now: at(secs) });
    socket(state, SocketEventKind::Opened, at(secs + 1))
}

#[test]
fn a_message_sent_online_is_sending_until_its_ack_settles_it() {
    let mut state = with_open_chat(2);
    let effects = submit(&mut state, 1, "  hello  ", 10);
    assert_eq!(
        sent_frames(&effects),
        vec![ClientFrame::Message {
            attachments: Vec::new(),
            chat_id: chat(1),
            text: "hello".into(),
            request_id: request(1),
            reply_to: None
        }]
    );
    assert!(effects.contains(&Effect::WakeAt(at(10) + SEND_TIMEOUT)));
    assert_eq!(
        states(&state),
        vec![OutgoingState::Sending { since: at(10) }]
    );

    let stored = sent(3, "hello");
    acknowledge(&mut state, 1, stored.clone(), at(11));
    assert!(state.chats.outbox.is_empty());
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.messages.get(&3), Some(&stored));
    assert_eq!(entry.summary.unread_count, 0, "one's own message is read");
}

#[test]
fn a_message_written_offline_waits_and_goes_out_on_reconnect_with_its_request_id() {
    let mut state = with_open_chat(2);
    socket(&mut state, SocketEventKind::Lost("reset".into()), at(5));
    let effects = submit(&mut state, 1, "later", 6);
    assert!(sent_frames(&effects).is_empty());
    assert_eq!(states(&state), vec![OutgoingState::Queued]);

    reduce(&mut state, Action::ReconnectRequested { now: at(7) });
    let effects = socket(&mut state, SocketEventKind::Opened, at(8));
    assert_eq!(request_ids(&sent_frames(&effects)), vec![request(1)]);
    assert_eq!(
        states(&state),
        vec![OutgoingState::Sending { since: at(8) }]
    );
}

#[test]
fn sends_unacknowledged_when_the_link_dropped_are_resent_in_order() {
    let mut state = with_open_chat(0);
    submit(&mut state, 1, "one", 1);
    submit(&mut state, 2, "two", 2);
    let effects = drop_and_reopen(&mut state, 3);
    assert_eq!(
        request_ids(&sent_frames(&effects)),
        vec![request(1), request(2)]
    );
    let wakes = effects
        .iter()
        .filter(|e| matches!(e, Effect::WakeAt(t) if *t == at(4) + SEND_TIMEOUT))
        .count();
    assert_eq!(wakes, 1, "one timeout check for the batch");
}

#[test]
fn an_error_frame_fails_the_send_and_retry_keeps_the_request_id() {
    let mut state = with_open_chat(0);
    submit(&mut state, 1, "hi", 1);
    frame(
        &mut state,
        ServerFrame::Error {
            request_id: Some(request(1)),
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
        },
        at(2),
    );
    assert_eq!(
        states(&state),
        vec![OutgoingState::Failed(SendFailure::Refused {
            code: ErrorCode::RateLimited,
            message: "slow down".into()
        })]
    );
    let effects = reduce(
        &mut state,
        Action::MessageRetried {
            request_id: request(1),
            now: at(3),
        },
    );
    assert_eq!(request_ids(&sent_frames(&effects)), vec![request(1)]);
}

#[test]
fn a_send_without_an_ack_in_time_fails() {
    let mut state = with_open_chat(0);
    submit(&mut state, 1, "hi", 1);
    reduce(&mut state, Action::Tick { now: at(2) });
    assert!(matches!(states(&state)[0], OutgoingState::Sending { .. }));
    reduce(
        &mut state,
        Action::Tick {
            now: at(1) + SEND_TIMEOUT,
        },
    );
    assert_eq!(
        states(&state),
        vec![OutgoingState::Failed(SendFailure::Timeout)]
    );
    // a failed send is not resent by itself on reconnect: the person chooses
    let effects = drop_and_reopen(&mut state, 30);
    assert!(sent_frames(&effects).is_empty());
}

#[test]
fn only_failed_messages_can_be_discarded() {
    let mut state = with_open_chat(0);
    submit(&mut state, 1, "hi", 1);
    reduce(&mut state, Action::MessageDiscarded(request(1)));
    assert_eq!(state.chats.outbox.len(), 1, "still sending");
    reduce(&mut state, Action::Tick { now: at(20) });
    reduce(&mut state, Action::MessageDiscarded(request(1)));
    assert!(state.chats.outbox.is_empty());
}

#[test]
fn blank_text_and_a_repeated_request_id_send_nothing() {
    let mut state = with_open_chat(0);
    assert!(submit(&mut state, 1, "   ", 1).is_empty());
    assert!(!submit(&mut state, 2, "hi", 1).is_empty());
    assert!(submit(&mut state, 2, "hi", 1).is_empty());
    assert_eq!(state.chats.outbox.len(), 1);
}

#[test]
fn an_ack_for_a_message_already_fetched_leaves_one_copy() {
    let mut state = with_open_chat(1);
    submit(&mut state, 1, "hi", 1);
    let stored = message(1, 2, alice().id);
    frame(
        &mut state,
        ServerFrame::NewMessage {
            event_seq: 0,
            message: stored.clone(),
        },
        at(2),
    );
    acknowledge(&mut state, 1, stored, at(2));
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.messages.len(), 2);
    assert!(state.chats.outbox.is_empty());
}

#[test]
fn a_send_that_timed_out_but_was_stored_is_settled_when_the_message_arrives() {
    let mut state = with_open_chat(2);
    submit(&mut state, 1, "hello", 10);
    // no ack in time: failed
    reduce(
        &mut state,
        Action::Tick {
            now: at(10) + SEND_TIMEOUT,
        },
    );
    assert!(matches!(states(&state)[..], [OutgoingState::Failed(_)]));
    // yet the server had stored it: it comes back by another path, with its request id
    let mut stored = message(1, 3, alice().id);
    stored.request_id = Some(request(1));
    frame(
        &mut state,
        ServerFrame::NewMessage {
            event_seq: 0,
            message: stored.clone(),
        },
        at(30),
    );
    assert!(
        state.chats.outbox.is_empty(),
        "not shown twice, not shown as failed"
    );
    assert_eq!(state.chats.by_id[&chat(1)].messages.get(&3), Some(&stored));
}
