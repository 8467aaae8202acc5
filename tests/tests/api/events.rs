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
