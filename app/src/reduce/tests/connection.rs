//! The WebSocket link: opening, backoff with jitter, 401 → refresh, silence, "back online".

use super::support::*;
use crate::action::{Action, SocketEventKind};
use crate::api::{ApiCall, ApiReply};
use crate::effect::{Effect, SocketCommand};
use crate::reduce::reduce;
use crate::state::LinkStatus;

fn opens(effects: &[Effect]) -> Vec<(u64, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Socket(SocketCommand::Open {
                conn, url, token, ..
            }) => Some((*conn, format!("{url} with {token}"))),
            _ => None,
        })
        .collect()
}

#[test]
fn the_socket_address_carries_no_token_and_debug_hides_it() {
    let (_, effects) = signed_in();
    let open = effects
        .iter()
        .find(|e| matches!(e, Effect::Socket(SocketCommand::Open { .. })))
        .expect("an open");
    let Effect::Socket(SocketCommand::Open { url, token, .. }) = open else {
        unreachable!()
    };
    assert!(!url.contains('?') && !url.contains(token.as_str()), "{url}");
    assert!(!format!("{open:?}").contains("access-1"), "{open:?}");
}

fn retry_at(status: &LinkStatus) -> chrono::DateTime<chrono::Utc> {
    match status {
        LinkStatus::Offline { retry_at } => *retry_at,
        other => panic!("not offline: {other:?}"),
    }
}

#[test]
fn signing_in_opens_the_socket_with_the_access_token() {
    let (state, effects) = signed_in();
    assert_eq!(
        opens(&effects),
        vec![(1, "ws://127.0.0.1:8080/api/v1/ws with access-1".to_owned())]
    );
    assert!(matches!(
        state.connection.status,
        LinkStatus::Connecting { .. }
    ));
}

#[test]
fn the_open_link_is_online_and_syncs_the_chat_list() {
    let (state, effects) = online();
    assert_eq!(
        state.connection.status,
        LinkStatus::Online {
            since: at(0),
            back_online_until: None
        }
    );
    let list = call_where(&effects, |c| {
        matches!(c, ApiCall::ListChats { offset: 0, .. })
    });
    assert_eq!(list.call.path(), "/chats?limit=200&offset=0");
    assert!(effects.contains(&Effect::WakeAt(at(45))), "silence check");
}

#[test]
fn a_lost_link_retries_with_exponential_backoff_and_jitter() {
    let (mut state, _) = online();
    let effects = socket(&mut state, SocketEventKind::Lost("reset".into()), at(10));
    let first = retry_at(&state.connection.status);
    assert!(first >= at(10) + chrono::TimeDelta::milliseconds(250) && first <= at_ms(10_500));
    assert!(effects.contains(&Effect::Socket(SocketCommand::Close { conn: 1 })));
    assert!(effects.contains(&Effect::WakeAt(first)));

    assert!(
        reduce(&mut state, Action::Tick { now: at(10) }).is_empty(),
        "too early"
    );
    let effects = reduce(&mut state, Action::Tick { now: first });
    assert_eq!(opens(&effects).len(), 1);
    assert_eq!(state.connection.conn, 2);

    socket(&mut state, SocketEventKind::Lost("refused".into()), first);
    let second = retry_at(&state.connection.status) - first;
    assert!(
        (500..=1_000).contains(&second.num_milliseconds()),
        "{second}"
    );
}

#[test]
fn events_of_an_abandoned_attempt_are_ignored() {
    let (mut state, _) = online();
    socket(&mut state, SocketEventKind::Lost("reset".into()), at(1));
    let due = retry_at(&state.connection.status);
    reduce(&mut state, Action::Tick { now: due });
    let late = crate::action::SocketEvent {
        epoch: state.epoch,
        conn: 1,
        at: due,
        kind: SocketEventKind::Opened,
    };
    assert!(reduce(&mut state, Action::Socket(late)).is_empty());
    assert!(matches!(
        state.connection.status,
        LinkStatus::Connecting { .. }
    ));
}

#[test]
fn a_recovered_link_says_back_online_for_a_moment() {
    let (mut state, _) = online();
    socket(&mut state, SocketEventKind::Lost("reset".into()), at(1));
    reduce(&mut state, Action::Tick { now: at(2) });
    let effects = socket(&mut state, SocketEventKind::Opened, at(3));
    assert!(effects.contains(&Effect::WakeAt(at(6))));
    assert!(matches!(
        state.connection.status,
        LinkStatus::Online { back_online_until: Some(t), .. } if t == at(6)
    ));
    reduce(&mut state, Action::Tick { now: at(6) });
    assert!(matches!(
        state.connection.status,
        LinkStatus::Online {
            back_online_until: None,
            ..
        }
    ));
}

#[test]
fn a_401_at_connect_refreshes_the_token_once_then_reconnects_with_the_new_one() {
    let (mut state, _) = signed_in();
    socket(&mut state, SocketEventKind::Unauthorized, at(0));
    assert!(state.session.as_ref().unwrap().access_token.is_none());
    let due = retry_at(&state.connection.status);
    let effects = reduce(&mut state, Action::Tick { now: due });
    assert!(
        opens(&effects).is_empty(),
        "no attempt with a refused token"
    );
    let refresh = call_where(&effects, |c| matches!(c, ApiCall::Refresh(_)));
    // a second due tick while the refresh runs does not start another one
    let again = reduce(&mut state, Action::Tick { now: due });
    assert!(api(&again).is_empty());

    let effects = reduce(
        &mut state,
        answer(&refresh, Ok(ApiReply::Tokens(Box::new(tokens(2))))),
    );
    assert_eq!(
        opens(&effects),
        vec![(2, "ws://127.0.0.1:8080/api/v1/ws with access-2".to_owned())]
    );
}

#[test]
fn a_silent_link_is_taken_for_dead_and_retried() {
    let (mut state, _) = online();
    socket(&mut state, SocketEventKind::Heard, at(20));
    let effects = reduce(&mut state, Action::Tick { now: at(45) });
    assert!(state.connection.is_online(), "heard 25 s ago");
    assert!(effects.contains(&Effect::WakeAt(at(65))));
    let effects = reduce(&mut state, Action::Tick { now: at(65) });
    assert!(matches!(
        state.connection.status,
        LinkStatus::Offline { .. }
    ));
    assert!(effects.contains(&Effect::Socket(SocketCommand::Close { conn: 1 })));
}

#[test]
fn retry_now_skips_the_wait() {
    let (mut state, _) = online();
    socket(&mut state, SocketEventKind::Lost("reset".into()), at(1));
    let effects = reduce(&mut state, Action::ReconnectRequested { now: at(1) });
    assert_eq!(opens(&effects).len(), 1);
    assert!(
        reduce(&mut state, Action::ReconnectRequested { now: at(1) }).is_empty(),
        "already connecting"
    );
}

#[test]
fn signing_out_closes_the_link_and_forgets_the_chats() {
    let mut state = with_chats(vec![summary(1, 3, 3)]);
    let logout = only_api(&reduce(&mut state, Action::SignOutRequested)).clone();
    let effects = reduce(&mut state, answer(&logout, Ok(ApiReply::Empty)));
    assert!(effects.contains(&Effect::Socket(SocketCommand::Close { conn: 1 })));
    assert_eq!(state.connection.status, LinkStatus::Idle);
    assert!(state.chats.by_id.is_empty());
    // the old link's events change nothing now
    let stale = socket(&mut state, SocketEventKind::Opened, at(5));
    assert!(stale.is_empty());
}

#[test]
fn an_attempt_that_never_opens_is_given_up_and_retried() {
    let (mut state, effects) = signed_in();
    let limit = crate::state::connection::CONNECT_TIMEOUT;
    let opened_at = match state.connection.status {
        LinkStatus::Connecting { since } => since,
        ref other => panic!("{other:?}"),
    };
    assert!(effects.contains(&Effect::WakeAt(opened_at + limit)));
    reduce(&mut state, Action::Tick { now: opened_at });
    assert!(matches!(
        state.connection.status,
        LinkStatus::Connecting { .. }
    ));
    let effects = reduce(
        &mut state,
        Action::Tick {
            now: opened_at + limit,
        },
    );
    assert!(matches!(
        state.connection.status,
        LinkStatus::Offline { .. }
    ));
    assert!(effects.contains(&Effect::Socket(SocketCommand::Close { conn: 1 })));
}
