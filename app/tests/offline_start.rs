//! The offline first start, drawn: what the local store kept (Alice's profile, her chats, the
//! history of the chat she had open, a queued send, a draft) comes back before any answer
//! from the server, and the very first frame of the whole window (`app_ui`, the same view the
//! binary draws) shows the chat list and that history. The server is down: signing back in
//! fails, and the chats stay on screen, read-only, with the send still queued.
//!
//! The real binary's first frame with the store filled and the server down is checked by
//! `kill_restart` (its log line of the first frame).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;

use chrono::FixedOffset;
use egui_kittest::kittest::Queryable as _;
use natter::action::Action;
use natter::api::{ApiFailure, NetErrorKind};
use natter::effect::Effect;
use natter::i18n::Language;
use natter::reduce::reduce;
use natter::state::kept::{Kept, KeptChat, KeptSend};
use natter::state::{Draft, LinkStatus, Screen};
use natter::token_store::StoredSession;
use natter::ui::app_ui;
use natter_shared::RequestId;
use support::ui::{alice_id, at, bob_id, chat, direct, group, message};

#[test]
fn the_first_frame_shows_the_kept_chats_and_history_while_the_server_is_down() {
    // Arrange: what the store kept, and the session file; the chat open at the last close.
    let history: Vec<_> = (1..=3)
        .map(|seq| {
            message(
                1,
                seq,
                bob_id(),
                &format!("kept message number {seq}"),
                at(seq),
            )
        })
        .collect();
    // the second message is pinned: the pinned bar is on the first frame too
    let pinned = history[1].clone();
    let kept = Kept {
        user: Some(natter::testing::user(
            alice_id(),
            "alice",
            Some("Alice"),
            at(-1000),
        )),
        chats: vec![
            KeptChat {
                summary: direct(1, history.last().cloned(), 3),
                messages: history,
                synced_seq: Some(3),
                event_seq: Some(3),
                read_wanted: 3,
                others_read: HashMap::new(),
                members: Vec::new(),
                group: None,
                pins: vec![pinned],
            },
            KeptChat {
                summary: group(2, "Hiking club", None),
                messages: Vec::new(),
                synced_seq: None,
                event_seq: None,
                read_wanted: 0,
                others_read: HashMap::new(),
                members: Vec::new(),
                group: None,
                pins: Vec::new(),
            },
        ],
        sends: vec![KeptSend {
            request_id: RequestId(uuid::Uuid::from_u128(77)),
            chat_id: chat(1),
            text: "written before the restart".into(),
            reply_to: None,
            uploads: Vec::new(),
            created_at: at(10),
        }],
        drafts: vec![(
            chat(1),
            Draft {
                text: "half a thought".into(),
                ..Draft::default()
            },
        )],
        ..Kept::default()
    };
    let mut state = natter::testing::fresh_state(Language::English);
    state.reopen = Some(chat(1));

    // Act: started as the app starts (the store first), the sign-in answered "unreachable".
    reduce(&mut state, Action::KeptLoaded(Box::new(kept)));
    let effects = reduce(
        &mut state,
        Action::Started {
            stored: Some(StoredSession {
                server_url: natter::testing::URL.into(),
                user_id: alice_id(),
                username: "alice".into(),
                session_id: natter::testing::this_session(),
                refresh_token: "refresh".into(),
            }),
        },
    );
    reduce(
        &mut state,
        Action::ClockSet {
            now: at(20),
            offset: FixedOffset::east_opt(0).unwrap(),
        },
    );
    let mut harness = natter::testing::harness(state, [1000.0, 700.0], app_ui);
    harness.run();

    // Assert: the list and the open chat's history are on the first frame.
    harness.get_by_label("Hiking club");
    for seq in 1..=2 {
        harness.get_by_label(&format!("kept message number {seq}"));
    }
    // the last one twice: the list's preview and the bubble
    assert_eq!(
        harness.query_all_by_label("kept message number 3").count(),
        2
    );
    harness.get_by_label("written before the restart");
    harness.get_by_label("📌 Pinned message: kept message number 2");

    // the server is down: signing back in fails; the chats stay, a retry is scheduled
    let refresh =
        natter::testing::call(&effects, |c| matches!(c, natter::api::ApiCall::Refresh(_))).clone();
    let Effect::Api(request) = refresh else {
        unreachable!()
    };
    let failed = natter::testing::answer(
        &request,
        Err(ApiFailure::Network {
            kind: NetErrorKind::Unreachable,
            detail: "connection refused".into(),
        }),
        at(21),
    );
    let app = harness.state_mut();
    reduce(&mut app.state, failed);
    assert!(matches!(app.state.screen, Screen::Shell(_)));
    assert!(matches!(
        app.state.connection.status,
        LinkStatus::Offline { .. }
    ));
    harness.run();
    harness.get_by_label("kept message number 1");
    harness.get_by_label("Hiking club");
}
