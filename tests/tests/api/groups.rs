//! Groups people run: the permission table as a matrix (every action × actor role × target
//! role, each refusal a 403 with its code), invitations, leaving and what a former member
//! may still read, bans, muting, mentions, and a strangers' view.

use natter_shared::api::{
    ChatDetails, ChatRole, DepartureReason, GroupAction, GroupRules, MemberList, Refusal,
    ServiceAction, may,
};
use natter_shared::ws::ServerFrame;
use natter_shared::{ChatId, ErrorCode, UserId};
use natter_tests::{TestApp, WsClient, assert_error, json_with_status};
use serde_json::json;

pub(crate) async fn patch_member(
    app: &TestApp,
    token: &str,
    chat: ChatId,
    user: UserId,
    body: serde_json::Value,
) -> reqwest::Response {
    app.client
        .patch(app.api(&format!("/chats/{chat}/members/{user}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn remove(
    app: &TestApp,
    token: &str,
    chat: ChatId,
    user: UserId,
) -> reqwest::Response {
    app.client
        .delete(app.api(&format!("/chats/{chat}/members/{user}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    app.client
        .post(app.api(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn pin(
    app: &TestApp,
    token: &str,
    chat: ChatId,
    m: natter_shared::MessageId,
) -> reqwest::Response {
    app.client
        .put(app.api(&format!("/chats/{chat}/pins/{m}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn code_of(r: Refusal) -> ErrorCode {
    match r {
        Refusal::RoleTooLow => ErrorCode::RoleTooLow,
        Refusal::TargetTooHigh => ErrorCode::TargetRoleTooHigh,
        Refusal::RoleAboveYours => ErrorCode::RoleAboveYours,
        Refusal::Muted => ErrorCode::Muted,
    }
}

const ROLES: [ChatRole; 4] = [
    ChatRole::Owner,
    ChatRole::Admin,
    ChatRole::Moderator,
    ChatRole::Member,
];

/// A group whose owner is `owner`, with `actor` in `actor_role` and `target` in
/// `target_role` (an owner actor is the owner itself; an owner target is the owner).
async fn roles_group(
    app: &TestApp,
    owner: &natter_shared::api::AuthTokens,
    actor: UserId,
    actor_role: ChatRole,
    target: UserId,
    target_role: ChatRole,
) -> ChatId {
    let chat = app
        .group_chat(&owner.token, "matrix", &[actor, target])
        .await
        .id;
    for (who, role) in [(actor, actor_role), (target, target_role)] {
        if role != ChatRole::Owner && role != ChatRole::Member {
            let r = patch_member(app, &owner.token, chat, who, json!({"role": role})).await;
            assert_eq!(r.status(), 200, "setting up {role}");
        }
    }
    chat
}

#[actix_web::test]
async fn the_permission_table_is_what_the_server_enforces_for_every_role_pair() {
    let app = TestApp::spawn_busy().await;
    let rules = GroupRules::default();
    let mut checked = 0;
    for actor_role in ROLES {
        for target_role in ROLES {
            if actor_role == ChatRole::Owner && target_role == ChatRole::Owner {
                continue; // one owner: that would be oneself
            }
            let owner = app.signed_in_user().await;
            let actor_t = app.signed_in_user().await;
            let other_t = app.signed_in_user().await;
            let (actor, actor_id) = if actor_role == ChatRole::Owner {
                (&owner, owner.user.id)
            } else {
                (&actor_t, actor_t.user.id)
            };
            // the owner as the target is the group's owner itself
            let target_t = if target_role == ChatRole::Owner {
                &owner
            } else {
                &other_t
            };
            let target = target_t.user.id;
            let cases: Vec<(GroupAction, serde_json::Value)> = vec![
                (GroupAction::Mute, json!({"muted": true})),
                (
                    GroupAction::ChangeRole {
                        to: ChatRole::Member,
                    },
                    json!({"role": "member"}),
                ),
                (
                    GroupAction::ChangeRole {
                        to: ChatRole::Moderator,
                    },
                    json!({"role": "moderator"}),
                ),
                (
                    GroupAction::ChangeRole {
                        to: ChatRole::Admin,
                    },
                    json!({"role": "admin"}),
                ),
            ];
            for (action, body) in cases {
                let chat =
                    roles_group(&app, &owner, actor_id, actor_role, target, target_role).await;
                let expected = may(actor_role, false, action, Some(target_role), rules);
                let resp = patch_member(&app, &actor.token, chat, target, body).await;
                let no_change =
                    matches!(action, GroupAction::ChangeRole { to } if to == target_role);
                match expected {
                    Ok(()) => {
                        assert_eq!(resp.status(), 200, "{actor_role} {action:?} {target_role}")
                    }
                    Err(_) if no_change => assert!(resp.status() == 200 || resp.status() == 403),
                    Err(r) => {
                        assert_error(resp, 403, code_of(r)).await;
                    }
                }
                checked += 1;
            }
            for (action, ban) in [(GroupAction::Remove, false), (GroupAction::Ban, true)] {
                let chat =
                    roles_group(&app, &owner, actor_id, actor_role, target, target_role).await;
                let resp = if ban {
                    post(
                        &app,
                        &actor.token,
                        &format!("/chats/{chat}/bans"),
                        json!({"user_id": target}),
                    )
                    .await
                } else {
                    remove(&app, &actor.token, chat, target).await
                };
                match may(actor_role, false, action, Some(target_role), rules) {
                    Ok(()) => {
                        assert_eq!(resp.status(), 204, "{actor_role} {action:?} {target_role}");
                        // gone: their history is capped, their list lost the chat
                        let list = app.chats(&target_t.token, "").await;
                        assert!(list.chats.iter().all(|c| c.id != chat));
                    }
                    Err(r) => {
                        assert_error(resp, 403, code_of(r)).await;
                        let list = app.chats(&target_t.token, "").await;
                        assert!(list.chats.iter().any(|c| c.id == chat), "still a member");
                    }
                }
                checked += 1;
            }
        }
        // actions on the group itself
        let owner = app.signed_in_user().await;
        let actor_t = app.signed_in_user().await;
        let other = app.signed_in_user().await;
        let (actor, actor_id) = if actor_role == ChatRole::Owner {
            (&owner, owner.user.id)
        } else {
            (&actor_t, actor_t.user.id)
        };
        let chat = roles_group(
            &app,
            &owner,
            actor_id,
            actor_role,
            other.user.id,
            ChatRole::Member,
        )
        .await;
        let edit = app
            .client
            .patch(app.api(&format!("/chats/{chat}")))
            .bearer_auth(&actor.token)
            .json(&json!({"title": "renamed", "description": "about"}))
            .send()
            .await
            .unwrap();
        match may(actor_role, false, GroupAction::EditInfo, None, rules) {
            Ok(()) => {
                let d: ChatDetails = json_with_status(edit, 200).await;
                let g = d.group.expect("a group has info");
                assert_eq!(
                    (g.title.as_str(), g.description.as_str()),
                    ("renamed", "about")
                );
            }
            Err(r) => {
                assert_error(edit, 403, code_of(r)).await;
            }
        }
        let m = app.send_text(&other.token, chat, "someone else's").await;
        let del = app
            .client
            .delete(app.api(&format!(
                "/chats/{chat}/messages/{}?for_everyone=true",
                m.id
            )))
            .bearer_auth(&actor.token)
            .send()
            .await
            .unwrap();
        match may(actor_role, false, GroupAction::DeleteOthers, None, rules) {
            Ok(()) => assert_eq!(del.status(), 200, "{actor_role} deletes others'"),
            Err(r) => {
                assert_error(del, 403, code_of(r)).await;
            }
        }
        let mine = app.send_text(&actor.token, chat, "pin me").await;
        let pinned = pin(&app, &actor.token, chat, mine.id).await;
        match may(actor_role, false, GroupAction::Pin, None, rules) {
            Ok(()) => assert_eq!(pinned.status(), 200, "{actor_role} pins"),
            Err(r) => {
                assert_error(pinned, 403, code_of(r)).await;
            }
        }
        // invitations when the group keeps them to admins; handing the group over
        let r = app
            .client
            .patch(app.api(&format!("/chats/{chat}")))
            .bearer_auth(&owner.token)
            .json(&json!({"invite_policy": "admins"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let guest = app.signed_in_user().await;
        let restricted = GroupRules {
            invite: natter_shared::api::InvitePolicy::Admins,
            ..rules
        };
        let invited = post(
            &app,
            &actor.token,
            &format!("/chats/{chat}/invites"),
            json!({"user_id": guest.user.id}),
        )
        .await;
        match may(actor_role, false, GroupAction::Invite, None, restricted) {
            Ok(()) => assert_eq!(invited.status(), 201, "{actor_role} invites"),
            Err(r) => {
                assert_error(invited, 403, code_of(r)).await;
            }
        }
        let handed = post(
            &app,
            &actor.token,
            &format!("/chats/{chat}/owner"),
            json!({"user_id": other.user.id}),
        )
        .await;
        match may(actor_role, false, GroupAction::HandOver, None, rules) {
            Ok(()) => assert_eq!(handed.status(), 204, "{actor_role} hands over"),
            Err(r) => {
                assert_error(handed, 403, code_of(r)).await;
            }
        }
        checked += 5;
    }
    // every actor role × every target role (but the owner on itself) × 6 member actions,
    // and 5 actions on the group for each actor role
    assert_eq!(checked, (4 * 4 - 1) * 6 + 4 * 5);
}

#[actix_web::test]
async fn ownership_is_handed_over_and_the_owner_cannot_just_leave() {
    let app = TestApp::spawn_busy().await;
    let owner = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app
        .group_chat(&owner.token, "club", &[bob.user.id])
        .await
        .id;
    let leave = remove(&app, &owner.token, chat, owner.user.id).await;
    assert_error(leave, 409, ErrorCode::OwnerMustHandOver).await;
    // nobody but the owner hands over; owner is never given as a role
    let r = post(
        &app,
        &bob.token,
        &format!("/chats/{chat}/owner"),
        json!({"user_id": bob.user.id}),
    )
    .await;
    assert_error(r, 403, ErrorCode::RoleTooLow).await;
    let r = patch_member(
        &app,
        &owner.token,
        chat,
        bob.user.id,
        json!({"role": "owner"}),
    )
    .await;
    assert_error(r, 403, ErrorCode::RoleAboveYours).await;
    let r = post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/owner"),
        json!({"user_id": bob.user.id}),
    )
    .await;
    assert_eq!(r.status(), 204);
    let members: MemberList = json_with_status(
        app.get_authed(&format!("/chats/{chat}/members"), &owner.token)
            .await,
        200,
    )
    .await;
    let role_of = |id: UserId| members.members.iter().find(|m| m.id == id).map(|m| m.role);
    assert_eq!(role_of(bob.user.id), Some(ChatRole::Owner));
    assert_eq!(role_of(owner.user.id), Some(ChatRole::Admin));
    assert_eq!(
        members.members[0].id, bob.user.id,
        "the owner is listed first"
    );
    let history = app.history(&owner.token, chat, "").await;
    assert!(matches!(
        history.messages.last().and_then(|m| m.service.clone()),
        Some(ServiceAction::OwnerChanged { user_id }) if user_id == bob.user.id
    ));
    let leave = remove(&app, &owner.token, chat, owner.user.id).await;
    assert_eq!(leave.status(), 204, "the former owner may leave now");
}

#[actix_web::test]
async fn a_member_who_leaves_keeps_what_they_saw_and_gets_nothing_newer() {
    let app = TestApp::spawn_busy().await;
    let owner = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app
        .group_chat(&owner.token, "club", &[bob.user.id])
        .await
        .id;
    app.send_text(&owner.token, chat, "before").await;
    let mut ws = WsClient::connect(&app.ws_url(), &bob.token).await;
    let r = remove(&app, &bob.token, chat, bob.user.id).await;
    assert_eq!(r.status(), 204);
    let ended = ws
        .recv_until(|f| matches!(f, ServerFrame::MembershipEnded { .. }))
        .await;
    assert_eq!(
        ended,
        ServerFrame::MembershipEnded {
            chat_id: chat,
            reason: DepartureReason::Left
        }
    );
    app.send_text(&owner.token, chat, "after").await;
    // what they had: "before" and their own "left" message, nothing newer
    let page = app.history(&bob.token, chat, "").await;
    let texts: Vec<&str> = page.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, vec!["before", ""]);
    assert!(!page.has_next);
    let last = page.messages.last().map(|m| m.seq).unwrap_or(0);
    let newer = app
        .get_authed(&format!("/chats/{chat}/messages?after={last}"), &bob.token)
        .await;
    assert_error(newer, 404, ErrorCode::NotFound).await;
    let events = app
        .get_authed(&format!("/chats/{chat}/events?after=0"), &bob.token)
        .await;
    let events: natter_shared::api::EventPage = json_with_status(events, 200).await;
    assert_eq!(events.events.len(), 2, "the log up to the departure");
    let send = post(
        &app,
        &bob.token,
        &format!("/chats/{chat}/messages"),
        json!({"text": "hi", "request_id": uuid::Uuid::new_v4()}),
    )
    .await;
    assert_error(send, 404, ErrorCode::NotFound).await;
    let members = app
        .get_authed(&format!("/chats/{chat}/members"), &bob.token)
        .await;
    assert_error(members, 404, ErrorCode::NotFound).await;
    // the "after" never reached the old socket: the next frame is the one sent after this
    let mine = app
        .send_text(
            &bob.token,
            app.direct_chat(&bob.token, owner.user.id).await.id,
            "probe",
        )
        .await;
    let next = ws
        .recv_until(|f| {
            matches!(
                f,
                ServerFrame::NewMessage { .. } | ServerFrame::MessageSent { .. }
            )
        })
        .await;
    match next {
        ServerFrame::NewMessage { message, .. } => {
            assert_eq!(message.id, mine.id, "nothing of the group after leaving")
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[actix_web::test]
async fn a_muted_member_reads_but_cannot_send_react_or_pin() {
    let app = TestApp::spawn_busy().await;
    let owner = app.signed_in_user().await;
    let bob = app.signed_in_user().await;
    let chat = app
        .group_chat(&owner.token, "club", &[bob.user.id])
        .await
        .id;
    let r = app
        .client
        .patch(app.api(&format!("/chats/{chat}")))
        .bearer_auth(&owner.token)
        .json(&json!({"pin_policy": "everyone"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let m = app.send_text(&owner.token, chat, "read me").await;
    let r = patch_member(
        &app,
        &owner.token,
        chat,
        bob.user.id,
        json!({"muted": true}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let send = post(
        &app,
        &bob.token,
        &format!("/chats/{chat}/messages"),
        json!({"text": "hi", "request_id": uuid::Uuid::new_v4()}),
    )
    .await;
    assert_error(send, 403, ErrorCode::Muted).await;
    let react = post(
        &app,
        &bob.token,
        &format!("/chats/{chat}/messages/{}/reactions", m.id),
        json!({"emoji": "👍"}),
    )
    .await;
    assert_error(react, 403, ErrorCode::Muted).await;
    let pinned = pin(&app, &bob.token, chat, m.id).await;
    assert_error(pinned, 403, ErrorCode::Muted).await;
    let page = app.history(&bob.token, chat, "").await;
    assert!(page.messages.iter().any(|x| x.id == m.id), "still reads");
    // over the socket too
    let mut ws = WsClient::connect(&app.ws_url(), &bob.token).await;
    let rid = natter_shared::RequestId::new_random();
    ws.send(&natter_shared::ws::ClientFrame::Message {
        attachments: Vec::new(),
        chat_id: chat,
        text: "hi".into(),
        request_id: rid,
        reply_to: None,
    })
    .await;
    let refused = ws
        .recv_until(|f| matches!(f, ServerFrame::Error { .. }))
        .await;
    assert!(matches!(
        refused,
        ServerFrame::Error {
            code: ErrorCode::Muted,
            ..
        }
    ));
    patch_member(
        &app,
        &owner.token,
        chat,
        bob.user.id,
        json!({"muted": false}),
    )
    .await;
    let sent = post(
        &app,
        &bob.token,
        &format!("/chats/{chat}/messages"),
        json!({"text": "back", "request_id": uuid::Uuid::new_v4()}),
    )
    .await;
    assert_eq!(sent.status(), 201);
    // service messages cannot be edited, reacted to or pinned
    let service = app
        .history(&owner.token, chat, "")
        .await
        .messages
        .into_iter()
        .find(|x| x.service.is_some())
        .expect("a service message");
    let react = post(
        &app,
        &owner.token,
        &format!("/chats/{chat}/messages/{}/reactions", service.id),
        json!({"emoji": "👍"}),
    )
    .await;
    assert_error(react, 403, ErrorCode::Forbidden).await;
}
