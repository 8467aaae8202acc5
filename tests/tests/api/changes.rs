//! Edit, delete, reactions, pins and forwarding over REST: what each does, and the right 4xx
//! for strangers, other people's messages, an expired window, a deleted message, bad input.

use natter_shared::api::{ChangeResult, EditMessageRequest, ForwardRequest, Forwarded, Pins};
use natter_shared::{ChatId, ErrorCode, Field, MessageId, RequestId};
use natter_tests::{TestApp, assert_error, json_with_status};
use serde_json::json;

async fn edit(
    app: &TestApp,
    token: &str,
    chat: ChatId,
    message: MessageId,
    text: &str,
    request_id: RequestId,
) -> reqwest::Response {
    app.client
        .patch(app.api(&format!("/chats/{chat}/messages/{message}")))
        .bearer_auth(token)
        .json(&EditMessageRequest {
            text: text.into(),
            request_id,
        })
        .send()
        .await
        .unwrap()
}

async fn delete(
    app: &TestApp,
    token: &str,
    chat: ChatId,
    message: MessageId,
    for_everyone: bool,
) -> reqwest::Response {
    app.client
        .delete(app.api(&format!(
            "/chats/{chat}/messages/{message}?for_everyone={for_everyone}"
        )))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn react(
    app: &TestApp,
    token: &str,
    chat: ChatId,
    message: MessageId,
    emoji: &str,
) -> reqwest::Response {
    app.client
        .post(app.api(&format!("/chats/{chat}/messages/{message}/reactions")))
        .bearer_auth(token)
        .json(&json!({ "emoji": emoji }))
        .send()
        .await
        .unwrap()
}

async fn unreact(
    app: &TestApp,
    token: &str,
    chat: ChatId,
    message: MessageId,
    emoji: &str,
) -> reqwest::Response {
    let emoji: String = emoji.bytes().map(|b| format!("%{b:02X}")).collect();
    app.client
        .delete(app.api(&format!(
            "/chats/{chat}/messages/{message}/reactions/{emoji}"
        )))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn pin(
    app: &TestApp,
    token: &str,
    chat: ChatId,
    message: MessageId,
    on: bool,
) -> reqwest::Response {
    let url = app.api(&format!("/chats/{chat}/pins/{message}"));
    let req = if on {
        app.client.put(url)
    } else {
        app.client.delete(url)
    };
    req.bearer_auth(token).send().await.unwrap()
}

#[actix_web::test]
async fn an_edit_changes_the_text_once_and_only_the_sender_may_make_it() {
    let app = TestApp::spawn_busy().await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let stranger = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    let m = app.send_text(&me.token, chat.id, "helo").await;

    let rid = RequestId::new_random();
    let done: ChangeResult = json_with_status(
        edit(&app, &me.token, chat.id, m.id, "hello", rid).await,
        200,
    )
    .await;
    assert_eq!(done.message.text, "hello");
    assert!(done.message.edited_at.is_some());
    assert_eq!(
        done.event_seq,
        Some(2),
        "the send was event 1, the edit event 2"
    );

    // a retry of the same edit after a later one does not bring the old text back
    let later: ChangeResult = json_with_status(
        edit(
            &app,
            &me.token,
            chat.id,
            m.id,
            "hello!",
            RequestId::new_random(),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(later.event_seq, Some(3));
    let retry: ChangeResult = json_with_status(
        edit(&app, &me.token, chat.id, m.id, "hello", rid).await,
        200,
    )
    .await;
    assert_eq!(retry.event_seq, None);
    assert_eq!(retry.message.text, "hello!");
    let page = app.history(&you.token, chat.id, "").await;
    assert_eq!(page.messages[0].text, "hello!");

    let theirs = edit(
        &app,
        &you.token,
        chat.id,
        m.id,
        "mine now",
        RequestId::new_random(),
    )
    .await;
    assert_error(theirs, 403, ErrorCode::NotYourMessage).await;
    let outsider = edit(
        &app,
        &stranger.token,
        chat.id,
        m.id,
        "x",
        RequestId::new_random(),
    )
    .await;
    assert_error(outsider, 404, ErrorCode::NotFound).await;
    let unknown = MessageId(uuid::Uuid::new_v4());
    let missing = edit(
        &app,
        &me.token,
        chat.id,
        unknown,
        "x",
        RequestId::new_random(),
    )
    .await;
    assert_error(missing, 404, ErrorCode::NotFound).await;
    let empty = edit(
        &app,
        &me.token,
        chat.id,
        m.id,
        "   ",
        RequestId::new_random(),
    )
    .await;
    let body = assert_error(empty, 400, ErrorCode::ValidationFailed).await;
    assert_eq!(body.error.field, Some(Field::Text));
    let not_json = app
        .client
        .patch(app.api(&format!("/chats/{}/messages/{}", chat.id, m.id)))
        .bearer_auth(&me.token)
        .json(&json!({ "text": "no request id" }))
        .send()
        .await
        .unwrap();
    assert_error(not_json, 400, ErrorCode::InvalidJson).await;

    json_with_status::<ChangeResult>(delete(&app, &me.token, chat.id, m.id, true).await, 200).await;
    let gone = edit(
        &app,
        &me.token,
        chat.id,
        m.id,
        "back?",
        RequestId::new_random(),
    )
    .await;
    assert_error(gone, 409, ErrorCode::MessageDeleted).await;
}

#[actix_web::test]
async fn an_edit_after_the_window_is_refused() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_EDIT_WINDOW_SECS".into(), "0".into());
    })
    .await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    let m = app.send_text(&me.token, chat.id, "typo").await;
    let late = edit(
        &app,
        &me.token,
        chat.id,
        m.id,
        "fixed",
        RequestId::new_random(),
    )
    .await;
    assert_error(late, 403, ErrorCode::EditWindowExpired).await;
    assert_eq!(
        app.history(&me.token, chat.id, "").await.messages[0].text,
        "typo"
    );
}

#[actix_web::test]
async fn delete_for_everyone_leaves_a_tombstone_and_delete_for_me_hides_it_from_me_only() {
    let app = TestApp::spawn_busy().await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    let first = app.send_text(&me.token, chat.id, "secret").await;
    let second = app.send_text(&you.token, chat.id, "reply").await;
    json_with_status::<ChangeResult>(react(&app, &you.token, chat.id, first.id, "👍").await, 200)
        .await;

    // not mine to delete for everyone in a direct chat
    let theirs = delete(&app, &me.token, chat.id, second.id, true).await;
    assert_error(theirs, 403, ErrorCode::NotYourMessage).await;

    let done: ChangeResult =
        json_with_status(delete(&app, &me.token, chat.id, first.id, true).await, 200).await;
    assert!(done.message.deleted && done.message.text.is_empty());
    assert!(
        done.message.reactions.is_empty(),
        "reactions go with the text"
    );
    assert!(done.event_seq.is_some());
    let again: ChangeResult =
        json_with_status(delete(&app, &me.token, chat.id, first.id, true).await, 200).await;
    assert_eq!(again.event_seq, None);
    let page = app.history(&you.token, chat.id, "").await;
    assert_eq!(
        page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [1, 2]
    );
    assert!(page.messages[0].deleted && page.messages[0].text.is_empty());
    // the events of the deleted message keep no text either
    let events: natter_shared::api::EventPage = json_with_status(
        app.get_authed(&format!("/chats/{}/events", chat.id), &you.token)
            .await,
        200,
    )
    .await;
    assert!(
        events
            .events
            .iter()
            .filter_map(|e| e.message.as_ref())
            .filter(|m| m.id == first.id)
            .all(|m| m.text.is_empty() && m.deleted)
    );

    // for me: hidden in my history, untouched in yours, and no event
    let mine: ChangeResult = json_with_status(
        delete(&app, &me.token, chat.id, second.id, false).await,
        200,
    )
    .await;
    assert!(mine.message.hidden && mine.event_seq.is_none());
    let my_page = app.history(&me.token, chat.id, "").await;
    assert!(my_page.messages[1].hidden && my_page.messages[1].text.is_empty());
    let your_page = app.history(&you.token, chat.id, "").await;
    assert_eq!(your_page.messages[1].text, "reply");
    assert!(!your_page.messages[1].hidden);
}

#[actix_web::test]
async fn a_group_admin_may_delete_anyones_message_a_member_may_not() {
    let app = TestApp::spawn_busy().await;
    let admin = app.signed_in_user().await;
    let member = app.signed_in_user().await;
    let other = app.signed_in_user().await;
    let group = app
        .group_chat(&admin.token, "team", &[member.user.id, other.user.id])
        .await;
    let m = app.send_text(&member.token, group.id, "spam").await;
    let by_member = delete(&app, &other.token, group.id, m.id, true).await;
    assert_error(by_member, 403, ErrorCode::RoleTooLow).await;
    let by_admin: ChangeResult =
        json_with_status(delete(&app, &admin.token, group.id, m.id, true).await, 200).await;
    assert!(by_admin.message.deleted);
}

#[actix_web::test]
async fn reactions_count_who_gave_them_and_refuse_bad_input() {
    let app = TestApp::spawn_busy().await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let stranger = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    let m = app.send_text(&me.token, chat.id, "react to me").await;

    let a: ChangeResult =
        json_with_status(react(&app, &me.token, chat.id, m.id, "👍").await, 200).await;
    assert!(a.event_seq.is_some());
    let b: ChangeResult =
        json_with_status(react(&app, &you.token, chat.id, m.id, "👍").await, 200).await;
    assert_eq!(b.message.reactions.len(), 1);
    assert_eq!(b.message.reactions[0].count, 2);
    assert_eq!(b.message.reactions[0].user_ids, [me.user.id, you.user.id]);
    let twice: ChangeResult =
        json_with_status(react(&app, &you.token, chat.id, m.id, "👍").await, 200).await;
    assert_eq!(twice.event_seq, None);
    assert_eq!(twice.message.reactions[0].count, 2);
    // the same heart with or without its variation selector
    json_with_status::<ChangeResult>(react(&app, &you.token, chat.id, m.id, "❤").await, 200).await;
    let heart: ChangeResult =
        json_with_status(react(&app, &me.token, chat.id, m.id, "❤️").await, 200).await;
    assert_eq!(heart.message.reactions[1].count, 2);

    for bad in ["", "ok", "👍👍", ":+1:"] {
        let body = assert_error(
            react(&app, &me.token, chat.id, m.id, bad).await,
            400,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(body.error.field, Some(Field::Emoji), "{bad:?}");
    }
    assert_error(
        react(&app, &stranger.token, chat.id, m.id, "👍").await,
        404,
        ErrorCode::NotFound,
    )
    .await;

    let removed: ChangeResult =
        json_with_status(unreact(&app, &me.token, chat.id, m.id, "👍").await, 200).await;
    assert_eq!(removed.message.reactions[0].user_ids, [you.user.id]);
    let not_given: ChangeResult =
        json_with_status(unreact(&app, &me.token, chat.id, m.id, "👍").await, 200).await;
    assert_eq!(not_given.event_seq, None);

    // at most 20 different emoji on one message
    let many = [
        "😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰",
        "😗", "😙",
    ];
    for e in many {
        json_with_status::<ChangeResult>(react(&app, &me.token, chat.id, m.id, e).await, 200).await;
    }
    json_with_status::<ChangeResult>(react(&app, &me.token, chat.id, m.id, "🙂").await, 200).await;
    assert_error(
        react(&app, &me.token, chat.id, m.id, "🤗").await,
        409,
        ErrorCode::TooManyReactions,
    )
    .await;
    // one already there can still be given by someone else
    json_with_status::<ChangeResult>(react(&app, &you.token, chat.id, m.id, "😀").await, 200).await;

    json_with_status::<ChangeResult>(delete(&app, &me.token, chat.id, m.id, true).await, 200).await;
    assert_error(
        react(&app, &you.token, chat.id, m.id, "👍").await,
        409,
        ErrorCode::MessageDeleted,
    )
    .await;
}

#[actix_web::test]
async fn pins_are_listed_newest_first_and_a_deleted_message_cannot_be_pinned() {
    let app = TestApp::spawn_busy().await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let stranger = app.signed_in_user().await;
    let chat = app.direct_chat(&me.token, you.user.id).await;
    let a = app.send_text(&me.token, chat.id, "a").await;
    let b = app.send_text(&you.token, chat.id, "b").await;
    json_with_status::<ChangeResult>(pin(&app, &me.token, chat.id, a.id, true).await, 200).await;
    let pinned_b: ChangeResult =
        json_with_status(pin(&app, &you.token, chat.id, b.id, true).await, 200).await;
    assert!(pinned_b.message.pinned_at.is_some());
    let again: ChangeResult =
        json_with_status(pin(&app, &you.token, chat.id, b.id, true).await, 200).await;
    assert_eq!(again.event_seq, None);
    let pins: Pins = json_with_status(
        app.get_authed(&format!("/chats/{}/pins", chat.id), &me.token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        pins.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        [b.id, a.id]
    );
    assert_error(
        app.get_authed(&format!("/chats/{}/pins", chat.id), &stranger.token)
            .await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    json_with_status::<ChangeResult>(pin(&app, &me.token, chat.id, b.id, false).await, 200).await;
    json_with_status::<ChangeResult>(delete(&app, &me.token, chat.id, a.id, true).await, 200).await;
    let pins: Pins = json_with_status(
        app.get_authed(&format!("/chats/{}/pins", chat.id), &me.token)
            .await,
        200,
    )
    .await;
    assert!(
        pins.messages.is_empty(),
        "unpinned, and a deleted message is no longer pinned"
    );
    assert_error(
        pin(&app, &me.token, chat.id, a.id, true).await,
        409,
        ErrorCode::MessageDeleted,
    )
    .await;
}

#[actix_web::test]
async fn forwarding_copies_messages_in_order_names_the_author_and_is_idempotent() {
    let app = TestApp::spawn_busy().await;
    let me = app.signed_in_user().await;
    let you = app.signed_in_user().await;
    let third = app.signed_in_user().await;
    let from = app.direct_chat(&me.token, you.user.id).await;
    let to = app.direct_chat(&me.token, third.user.id).await;
    let elsewhere = app.direct_chat(&you.token, third.user.id).await;
    let a = app.send_text(&you.token, from.id, "one").await;
    let b = app.send_text(&me.token, from.id, "two").await;
    let foreign = app.send_text(&you.token, elsewhere.id, "not yours").await;

    let forward = |ids: Vec<MessageId>, from_chat_id: ChatId, request_id: RequestId| {
        app.client
            .post(app.api(&format!("/chats/{}/forward", to.id)))
            .bearer_auth(&me.token)
            .json(&ForwardRequest {
                from_chat_id,
                message_ids: ids,
                request_id,
            })
            .send()
    };
    let rid = RequestId::new_random();
    let done: Forwarded =
        json_with_status(forward(vec![b.id, a.id], from.id, rid).await.unwrap(), 200).await;
    assert_eq!(
        done.messages
            .iter()
            .map(|m| (m.text.as_str(), m.seq))
            .collect::<Vec<_>>(),
        [("two", 1), ("one", 2)]
    );
    let origin = done.messages[1].forwarded_from.clone().unwrap();
    assert_eq!(
        (origin.sender_id, origin.created_at),
        (you.user.id, a.created_at)
    );
    assert_eq!(done.messages[1].sender_id, me.user.id);
    let retry: Forwarded =
        json_with_status(forward(vec![b.id, a.id], from.id, rid).await.unwrap(), 200).await;
    assert_eq!(
        retry.messages.iter().map(|m| m.id).collect::<Vec<_>>(),
        done.messages.iter().map(|m| m.id).collect::<Vec<_>>()
    );
    assert_eq!(app.history(&third.token, to.id, "").await.messages.len(), 2);

    // from a chat I am not in, a message not in the chat named, nothing, one twice
    let not_member = forward(vec![foreign.id], elsewhere.id, RequestId::new_random()).await;
    assert_error(not_member.unwrap(), 404, ErrorCode::NotFound).await;
    let wrong_chat = forward(vec![foreign.id], from.id, RequestId::new_random()).await;
    assert_error(wrong_chat.unwrap(), 404, ErrorCode::NotFound).await;
    let none = forward(vec![], from.id, RequestId::new_random()).await;
    assert_error(none.unwrap(), 400, ErrorCode::ValidationFailed).await;
    let twice = forward(vec![a.id, a.id], from.id, RequestId::new_random()).await;
    assert_error(twice.unwrap(), 400, ErrorCode::ValidationFailed).await;
    json_with_status::<ChangeResult>(delete(&app, &you.token, from.id, a.id, true).await, 200)
        .await;
    let deleted = forward(vec![a.id], from.id, RequestId::new_random()).await;
    assert_error(deleted.unwrap(), 409, ErrorCode::MessageDeleted).await;
}
