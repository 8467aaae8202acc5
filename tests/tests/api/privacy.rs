//! Issue 14, finding 11: who sees my last seen and online state (everyone / people I chat
//! with / nobody), enforced by the server everywhere presence is shown.

use natter_shared::api::{MemberList, PresenceVisibility, User, UserSearchResponse};
use natter_shared::ws::ServerFrame;
use natter_shared::{ErrorCode, UserId};
use natter_tests::{TestApp, WsClient, assert_error, json_with_status};
use serde_json::json;

async fn set_visibility(app: &TestApp, token: &str, value: &str) -> reqwest::Response {
    app.client
        .patch(app.api("/users/me"))
        .bearer_auth(token)
        .json(&json!({ "presence_visibility": value }))
        .send()
        .await
        .unwrap()
}

async fn profile(app: &TestApp, token: &str, user: UserId) -> User {
    json_with_status(app.get_authed(&format!("/users/{user}"), token).await, 200).await
}

async fn found(app: &TestApp, token: &str, username: &str) -> User {
    let list: UserSearchResponse = json_with_status(
        app.get_authed(&format!("/users?query={username}"), token)
            .await,
        200,
    )
    .await;
    list.users
        .into_iter()
        .find(|u| u.username.as_str() == username)
        .expect("the user is found")
}

/// Connects `user` and waits until the server has noted them (their own last seen is set,
/// which happens after their `user_online` went out, if it did).
async fn come_online(app: &TestApp, token: &str) -> WsClient {
    let before: User = json_with_status(app.get_authed("/users/me", token).await, 200).await;
    let ws = WsClient::connect(&app.ws_url(), token).await;
    for _ in 0..200 {
        let me: User = json_with_status(app.get_authed("/users/me", token).await, 200).await;
        if me.last_seen_at.is_some() && me.last_seen_at != before.last_seen_at {
            return ws;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the connection was never noted");
}

#[actix_web::test]
async fn the_privacy_setting_is_in_my_own_profile_only_and_bad_values_are_400() {
    let app = TestApp::spawn().await;
    let bob = app.signed_in_user().await;
    let carol = app.signed_in_user().await;
    let me: User = json_with_status(app.get_authed("/users/me", &bob.token).await, 200).await;
    assert_eq!(me.presence_visibility, Some(PresenceVisibility::Everyone));
    let changed: User =
        json_with_status(set_visibility(&app, &bob.token, "contacts").await, 200).await;
    assert_eq!(
        changed.presence_visibility,
        Some(PresenceVisibility::Contacts)
    );
    let me: User = json_with_status(app.get_authed("/users/me", &bob.token).await, 200).await;
    assert_eq!(me.presence_visibility, Some(PresenceVisibility::Contacts));
    assert_error(
        set_visibility(&app, &bob.token, "friends").await,
        400,
        ErrorCode::InvalidJson,
    )
    .await;
    assert_error(
        app.client
            .patch(app.api("/users/me"))
            .bearer_auth(&bob.token)
            .json(&json!({ "presence_visibility": 1 }))
            .send()
            .await
            .unwrap(),
        400,
        ErrorCode::InvalidJson,
    )
    .await;
    let me: User = json_with_status(app.get_authed("/users/me", &bob.token).await, 200).await;
    assert_eq!(me.presence_visibility, Some(PresenceVisibility::Contacts));
    // others never learn the setting itself
    let seen = profile(&app, &carol.token, bob.user.id).await;
    assert_eq!(seen.presence_visibility, None);
}

#[actix_web::test]
async fn with_contacts_strangers_see_no_last_seen_and_chat_partners_do() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let carol = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    app.accept_request(&bob.token, chat.id).await;
    come_online(&app, &bob.token).await.close().await;
    json_with_status::<User>(set_visibility(&app, &bob.token, "contacts").await, 200).await;

    let username = bob.user.username.as_str();
    assert_eq!(
        profile(&app, &carol.token, bob.user.id).await.last_seen_at,
        None
    );
    assert_eq!(found(&app, &carol.token, username).await.last_seen_at, None);
    assert!(
        profile(&app, &alice.token, bob.user.id)
            .await
            .last_seen_at
            .is_some()
    );
    assert!(
        found(&app, &alice.token, username)
            .await
            .last_seen_at
            .is_some()
    );
    let me: User = json_with_status(app.get_authed("/users/me", &bob.token).await, 200).await;
    assert!(me.last_seen_at.is_some(), "one always sees one's own");

    // back to everyone: the stranger sees it again
    json_with_status::<User>(set_visibility(&app, &bob.token, "everyone").await, 200).await;
    assert!(
        profile(&app, &carol.token, bob.user.id)
            .await
            .last_seen_at
            .is_some()
    );
    assert!(
        found(&app, &carol.token, username)
            .await
            .last_seen_at
            .is_some()
    );
}

#[actix_web::test]
async fn with_nobody_even_partners_see_no_presence_and_get_no_frame_until_everyone_again() {
    let app = TestApp::spawn().await;
    let alice = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app.direct_chat(&alice.token, bob.user.id).await;
    app.accept_request(&bob.token, chat.id).await;
    let group = app.group_chat(&alice.token, "Club", &[bob.user.id]).await;
    json_with_status::<User>(set_visibility(&app, &bob.token, "nobody").await, 200).await;

    let mut alice_ws = WsClient::connect(&app.ws_url(), &alice.token).await;
    let _bob_ws = come_online(&app, &bob.token).await;
    // Bob's user_online (had it gone out) would come before this message
    app.send_text(&bob.token, chat.id, "hi").await;
    let first = alice_ws
        .recv_until(|f| {
            matches!(
                f,
                ServerFrame::Presence { .. } | ServerFrame::NewMessage { .. }
            )
        })
        .await;
    assert!(
        matches!(first, ServerFrame::NewMessage { .. }),
        "no presence frame about someone who shows it to nobody: {first:?}"
    );

    let partner_seen = |list: natter_shared::api::ChatList| {
        let p = list
            .chats
            .into_iter()
            .find(|c| c.id == chat.id)
            .and_then(|c| c.partner)
            .expect("the direct chat with its partner");
        (p.online, p.last_seen_at.is_some())
    };
    // twice: once built from PostgreSQL, once from the cache
    for _ in 0..2 {
        assert_eq!(
            partner_seen(app.chats(&alice.token, "").await),
            (false, false)
        );
    }
    assert_eq!(
        profile(&app, &alice.token, bob.user.id).await.last_seen_at,
        None
    );
    let members: MemberList = json_with_status(
        app.get_authed(&format!("/chats/{}/members", group.id), &alice.token)
            .await,
        200,
    )
    .await;
    let bob_member = members
        .members
        .iter()
        .find(|m| m.id == bob.user.id)
        .unwrap();
    assert!(!bob_member.online);
    let me: User = json_with_status(app.get_authed("/users/me", &bob.token).await, 200).await;
    assert!(me.last_seen_at.is_some(), "one always sees one's own");

    // everyone again: shown at once, the cached chat list included
    json_with_status::<User>(set_visibility(&app, &bob.token, "everyone").await, 200).await;
    assert_eq!(
        partner_seen(app.chats(&alice.token, "").await),
        (true, true)
    );
    assert!(
        profile(&app, &alice.token, bob.user.id)
            .await
            .last_seen_at
            .is_some()
    );
    let members: MemberList = json_with_status(
        app.get_authed(&format!("/chats/{}/members", group.id), &alice.token)
            .await,
        200,
    )
    .await;
    assert!(
        members
            .members
            .iter()
            .any(|m| m.id == bob.user.id && m.online)
    );
}
