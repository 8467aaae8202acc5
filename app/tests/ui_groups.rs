//! egui_kittest tests of groups: a service message drawn in words, the invitations at the top
//! of the chat list, the info panel's member menu offering only what the permission table
//! allows, leaving with its confirmation, and a chat I was removed from staying read-only.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use chrono::Utc;
use egui_kittest::kittest::Queryable as _;
use natter::action::{Action, GroupAction, SocketEventKind};
use natter::api::{ApiCall, ApiReply, GroupCall};
use natter::reduce::reduce;
use natter_shared::api::{
    ChatMember, ChatRole, DepartureReason, GroupRules, Invite, MemberInfo, MemberList, PersonRef,
    ServiceAction,
};
use natter_shared::ws::ServerFrame;
use natter_shared::{InviteId, UserId, Username};
use support::ui::*;
use uuid::Uuid;

fn member(id: UserId, name: &str, role: ChatRole) -> ChatMember {
    ChatMember {
        id,
        username: Username::parse(name).unwrap(),
        display_name: None,
        role,
        muted: false,
        read_seq: 0,
    }
}

fn info(id: UserId, name: &str, role: ChatRole) -> MemberInfo {
    MemberInfo {
        id,
        username: Username::parse(name).unwrap(),
        display_name: None,
        role,
        muted: false,
        online: id == bob_id(),
        joined_at: at(-1000),
    }
}

/// Alice in "Tea party" (chat 2) with Bob and Carol; the chat is open.
fn tea_party(service: Option<ServiceAction>) -> natter::state::AppState {
    let mut messages = vec![message(2, 1, bob_id(), "Who brings cake?", at(-300))];
    if let Some(action) = service {
        let mut m = message(2, 2, alice_id(), "", at(-200));
        m.service = Some(action);
        messages.push(m);
    }
    let mut state = with_chats(vec![group(2, "Tea party", messages.last().cloned())]);
    open(&mut state, 2, messages);
    let entry = state.chats.by_id.get_mut(&chat(2)).unwrap();
    entry.members = vec![
        member(alice_id(), "alice", ChatRole::Admin),
        member(bob_id(), "bob", ChatRole::Member),
        member(carol_id(), "carol", ChatRole::Owner),
    ];
    entry.members_requested = true;
    state
}

#[test]
fn a_service_message_is_drawn_in_words() {
    let state = tea_party(Some(ServiceAction::Departed {
        user_id: bob_id(),
        reason: DepartureReason::Removed,
    }));
    let mut harness = harness(state);
    harness.run_steps(4);
    // in the conversation and as the chat list's preview
    assert_eq!(harness.get_all_by_label("alice removed bob").count(), 2);
}

#[test]
fn an_invitation_is_accepted_from_the_chat_list() {
    let mut state = with_chats(vec![direct(1, None, 0)]);
    let invite = Invite {
        id: InviteId(Uuid::from_u128(77)),
        chat_id: chat(9),
        chat_title: "Book club".into(),
        member_count: 4,
        inviter: PersonRef {
            id: bob_id(),
            username: Username::parse("bob").unwrap(),
            display_name: None,
        },
        invitee_id: alice_id(),
        created_at: Utc::now(),
        expires_at: Utc::now(),
    };
    natter::testing::socket(
        &mut state,
        SocketEventKind::Frame(Box::new(ServerFrame::InviteReceived {
            invite: invite.clone(),
        })),
        at(0),
    );
    let mut harness = harness(state);
    harness.run_steps(3);
    harness.get_by_label("bob invites you to “Book club”");
    harness.get_by_label("Accept").click();
    harness.run_steps(2);
    let calls = calls(harness.state());
    assert!(calls.iter().any(|c| matches!(
        c,
        ApiCall::Group(GroupCall::Answer { invite: i, accept: true }) if *i == invite.id
    )));
}

fn with_panel(my_role: ChatRole) -> egui_kittest::Harness<'static, natter::testing::TestApp> {
    let mut state = tea_party(None);
    let effects = reduce(&mut state, Action::Group(GroupAction::PanelOpened(chat(2))));
    let list = MemberList {
        members: vec![
            info(carol_id(), "carol", ChatRole::Owner),
            info(alice_id(), "alice", my_role),
            info(bob_id(), "bob", ChatRole::Member),
        ],
        total: 3,
        my_role,
        my_muted: false,
        rules: GroupRules::default(),
    };
    let members = natter::testing::call(&effects, |c| {
        matches!(c, ApiCall::Group(GroupCall::Members(_)))
    });
    natter::testing::finish(&mut state, members, ApiReply::Members(list), at(0));
    harness(state)
}

#[test]
fn an_admin_is_offered_what_admins_may_do_and_nothing_on_the_owner() {
    let mut harness = with_panel(ChatRole::Admin);
    harness.run_steps(4);
    // nothing to do to the owner, nor to myself
    harness.get_all_by_label("carol").last().unwrap().click();
    harness.run_steps(2);
    assert!(harness.query_by_label("Remove from group").is_none());
    harness.get_all_by_label("alice").last().unwrap().click();
    harness.run_steps(2);
    assert!(harness.query_by_label("Remove from group").is_none());
    // Bob's menu
    harness.get_all_by_label("bob").last().unwrap().click();
    harness.run_steps(2);
    for offered in [
        "Make admin",
        "Make moderator",
        "Mute",
        "Remove from group",
        "Ban",
    ] {
        harness.get_by_label(offered);
    }
    assert!(
        harness.query_by_label("Make owner").is_none(),
        "only the owner hands over"
    );
    harness.get_by_label("Remove from group").click();
    harness.run_steps(2);
    assert!(calls(harness.state()).iter().any(|c| matches!(
        c,
        ApiCall::Group(GroupCall::Remove { user_id, .. }) if *user_id == bob_id()
    )));
    // admins manage the join links
    harness.get_by_label("Create a join link").click();
    harness.run_steps(2);
    assert!(
        calls(harness.state())
            .iter()
            .any(|c| matches!(c, ApiCall::Group(GroupCall::CreateLink(c)) if *c == chat(2)))
    );
}

#[test]
fn a_member_gets_no_member_menu_and_leaves_after_confirming() {
    let mut harness = with_panel(ChatRole::Member);
    harness.run_steps(4);
    harness.get_all_by_label("bob").last().unwrap().click();
    harness.run_steps(2);
    assert!(
        harness.query_by_label("Remove from group").is_none(),
        "a member may not"
    );
    assert!(
        harness.query_by_label("Create a join link").is_none(),
        "nor make links"
    );
    harness.get_by_label("Leave group").click();
    harness.run_steps(2);
    harness
        .get_by_label("Leave this group? You will keep what you have seen, and get nothing newer.");
    let before = calls(harness.state()).len();
    harness
        .get_all_by_label("Leave group")
        .last()
        .unwrap()
        .click();
    harness.run_steps(2);
    let calls = calls(harness.state());
    assert!(calls[before..].iter().any(|c| matches!(
        c,
        ApiCall::Group(GroupCall::Remove { user_id, .. }) if *user_id == alice_id()
    )));
}

#[test]
fn a_chat_i_was_removed_from_stays_readable_without_a_composer() {
    let mut state = tea_party(None);
    natter::testing::socket(
        &mut state,
        SocketEventKind::Frame(Box::new(ServerFrame::MembershipEnded {
            chat_id: chat(2),
            reason: DepartureReason::Removed,
        })),
        at(0),
    );
    let mut harness = harness(state);
    harness.run_steps(4);
    harness.get_by_label("You were removed from this group");
    harness.get_all_by_label("Who brings cake?").next().unwrap();
}

#[test]
fn a_message_request_is_answered_from_the_chat_list_and_a_blocked_chat_has_no_composer() {
    let mut request = direct(1, Some(message(1, 1, bob_id(), "Who are YOU?", at(-60))), 0);
    request.request_from = Some(bob_id());
    let mut blocked = group(2, "unused", None);
    blocked.kind = natter_shared::api::ChatKind::Direct;
    blocked.title = None;
    blocked.partner = direct(3, None, 0).partner;
    blocked.id = chat(3);
    blocked.blocked = true;
    let mut state = with_chats(vec![request, blocked]);
    open(&mut state, 3, Vec::new());
    let mut harness = harness(state);
    harness.run_steps(4);
    harness.get_by_label("Message requests");
    harness.get_by_label("You can no longer message each other here");
    harness.get_by_label("Block").click();
    harness.run_steps(2);
    assert!(calls(harness.state()).iter().any(|c| matches!(
        c,
        ApiCall::Group(GroupCall::Block { user_id, on: true }) if *user_id == bob_id()
    )));
    harness.get_all_by_label("Accept").next().unwrap().click();
    harness.run_steps(2);
    assert!(calls(harness.state()).iter().any(|c| matches!(
        c,
        ApiCall::Group(GroupCall::AnswerRequest { chat_id, accept: true }) if *chat_id == chat(1)
    )));
}

#[test]
fn typing_at_in_a_group_offers_the_members_and_a_click_completes_the_name() {
    let mut state = tea_party(None);
    reduce(
        &mut state,
        Action::ComposerEdited {
            chat_id: chat(2),
            text: "thanks @b".into(),
            now: at(0),
        },
    );
    let mut harness = harness(state);
    harness.run_steps(4);
    assert!(
        harness.query_by_label("@carol").is_none(),
        "only names that fit"
    );
    harness.get_by_label("@bob").click();
    harness.run_steps(2);
    let draft = harness.state().state.drafts.get(&chat(2)).cloned().unwrap();
    assert_eq!(draft.text, "thanks @bob ");
}

#[test]
fn a_pasted_join_link_is_followed_by_its_token() {
    let mut state = with_chats(vec![direct(1, None, 0)]);
    reduce(&mut state, Action::NewChatOpened { group: true });
    let mut harness = harness(state);
    harness.run_steps(3);
    harness.get_by_label("Join a group by its link").focus();
    harness.run();
    harness
        .get_by_label("Join a group by its link")
        .type_text("natter://join/abc123");
    harness.run_steps(2);
    harness.get_by_label("Join").click();
    harness.run_steps(2);
    assert!(calls(harness.state()).iter().any(|c| matches!(
        c,
        ApiCall::Group(GroupCall::Join(token)) if token == "abc123"
    )));
}

#[test]
fn a_group_i_was_removed_from_stays_listed_read_only_after_a_restart_until_dismissed() {
    // as restored from what the app kept: a group Alice was removed from
    let mut state = with_chats(vec![direct(1, None, 0)]);
    let gone = group(
        2,
        "Tea party",
        Some(message(2, 5, bob_id(), "see you", at(-60))),
    );
    state
        .chats
        .groups
        .ended
        .insert(chat(2), DepartureReason::Removed);
    state.chats.groups.ended_summaries.insert(chat(2), gone);
    // the next list sync (the server lists it no more) brings it back from what was kept
    let opened = natter::testing::socket(&mut state, SocketEventKind::Opened, at(2));
    let sync = natter::testing::call(&opened, |c| matches!(c, ApiCall::ListChats { .. }));
    let list = natter_shared::api::ChatList {
        chats: vec![direct(1, None, 0)],
        total: 1,
        has_more: false,
    };
    natter::testing::finish(&mut state, sync, ApiReply::Chats(list), at(3));
    assert!(state.chats.by_id.contains_key(&chat(2)), "kept in the list");
    reduce(&mut state, Action::ChatOpened(chat(2)));
    let mut harness = harness(state);
    harness.run_steps(4);
    harness.get_by_label("You were removed from this group");
    harness.get_all_by_label("…").last().unwrap().click();
    harness.run_steps(2);
    harness.get_by_label("Remove from the list").click();
    harness.run_steps(2);
    assert!(!harness.state().state.chats.by_id.contains_key(&chat(2)));
}
