//! The chat list, history loading, gap-fill, read cursors, presence and typing.

use natter_shared::api::{ChatList, HistoryQuery, MessagePage, ReadState};
use natter_shared::ws::{PresenceEvent, ServerFrame};

use super::support::*;
use crate::action::{Action, SocketEventKind};
use crate::api::{ApiCall, ApiReply};
use crate::effect::Effect;
use crate::reduce::{GAP_PAGE, HISTORY_PAGE, TYPING_SHOWN, reduce};
use crate::state::AppState;

fn history(effects: &[Effect]) -> (crate::effect::ApiRequest, HistoryQuery) {
    let request = call_where(effects, |c| matches!(c, ApiCall::History { .. }));
    let ApiCall::History { query, .. } = &request.call else {
        unreachable!()
    };
    let query = query.clone();
    (request, query)
}

fn page(seqs: std::ops::RangeInclusive<i64>, has_previous: bool, has_next: bool) -> ApiReply {
    ApiReply::Messages(MessagePage {
        messages: seqs.map(|s| message(1, s, bob_id())).collect(),
        has_previous,
        has_next,
    })
}

fn new_message(state: &mut AppState, seq: i64) -> Vec<Effect> {
    frame(
        state,
        ServerFrame::NewMessage {
            event_seq: 0,
            message: message(1, seq, bob_id()),
        },
        at(seq),
    )
}

fn seqs(state: &AppState) -> Vec<i64> {
    state.chats.by_id[&chat(1)]
        .messages
        .keys()
        .copied()
        .collect()
}

#[test]
fn the_list_is_ordered_by_activity_and_kept_so_by_new_messages() {
    let mut state = with_chats(vec![summary(1, 3, 3), summary(2, 9, 9)]);
    assert_eq!(state.chats.order, vec![chat(2), chat(1)]);
    assert!(state.chats.loaded && !state.chats.syncing);
    new_message(&mut state, 20);
    assert_eq!(state.chats.order, vec![chat(1), chat(2)]);
    let summary = &state.chats.by_id[&chat(1)].summary;
    assert_eq!((summary.last_seq, summary.unread_count), (20, 17));
}

#[test]
fn a_long_list_is_fetched_page_by_page_and_chats_gone_from_it_are_dropped() {
    let mut state = with_chats(vec![summary(1, 1, 1), summary(2, 1, 1)]);
    let effects = socket(&mut state, SocketEventKind::Lost("x".into()), at(1));
    assert!(api(&effects).is_empty());
    reduce(&mut state, Action::ReconnectRequested { now: at(2) });
    let effects = socket(&mut state, SocketEventKind::Opened, at(3));
    let first = call_where(&effects, |c| {
        matches!(c, ApiCall::ListChats { offset: 0, .. })
    });
    let reply = ChatList {
        chats: vec![summary(1, 1, 1)],
        total: 2,
        has_more: true,
    };
    let effects = reduce(&mut state, answer(&first, Ok(ApiReply::Chats(reply))));
    let second = call_where(&effects, |c| {
        matches!(c, ApiCall::ListChats { offset: 1, .. })
    });
    let reply = ChatList {
        chats: vec![summary(3, 1, 1)],
        total: 2,
        has_more: false,
    };
    reduce(&mut state, answer(&second, Ok(ApiReply::Chats(reply))));
    let mut ids: Vec<_> = state.chats.by_id.keys().copied().collect();
    ids.sort();
    assert_eq!(ids, vec![chat(1), chat(3)]);
    assert_eq!(state.chats.order.len(), 2);
}

#[test]
fn each_list_page_leaves_the_list_in_activity_order_and_frames_during_a_sync_count_as_seen() {
    let (mut state, effects) = online();
    let first = call_where(&effects, |c| {
        matches!(c, ApiCall::ListChats { offset: 0, .. })
    });
    let reply = ChatList {
        chats: vec![summary(1, 2, 2), summary(2, 7, 7), summary(3, 4, 4)],
        total: 5,
        has_more: true,
    };
    let effects = reduce(&mut state, answer(&first, Ok(ApiReply::Chats(reply))));
    assert_eq!(state.chats.order, vec![chat(2), chat(3), chat(1)]);
    // a chat created while the sync runs, after the page it would have been on
    frame(
        &mut state,
        ServerFrame::ChatUpdated {
            chat: summary(9, 5, 5),
        },
        at(1),
    );
    assert_eq!(state.chats.order, vec![chat(2), chat(9), chat(3), chat(1)]);
    let second = call_where(&effects, |c| {
        matches!(c, ApiCall::ListChats { offset: 3, .. })
    });
    let reply = ChatList {
        chats: vec![summary(4, 1, 1), summary(5, 9, 9)],
        total: 5,
        has_more: false,
    };
    reduce(&mut state, answer(&second, Ok(ApiReply::Chats(reply))));
    assert_eq!(
        state.chats.order,
        vec![chat(5), chat(2), chat(9), chat(3), chat(1), chat(4)]
    );
    assert!(state.chats.loaded && !state.chats.syncing);
    assert!(state.chats.sync_seen.is_empty());
}

#[test]
fn an_answer_to_an_older_sync_is_dropped() {
    let (mut state, effects) = online();
    let stale = call_where(&effects, |c| matches!(c, ApiCall::ListChats { .. }));
    socket(&mut state, SocketEventKind::Lost("x".into()), at(1));
    reduce(&mut state, Action::ReconnectRequested { now: at(2) });
    socket(&mut state, SocketEventKind::Opened, at(3));
    let reply = ChatList {
        chats: vec![summary(1, 1, 1)],
        total: 1,
        has_more: false,
    };
    reduce(&mut state, answer(&stale, Ok(ApiReply::Chats(reply))));
    assert!(state.chats.by_id.is_empty());
    assert!(state.chats.syncing);
}

#[test]
fn opening_a_chat_loads_its_latest_page_once() {
    let mut state = with_chats(vec![summary(1, 120, 120)]);
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    let (latest, query) = history(&effects);
    assert_eq!(query.limit, Some(HISTORY_PAGE));
    assert_eq!((query.before, query.after), (None, None));
    assert_eq!(state.chats.open, Some(chat(1)));
    assert!(api(&reduce(&mut state, Action::ChatOpened(chat(1)))).is_empty());

    reduce(&mut state, answer(&latest, Ok(page(71..=120, true, false))));
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.synced_seq, Some(120));
    assert_eq!(entry.messages.len(), 50);
    assert!(!entry.history.reached_start);
    assert!(api(&reduce(&mut state, Action::ChatOpened(chat(1)))).is_empty());
}

#[test]
fn older_pages_load_until_the_start_and_then_are_never_asked_for() {
    let mut state = with_chats(vec![summary(1, 60, 60)]);
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    reduce(
        &mut state,
        answer(&history(&effects).0, Ok(page(11..=60, true, false))),
    );

    let effects = reduce(&mut state, Action::OlderMessagesWanted(chat(1)));
    let (older, query) = history(&effects);
    assert_eq!(query.before, Some(11));
    assert!(
        api(&reduce(&mut state, Action::OlderMessagesWanted(chat(1)))).is_empty(),
        "one at a time"
    );
    reduce(&mut state, answer(&older, Ok(page(1..=10, false, true))));
    let entry = &state.chats.by_id[&chat(1)];
    assert!(entry.history.reached_start);
    assert_eq!(entry.messages.len(), 60);
    assert!(api(&reduce(&mut state, Action::OlderMessagesWanted(chat(1)))).is_empty());
}

#[test]
fn a_message_that_skips_ahead_fetches_the_gap_without_duplicates() {
    let mut state = with_open_chat(5);
    let effects = new_message(&mut state, 8);
    let (gap, query) = history(&effects);
    assert_eq!((query.after, query.limit), (Some(5), Some(GAP_PAGE)));
    assert!(
        api(&new_message(&mut state, 9)).is_empty(),
        "one gap page at a time"
    );

    let effects = reduce(&mut state, answer(&gap, Ok(page(6..=9, true, false))));
    assert!(api(&effects).is_empty(), "caught up");
    assert_eq!(seqs(&state), (1..=9).collect::<Vec<_>>());
    assert_eq!(state.chats.by_id[&chat(1)].synced_seq, Some(9));
    new_message(&mut state, 9);
    assert_eq!(seqs(&state).len(), 9, "a repeated frame is stored once");
}

#[test]
fn after_a_reconnect_the_list_reveals_gaps_that_are_fetched_page_by_page() {
    let mut state = with_open_chat(3);
    socket(&mut state, SocketEventKind::Lost("x".into()), at(10));
    reduce(&mut state, Action::ReconnectRequested { now: at(11) });
    let effects = socket(&mut state, SocketEventKind::Opened, at(12));
    let list = call_where(&effects, |c| matches!(c, ApiCall::ListChats { .. }));
    let reply = ChatList {
        chats: vec![summary(1, 450, 3)],
        total: 1,
        has_more: false,
    };
    let effects = reduce(&mut state, answer(&list, Ok(ApiReply::Chats(reply))));
    let mut after = 3;
    let mut effects = effects;
    while after < 450 {
        let (gap, query) = history(&effects);
        assert_eq!(query.after, Some(after));
        let last = (after + i64::from(GAP_PAGE)).min(450);
        effects = reduce(
            &mut state,
            answer(&gap, Ok(page(after + 1..=last, true, last < 450))),
        );
        after = last;
    }
    assert!(api(&effects).is_empty());
    assert_eq!(seqs(&state), (1..=450).collect::<Vec<_>>());
    assert_eq!(state.chats.by_id[&chat(1)].summary.unread_count, 447);
}

#[test]
fn a_huge_gap_reloads_the_latest_page_instead() {
    let mut state = with_open_chat(3);
    let effects = new_message(&mut state, 10_000);
    let (_, query) = history(&effects);
    assert_eq!((query.before, query.after), (None, None));
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.synced_seq, None);
    assert!(entry.messages.is_empty());
}

#[test]
fn the_read_cursor_only_moves_forward_and_the_badge_follows_the_server() {
    let mut state = with_chats(vec![summary(1, 5, 0)]);
    let effects = reduce(
        &mut state,
        Action::MessageSeen {
            chat_id: chat(1),
            seq: 3,
        },
    );
    let read = call_where(&effects, |c| matches!(c, ApiCall::MarkRead { seq: 3, .. }));
    assert_eq!(read.call.path(), format!("/chats/{}/read", chat(1)));
    for seq in [2, 5] {
        let effects = reduce(
            &mut state,
            Action::MessageSeen {
                chat_id: chat(1),
                seq,
            },
        );
        assert!(api(&effects).is_empty(), "one read in flight at a time");
    }
    let answer_effects = reduce(
        &mut state,
        answer(
            &read,
            Ok(ApiReply::Read(ReadState {
                chat_id: chat(1),
                read_seq: 3,
                unread_count: 2,
            })),
        ),
    );
    assert_eq!(state.chats.by_id[&chat(1)].summary.unread_count, 2);
    call_where(&answer_effects, |c| {
        matches!(c, ApiCall::MarkRead { seq: 5, .. })
    });
}

#[test]
fn frames_update_read_cursors_presence_and_typing() {
    let mut state = with_chats(vec![summary(1, 5, 0)]);
    let me = alice().id;
    let cases = [
        ServerFrame::Read {
            chat_id: chat(1),
            user_id: me,
            seq: 5,
        },
        ServerFrame::Read {
            chat_id: chat(1),
            user_id: bob_id(),
            seq: 4,
        },
        ServerFrame::Presence {
            event: PresenceEvent::UserOnline,
            user_id: bob_id(),
            timestamp: at(1),
        },
    ];
    for f in cases {
        frame(&mut state, f, at(1));
    }
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.summary.unread_count, 0, "read on another device");
    assert_eq!(entry.read_by_others(), 4);
    assert!(entry.summary.partner.as_ref().unwrap().online);

    let effects = frame(
        &mut state,
        ServerFrame::Typing {
            chat_id: chat(1),
            user_id: bob_id(),
            is_typing: true,
        },
        at(2),
    );
    assert!(effects.contains(&Effect::WakeAt(at(2) + TYPING_SHOWN)));
    assert!(state.chats.by_id[&chat(1)].typing.contains_key(&bob_id()));
    reduce(
        &mut state,
        Action::Tick {
            now: at(2) + TYPING_SHOWN,
        },
    );
    assert!(state.chats.by_id[&chat(1)].typing.is_empty());
}

#[test]
fn a_new_chat_from_a_frame_joins_the_list() {
    let mut state = with_chats(vec![summary(1, 1, 1)]);
    frame(
        &mut state,
        ServerFrame::ChatUpdated {
            chat: summary(2, 0, 0),
        },
        at(1),
    );
    assert_eq!(state.chats.order, vec![chat(1), chat(2)]);
    // a message in a chat the list does not know re-syncs the list
    let mut unknown = message(7, 1, bob_id());
    unknown.chat_id = chat(7);
    let effects = frame(
        &mut state,
        ServerFrame::NewMessage {
            message: unknown,
            event_seq: 0,
        },
        at(2),
    );
    call_where(&effects, |c| matches!(c, ApiCall::ListChats { .. }));
}
