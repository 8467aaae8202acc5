//! The account: changing the password, signing out every other device, deleting the
//! account, exporting its data.

use natter_shared::ErrorCode;
use natter_shared::api::{
    AccountExport, ChangePasswordRequest, Reauthenticate, RegisterRequest, RevokedSessions, User,
    UserSearchResponse,
};
use natter_tests::{TestApp, WsClient, assert_error, json_with_status, logs};

use crate::two_factor::{PASSWORD, post_authed, second_step, ticket, user_with_two_factor};

async fn delete_account(app: &TestApp, token: &str, body: &Reauthenticate) -> reqwest::Response {
    app.client
        .delete(app.api("/account"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn change(current: &str, new: &str) -> ChangePasswordRequest {
    ChangePasswordRequest {
        current_password: current.into(),
        new_password: new.into(),
        code: None,
        recovery_code: None,
    }
}

#[actix_web::test]
async fn a_new_password_signs_out_every_other_device_and_closes_its_sockets() {
    let app = TestApp::spawn().await;
    app.register("quinn", PASSWORD).await;
    let here = app.login("quinn", PASSWORD).await;
    let there = app.login("quinn", PASSWORD).await;
    let mut socket = WsClient::connect(&app.ws_url(), &there.token).await;

    let resp = post_authed(
        &app,
        "/account/password",
        &here.token,
        &change("wrong password", "brand new secret"),
    )
    .await;
    assert_error(resp, 403, ErrorCode::WrongPassword).await;
    let resp = post_authed(
        &app,
        "/account/password",
        &here.token,
        &change(PASSWORD, "short"),
    )
    .await;
    let body = assert_error(resp, 400, ErrorCode::ValidationFailed).await;
    assert_eq!(body.error.field, Some(natter_shared::Field::NewPassword));

    logs::remember_secret("brand new secret");
    let resp = post_authed(
        &app,
        "/account/password",
        &here.token,
        &change(PASSWORD, "brand new secret"),
    )
    .await;
    assert_eq!(resp.status(), 204);

    assert!(
        socket.closed_by_server().await,
        "the other device's socket closes"
    );
    let resp = app.get_authed("/users/me", &there.token).await;
    assert_error(resp, 401, ErrorCode::SessionRevoked).await;
    let resp = app.get_authed("/users/me", &here.token).await;
    assert_eq!(resp.status(), 200, "this device stays signed in");

    let old = app
        .post_json(
            "/auth/login",
            &natter_shared::api::LoginRequest {
                username: "quinn".into(),
                password: PASSWORD.into(),
                device_name: None,
            },
        )
        .await;
    assert_error(old, 401, ErrorCode::InvalidCredentials).await;
    app.login("quinn", "brand new secret").await;
}

#[actix_web::test]
async fn with_two_factor_on_a_new_password_needs_a_code_too() {
    crate::two_factor::wait_for_room(10).await;
    let app = crate::two_factor::spawn().await;
    let (tokens, authenticator, _) = user_with_two_factor(&app, "rhea").await;
    let resp = post_authed(
        &app,
        "/account/password",
        &tokens.token,
        &change(PASSWORD, "another good one"),
    )
    .await;
    assert_error(resp, 403, ErrorCode::TwoFactorCodeRequired).await;
    logs::remember_secret("another good one");
    let with_code = ChangePasswordRequest {
        code: Some(authenticator.code(0)),
        ..change(PASSWORD, "another good one")
    };
    let resp = post_authed(&app, "/account/password", &tokens.token, &with_code).await;
    assert_eq!(resp.status(), 204);
    // a ticket still asks for the second factor with the new password
    let ticket = app
        .post_json(
            "/auth/login",
            &natter_shared::api::LoginRequest {
                username: "rhea".into(),
                password: "another good one".into(),
                device_name: None,
            },
        )
        .await;
    let text = ticket.text().await.unwrap();
    assert!(text.contains("two_factor_required"), "{text}");
}

#[actix_web::test]
async fn signing_out_all_other_devices_keeps_only_this_one() {
    let app = TestApp::spawn().await;
    app.register("sven", PASSWORD).await;
    let here = app.login("sven", PASSWORD).await;
    let others = [
        app.login("sven", PASSWORD).await,
        app.login("sven", PASSWORD).await,
    ];
    let mut socket = WsClient::connect(&app.ws_url(), &others[0].token).await;
    let bob = app.signed_in_user().await;

    let revoked: RevokedSessions = json_with_status(
        post_authed(&app, "/auth/sessions/revoke-others", &here.token, &()).await,
        200,
    )
    .await;
    assert_eq!(revoked.revoked, 2);
    assert!(socket.closed_by_server().await);
    for other in &others {
        let resp = app.get_authed("/users/me", &other.token).await;
        assert_error(resp, 401, ErrorCode::SessionRevoked).await;
    }
    assert_eq!(app.get_authed("/users/me", &here.token).await.status(), 200);
    // someone else's sessions are not touched
    assert_eq!(app.get_authed("/users/me", &bob.token).await.status(), 200);
    let resp = app
        .client
        .post(app.api("/auth/sessions/revoke-others"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[actix_web::test]
async fn a_deleted_account_is_shown_as_deleted_and_its_name_is_free_again() {
    let app = TestApp::spawn().await;
    let (alice, bob, chat, _) = app.pair().await;
    let sent = app.send_text(&alice, chat, "before I go").await;
    let alice_id = sent.sender_id;

    let resp = delete_account(
        &app,
        &alice,
        &Reauthenticate {
            password: "wrong password".into(),
            ..Default::default()
        },
    )
    .await;
    assert_error(resp, 403, ErrorCode::WrongPassword).await;
    let resp = delete_account(
        &app,
        &alice,
        &Reauthenticate {
            password: "correct horse battery".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(resp.status(), 204);

    // her tokens are refused, and she cannot sign in
    let resp = app.get_authed("/users/me", &alice).await;
    assert_error(resp, 401, ErrorCode::SessionRevoked).await;
    let resp = app
        .post_json(
            "/auth/login",
            &natter_shared::api::LoginRequest {
                username: "alice".into(),
                password: "correct horse battery".into(),
                device_name: None,
            },
        )
        .await;
    assert_error(resp, 401, ErrorCode::InvalidCredentials).await;

    // Bob sees "Deleted account": her profile, the chat's partner, the kept message
    let profile: User = json_with_status(
        app.get_authed(&format!("/users/{alice_id}"), &bob).await,
        200,
    )
    .await;
    assert_eq!(profile.name(), "Deleted account");
    assert_eq!(profile.bio, "");
    assert_eq!(profile.avatar, None);
    let list = app.chats(&bob, "").await;
    let partner = list.chats[0]
        .partner
        .as_ref()
        .expect("a direct chat's partner");
    assert_eq!(partner.name(), "Deleted account");
    let history = app.history(&bob, chat, "").await;
    assert_eq!(history.messages.len(), 1);
    assert_eq!(history.messages[0].text, "before I go");
    assert_eq!(history.messages[0].sender_id, alice_id);
    // not found by search
    let found: UserSearchResponse =
        json_with_status(app.get_authed("/users?query=deleted", &bob).await, 200).await;
    assert!(found.users.is_empty(), "{found:?}");

    // the username is free
    let resp = app
        .post_json(
            "/auth/register",
            &RegisterRequest {
                username: "alice".into(),
                password: "a whole new alice".into(),
                display_name: None,
            },
        )
        .await;
    let new_alice: User = json_with_status(resp, 201).await;
    assert_ne!(new_alice.id, alice_id);
}

#[actix_web::test]
async fn deleting_an_account_with_two_factor_on_needs_a_code() {
    crate::two_factor::wait_for_room(10).await;
    let app = crate::two_factor::spawn().await;
    let (tokens, authenticator, _) = user_with_two_factor(&app, "tara").await;
    let resp = delete_account(
        &app,
        &tokens.token,
        &Reauthenticate {
            password: PASSWORD.into(),
            ..Default::default()
        },
    )
    .await;
    assert_error(resp, 403, ErrorCode::TwoFactorCodeRequired).await;
    // a sign-in half done must not outlive the account
    let pending = ticket(&app, "tara").await;
    let resp = delete_account(
        &app,
        &tokens.token,
        &Reauthenticate {
            password: PASSWORD.into(),
            code: Some(authenticator.code(0)),
            recovery_code: None,
        },
    )
    .await;
    assert_eq!(resp.status(), 204);
    let resp = second_step(&app, &pending, Some(authenticator.code(1)), None).await;
    assert_error(resp, 401, ErrorCode::InvalidLoginTicket).await;
}

#[actix_web::test]
async fn the_export_holds_my_chats_as_i_see_them_and_nothing_of_others() {
    let app = TestApp::spawn_busy().await;
    let (alice, bob, chat, bob_id) = app.pair().await;
    let (carol_id, carol) = app.user("carol").await;
    // a chat Alice is not in
    let hidden_chat = app.direct_chat(&bob, carol_id).await.id;
    app.accept_request(&carol, hidden_chat).await;
    app.send_text(&bob, hidden_chat, "bob tells carol a secret")
        .await;
    // a group of the three, and Alice's own history in her chat with Bob
    let group = app.group_chat(&alice, "Trio", &[bob_id, carol_id]).await.id;
    app.send_text(&carol, group, "hello trio").await;
    for i in 0..7 {
        app.send_text(
            if i % 2 == 0 { &alice } else { &bob },
            chat,
            &format!("line {i}"),
        )
        .await;
    }
    let mine = app.send_text(&alice, chat, "delete me for me").await;
    let resp = app
        .client
        .delete(app.api(&format!("/chats/{chat}/messages/{}", mine.id)))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let file = app.upload(&alice, "notes.txt", b"plain text notes").await;

    let resp = app.get_authed("/account/export", &alice).await;
    assert_eq!(resp.status(), 200);
    let raw = resp.text().await.unwrap();
    assert!(
        !raw.contains("bob tells carol a secret"),
        "another chat leaked"
    );
    assert!(
        !raw.contains("plain text notes"),
        "file bytes are not exported"
    );
    let export: AccountExport = serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{e}: {raw}"));

    assert_eq!(export.profile.username.as_str(), "alice");
    assert_eq!(export.chats.len(), 2, "the direct chat and the group");
    let direct = export
        .chats
        .iter()
        .find(|c| c.chat.id == chat)
        .expect("the chat with Bob");
    let texts: Vec<&str> = direct.messages.iter().map(|m| m.text.as_str()).collect();
    let lines: Vec<String> = (0..7).map(|i| format!("line {i}")).collect();
    assert_eq!(
        &texts[..7],
        lines.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let seqs: Vec<i64> = direct.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>(), "in order, gap-free");
    assert!(direct.messages[7].hidden && direct.messages[7].text.is_empty());
    let trio = export
        .chats
        .iter()
        .find(|c| c.chat.id == group)
        .expect("the group");
    assert!(trio.messages.iter().any(|m| m.text == "hello trio"));
    assert_eq!(export.files.len(), 1);
    assert_eq!(export.files[0].id, file.id);
    assert_eq!(export.files[0].name, "notes.txt");

    // without a session: 401
    let resp = app
        .client
        .get(app.api("/account/export"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[actix_web::test]
async fn an_export_of_a_long_history_comes_whole_in_pages() {
    let app = TestApp::spawn_busy().await;
    let (alice, _bob, chat, _) = app.pair().await;
    for i in 0..1_100 {
        app.send_text(&alice, chat, &format!("m{i}")).await;
    }
    let resp = app.get_authed("/account/export", &alice).await;
    let export: AccountExport = json_with_status(resp, 200).await;
    let seqs: Vec<i64> = export.chats[0].messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=1_100).collect::<Vec<_>>());
}
