//! Issue 15: presence and others' read cursors stay true across reconnects, and a partner's
//! message moves their read cursor (the server does so in the send's own transaction).

use natter_shared::api::{ChatList, DepartureReason, MessagePage, ServiceAction};
use natter_shared::ws::{PresenceEvent, ServerFrame};

use super::support::*;
use crate::action::{Action, SocketEventKind};
use crate::api::{ApiCall, ApiReply};
use crate::effect::Effect;
use crate::reduce::reduce;
use crate::state::AppState;
use crate::testing;

/// Chat 1 open, its latest page loaded: my message 1, nothing of Bob's yet.
fn my_message_open() -> AppState {
    let mut state = with_chats(vec![summary(1, 0, 0)]);
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    let latest = call_where(&effects, |c| matches!(c, ApiCall::History { .. }));
    let empty = MessagePage {
        messages: Vec::new(),
        has_previous: false,
        has_next: false,
    };
    reduce(&mut state, answer(&latest, Ok(ApiReply::Messages(empty))));
    frame(
        &mut state,
        ServerFrame::NewMessage {
            message: message(1, 1, alice().id),
            event_seq: 1,
        },
        at(1),
    );
    state
}

#[test]
fn a_partners_message_moves_their_read_cursor_without_a_read_frame() {
    let mut state = my_message_open();
    assert_eq!(
        state.chats.by_id[&chat(1)].read_by_others(),
        0,
        "not read yet"
    );

    live(&mut state, 2); // Bob replies (seq 2); no `read` frame comes

    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.others_read.get(&bob_id()), Some(&2));
    assert!(entry.read_by_others() >= 1, "my message 1 shows read");
}

#[test]
fn a_page_of_history_moves_the_senders_cursors_too_but_a_service_message_does_not() {
    let mut state = my_message_open();
    let mut joined = message(1, 3, bob_id());
    joined.service = Some(ServiceAction::Departed {
        user_id: bob_id(),
        reason: DepartureReason::Left,
    });
    let carol = natter_shared::UserId(uuid::Uuid::from_u128(77));
    crate::reduce::history::store_all(&mut state, chat(1), vec![message(1, 2, carol), joined]);
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.others_read.get(&carol), Some(&2), "carol wrote 2");
    assert_eq!(
        entry.others_read.get(&bob_id()),
        None,
        "a service message is the server's, not a read by Bob"
    );
    assert_eq!(
        entry.others_read.get(&alice().id),
        None,
        "my own cursor is not another's"
    );
}

#[test]
fn a_reply_to_my_pending_message_request_does_not_show_it_read() {
    // the server hides the partner's reads from the sender of a request not yet accepted
    let mut pending = summary(1, 0, 0);
    pending.request_from = Some(alice().id);
    let mut state = with_chats(vec![pending]);

    live(&mut state, 1);

    assert_eq!(state.chats.by_id[&chat(1)].read_by_others(), 0);
}

/// The link drops and comes back; the effects of the reopen.
fn reconnect(state: &mut AppState) -> Vec<Effect> {
    socket(state, SocketEventKind::Lost("reset".into()), at(20));
    let retry = match state.connection.status {
        crate::state::LinkStatus::Offline { retry_at } => retry_at,
        ref other => panic!("offline after a loss: {other:?}"),
    };
    reduce(state, Action::Tick { now: retry });
    socket(state, SocketEventKind::Opened, retry)
}

#[test]
fn a_reconnect_asks_the_open_chats_members_again_and_the_others_when_next_opened() {
    let mut state = with_chats(vec![summary(1, 0, 0), summary(2, 0, 0)]);
    reduce(&mut state, Action::ChatOpened(chat(2)));
    reduce(&mut state, Action::ChatOpened(chat(1)));
    assert!(state.chats.by_id[&chat(2)].members_requested);

    let effects = reconnect(&mut state);

    call_where(&effects, |c| matches!(c, ApiCall::ListChats { .. }));
    call_where(&effects, |c| *c == ApiCall::GetChat(chat(1)));
    assert!(
        !state.chats.by_id[&chat(2)].members_requested,
        "asked again when chat 2 is opened next"
    );
    let again = reduce(&mut state, Action::ChatOpened(chat(2)));
    call_where(&again, |c| *c == ApiCall::GetChat(chat(2)));
}

#[test]
fn a_partner_who_left_while_the_link_was_down_is_offline_after_the_reconnect() {
    let mut state = with_chats(vec![summary(1, 0, 0)]);
    frame(
        &mut state,
        ServerFrame::Presence {
            event: PresenceEvent::UserOnline,
            user_id: bob_id(),
            timestamp: at(1),
        },
        at(1),
    );
    assert!(
        state.chats.by_id[&chat(1)]
            .summary
            .partner
            .as_ref()
            .unwrap()
            .online
    );

    // Bob's `user_offline` went out while this link was down; the reconnect's list says so
    let effects = reconnect(&mut state);
    let list = call_where(&effects, |c| matches!(c, ApiCall::ListChats { .. }));
    let offline = testing::direct_with_bob(1, None, 0, None, false, at(0));
    reduce(
        &mut state,
        answer(
            &list,
            Ok(ApiReply::Chats(ChatList {
                total: 1,
                chats: vec![offline],
                has_more: false,
            })),
        ),
    );

    assert!(
        !state.chats.by_id[&chat(1)]
            .summary
            .partner
            .as_ref()
            .unwrap()
            .online
    );
}

#[test]
fn an_open_member_list_follows_presence_frames_and_is_asked_again_after_a_reconnect() {
    use crate::action::GroupAction;
    use crate::api::GroupCall;
    use natter_shared::api::{ChatRole, GroupRules, MemberInfo, MemberList};

    let mut state = with_chats(vec![summary(1, 0, 0)]);
    let effects = reduce(&mut state, Action::Group(GroupAction::PanelOpened(chat(1))));
    let members = call_where(&effects, |c| {
        matches!(c, ApiCall::Group(GroupCall::Members(_)))
    });
    let bob = MemberInfo {
        id: bob_id(),
        username: natter_shared::Username::parse("bob").unwrap(),
        display_name: None,
        role: ChatRole::Member,
        muted: false,
        online: false,
        joined_at: at(0),
    };
    let list = MemberList {
        members: vec![bob],
        total: 1,
        my_role: ChatRole::Owner,
        my_muted: false,
        rules: GroupRules::default(),
    };
    reduce(&mut state, answer(&members, Ok(ApiReply::Members(list))));
    frame(
        &mut state,
        ServerFrame::Presence {
            event: PresenceEvent::UserOnline,
            user_id: bob_id(),
            timestamp: at(2),
        },
        at(2),
    );
    let shown = |state: &AppState| {
        let panel = state.chats.groups.panel.as_ref().unwrap();
        panel.members.as_ref().unwrap().members[0].online
    };
    assert!(shown(&state), "the dot follows the frame");

    let effects = reconnect(&mut state);

    call_where(&effects, |c| {
        *c == ApiCall::Group(GroupCall::Members(chat(1)))
    });
}
