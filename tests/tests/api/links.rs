//! Join links: made and revoked by admins, with expiry, use limits and approval.

use natter_shared::ErrorCode;
use natter_shared::api::{ChatSummary, JoinLink, JoinRequest, JoinResult, ServiceAction};
use natter_tests::{TestApp, assert_error, json_with_status};
use serde_json::json;

use super::groups::{patch_member, post};

#[actix_web::test]
async fn a_link_lets_people_in_until_it_is_used_up_or_revoked() {
    let app = TestApp::spawn_busy().await;
    let owner = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let carol = app.signed_in_user().await;
    let dave = app.signed_in_user().await;
    let chat = app
        .group_chat(&owner.token, "club", &[bob.user.id])
        .await
        .id;
    // members may not make links; admins may
    let r = post(&app, &bob.token, &format!("/chats/{chat}/links"), json!({})).await;
    assert_error(r, 403, ErrorCode::RoleTooLow).await;
    let r = post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/links"),
        json!({"max_uses": 0}),
    )
    .await;
    assert_error(r, 400, ErrorCode::ValidationFailed).await;
    let r = post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/links"),
        json!({"expires_in_secs": 5}),
    )
    .await;
    assert_error(r, 400, ErrorCode::ValidationFailed).await;
    let link: JoinLink = json_with_status(
        post(
            &app,
            &owner.token,
            &format!("/chats/{chat}/links"),
            json!({"max_uses": 1, "expires_in_secs": 3600}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!((link.uses, link.max_uses), (0, Some(1)));
    let joined: JoinResult = json_with_status(
        post(
            &app,
            &carol.token,
            &format!("/join/{}", link.token),
            json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(joined, JoinResult::Joined { chat_id: chat });
    let list = app.chats(&carol.token, "").await;
    assert!(list.chats.iter().any(|c: &ChatSummary| c.id == chat));
    let page = app.history(&carol.token, chat, "").await;
    assert!(matches!(
        page.messages.last().and_then(|m| m.service.clone()),
        Some(ServiceAction::Joined { user_id, invited_by: None }) if user_id == carol.user.id
    ));
    let again = post(
        &app,
        &carol.token,
        &format!("/join/{}", link.token),
        json!({}),
    )
    .await;
    assert_error(again, 410, ErrorCode::LinkExpired).await;
    let r = post(
        &app,
        &dave.token,
        &format!("/join/{}", link.token),
        json!({}),
    )
    .await;
    assert_error(r, 410, ErrorCode::LinkExpired).await;
    // a second link, revoked
    let open: JoinLink = json_with_status(
        post(
            &app,
            &owner.token,
            &format!("/chats/{chat}/links"),
            json!({}),
        )
        .await,
        201,
    )
    .await;
    let links: Vec<JoinLink> = json_with_status(
        app.get_authed(&format!("/chats/{chat}/links"), &owner.token)
            .await,
        200,
    )
    .await;
    assert_eq!(links.len(), 2);
    assert_eq!(
        links.iter().find(|l| l.token == link.token).map(|l| l.uses),
        Some(1)
    );
    let r = app
        .client
        .delete(app.api(&format!("/chats/{chat}/links/{}", open.token)))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = post(
        &app,
        &dave.token,
        &format!("/join/{}", open.token),
        json!({}),
    )
    .await;
    assert_error(r, 410, ErrorCode::LinkExpired).await;
    let r = post(&app, &dave.token, "/join/nonsense", json!({})).await;
    assert_error(r, 404, ErrorCode::NotFound).await;
    // a link past its expiry (moved back in time: the expiry is a time, not an event)
    let timed: JoinLink = json_with_status(
        post(
            &app,
            &owner.token,
            &format!("/chats/{chat}/links"),
            json!({"expires_in_secs": 60}),
        )
        .await,
        201,
    )
    .await;
    assert!(timed.expires_at.is_some());
    {
        use diesel::{Connection, RunQueryDsl};
        let mut conn =
            diesel::PgConnection::establish(&natter_tests::db_url(&app.db_name)).unwrap();
        diesel::sql_query(format!(
            "UPDATE chat_links SET expires_at = now() - interval '1 second' WHERE token = '{}'",
            timed.token
        ))
        .execute(&mut conn)
        .unwrap();
    }
    let r = post(
        &app,
        &dave.token,
        &format!("/join/{}", timed.token),
        json!({}),
    )
    .await;
    assert_error(r, 410, ErrorCode::LinkExpired).await;
    // the banned do not come back by link
    let fresh: JoinLink = json_with_status(
        post(
            &app,
            &owner.token,
            &format!("/chats/{chat}/links"),
            json!({}),
        )
        .await,
        201,
    )
    .await;
    post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/bans"),
        json!({"user_id": dave.user.id}),
    )
    .await;
    let r = post(
        &app,
        &dave.token,
        &format!("/join/{}", fresh.token),
        json!({}),
    )
    .await;
    assert_error(r, 403, ErrorCode::Banned).await;
}

#[actix_web::test]
async fn a_link_that_needs_approval_makes_a_request_the_admins_answer() {
    let app = TestApp::spawn_busy().await;
    let owner = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let carol = app.signed_in_user().await;
    let dave = app.signed_in_user().await;
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
    let link: JoinLink = json_with_status(
        post(
            &app,
            &bob.token,
            &format!("/chats/{chat}/links"),
            json!({"needs_approval": true}),
        )
        .await,
        201,
    )
    .await;
    for who in [&carol, &dave] {
        let asked: JoinResult = json_with_status(
            post(
                &app,
                &who.token,
                &format!("/join/{}", link.token),
                json!({}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(asked, JoinResult::Requested { chat_id: chat });
    }
    assert!(
        app.chats(&carol.token, "").await.chats.is_empty(),
        "not in until approved"
    );
    let waiting: Vec<JoinRequest> = json_with_status(
        app.get_authed(&format!("/chats/{chat}/join-requests"), &owner.token)
            .await,
        200,
    )
    .await;
    assert_eq!(
        waiting.iter().map(|r| r.user.id).collect::<Vec<_>>(),
        vec![carol.user.id, dave.user.id]
    );
    let r = post(
        &app,
        &carol.token,
        &format!("/chats/{chat}/join-requests/{}/approve", carol.user.id),
        json!({}),
    )
    .await;
    assert_error(r, 404, ErrorCode::NotFound).await;
    let r = post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/join-requests/{}/approve", carol.user.id),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 204);
    let r = post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/join-requests/{}/decline", dave.user.id),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 204);
    // asked by link, then came in another way: approving is a 409, not a 500
    let eve = app.signed_in_user().await;
    let _: JoinResult = json_with_status(
        post(
            &app,
            &eve.token,
            &format!("/join/{}", link.token),
            json!({}),
        )
        .await,
        200,
    )
    .await;
    let open: JoinLink = json_with_status(
        post(
            &app,
            &owner.token,
            &format!("/chats/{chat}/links"),
            json!({}),
        )
        .await,
        201,
    )
    .await;
    let _: JoinResult = json_with_status(
        post(
            &app,
            &eve.token,
            &format!("/join/{}", open.token),
            json!({}),
        )
        .await,
        200,
    )
    .await;
    let r = post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/join-requests/{}/approve", eve.user.id),
        json!({}),
    )
    .await;
    assert_error(r, 409, ErrorCode::AlreadyMember).await;
    assert!(
        app.chats(&carol.token, "")
            .await
            .chats
            .iter()
            .any(|c| c.id == chat)
    );
    assert!(app.chats(&dave.token, "").await.chats.is_empty());
    let page = app.history(&carol.token, chat, "").await;
    assert!(page.messages.iter().any(|m| matches!(
        m.service.clone(),
        Some(ServiceAction::Joined { user_id, invited_by: Some(by) }) if user_id == carol.user.id && by == owner.user.id
    )));
}
