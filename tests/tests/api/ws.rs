use natter_shared::ws::{ClientFrame, PresenceEvent, ServerFrame};
use natter_shared::{ErrorCode, RequestId};
use natter_tests::frames::message;
use natter_tests::{TestApp, WsClient, assert_error};

#[actix_web::test]
async fn a_socket_needs_a_valid_unrevoked_token() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    assert!(
        WsClient::try_connect(&app.ws_url(), "garbage")
            .await
            .is_err()
    );
    let resp = app.client.get(app.api("/ws")).send().await.unwrap();
    assert_error(resp, 401, ErrorCode::MissingToken).await;
    // ?token= works too
    let url = format!("{}?token={}", app.ws_url(), me.token);
    assert!(WsClient::try_connect(&url, "").await.is_ok());
    let mut open = WsClient::connect(&app.ws_url(), &me.token).await;
    let resp = app
        .client
        .post(app.api("/auth/logout"))
        .bearer_auth(&me.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(
        open.closed_by_server().await,
        "signing out closes the open socket"
    );
    assert!(
        WsClient::try_connect(&app.ws_url(), &me.token)
            .await
            .is_err()
    );
}

#[actix_web::test]
async fn a_message_is_acked_to_its_connection_and_delivered_to_every_other() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    let mut alice_laptop = WsClient::connect(&app.ws_url(), &alice.token).await;
    let mut alice_phone = WsClient::connect(&app.ws_url(), &alice.token).await;
    let mut bob_ws = WsClient::connect(&app.ws_url(), &bob.token).await;

    let (rid, frame) = message(chat.id, " hello ");
    alice_laptop.send(&frame).await;
    let ack = alice_laptop
        .recv_until(|f| {
            matches!(
                f,
                ServerFrame::MessageSent { .. } | ServerFrame::NewMessage { .. }
            )
        })
        .await;
    let ServerFrame::MessageSent {
        request_id,
        message,
        event_seq,
    } = ack
    else {
        panic!("the sending connection gets the ack, not a new_message: {ack:?}");
    };
    assert_eq!(request_id, rid);
    assert_eq!(
        (message.seq, message.text.as_str(), message.sender_id),
        (1, "hello", alice.user.id)
    );
    for ws in [&mut bob_ws, &mut alice_phone] {
        let got = ws
            .recv_until(|f| matches!(f, ServerFrame::NewMessage { .. }))
            .await;
        assert_eq!(
            got,
            ServerFrame::NewMessage {
                message: message.clone(),
                event_seq
            }
        );
    }
}

#[actix_web::test]
async fn an_invalid_frame_gets_an_error_and_the_connection_stays_open() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    let mut ws = WsClient::connect(&app.ws_url(), &alice.token).await;
    let is_error = |f: &ServerFrame| matches!(f, ServerFrame::Error { .. });
    for raw in [
        "not json",
        r#"{"type":"dance"}"#,
        r#"{"type":"read","chat_id":"x","seq":1}"#,
    ] {
        ws.send_raw(raw).await;
        let ServerFrame::Error { code, .. } = ws.recv_until(is_error).await else {
            unreachable!()
        };
        assert_eq!(code, ErrorCode::InvalidJson, "{raw}");
    }
    let (rid, too_long) = message(chat.id, &"x".repeat(4097));
    ws.send(&too_long).await;
    let ServerFrame::Error {
        code, request_id, ..
    } = ws.recv_until(is_error).await
    else {
        unreachable!()
    };
    assert_eq!((code, request_id), (ErrorCode::ValidationFailed, Some(rid)));
    let (rid, not_mine) = message(natter_shared::ChatId::new_random(), "hi");
    ws.send(&not_mine).await;
    let ServerFrame::Error {
        code, request_id, ..
    } = ws.recv_until(is_error).await
    else {
        unreachable!()
    };
    assert_eq!((code, request_id), (ErrorCode::NotFound, Some(rid)));
    // still open: a good frame works
    let (rid, ok) = message(chat.id, "fine");
    ws.send(&ok).await;
    let ack = ws
        .recv_until(|f| matches!(f, ServerFrame::MessageSent { .. }))
        .await;
    assert!(matches!(ack, ServerFrame::MessageSent { request_id, .. } if request_id == rid));
}

#[actix_web::test]
async fn typing_and_reads_reach_the_other_members() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    app.accept_request(&bob.token, chat.id).await;
    app.send_text(&alice.token, chat.id, "read me").await;
    let mut alice_ws = WsClient::connect(&app.ws_url(), &alice.token).await;
    let mut bob_ws = WsClient::connect(&app.ws_url(), &bob.token).await;

    bob_ws
        .send(&ClientFrame::Typing {
            chat_id: chat.id,
            is_typing: true,
        })
        .await;
    let typing = alice_ws
        .recv_until(|f| matches!(f, ServerFrame::Typing { .. }))
        .await;
    assert_eq!(
        typing,
        ServerFrame::Typing {
            chat_id: chat.id,
            user_id: bob.user.id,
            is_typing: true
        }
    );

    bob_ws
        .send(&ClientFrame::Read {
            chat_id: chat.id,
            seq: 1,
        })
        .await;
    let read = alice_ws
        .recv_until(|f| matches!(f, ServerFrame::Read { .. }))
        .await;
    assert_eq!(
        read,
        ServerFrame::Read {
            chat_id: chat.id,
            user_id: bob.user.id,
            seq: 1
        }
    );
    assert_eq!(app.chats(&bob.token, "").await.chats[0].unread_count, 0);
}

#[actix_web::test]
async fn presence_tells_contacts_when_someone_comes_and_goes() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    // strangers: Alice's chat is a request, and she sees Bob once he accepts it
    app.accept_request(&bob.token, chat.id).await;
    let mut alice_ws = WsClient::connect(&app.ws_url(), &alice.token).await;
    let bob_ws = WsClient::connect(&app.ws_url(), &bob.token).await;
    let online = alice_ws
        .recv_until(|f| matches!(f, ServerFrame::Presence { .. }))
        .await;
    assert!(
        matches!(online, ServerFrame::Presence { event: PresenceEvent::UserOnline, user_id, .. } if user_id == bob.user.id)
    );
    assert!(
        app.chats(&alice.token, "").await.chats[0]
            .partner
            .as_ref()
            .unwrap()
            .online
    );
    let closing_at = chrono::Utc::now();
    bob_ws.close().await;
    let offline = alice_ws
        .recv_until(|f| matches!(f, ServerFrame::Presence { .. }))
        .await;
    let ServerFrame::Presence {
        event: PresenceEvent::UserOffline,
        user_id,
        timestamp,
    } = offline
    else {
        panic!("expected user_offline, got {offline:?}");
    };
    assert_eq!(user_id, bob.user.id);
    let partner = app.chats(&alice.token, "").await.chats[0]
        .partner
        .clone()
        .unwrap();
    assert!(!partner.online);
    let last_seen = partner
        .last_seen_at
        .expect("last seen is known once they have been online");
    assert!(
        closing_at <= last_seen && last_seen <= timestamp,
        "last seen {last_seen} is when the last connection closed ({closing_at}..{timestamp})"
    );
    assert!(timestamp - last_seen < chrono::Duration::seconds(5));
}

#[actix_web::test]
async fn a_new_chat_appears_live_for_the_partner() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let mut bob_ws = WsClient::connect(&app.ws_url(), &bob.token).await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    let update = bob_ws
        .recv_until(|f| matches!(f, ServerFrame::ChatUpdated { .. }))
        .await;
    let ServerFrame::ChatUpdated { chat: seen } = update else {
        unreachable!()
    };
    assert_eq!(seen.id, chat.id);
    assert_eq!(
        seen.partner.map(|p| p.id),
        Some(alice.user.id),
        "as bob sees it"
    );
}

#[actix_web::test]
async fn the_message_rate_limit_answers_with_an_error_frame() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_RATE_MESSAGES_PER_MIN".into(), "2".into());
    })
    .await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    let mut ws = WsClient::connect(&app.ws_url(), &alice.token).await;
    let mut acks = 0;
    let mut limited = 0;
    for i in 0..3 {
        let (_, frame) = message(chat.id, &format!("m{i}"));
        ws.send(&frame).await;
        match ws
            .recv_until(|f| {
                matches!(
                    f,
                    ServerFrame::MessageSent { .. } | ServerFrame::Error { .. }
                )
            })
            .await
        {
            ServerFrame::MessageSent { .. } => acks += 1,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } => limited += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((acks, limited), (2, 1));
}

#[actix_web::test]
async fn changes_over_the_websocket_are_acked_to_the_sender_and_reach_the_others_as_events() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let stranger = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    let m = app.send_text(&alice.token, chat.id, "hi").await;
    let mut alice_ws = WsClient::connect(&app.ws_url(), &alice.token).await;
    let mut bob_ws = WsClient::connect(&app.ws_url(), &bob.token).await;
    let mut stranger_ws = WsClient::connect(&app.ws_url(), &stranger.token).await;

    let rid = RequestId::new_random();
    alice_ws
        .send(&ClientFrame::Edit {
            chat_id: chat.id,
            message_id: m.id,
            text: "hi there".into(),
            request_id: rid,
        })
        .await;
    let ack = alice_ws
        .recv_until(|f| matches!(f, ServerFrame::ChangeApplied { .. }))
        .await;
    let ServerFrame::ChangeApplied {
        request_id, result, ..
    } = ack
    else {
        unreachable!()
    };
    assert_eq!((request_id, result.event_seq), (rid, Some(2)));
    let got = bob_ws
        .recv_until(|f| matches!(f, ServerFrame::ChatEvent { .. }))
        .await;
    let ServerFrame::ChatEvent { event } = got else {
        unreachable!()
    };
    assert_eq!(event.event_seq, 2);
    assert_eq!(event.kind, natter_shared::api::EventKind::MessageEdited);
    assert_eq!(event.message.unwrap().text, "hi there");

    bob_ws
        .send(&ClientFrame::React {
            chat_id: chat.id,
            message_id: m.id,
            emoji: "🎉".into(),
            remove: false,
            request_id: RequestId::new_random(),
        })
        .await;
    let reacted = alice_ws
        .recv_until(|f| matches!(f, ServerFrame::ChatEvent { .. }))
        .await;
    assert!(
        matches!(&reacted, ServerFrame::ChatEvent { event } if event.event_seq == 3 && event.emoji.as_deref() == Some("🎉") && event.actor_id == bob.user.id),
        "{reacted:?}"
    );

    // refusals name the request: someone else's message, a bad emoji, a stranger
    for (by_stranger, frame, code) in [
        (
            false,
            ClientFrame::Edit {
                chat_id: chat.id,
                message_id: m.id,
                text: "mine".into(),
                request_id: RequestId::new_random(),
            },
            ErrorCode::NotYourMessage,
        ),
        (
            false,
            ClientFrame::React {
                chat_id: chat.id,
                message_id: m.id,
                emoji: "nope".into(),
                remove: false,
                request_id: RequestId::new_random(),
            },
            ErrorCode::ValidationFailed,
        ),
        (
            true,
            ClientFrame::Delete {
                chat_id: chat.id,
                message_id: m.id,
                for_everyone: true,
                request_id: RequestId::new_random(),
            },
            ErrorCode::NotFound,
        ),
    ] {
        let sent = match &frame {
            ClientFrame::Edit { request_id, .. }
            | ClientFrame::React { request_id, .. }
            | ClientFrame::Delete { request_id, .. } => *request_id,
            _ => unreachable!(),
        };
        let ws = if by_stranger {
            &mut stranger_ws
        } else {
            &mut bob_ws
        };
        ws.send(&frame).await;
        let err = ws
            .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
            .await;
        assert!(
            matches!(&err, ServerFrame::Error { request_id: Some(r), code: c, .. } if *r == sent && *c == code),
            "{err:?}"
        );
    }
    assert_eq!(
        app.chats(&alice.token, "").await.chats[0].last_event_seq,
        3,
        "refusals made no events"
    );
}
