//! The actions behind the screens: drafts and typing, replies, the chat filter, the
//! new-chat dialog (debounced search, create), settings, mute, notifications, the unread
//! marker, members, and reopening the last chat.

use chrono::FixedOffset;
use natter_shared::api::{
    ChatDetails, ChatMember, ChatRole, CreateChatRequest, User, UserSearchResponse,
};
use natter_shared::ws::{ClientFrame, ServerFrame};
use natter_shared::{RequestId, Username};
use uuid::Uuid;

use super::support::*;
use crate::action::Action;
use crate::api::{ApiCall, ApiReply};
use crate::effect::{Effect, Notification};
use crate::reduce::reduce;
use crate::state::{AppState, Preference, Screen, ShellTab, Theme};

fn bob() -> User {
    User {
        avatar: None,
        id: bob_id(),
        username: Username::parse("bob").unwrap(),
        display_name: None,
        bio: String::new(),
        created_at: at(0),
        last_seen_at: None,
        presence_visibility: None,
    }
}

fn edit(state: &mut AppState, n: u128, text: &str, secs: i64) -> Vec<Effect> {
    reduce(
        state,
        Action::ComposerEdited {
            chat_id: chat(n),
            text: text.into(),
            now: at(secs),
        },
    )
}

fn typing(effects: &[Effect]) -> Vec<bool> {
    sent_frames(effects)
        .into_iter()
        .filter_map(|f| match f {
            ClientFrame::Typing { is_typing, .. } => Some(is_typing),
            _ => None,
        })
        .collect()
}

fn notifications(effects: &[Effect]) -> Vec<Notification> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

fn incoming(state: &mut AppState, n: u128, seq: i64, secs: i64) -> Vec<Effect> {
    let message = message(n, seq, bob_id());
    frame(
        state,
        ServerFrame::NewMessage {
            message,
            event_seq: 0,
        },
        at(secs),
    )
}

#[test]
fn each_chat_keeps_its_own_draft_and_typing_goes_out_at_most_every_three_seconds() {
    let mut state = with_chats(vec![summary(1, 1, 1), summary(2, 1, 1)]);
    assert_eq!(typing(&edit(&mut state, 1, "h", 10)), vec![true]);
    assert_eq!(typing(&edit(&mut state, 1, "hi", 11)), Vec::<bool>::new());
    assert_eq!(typing(&edit(&mut state, 1, "hi!", 13)), vec![true]);
    edit(&mut state, 2, "other", 14);
    assert_eq!(state.drafts[&chat(1)].text, "hi!");
    assert_eq!(state.drafts[&chat(2)].text, "other");
    let cleared = edit(&mut state, 2, "", 15);
    assert_eq!(typing(&cleared), vec![false]);
    assert!(!state.drafts.contains_key(&chat(2)));
}

#[test]
fn sending_clears_the_draft_and_its_reply() {
    let mut state = with_open_chat(3);
    edit(&mut state, 1, "an answer", 5);
    let quoted = state.chats.by_id[&chat(1)].messages[&2].id;
    reduce(
        &mut state,
        Action::ReplyChosen {
            chat_id: chat(1),
            message_id: Some(quoted),
        },
    );
    assert_eq!(state.drafts[&chat(1)].reply_to, Some(quoted));
    let effects = reduce(
        &mut state,
        Action::MessageSubmitted {
            chat_id: chat(1),
            text: "an answer".into(),
            reply_to: Some(quoted),
            request_id: RequestId(Uuid::from_u128(77)),
            now: at(6),
        },
    );
    let frames = sent_frames(&effects);
    let [ClientFrame::Message { reply_to, .. }] = frames.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(*reply_to, Some(quoted));
    assert!(state.drafts.is_empty());
}

#[test]
fn cancelling_a_reply_keeps_the_text() {
    let mut state = with_open_chat(3);
    edit(&mut state, 1, "text", 5);
    let quoted = state.chats.by_id[&chat(1)].messages[&1].id;
    let reply = |message_id| Action::ReplyChosen {
        chat_id: chat(1),
        message_id,
    };
    reduce(&mut state, reply(Some(quoted)));
    reduce(&mut state, reply(None));
    assert_eq!(state.drafts[&chat(1)].reply_to, None);
    assert_eq!(state.drafts[&chat(1)].text, "text");
}

#[test]
fn the_chat_filter_is_kept() {
    let mut state = with_chats(vec![summary(1, 1, 1)]);
    reduce(&mut state, Action::ChatFilterEdited("bo".into()));
    assert_eq!(state.chat_filter, "bo");
}

#[test]
fn the_user_search_runs_once_typing_pauses_and_hides_oneself() {
    let mut state = with_chats(vec![]);
    reduce(&mut state, Action::NewChatOpened { group: false });
    let search = |query: &str, ms| Action::UserSearchEdited {
        query: query.into(),
        now: at_ms(ms),
    };
    // fewer than three letters are not sent: the server would answer 400
    assert!(reduce(&mut state, search("bo", 0)).is_empty());
    let first = reduce(&mut state, search("bob", 50));
    assert_eq!(first, vec![Effect::WakeAt(at_ms(350))]);
    reduce(&mut state, search("bob", 100));
    assert!(api(&reduce(&mut state, Action::Tick { now: at_ms(300) })).is_empty());
    let effects = reduce(&mut state, Action::Tick { now: at_ms(400) });
    let request = call_where(&effects, |c| matches!(c, ApiCall::SearchUsers { .. }));
    assert_eq!(
        request.call,
        ApiCall::SearchUsers {
            query: "bob".into()
        }
    );
    let found = UserSearchResponse {
        users: vec![alice(), bob()],
        has_more: false,
    };
    reduce(&mut state, answer(&request, Ok(ApiReply::Users(found))));
    let dialog = state.new_chat.as_ref().unwrap();
    assert_eq!(dialog.results, vec![bob()]);
    assert_eq!(dialog.searching, None);
}

#[test]
fn an_answer_to_an_older_search_is_dropped() {
    let mut state = with_chats(vec![]);
    reduce(&mut state, Action::NewChatOpened { group: false });
    reduce(
        &mut state,
        Action::UserSearchEdited {
            query: "bob".into(),
            now: at(0),
        },
    );
    let effects = reduce(&mut state, Action::Tick { now: at(1) });
    let old = call_where(&effects, |c| matches!(c, ApiCall::SearchUsers { .. }));
    reduce(
        &mut state,
        Action::UserSearchEdited {
            query: "bobby".into(),
            now: at(2),
        },
    );
    reduce(&mut state, Action::Tick { now: at(3) });
    let found = UserSearchResponse {
        users: vec![bob()],
        has_more: false,
    };
    reduce(&mut state, answer(&old, Ok(ApiReply::Users(found))));
    assert!(state.new_chat.as_ref().unwrap().results.is_empty());
}

#[test]
fn picking_a_person_creates_the_direct_chat_and_opens_it() {
    let mut state = with_chats(vec![]);
    reduce(&mut state, Action::NewChatOpened { group: false });
    let effects = reduce(&mut state, Action::DirectChatRequested(bob_id()));
    let request = call_where(&effects, |c| matches!(c, ApiCall::CreateChat(_)));
    let ApiCall::CreateChat(body) = &request.call else {
        unreachable!()
    };
    assert_eq!(
        body,
        &CreateChatRequest::Direct {
            partner_id: bob_id()
        }
    );
    let effects = reduce(
        &mut state,
        answer(&request, Ok(ApiReply::Chat(Box::new(summary(5, 0, 0))))),
    );
    assert!(state.new_chat.is_none());
    assert_eq!(state.chats.open, Some(chat(5)));
    call_where(&effects, |c| matches!(c, ApiCall::History { .. }));
}

#[test]
fn a_group_needs_a_title_and_members() {
    let mut state = with_chats(vec![]);
    reduce(&mut state, Action::NewChatOpened { group: true });
    assert!(reduce(&mut state, Action::GroupCreateRequested).is_empty());
    reduce(&mut state, Action::GroupMemberToggled(bob()));
    assert!(reduce(&mut state, Action::GroupCreateRequested).is_empty());
    reduce(&mut state, Action::GroupTitleEdited(" Tea party ".into()));
    let effects = reduce(&mut state, Action::GroupCreateRequested);
    let request = call_where(&effects, |c| matches!(c, ApiCall::CreateChat(_)));
    assert_eq!(
        request.call,
        ApiCall::CreateChat(CreateChatRequest::Group {
            title: "Tea party".into(),
            member_ids: vec![bob_id()],
        })
    );
    // toggling again removes the member
    reduce(&mut state, Action::GroupMemberToggled(bob()));
    assert!(state.new_chat.as_ref().unwrap().members.is_empty());
}

#[test]
fn settings_and_mutes_are_kept() {
    let mut state = with_chats(vec![summary(1, 1, 1)]);
    for preference in [
        Preference::Notifications(false),
        Preference::Previews(false),
        Preference::Sound(false),
        Preference::Theme(Theme::Dark),
    ] {
        reduce(&mut state, Action::PreferenceSet(preference));
    }
    let s = &state.settings;
    assert!(!s.notifications && !s.previews && !s.sound);
    assert_eq!(s.theme, Theme::Dark);
    let mute = |muted| Action::ChatMuteSet {
        chat_id: chat(1),
        muted,
    };
    reduce(&mut state, mute(true));
    reduce(&mut state, mute(true));
    assert_eq!(state.settings.muted, vec![chat(1)]);
    reduce(&mut state, mute(false));
    assert!(state.settings.muted.is_empty());
}

#[test]
fn ctrl_enter_send_mode_is_off_by_default_and_follows_the_setting() {
    let mut state = with_chats(vec![summary(1, 1, 1)]);
    assert!(!state.settings.ctrl_enter_sends);
    let effects = reduce(
        &mut state,
        Action::PreferenceSet(Preference::CtrlEnterSends(true)),
    );
    assert!(effects.is_empty());
    assert!(state.settings.ctrl_enter_sends);
    reduce(
        &mut state,
        Action::PreferenceSet(Preference::CtrlEnterSends(false)),
    );
    assert!(!state.settings.ctrl_enter_sends);
}

#[test]
fn the_clock_and_focus_are_recorded() {
    let mut state = with_chats(vec![]);
    let offset = FixedOffset::east_opt(7200).unwrap();
    reduce(&mut state, Action::ClockSet { now: at(9), offset });
    assert_eq!((state.clock.now, state.clock.offset), (at(9), offset));
    reduce(&mut state, Action::WindowFocused(false));
    assert!(!state.window_focused);
}

#[test]
fn a_message_in_a_chat_not_on_screen_notifies_once_per_burst() {
    let mut state = with_chats(vec![summary(1, 1, 1), summary(2, 1, 1)]);
    reduce(&mut state, Action::ChatOpened(chat(2)));
    let shown = notifications(&incoming(&mut state, 1, 2, 10));
    assert_eq!(
        shown,
        vec![Notification {
            chat_id: chat(1),
            title: "bob".into(),
            body: "message 2".into(),
            sound: true,
        }]
    );
    assert!(
        notifications(&incoming(&mut state, 1, 3, 11)).is_empty(),
        "coalesced"
    );
    let later = notifications(&incoming(&mut state, 1, 4, 20));
    assert_eq!(later.len(), 1);
    assert!(
        later[0].body.contains("3 new messages"),
        "{:?}",
        later[0].body
    );
}

#[test]
fn no_notification_for_the_chat_on_screen_unless_the_window_is_unfocused() {
    let mut state = with_chats(vec![summary(1, 1, 1)]);
    reduce(&mut state, Action::ChatOpened(chat(1)));
    assert!(notifications(&incoming(&mut state, 1, 2, 10)).is_empty());
    reduce(&mut state, Action::WindowFocused(false));
    assert_eq!(notifications(&incoming(&mut state, 1, 3, 11)).len(), 1);
}

#[test]
fn muted_chats_and_own_messages_do_not_notify_and_previews_can_be_hidden() {
    let mut state = with_chats(vec![summary(1, 1, 1), summary(2, 1, 1)]);
    let mute = Action::ChatMuteSet {
        chat_id: chat(1),
        muted: true,
    };
    reduce(&mut state, mute);
    assert!(notifications(&incoming(&mut state, 1, 2, 10)).is_empty());
    let own = message(2, 2, alice().id);
    let effects = frame(
        &mut state,
        ServerFrame::NewMessage {
            message: own,
            event_seq: 0,
        },
        at(11),
    );
    assert!(notifications(&effects).is_empty());
    reduce(
        &mut state,
        Action::PreferenceSet(Preference::Previews(false)),
    );
    let shown = notifications(&incoming(&mut state, 2, 3, 12));
    assert_eq!(
        (shown[0].title.as_str(), shown[0].body.as_str()),
        ("Natter", "New message")
    );
    reduce(
        &mut state,
        Action::PreferenceSet(Preference::Notifications(false)),
    );
    assert!(notifications(&incoming(&mut state, 2, 4, 30)).is_empty());
}

#[test]
fn a_mention_notifies_even_in_a_muted_chat_and_service_messages_never_do() {
    let mut state = with_chats(vec![summary(1, 1, 1)]);
    reduce(
        &mut state,
        Action::ChatMuteSet {
            chat_id: chat(1),
            muted: true,
        },
    );
    assert!(
        notifications(&incoming(&mut state, 1, 2, 10)).is_empty(),
        "muted"
    );
    let mut mention = message(1, 3, bob_id());
    mention.mentions = vec![alice().id];
    let effects = frame(
        &mut state,
        ServerFrame::NewMessage {
            message: mention,
            event_seq: 0,
        },
        at(20),
    );
    assert_eq!(
        notifications(&effects).len(),
        1,
        "a mention gets through the mute"
    );
    let mut service = message(1, 4, bob_id());
    service.service = Some(natter_shared::api::ServiceAction::DescriptionChanged);
    service.mentions = vec![alice().id];
    let effects = frame(
        &mut state,
        ServerFrame::NewMessage {
            message: service,
            event_seq: 0,
        },
        at(40),
    );
    assert!(
        notifications(&effects).is_empty(),
        "service messages are no news"
    );
}

#[test]
fn opening_a_chat_marks_where_unread_begins_and_loads_its_members() {
    let mut state = with_chats(vec![summary(1, 9, 6)]);
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    assert_eq!(state.chats.by_id[&chat(1)].unread_marker, Some(7));
    let request = call_where(&effects, |c| matches!(c, ApiCall::GetChat(_)));
    let member = |id, name: &str, read_seq| ChatMember {
        id,
        username: Username::parse(name).unwrap(),
        display_name: None,
        role: ChatRole::Member,
        muted: false,
        read_seq,
    };
    let details = ChatDetails {
        chat: summary(1, 9, 6),
        members: vec![member(alice().id, "alice", 6), member(bob_id(), "bob", 8)],
        group: None,
    };
    reduce(
        &mut state,
        answer(&request, Ok(ApiReply::ChatDetails(Box::new(details)))),
    );
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(entry.read_by_others(), 8);
    assert_eq!(entry.members.len(), 2);
    // opened again: the members are not asked for twice
    reduce(&mut state, Action::ChatClosed);
    let again = reduce(&mut state, Action::ChatOpened(chat(1)));
    assert!(
        api(&again)
            .iter()
            .all(|r| !matches!(r.call, ApiCall::GetChat(_)))
    );
}

#[test]
fn the_chat_open_at_the_last_exit_opens_once_the_list_has_it() {
    let (mut state, effects) = online();
    state.reopen = Some(chat(2));
    let list = call_where(&effects, |c| matches!(c, ApiCall::ListChats { .. }));
    let reply = natter_shared::api::ChatList {
        chats: vec![summary(1, 1, 1), summary(2, 1, 1)],
        total: 2,
        has_more: false,
    };
    reduce(&mut state, answer(&list, Ok(ApiReply::Chats(reply))));
    assert_eq!(state.chats.open, Some(chat(2)));
    assert_eq!(state.reopen, None);
}

#[test]
fn signing_in_shows_the_chats_tab() {
    let (state, _) = signed_in();
    let Screen::Shell(shell) = &state.screen else {
        panic!()
    };
    assert_eq!(shell.tab, ShellTab::Chats);
}
