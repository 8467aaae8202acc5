//! The chat event log over REST: gap-free, in order, paged, reported by the chat list, and
//! 410 past the retained window.

use natter_shared::api::{ChangeResult, EditMessageRequest, EventKind, EventPage};
use natter_shared::{ErrorCode, Field, RequestId};
use natter_tests::{TestApp, assert_error, json_with_status};
use serde_json::json;

#[actix_web::test]
async fn every_change_is_the_next_event_and_the_log_pages_in_order() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_RATE_MESSAGES_PER_MIN".into(), "10000".into());
        v.insert("NATTER_RATE_REST_PER_MIN".into(), "10000".into());
    })
    .await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let stranger = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    assert_eq!(chat.last_event_seq, 0);
    let a = app.send_text(&me.token, chat.id, "a").await;
    let b = app.send_text(&you.token, chat.id, "b").await;
    let edited: ChangeResult = json_with_status(
        app.client
            .patch(app.api(&format!("/chats/{}/messages/{}", chat.id, a.id)))
            .bearer_auth(&me.token)
            .json(&EditMessageRequest {
                text: "a2".into(),
                request_id: RequestId::new_random(),
            })
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(edited.event_seq, Some(3));
    json_with_status::<ChangeResult>(
        app.client
            .post(app.api(&format!("/chats/{}/messages/{}/reactions", chat.id, b.id)))
            .bearer_auth(&me.token)
            .json(&json!({"emoji": "🎉"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    app.send_text(&you.token, chat.id, "c").await;

    let all: EventPage = json_with_status(
        app.get_authed(&format!("/chats/{}/events?after=0", chat.id), &you.token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        all.events
            .iter()
            .map(|e| (e.event_seq, e.kind))
            .collect::<Vec<_>>(),
        [
            (1, EventKind::MessageCreated),
            (2, EventKind::MessageCreated),
            (3, EventKind::MessageEdited),
            (4, EventKind::ReactionAdded),
            (5, EventKind::MessageCreated),
        ]
    );
    assert_eq!((all.has_more, all.last_event_seq), (false, 5));
    assert_eq!(all.events[3].emoji.as_deref(), Some("🎉"));
    assert_eq!(all.events[3].actor_id, me.user.id);
    // events carry the message as it is now
    assert_eq!(all.events[0].message.as_ref().unwrap().text, "a2");

    let first: EventPage = json_with_status(
        app.get_authed(
            &format!("/chats/{}/events?after=1&limit=2", chat.id),
            &me.token,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        first.events.iter().map(|e| e.event_seq).collect::<Vec<_>>(),
        [2, 3]
    );
    assert!(first.has_more);

    // the chat list and the chat report the newest event
    let list = app.chats(&me.token, "").await;
    assert_eq!(
        (list.chats[0].last_event_seq, list.chats[0].last_seq),
        (5, 3)
    );
    app.flush_redis();
    let rebuilt = app.chats(&me.token, "").await;
    assert_eq!(rebuilt.chats[0].last_event_seq, 5);

    assert_error(
        app.get_authed(&format!("/chats/{}/events", chat.id), &stranger.token)
            .await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    let negative = assert_error(
        app.get_authed(&format!("/chats/{}/events?after=-1", chat.id), &me.token)
            .await,
        400,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(negative.error.field, Some(Field::After));
    for bad in ["limit=0", "limit=1001", "after=x", "since=1"] {
        let resp = app
            .get_authed(&format!("/chats/{}/events?{bad}", chat.id), &me.token)
            .await;
        assert_eq!(resp.status(), 400, "{bad}");
    }
}

#[actix_web::test]
async fn a_reader_further_behind_than_the_retained_log_is_told_to_reload() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_EVENTS_RETAINED".into(), "3".into());
        v.insert("NATTER_RATE_REST_PER_MIN".into(), "10000".into());
    })
    .await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    for i in 0..5 {
        app.send_text(&me.token, chat.id, &format!("m{i}")).await;
    }
    assert_error(
        app.get_authed(&format!("/chats/{}/events?after=1", chat.id), &me.token)
            .await,
        410,
        ErrorCode::EventsExpired,
    )
    .await;
    let recent: EventPage = json_with_status(
        app.get_authed(&format!("/chats/{}/events?after=2", chat.id), &me.token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        recent
            .events
            .iter()
            .map(|e| e.event_seq)
            .collect::<Vec<_>>(),
        [3, 4, 5]
    );
}

#[actix_web::test]
async fn a_client_offline_for_50_changes_catches_up_by_events_to_exactly_the_servers_history() {
    use std::collections::BTreeMap;

    use natter_shared::api::{Message, MessagePage};

    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_RATE_MESSAGES_PER_MIN".into(), "10000".into());
        v.insert("NATTER_RATE_REST_PER_MIN".into(), "10000".into());
    })
    .await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    const EMOJI: [&str; 3] = ["👍", "🎉", "😂"];
    let mut mine = Vec::new();
    for i in 0..10 {
        mine.push(
            app.send_text(&you.token, chat.id, &format!("before {i}"))
                .await,
        );
    }
    // what the client holds when it goes offline
    let held: MessagePage = app.history(&me.token, chat.id, "limit=200").await;
    let mut local: BTreeMap<i64, Message> = held.messages.into_iter().map(|m| (m.seq, m)).collect();
    let mut applied = app.chats(&me.token, "").await.chats[0].last_event_seq;

    // 50 changes while it is away: sends, edits, deletes, reactions
    let patch = |m: &Message, text: String| {
        app.client
            .patch(app.api(&format!("/chats/{}/messages/{}", chat.id, m.id)))
            .bearer_auth(&you.token)
            .json(&EditMessageRequest {
                text,
                request_id: RequestId::new_random(),
            })
            .send()
    };
    for i in 0..50 {
        match i % 5 {
            0 | 1 => mine.push(
                app.send_text(&you.token, chat.id, &format!("away {i}"))
                    .await,
            ),
            2 => {
                let m = mine[i % mine.len()].clone();
                json_with_status::<ChangeResult>(
                    patch(&m, format!("edited {i}")).await.unwrap(),
                    200,
                )
                .await;
            }
            3 => {
                let m = mine[(i * 7) % mine.len()].clone();
                let resp = app
                    .client
                    .post(app.api(&format!("/chats/{}/messages/{}/reactions", chat.id, m.id)))
                    .bearer_auth(&you.token)
                    .json(&json!({ "emoji": EMOJI[i % 3] }))
                    .send()
                    .await
                    .unwrap();
                assert!(
                    resp.status() == 200 || resp.status() == 409,
                    "{}",
                    resp.status()
                );
            }
            _ => {
                let m = mine.remove(i % mine.len());
                let resp = app
                    .client
                    .delete(app.api(&format!(
                        "/chats/{}/messages/{}?for_everyone=true",
                        chat.id, m.id
                    )))
                    .bearer_auth(&you.token)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200);
            }
        }
    }
    // back: the list says how far the log went; the client fetches and applies the events
    let target = app.chats(&me.token, "").await.chats[0].last_event_seq;
    assert!(target >= applied + 40, "the changes are in the log");
    let mut bytes = 0;
    loop {
        let resp = app
            .get_authed(
                &format!("/chats/{}/events?after={applied}&limit=7", chat.id),
                &me.token,
            )
            .await;
        let text = resp.text().await.unwrap();
        bytes += text.len();
        let page: EventPage = serde_json::from_str(&text).unwrap();
        for e in &page.events {
            assert_eq!(e.event_seq, applied + 1, "in order, no gaps");
            applied = e.event_seq;
            if let Some(m) = &e.message {
                local.insert(m.seq, m.clone());
            }
        }
        if !page.has_more {
            break;
        }
    }
    assert_eq!(applied, target);
    assert!(bytes > 0);
    let server: MessagePage = app.history(&me.token, chat.id, "limit=200").await;
    assert_eq!(
        serde_json::to_string(&local.into_values().collect::<Vec<_>>()).unwrap(),
        serde_json::to_string(&server.messages).unwrap(),
        "byte for byte the server's history"
    );
}
