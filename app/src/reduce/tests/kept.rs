//! The local store from the reducer's side: the writes each change makes, what comes back
//! at start (the shell with the chats at once, signing back in behind them, retried by
//! itself), and sends the server answered `overloaded`.

use chrono::Offset as _;
use natter_shared::ErrorCode;
use natter_shared::api::MessagePage;
use natter_shared::ws::{ClientFrame, ServerFrame};

use super::support::*;
use crate::action::{Action, SocketEventKind};
use crate::api::{ApiCall, ApiReply, NetErrorKind};
use crate::effect::{Effect, SocketCommand, StoreWrite};
use crate::reduce::reduce;
use crate::state::kept::{KEPT_MESSAGES, Kept, KeptChat};
use crate::state::{AppState, LinkStatus, OutgoingState, Screen};
use crate::token_store::StoredSession;

fn stored() -> StoredSession {
    StoredSession {
        server_url: URL.into(),
        user_id: alice().id,
        username: "alice".into(),
        session_id: this_session(),
        refresh_token: "refresh-0".into(),
    }
}

/// The app started with `kept` from the store and the stored session: the effects of the
/// start (signing back in).
fn started_from(kept: Kept) -> (AppState, Vec<Effect>) {
    let mut state = fresh();
    reduce(&mut state, Action::KeptLoaded(Box::new(kept)));
    let effects = reduce(
        &mut state,
        Action::Started {
            stored: Some(stored()),
        },
    );
    (state, effects)
}

/// Signing in could not reach the server.
fn unreachable() -> crate::api::ApiFailure {
    crate::api::ApiFailure::Network {
        kind: NetErrorKind::Unreachable,
        detail: "refused".into(),
    }
}

/// What a store holds after Alice read chat 1 up to seq 3 of 3.
fn kept() -> Kept {
    let mut one = summary(1, 3, 3);
    one.last_event_seq = 5;
    Kept {
        user: Some(alice()),
        chats: vec![
            KeptChat {
                summary: one,
                messages: (1..=3).map(|s| message(1, s, bob_id())).collect(),
                synced_seq: Some(3),
                event_seq: Some(5),
                read_wanted: 3,
                others_read: [(bob_id(), 3)].into(),
                members: Vec::new(),
                group: None,
                pins: Vec::new(),
            },
            KeptChat {
                summary: summary(2, 0, 0),
                messages: Vec::new(),
                synced_seq: None,
                event_seq: None,
                read_wanted: 0,
                others_read: Default::default(),
                members: Vec::new(),
                group: None,
                pins: Vec::new(),
            },
        ],
        ..Kept::default()
    }
}

#[test]
fn a_queued_send_is_written_in_the_same_dispatch_that_shows_it() {
    let mut state = with_chats(vec![summary(1, 0, 0)]);
    socket(&mut state, SocketEventKind::Lost("down".into()), at(1));
    let effects = submit(&mut state, 1, "written offline", 2);
    assert_eq!(state.chats.outbox[0].state, OutgoingState::Queued);
    let sends: Vec<_> = store_writes(&effects)
        .into_iter()
        .filter_map(|w| match w {
            StoreWrite::Sends(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(sends.len(), 1, "{effects:?}");
    assert_eq!(sends[0].len(), 1);
    assert_eq!(sends[0][0].request_id, request(1));
    assert_eq!(sends[0][0].text, "written offline");
}

#[test]
fn the_acknowledgement_removes_the_send_from_the_store() {
    let mut state = with_open_chat(2);
    submit(&mut state, 1, "hello", 10);
    let effects = acknowledge(&mut state, 1, sent(3, "hello"), at(11));
    let w = store_writes(&effects);
    assert!(
        w.iter()
            .any(|w| matches!(w, StoreWrite::Sends(s) if s.is_empty())),
        "{w:?}"
    );
    assert!(
        w.iter().any(
            |w| matches!(w, StoreWrite::Chat(c) if c.messages.last().is_some_and(|m| m.seq == 3))
        ),
        "the message joins the kept history: {w:?}"
    );
}

#[test]
fn each_draft_change_is_written_and_an_emptied_draft_is_removed() {
    let mut state = with_open_chat(2);
    let effects = reduce(
        &mut state,
        Action::ComposerEdited {
            chat_id: chat(1),
            text: "half a th".into(),
            now: at(5),
        },
    );
    match store_writes(&effects).as_slice() {
        [StoreWrite::Draft(id, Some(draft))] => {
            assert_eq!((*id, draft.text.as_str()), (chat(1), "half a th"));
        }
        other => panic!("one draft write: {other:?}"),
    }
    let effects = reduce(
        &mut state,
        Action::ComposerEdited {
            chat_id: chat(1),
            text: String::new(),
            now: at(6),
        },
    );
    assert!(
        store_writes(&effects)
            .iter()
            .any(|w| matches!(w, StoreWrite::Draft(id, None) if *id == chat(1))),
        "{effects:?}"
    );
}

#[test]
fn the_clock_of_each_frame_writes_nothing() {
    let mut state = with_open_chat(2);
    let effects = reduce(
        &mut state,
        Action::ClockSet {
            now: at(100),
            offset: chrono::Utc.fix(),
        },
    );
    assert!(store_writes(&effects).is_empty());
    let effects = reduce(&mut state, Action::Tick { now: at(101) });
    assert!(store_writes(&effects).is_empty(), "nothing kept changed");
}

#[test]
fn a_loaded_page_is_kept_with_its_cursor_and_only_the_newest_messages() {
    let mut state = with_chats(vec![summary(1, 150, 150)]);
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    let latest = call_where(&effects, |c| matches!(c, ApiCall::History { .. }));
    let page = MessagePage {
        messages: (1..=150).map(|s| message(1, s, bob_id())).collect(),
        has_previous: false,
        has_next: false,
    };
    let effects = reduce(&mut state, answer(&latest, Ok(ApiReply::Messages(page))));
    let chats = kept_chats(&effects);
    let kept = chats.last().expect("the chat is written");
    assert_eq!(kept.messages.len(), KEPT_MESSAGES);
    assert_eq!(kept.messages.last().map(|m| m.seq), Some(150));
    assert_eq!(kept.synced_seq, Some(150));
    assert_eq!(kept.event_seq, Some(150), "the list's last_event_seq");
}

#[test]
fn a_chat_gone_from_the_list_is_removed_from_the_store() {
    let mut state = with_chats(vec![summary(1, 0, 0), summary(2, 0, 0)]);
    socket(&mut state, SocketEventKind::Lost("x".into()), at(1));
    reduce(&mut state, Action::ReconnectRequested { now: at(2) });
    let effects = socket(&mut state, SocketEventKind::Opened, at(3));
    let list = call_where(&effects, |c| matches!(c, ApiCall::ListChats { .. }));
    let effects = reduce(
        &mut state,
        answer(
            &list,
            Ok(ApiReply::Chats(natter_shared::api::ChatList {
                chats: vec![summary(1, 0, 0)],
                total: 1,
                has_more: false,
            })),
        ),
    );
    assert!(
        store_writes(&effects)
            .iter()
            .any(|w| matches!(w, StoreWrite::ChatGone(id) if *id == chat(2))),
        "{effects:?}"
    );
}

#[test]
fn nothing_is_written_once_signed_out() {
    let mut state = with_open_chat(2);
    let effects = reduce(&mut state, Action::RestoreAbandoned);
    assert!(store_writes(&effects).is_empty());
}

#[test]
fn a_kept_account_opens_in_the_shell_with_its_chats_before_any_answer() {
    let (state, effects) = started_from(kept());
    assert!(
        matches!(state.screen, Screen::Shell(_)),
        "{:?}",
        state.screen
    );
    assert!(state.chats.loaded);
    assert_eq!(state.chats.order.len(), 2);
    let one = &state.chats.by_id[&chat(1)];
    assert_eq!(one.messages.len(), 3);
    assert_eq!((one.synced_seq, one.event_seq), (Some(3), Some(5)));
    assert_eq!(one.read_by_others(), 3);
    assert!(one.history.reached_start);
    // signing back in goes on behind the chats: the refresh is the link's first step
    assert!(matches!(only_api(&effects).call, ApiCall::Refresh(_)));
    assert!(state.connection.awaiting_token);
    assert!(
        store_writes(&effects).is_empty(),
        "nothing changed: nothing to write"
    );
}

#[test]
fn the_chat_open_at_the_last_close_opens_from_the_store_without_a_history_call() {
    let mut state = fresh();
    state.reopen = Some(chat(1));
    reduce(&mut state, Action::KeptLoaded(Box::new(kept())));
    let effects = reduce(
        &mut state,
        Action::Started {
            stored: Some(stored()),
        },
    );
    assert_eq!(state.chats.open, Some(chat(1)));
    assert!(
        api(&effects)
            .iter()
            .all(|r| !matches!(r.call, ApiCall::History { .. })),
        "its history is there: {effects:?}"
    );
}

#[test]
fn an_unreachable_server_is_tried_again_by_itself_until_it_answers() {
    let (mut state, effects) = started_from(kept());
    let refresh = only_api(&effects).clone();
    let effects = reduce(&mut state, answer(&refresh, Err(unreachable())));
    let LinkStatus::Offline { retry_at } = state.connection.status else {
        panic!("offline, waiting to retry: {:?}", state.connection.status);
    };
    assert!(effects.contains(&Effect::WakeAt(retry_at)), "{effects:?}");
    assert!(
        matches!(state.screen, Screen::Shell(_)),
        "still on the chats"
    );
    // the wake-up: signing in again, no click needed
    let effects = reduce(&mut state, Action::Tick { now: retry_at });
    assert!(matches!(only_api(&effects).call, ApiCall::Refresh(_)));
    let effects = reduce(
        &mut state,
        answer(
            only_api(&effects),
            Ok(ApiReply::Tokens(Box::new(tokens(2)))),
        ),
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Socket(SocketCommand::Open { .. }))),
        "the link opens with the new token: {effects:?}"
    );
}

#[test]
fn without_a_store_the_restore_screen_retries_by_itself_too() {
    let mut state = fresh();
    let effects = reduce(
        &mut state,
        Action::Started {
            stored: Some(stored()),
        },
    );
    assert!(matches!(state.screen, Screen::Restoring { failure: None }));
    let refresh = only_api(&effects).clone();
    reduce(&mut state, answer(&refresh, Err(unreachable())));
    assert!(matches!(
        state.screen,
        Screen::Restoring { failure: Some(_) }
    ));
    let LinkStatus::Offline { retry_at } = state.connection.status else {
        panic!("a retry is scheduled: {:?}", state.connection.status);
    };
    let effects = reduce(&mut state, Action::Tick { now: retry_at });
    let effects = reduce(
        &mut state,
        answer(
            only_api(&effects),
            Ok(ApiReply::Tokens(Box::new(tokens(2)))),
        ),
    );
    assert!(matches!(state.screen, Screen::Shell(_)));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Socket(SocketCommand::Open { .. })))
    );
}

#[test]
fn kept_sends_go_out_with_their_request_ids_when_the_link_opens() {
    let mut k = kept();
    k.sends = vec![crate::state::kept::KeptSend {
        request_id: request(9),
        chat_id: chat(1),
        text: "from before the kill".into(),
        reply_to: None,
        uploads: Vec::new(),
        created_at: at(0),
    }];
    let (mut state, effects) = started_from(k);
    let effects = reduce(
        &mut state,
        answer(
            only_api(&effects),
            Ok(ApiReply::Tokens(Box::new(tokens(2)))),
        ),
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Socket(SocketCommand::Open { .. })))
    );
    let effects = socket(&mut state, SocketEventKind::Opened, at(5));
    let frames = sent_frames(&effects);
    assert!(
        frames.iter().any(
            |f| matches!(f, ClientFrame::Message { request_id, text, .. }
            if *request_id == request(9) && text == "from before the kill")
        ),
        "{frames:?}"
    );
}

#[test]
fn an_overloaded_send_stays_queued_and_goes_again_with_the_same_request_id() {
    let mut state = with_open_chat(2);
    submit(&mut state, 1, "busy server", 10);
    let effects = frame(
        &mut state,
        ServerFrame::Error {
            request_id: Some(request(1)),
            code: ErrorCode::Overloaded,
            message: "try later".into(),
        },
        at(11),
    );
    assert_eq!(state.chats.outbox[0].state, OutgoingState::Queued);
    let wait = state.chats.send_backoff[&request(1)];
    assert_eq!(wait.attempts, 1);
    let ms = (wait.until - at(11)).num_milliseconds();
    assert!((250..=500).contains(&ms), "about half a second: {ms}");
    assert!(effects.contains(&Effect::WakeAt(wait.until)));
    // not before its time, even when the link opens again meanwhile
    assert!(sent_frames(&reduce(&mut state, Action::Tick { now: at(11) })).is_empty());
    let effects = reduce(&mut state, Action::Tick { now: wait.until });
    assert!(
        matches!(sent_frames(&effects).as_slice(), [ClientFrame::Message { request_id, .. }] if *request_id == request(1)),
        "{effects:?}"
    );
    // overloaded again: the wait doubles
    let later = wait.until;
    frame(
        &mut state,
        ServerFrame::Error {
            request_id: Some(request(1)),
            code: ErrorCode::Overloaded,
            message: "still busy".into(),
        },
        later,
    );
    let second = state.chats.send_backoff[&request(1)];
    assert_eq!(second.attempts, 2);
    let ms = (second.until - later).num_milliseconds();
    assert!((500..=1_000).contains(&ms), "about a second: {ms}");
    // and the acknowledgement settles it
    acknowledge(&mut state, 1, sent(3, "busy server"), second.until);
    assert!(state.chats.outbox.is_empty());
    assert!(state.chats.send_backoff.is_empty());
}

#[test]
fn another_refusal_still_fails_the_send() {
    let mut state = with_open_chat(2);
    submit(&mut state, 1, "not allowed", 10);
    frame(
        &mut state,
        ServerFrame::Error {
            request_id: Some(request(1)),
            code: ErrorCode::Forbidden,
            message: "no".into(),
        },
        at(11),
    );
    assert!(matches!(
        state.chats.outbox[0].state,
        OutgoingState::Failed(_)
    ));
    assert!(state.chats.send_backoff.is_empty());
}

#[test]
fn pinned_messages_are_kept_and_shown_again_at_an_offline_start() {
    let mut state = with_chats(vec![summary(1, 3, 3)]);
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    let latest = call_where(&effects, |c| matches!(c, ApiCall::History { .. }));
    let page = MessagePage {
        messages: (1..=3).map(|s| message(1, s, bob_id())).collect(),
        has_previous: false,
        has_next: false,
    };
    let effects = reduce(&mut state, answer(&latest, Ok(ApiReply::Messages(page))));
    let pins_call = call_where(&effects, |c| matches!(c, ApiCall::Pins(_)));
    let pins = vec![message(1, 2, bob_id())];
    let effects = reduce(
        &mut state,
        answer(
            &pins_call,
            Ok(ApiReply::Pins(natter_shared::api::Pins {
                messages: pins.clone(),
            })),
        ),
    );
    let written = kept_chats(&effects);
    assert_eq!(
        written.last().map(|c| c.pins.clone()),
        Some(pins.clone()),
        "{effects:?}"
    );

    let mut k = kept();
    k.chats[0].pins = pins.clone();
    let (state, _) = started_from(k);
    let entry = &state.chats.by_id[&chat(1)];
    assert_eq!(
        entry.pins, pins,
        "the pinned bar has them before any answer"
    );
    assert!(!entry.pins_requested, "asked for again once online");
}

#[test]
fn a_members_role_change_alone_rewrites_the_kept_members() {
    use natter_shared::Username;
    use natter_shared::api::{ChatDetails, ChatMember, ChatRole};
    let mut state = with_chats(vec![summary(1, 2, 2)]);
    let effects = reduce(&mut state, Action::ChatOpened(chat(1)));
    let request = call_where(&effects, |c| matches!(c, ApiCall::GetChat(_)));
    let details = |bob_role| ChatDetails {
        chat: summary(1, 2, 2),
        members: vec![
            ChatMember {
                id: alice().id,
                username: Username::parse("alice").unwrap(),
                display_name: None,
                role: ChatRole::Owner,
                muted: false,
                read_seq: 2,
            },
            ChatMember {
                id: bob_id(),
                username: Username::parse("bob").unwrap(),
                display_name: None,
                role: bob_role,
                muted: false,
                read_seq: 2,
            },
        ],
        group: None,
    };
    let detailed = |state: &mut AppState, role| {
        reduce(
            state,
            answer(&request, Ok(ApiReply::ChatDetails(Box::new(details(role))))),
        )
    };
    detailed(&mut state, ChatRole::Member);
    // the same two people; only Bob's role differs
    let effects = detailed(&mut state, ChatRole::Admin);
    let written = kept_chats(&effects);
    let kept = written.last().expect("the chat is written again");
    assert_eq!(kept.members[1].role, ChatRole::Admin);
}

#[test]
fn a_failing_store_is_told_until_its_writes_are_made() {
    use crate::state::Notice;
    use crate::state::kept::StoreProblem;
    let mut state = with_open_chat(2);
    reduce(&mut state, Action::StoreWriteFailed(StoreProblem::DiskFull));
    assert_eq!(
        state.notice,
        Some(Notice::NotSavedLocally(StoreProblem::DiskFull))
    );
    reduce(&mut state, Action::StoreWriteRecovered);
    assert_eq!(state.notice, None, "everything waiting is on disk");
    // another notice is not the store's to take away
    state.notice = Some(Notice::ProfileSaved);
    reduce(&mut state, Action::StoreWriteRecovered);
    assert_eq!(state.notice, Some(Notice::ProfileSaved));
}

#[test]
fn a_change_made_between_actions_is_written_by_the_next_one_and_nothing_twice() {
    let mut state = with_open_chat(2);
    state
        .chats
        .by_id
        .get_mut(&chat(1))
        .unwrap()
        .others_read
        .insert(bob_id(), 7);
    let effects = reduce(&mut state, Action::Tick { now: at(50) });
    assert_eq!(kept_chats(&effects).len(), 1, "{effects:?}");
    let effects = reduce(&mut state, Action::Tick { now: at(51) });
    assert!(store_writes(&effects).is_empty(), "{effects:?}");
}

/// A measurement, not a check (ignored; see BENCHMARKS.md): what keeping the store in step
/// costs per action with 200 chats of 100 kept messages each (debug build).
/// `cargo nextest run -p natter --lib -E 'test(/keeping_the_store_in_step/)' --run-ignored only --no-capture`
#[test]
#[ignore = "a measurement, run by hand"]
fn keeping_the_store_in_step_costs_per_action() {
    let mut k = Kept {
        user: Some(alice()),
        ..Kept::default()
    };
    for n in 1..=200u128 {
        k.chats.push(KeptChat {
            summary: summary(n, 100, 100),
            messages: (1..=100).map(|s| message(n, s, bob_id())).collect(),
            synced_seq: Some(100),
            event_seq: Some(100),
            read_wanted: 100,
            others_read: [(bob_id(), 100)].into(),
            members: Vec::new(),
            group: None,
            pins: vec![message(n, 7, bob_id())],
        });
    }
    let (mut state, _) = started_from(k);
    let rounds = 1_000;
    let started = std::time::Instant::now();
    for i in 0..rounds {
        reduce(&mut state, Action::Tick { now: at(1_000 + i) });
    }
    let tick = started.elapsed() / u32::try_from(rounds).unwrap();
    let started = std::time::Instant::now();
    for i in 0..rounds {
        let effects = reduce(
            &mut state,
            Action::ComposerEdited {
                chat_id: chat(1),
                text: format!("draft {i}"),
                now: at(2_000 + i),
            },
        );
        assert_eq!(store_writes(&effects).len(), 1, "{effects:?}");
    }
    let typed = started.elapsed() / u32::try_from(rounds).unwrap();
    println!(
        "200 chats x 100 messages: a tick {} us/action, a keystroke in a draft {} us/action",
        tick.as_micros(),
        typed.as_micros()
    );
}
