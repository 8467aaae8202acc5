//! Message requests (a direct chat opened by a stranger) and blocking.

use natter_shared::ErrorCode;
use natter_shared::api::{ChatDetails, ChatSummary, User};
use natter_shared::ws::ServerFrame;
use natter_tests::{TestApp, WsClient, assert_error, json_with_status};
use serde_json::json;

use super::groups::post;

async fn put_block(
    app: &natter_tests::TestApp,
    token: &str,
    user: natter_shared::UserId,
    on: bool,
) -> reqwest::Response {
    let url = app.api(&format!("/users/{user}/block"));
    let req = if on {
        app.client.put(url)
    } else {
        app.client.delete(url)
    };
    req.bearer_auth(token).send().await.unwrap()
}

#[actix_web::test]
async fn a_stranger_s_chat_is_a_request_that_hides_presence_and_reads_until_accepted() {
    let app = TestApp::spawn_busy().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    // Bob is online; Alice, a stranger, opens a chat with him
    let bob_ws = WsClient::connect(&app.ws_url(), &bob.token).await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    assert_eq!(chat.request_from, Some(alice.user.id));
    let partner = chat.partner.clone().unwrap();
    assert!(
        !partner.online,
        "the sender of a request does not see the other online"
    );
    let m = app
        .send_text(&alice.token, chat.id, "hi, we met at the meetup")
        .await;
    // Bob sees it as a request, with the message
    let bobs = app.chats(&bob.token, "").await;
    let theirs = bobs.chats.iter().find(|c| c.id == chat.id).unwrap();
    assert_eq!(theirs.request_from, Some(alice.user.id));
    assert_eq!(theirs.last_message.as_ref().map(|x| x.id), Some(m.id));
    // Bob reads it: Alice is not told
    let r = post(
        &app,
        &bob.token,
        &format!("/chats/{}/read", chat.id),
        json!({"seq": m.seq}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let details: ChatDetails = json_with_status(
        app.get_authed(&format!("/chats/{}", chat.id), &alice.token)
            .await,
        200,
    )
    .await;
    let bob_read = details
        .members
        .iter()
        .find(|x| x.id == bob.user.id)
        .unwrap()
        .read_seq;
    assert_eq!(bob_read, 0, "reads hidden while the request is pending");
    // only Bob may accept; then presence and reads show
    let r = post(
        &app,
        &alice.token,
        &format!("/chats/{}/request/accept", chat.id),
        json!({}),
    )
    .await;
    assert_error(r, 409, ErrorCode::NotARequest).await;
    let accepted: ChatSummary = json_with_status(
        post(
            &app,
            &bob.token,
            &format!("/chats/{}/request/accept", chat.id),
            json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(accepted.request_from, None);
    let list = app.chats(&alice.token, "").await;
    let mine = list.chats.iter().find(|c| c.id == chat.id).unwrap();
    assert_eq!(mine.request_from, None);
    assert!(
        mine.partner.as_ref().unwrap().online,
        "accepted: presence shows"
    );
    let details: ChatDetails = json_with_status(
        app.get_authed(&format!("/chats/{}", chat.id), &alice.token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        details
            .members
            .iter()
            .find(|x| x.id == bob.user.id)
            .unwrap()
            .read_seq,
        m.seq
    );
    bob_ws.close().await;
    // people who share a group are no strangers
    let carol = app.signed_in_user().await;
    app.group_chat(&alice.token, "club", &[carol.user.id]).await;
    let direct = app.direct_chat(&alice.token, carol.user.id).await;
    assert_eq!(direct.request_from, None);
}

#[actix_web::test]
async fn a_declined_request_leaves_the_chat_and_asking_again_makes_a_new_request() {
    let app = TestApp::spawn_busy().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await.id;
    app.send_text(&alice.token, chat, "hello?").await;
    let r = post(
        &app,
        &bob.token,
        &format!("/chats/{chat}/request/decline"),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 204);
    assert!(
        app.chats(&bob.token, "")
            .await
            .chats
            .iter()
            .all(|c| c.id != chat)
    );
    // Alice may still write into it; it reaches nobody
    app.send_text(&alice.token, chat, "anyone?").await;
    let again = app.direct_chat(&alice.token, bob.user.id).await;
    assert_eq!(again.id, chat);
    assert_eq!(again.request_from, Some(alice.user.id));
    let bobs = app.chats(&bob.token, "").await;
    assert!(
        bobs.chats
            .iter()
            .any(|c| c.id == chat && c.request_from == Some(alice.user.id))
    );
    // a stranger cannot answer someone else's request
    let eve = app.signed_in_user().await;
    let r = post(
        &app,
        &eve.token,
        &format!("/chats/{chat}/request/accept"),
        json!({}),
    )
    .await;
    assert_error(r, 404, ErrorCode::NotFound).await;
}

#[actix_web::test]
async fn blocking_stops_the_chat_both_ways_hides_presence_and_refuses_new_chats_and_invites() {
    let app = TestApp::spawn_busy().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    // they know each other from a group, so the direct chat is no request
    let group = app
        .group_chat(&alice.token, "club", &[bob.user.id])
        .await
        .id;
    let chat = app.direct_chat(&alice.token, bob.user.id).await.id;
    app.send_text(&bob.token, chat, "before").await;
    let mut alice_ws = WsClient::connect(&app.ws_url(), &alice.token).await;
    assert_eq!(
        put_block(&app, &alice.token, bob.user.id, true)
            .await
            .status(),
        204
    );
    for (who, token) in [("blocker", &alice.token), ("blocked", &bob.token)] {
        let r = post(
            &app,
            token,
            &format!("/chats/{chat}/messages"),
            json!({"text": "x", "request_id": uuid::Uuid::new_v4()}),
        )
        .await;
        assert_error(r, 403, ErrorCode::Blocked).await;
        let list = app.chats(token, "").await;
        assert!(
            list.chats.iter().any(|c| c.id == chat && c.blocked),
            "{who} sees it blocked"
        );
    }
    // Bob comes online: Alice (who blocks him) is not told, and he does not see her
    let bob_ws = WsClient::connect(&app.ws_url(), &bob.token).await;
    let probe = app.send_text(&bob.token, group, "probe").await;
    let first = alice_ws
        .recv_until(|f| {
            matches!(
                f,
                ServerFrame::Presence { .. } | ServerFrame::NewMessage { .. }
            )
        })
        .await;
    assert!(
        matches!(&first, ServerFrame::NewMessage { message, .. } if message.id == probe.id),
        "no presence of a blocked person: {first:?}"
    );
    let list = app.chats(&bob.token, "").await;
    let direct = list.chats.iter().find(|c| c.id == chat).unwrap();
    assert!(!direct.partner.as_ref().unwrap().online);
    // nor edits or reactions into it, nor a new group with the other in it
    let mine = app
        .history(&bob.token, chat, "")
        .await
        .messages
        .into_iter()
        .find(|m| m.text == "before")
        .unwrap();
    let edit = app
        .client
        .patch(app.api(&format!("/chats/{chat}/messages/{}", mine.id)))
        .bearer_auth(&bob.token)
        .json(&json!({"text": "abuse", "request_id": uuid::Uuid::new_v4()}))
        .send()
        .await
        .unwrap();
    assert_error(edit, 403, ErrorCode::Blocked).await;
    let react = post(
        &app,
        &bob.token,
        &format!("/chats/{chat}/messages/{}/reactions", mine.id),
        json!({"emoji": "👎"}),
    )
    .await;
    assert_error(react, 403, ErrorCode::Blocked).await;
    let r = app
        .client
        .post(app.api("/chats"))
        .bearer_auth(&bob.token)
        .json(&json!({"title": "trap", "member_ids": [alice.user.id]}))
        .send()
        .await
        .unwrap();
    assert_error(r, 403, ErrorCode::Blocked).await;
    let members = app
        .get_authed(&format!("/chats/{chat}/members"), &alice.token)
        .await;
    assert_error(members, 409, ErrorCode::NotAGroup).await;
    // no new chat, no invitation, either way
    let r = app
        .client
        .post(app.api("/chats"))
        .bearer_auth(&bob.token)
        .json(&json!({"partner_id": alice.user.id}))
        .send()
        .await
        .unwrap();
    assert_error(r, 403, ErrorCode::Blocked).await;
    let other = app.group_chat(&bob.token, "other", &[]).await.id;
    let r = post(
        &app,
        &bob.token,
        &format!("/chats/{other}/invites"),
        json!({"user_id": alice.user.id}),
    )
    .await;
    assert_error(r, 403, ErrorCode::Blocked).await;
    let blocks: Vec<User> =
        json_with_status(app.get_authed("/users/me/blocks", &alice.token).await, 200).await;
    assert_eq!(
        blocks.iter().map(|u| u.id).collect::<Vec<_>>(),
        vec![bob.user.id]
    );
    // unblocked: the chat works again
    assert_eq!(
        put_block(&app, &alice.token, bob.user.id, false)
            .await
            .status(),
        204
    );
    let sent = post(
        &app,
        &bob.token,
        &format!("/chats/{chat}/messages"),
        json!({"text": "after", "request_id": uuid::Uuid::new_v4()}),
    )
    .await;
    assert_eq!(sent.status(), 201);
    let r = put_block(&app, &alice.token, alice.user.id, true).await;
    assert_error(r, 404, ErrorCode::NotFound).await;
    bob_ws.close().await;
}

#[actix_web::test]
async fn blocking_the_sender_of_a_request_declines_it() {
    let app = TestApp::spawn_busy().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await.id;
    app.send_text(&alice.token, chat, "buy my course").await;
    assert_eq!(
        put_block(&app, &bob.token, alice.user.id, true)
            .await
            .status(),
        204
    );
    assert!(
        app.chats(&bob.token, "")
            .await
            .chats
            .iter()
            .all(|c| c.id != chat)
    );
    let r = post(
        &app,
        &alice.token,
        &format!("/chats/{chat}/messages"),
        json!({"text": "hello?", "request_id": uuid::Uuid::new_v4()}),
    )
    .await;
    assert_error(r, 403, ErrorCode::Blocked).await;
}
