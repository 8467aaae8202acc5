//! Invitations (live, accepted, declined, expired, refused for the banned, restricted to
//! admins), a re-invited former admin, and mentions.

use natter_shared::ErrorCode;
use natter_shared::api::{
    ChatList, ChatRole, ChatSummary, Invite, InviteList, MemberList, Message, ServiceAction,
};
use natter_shared::ws::ServerFrame;
use natter_tests::{TestApp, WsClient, assert_error, json_with_status};
use serde_json::json;

use super::groups::{patch_member, post, remove};

#[actix_web::test]
async fn invitations_are_received_live_accepted_declined_and_refused_for_the_banned() {
    let app = TestApp::spawn_busy().await;
    let owner = app.signed_in_user().await;
    let carol = app.signed_in_user().await;
    let dave = app.signed_in_user().await;
    let chat = app.group_chat(&owner.token, "club", &[]).await.id;
    app.send_text(&owner.token, chat, "history").await;
    let mut carol_ws = WsClient::connect(&app.ws_url(), &carol.token).await;
    let mut owner_ws = WsClient::connect(&app.ws_url(), &owner.token).await;
    let invite: Invite = json_with_status(
        post(
            &app,
            &owner.token,
            &format!("/chats/{chat}/invites"),
            json!({"user_id": carol.user.id}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(invite.chat_title, "club");
    let live = carol_ws
        .recv_until(|f| matches!(f, ServerFrame::InviteReceived { .. }))
        .await;
    assert_eq!(
        live,
        ServerFrame::InviteReceived {
            invite: invite.clone()
        }
    );
    let listed: InviteList =
        json_with_status(app.get_authed("/invites", &carol.token).await, 200).await;
    assert_eq!(listed.invites, vec![invite.clone()]);
    // not a member until accepted
    assert!(app.chats(&carol.token, "").await.chats.is_empty());
    let again = post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/invites"),
        json!({"user_id": owner.user.id}),
    )
    .await;
    assert_error(again, 409, ErrorCode::AlreadyMember).await;
    // someone else cannot answer it
    let theirs = post(
        &app,
        &dave.token,
        &format!("/invites/{}/accept", invite.id),
        json!({}),
    )
    .await;
    assert_error(theirs, 404, ErrorCode::NotFound).await;

    let joined: ChatSummary = json_with_status(
        post(
            &app,
            &carol.token,
            &format!("/invites/{}/accept", invite.id),
            json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(joined.id, chat);
    assert_eq!(joined.unread_count, 0);
    let answered = owner_ws
        .recv_until(|f| matches!(f, ServerFrame::InviteAnswered { .. }))
        .await;
    assert!(matches!(
        answered,
        ServerFrame::InviteAnswered { accepted: true, .. }
    ));
    let page = app.history(&carol.token, chat, "").await;
    assert_eq!(
        page.messages[0].text, "history",
        "the group comes with its history"
    );
    assert!(matches!(
        page.messages.last().and_then(|m| m.service.clone()),
        Some(ServiceAction::Joined { user_id, invited_by: Some(by) }) if user_id == carol.user.id && by == owner.user.id
    ));
    assert!(
        app.chats(&carol.token, "")
            .await
            .chats
            .iter()
            .any(|c| c.id == chat)
    );
    let used = post(
        &app,
        &carol.token,
        &format!("/invites/{}/accept", invite.id),
        json!({}),
    )
    .await;
    assert_error(used, 404, ErrorCode::NotFound).await;

    // declined: the inviter is told, nothing joins
    let invite: Invite = json_with_status(
        post(
            &app,
            &carol.token,
            &format!("/chats/{chat}/invites"),
            json!({"user_id": dave.user.id}),
        )
        .await,
        201,
    )
    .await;
    let mut carol_ws2 = WsClient::connect(&app.ws_url(), &carol.token).await;
    let r = post(
        &app,
        &dave.token,
        &format!("/invites/{}/decline", invite.id),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 204);
    let told = carol_ws2
        .recv_until(|f| matches!(f, ServerFrame::InviteAnswered { .. }))
        .await;
    assert!(
        matches!(told, ServerFrame::InviteAnswered { accepted: false, user_id, .. } if user_id == dave.user.id)
    );
    assert!(app.chats(&dave.token, "").await.chats.is_empty());

    // banned: no invitation, and a ban withdraws an open one
    let r = post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/bans"),
        json!({"user_id": dave.user.id}),
    )
    .await;
    assert_eq!(r.status(), 204);
    let r = post(
        &app,
        &carol.token,
        &format!("/chats/{chat}/invites"),
        json!({"user_id": dave.user.id}),
    )
    .await;
    assert_error(r, 403, ErrorCode::Banned).await;
    let r = app
        .client
        .delete(app.api(&format!("/chats/{chat}/bans/{}", dave.user.id)))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = post(
        &app,
        &carol.token,
        &format!("/chats/{chat}/invites"),
        json!({"user_id": dave.user.id}),
    )
    .await;
    assert_eq!(r.status(), 201);

    // an invitation from someone who has since left the group is withdrawn
    let frank = app.signed_in_user().await;
    let from_carol: Invite = json_with_status(
        post(
            &app,
            &carol.token,
            &format!("/chats/{chat}/invites"),
            json!({"user_id": frank.user.id}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        remove(&app, &carol.token, chat, carol.user.id)
            .await
            .status(),
        204
    );
    let r = post(
        &app,
        &frank.token,
        &format!("/invites/{}/accept", from_carol.id),
        json!({}),
    )
    .await;
    assert_error(r, 410, ErrorCode::InviteExpired).await;

    // strangers and bad input
    let stranger = app.signed_in_user().await;
    let r = post(
        &app,
        &stranger.token,
        &format!("/chats/{chat}/invites"),
        json!({"user_id": stranger.user.id}),
    )
    .await;
    assert_error(r, 404, ErrorCode::NotFound).await;
    let r = post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/invites"),
        json!({"user_id": uuid::Uuid::new_v4()}),
    )
    .await;
    assert_error(r, 404, ErrorCode::NotFound).await;
    let r = post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/invites"),
        json!({"user": 1}),
    )
    .await;
    assert_error(r, 400, ErrorCode::InvalidJson).await;
    let direct = app.direct_chat(&owner.token, carol.user.id).await.id;
    let r = post(
        &app,
        &owner.token,
        &format!("/chats/{direct}/invites"),
        json!({"user_id": dave.user.id}),
    )
    .await;
    assert_error(r, 409, ErrorCode::NotAGroup).await;
}

#[actix_web::test]
async fn an_invitation_expires_and_a_group_that_restricts_invites_refuses_members() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_INVITE_TTL_SECS".into(), "1".into());
    })
    .await;
    let owner = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let carol = app.signed_in_user().await;
    let chat = app
        .group_chat(&owner.token, "club", &[bob.user.id])
        .await
        .id;
    let invite: Invite = json_with_status(
        post(
            &app,
            &owner.token,
            &format!("/chats/{chat}/invites"),
            json!({"user_id": carol.user.id}),
        )
        .await,
        201,
    )
    .await;
    // the expiry is a time, not an event: wait it out
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let listed: InviteList =
        json_with_status(app.get_authed("/invites", &carol.token).await, 200).await;
    assert!(
        listed.invites.is_empty(),
        "an expired invitation is not listed"
    );
    let r = post(
        &app,
        &carol.token,
        &format!("/invites/{}/accept", invite.id),
        json!({}),
    )
    .await;
    assert_error(r, 410, ErrorCode::InviteExpired).await;
    let r = app
        .client
        .patch(app.api(&format!("/chats/{chat}")))
        .bearer_auth(&owner.token)
        .json(&json!({"invite_policy": "admins"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = post(
        &app,
        &bob.token,
        &format!("/chats/{chat}/invites"),
        json!({"user_id": carol.user.id}),
    )
    .await;
    assert_error(r, 403, ErrorCode::RoleTooLow).await;
}

#[actix_web::test]
async fn a_re_invited_former_admin_comes_back_as_a_member() {
    let app = TestApp::spawn_busy().await;
    let owner = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app
        .group_chat(&owner.token, "club", &[bob.user.id])
        .await
        .id;
    patch_member(
        &app,
        &owner.token,
        chat,
        bob.user.id,
        json!({"role": "admin"}),
    )
    .await;
    assert_eq!(
        remove(&app, &owner.token, chat, bob.user.id).await.status(),
        204
    );
    let invite: Invite = json_with_status(
        post(
            &app,
            &owner.token,
            &format!("/chats/{chat}/invites"),
            json!({"user_id": bob.user.id}),
        )
        .await,
        201,
    )
    .await;
    let _: ChatSummary = json_with_status(
        post(
            &app,
            &bob.token,
            &format!("/invites/{}/accept", invite.id),
            json!({}),
        )
        .await,
        200,
    )
    .await;
    let members: MemberList = json_with_status(
        app.get_authed(&format!("/chats/{chat}/members"), &bob.token)
            .await,
        200,
    )
    .await;
    assert_eq!(members.my_role, ChatRole::Member);
    let page = app.history(&bob.token, chat, "after=0&limit=100").await;
    assert!(
        page.messages.iter().any(|m| m.service.is_some()),
        "service messages are history"
    );
}

#[actix_web::test]
async fn a_mention_is_resolved_and_badges_the_chat_until_read_from_cache_and_postgres() {
    let app = TestApp::spawn_busy().await;
    let owner = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app
        .group_chat(&owner.token, "club", &[bob.user.id])
        .await
        .id;
    // both lists cached before the mention
    app.chats(&bob.token, "").await;
    let text = format!(
        "hey @{}, and @nobody_here",
        bob.user.username.as_str().to_uppercase()
    );
    let m: Message = app.send_text(&owner.token, chat, &text).await;
    assert_eq!(m.mentions, vec![bob.user.id]);
    let listed = |l: &ChatList| {
        l.chats
            .iter()
            .find(|c| c.id == chat)
            .map(|c| c.unread_mention)
    };
    assert_eq!(
        listed(&app.chats(&bob.token, "").await),
        Some(true),
        "cached list"
    );
    app.flush_redis();
    assert_eq!(
        listed(&app.chats(&bob.token, "").await),
        Some(true),
        "from PostgreSQL"
    );
    assert_eq!(
        listed(&app.chats(&owner.token, "").await),
        Some(false),
        "not the sender's"
    );
    let r = post(
        &app,
        &bob.token,
        &format!("/chats/{chat}/read"),
        json!({"seq": m.seq}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        listed(&app.chats(&bob.token, "").await),
        Some(false),
        "read: no badge"
    );
    // an email address is no mention; a direct chat has none
    let m = app
        .send_text(
            &owner.token,
            chat,
            &format!("mail x@{}", bob.user.username.as_str()),
        )
        .await;
    assert!(m.mentions.is_empty());
}
