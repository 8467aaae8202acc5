use natter_shared::api::{PresenceVisibility, UpdateProfileRequest, User, UserSearchResponse};
use natter_shared::{ErrorCode, Field};
use natter_tests::{TestApp, assert_error, json_with_status};
use serde_json::json;

async fn patch_me(app: &TestApp, token: &str, body: &serde_json::Value) -> reqwest::Response {
    app.client
        .patch(app.api("/users/me"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn profile_edit_changes_display_name_and_bio() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_in_user().await;
    let resp = patch_me(
        &app,
        &tokens.token,
        &json!({"display_name": " Kate ", "bio": "Hi!\nI chat."}),
    )
    .await;
    let user: User = json_with_status(resp, 200).await;
    assert_eq!(user.display_name.as_ref().map(|d| d.as_str()), Some("Kate"));
    assert_eq!(user.bio, "Hi!\nI chat.");
    // persisted
    let me: User = json_with_status(app.get_authed("/users/me", &tokens.token).await, 200).await;
    assert_eq!(me, user);
    // absent fields stay, an empty display name clears it
    let resp = patch_me(&app, &tokens.token, &json!({"display_name": ""})).await;
    let user: User = json_with_status(resp, 200).await;
    assert_eq!(user.display_name, None);
    assert_eq!(user.bio, "Hi!\nI chat.");
}

#[actix_web::test]
async fn invalid_profile_edits_name_the_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_in_user().await;
    let cases = [
        (json!({"display_name": "x".repeat(65)}), Field::DisplayName),
        (json!({"bio": "b".repeat(501)}), Field::Bio),
        (
            json!({"display_name": "ok", "bio": "b".repeat(501)}),
            Field::Bio,
        ),
    ];
    for (body, field) in cases {
        let resp = patch_me(&app, &tokens.token, &body).await;
        let err = assert_error(resp, 400, ErrorCode::ValidationFailed).await;
        assert_eq!(err.error.field, Some(field));
    }
    let me: User = json_with_status(app.get_authed("/users/me", &tokens.token).await, 200).await;
    assert_eq!(me.display_name, None, "a rejected edit must not half-apply");
    let resp = patch_me(&app, &tokens.token, &json!({"nickname": "x"})).await;
    assert_error(resp, 400, ErrorCode::InvalidJson).await;
}

#[actix_web::test]
async fn an_empty_patch_returns_the_profile_unchanged() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_in_user().await;
    let user: User = json_with_status(patch_me(&app, &tokens.token, &json!({})).await, 200).await;
    assert_eq!(user, tokens.user);
    let _ = UpdateProfileRequest::default();
}

#[actix_web::test]
async fn another_users_profile_is_visible_by_id() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let other = app.register("lena", "password1").await;
    let got: User = json_with_status(
        app.get_authed(&format!("/users/{}", other.id), &me.token)
            .await,
        200,
    )
    .await;
    // the registration answers one's own profile, with the privacy setting; others never
    // see the setting
    assert_eq!(
        other.presence_visibility,
        Some(PresenceVisibility::Everyone)
    );
    assert_eq!(
        got,
        User {
            presence_visibility: None,
            ..other
        }
    );
    let resp = app
        .get_authed(&format!("/users/{}", uuid::Uuid::new_v4()), &me.token)
        .await;
    assert_error(resp, 404, ErrorCode::NotFound).await;
    let resp = app.get_authed("/users/12345", &me.token).await;
    assert_error(resp, 400, ErrorCode::InvalidPath).await;
}

async fn search(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.client
        .get(app.api("/users"))
        .query(&[("query", query)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn search_finds_prefixes_of_username_and_display_name_case_insensitively() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    for name in ["mike", "mila", "max_power", "maxwell", "nora"] {
        app.register(name, "password1").await;
    }
    let nora = app.login("nora", "password1").await;
    patch_me(&app, &nora.token, &json!({"display_name": "Maxine Nora"})).await;

    let found: UserSearchResponse =
        json_with_status(search(&app, &me.token, "MAX").await, 200).await;
    let names: Vec<_> = found.users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(
        names,
        ["max_power", "maxwell", "nora"],
        "usernames first, by username; nora by display name"
    );
    assert!(!found.has_more);

    // `_` is literal, not a LIKE wildcard
    let found: UserSearchResponse =
        json_with_status(search(&app, &me.token, "max_").await, 200).await;
    let names: Vec<_> = found.users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["max_power"]);
}

#[actix_web::test]
async fn search_is_paginated() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    for i in 0..5 {
        app.register(&format!("page{i}"), "password1").await;
    }
    let url = |offset: u32| format!("{}?query=page&limit=2&offset={offset}", app.api("/users"));
    let mut seen = Vec::new();
    for (offset, more) in [(0, true), (2, true), (4, false)] {
        let resp = app
            .client
            .get(url(offset))
            .bearer_auth(&me.token)
            .send()
            .await
            .unwrap();
        let page: UserSearchResponse = json_with_status(resp, 200).await;
        assert_eq!(page.has_more, more, "offset {offset}");
        seen.extend(page.users.into_iter().map(|u| u.username.into_inner()));
    }
    assert_eq!(seen, ["page0", "page1", "page2", "page3", "page4"]);
}

#[actix_web::test]
async fn bad_search_parameters_are_400s() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await;
    let err = assert_error(
        search(&app, &me.token, "   ").await,
        400,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(err.error.field, Some(Field::Query));
    for short in ["a", "ab", " ab ", "Фё"] {
        let err = assert_error(
            search(&app, &me.token, short).await,
            400,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert_eq!(
            err.error.field,
            Some(Field::Query),
            "{short:?}: fewer than three characters would list everyone by prefixes"
        );
    }
    let long = "q".repeat(51);
    assert_error(
        search(&app, &me.token, &long).await,
        400,
        ErrorCode::ValidationFailed,
    )
    .await;
    for qs in [
        "?query=abc&limit=0",
        "?query=abc&limit=51",
        "?query=abc&limit=abc",
        "?query=abc&offset=-1",
        "",
        "?query=abc&bogus=1",
    ] {
        let resp = app
            .client
            .get(format!("{}{qs}", app.api("/users")))
            .bearer_auth(&me.token)
            .send()
            .await
            .unwrap();
        assert_error(resp, 400, ErrorCode::InvalidQuery).await;
    }
}

async fn people_found(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let resp = app
        .client
        .get(app.api("/users"))
        .query(&[("query", query)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let found: UserSearchResponse = json_with_status(resp, 200).await;
    found
        .users
        .into_iter()
        .map(|u| u.username.into_inner())
        .collect()
}

#[actix_web::test]
async fn people_are_found_by_any_part_of_their_names_best_match_first() {
    let app = TestApp::spawn().await;
    let me = app.signed_in_user().await.token;
    for (name, display) in [
        ("annabel", "Annabel Lee"),
        ("joanna", "Joanna Smith"),
        ("ann", "Ann"),
        ("ivan", "Иван Петров"),
        ("olena", "Олена Ковальчук"),
        ("fyodor", "Фёдор"),
        ("xannie", ""),
    ] {
        app.register(name, "correct horse battery").await;
        let token = app.login(name, "correct horse battery").await.token;
        if !display.is_empty() {
            let resp = app
                .client
                .patch(app.api("/users/me"))
                .bearer_auth(&token)
                .json(&json!({ "display_name": display }))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
        }
    }
    let found = people_found(&app, &me, "ann").await;
    assert_eq!(
        found[..2],
        ["ann", "annabel"],
        "the username itself, then names that start with it"
    );
    let mut rest = found[2..].to_vec();
    rest.sort();
    assert_eq!(rest, ["joanna", "xannie"], "then names that hold it");
    assert_eq!(
        people_found(&app, &me, "петров").await,
        ["ivan"],
        "a Russian surname"
    );
    assert_eq!(
        people_found(&app, &me, "ковальч").await,
        ["olena"],
        "part of a Ukrainian name"
    );
    assert_eq!(
        people_found(&app, &me, "ФЕДОР").await,
        ["fyodor"],
        "case and ё/е"
    );
    assert_eq!(
        people_found(&app, &me, "Фёд").await,
        ["fyodor"],
        "three letters, ё/е too"
    );
    assert_eq!(
        people_found(&app, &me, "smith").await,
        ["joanna"],
        "a later word"
    );
    assert_eq!(
        people_found(&app, &me, "bel").await,
        ["annabel"],
        "inside a username"
    );
    assert!(people_found(&app, &me, "zzz").await.is_empty());
    let resp = app
        .client
        .get(app.api("/users"))
        .query(&[("query", "a\0")])
        .bearer_auth(&me)
        .send()
        .await
        .unwrap();
    assert_error(resp, 400, ErrorCode::ValidationFailed).await;
}
