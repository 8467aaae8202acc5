use natter_shared::ErrorCode;
use natter_shared::api::{LoginRequest, SessionList};
use natter_tests::{TestApp, assert_error, json_with_status};

async fn delete(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client
        .delete(app.api(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn sessions_lists_each_device_and_marks_the_current_one() {
    let app = TestApp::spawn().await;
    app.register("ivy", "password1").await;
    for device in ["Laptop", "Desktop"] {
        let resp = app
            .post_json(
                "/auth/login",
                &LoginRequest {
                    username: "ivy".into(),
                    password: "password1".into(),
                    device_name: Some(device.into()),
                },
            )
            .await;
        assert_eq!(resp.status(), 200);
    }
    let current = app.login("ivy", "password1").await;
    let list: SessionList =
        json_with_status(app.get_authed("/auth/sessions", &current.token).await, 200).await;
    assert_eq!(list.sessions.len(), 3);
    let currents: Vec<_> = list.sessions.iter().filter(|s| s.current).collect();
    assert_eq!(currents.len(), 1);
    assert_eq!(currents[0].id, current.session_id);
    let mut names: Vec<_> = list
        .sessions
        .iter()
        .map(|s| s.device_name.as_str())
        .collect();
    names.sort_unstable();
    assert!(
        names.contains(&"Laptop") && names.contains(&"Desktop"),
        "{names:?}"
    );
}

#[actix_web::test]
async fn signing_out_another_device_stops_it_at_once() {
    let app = TestApp::spawn().await;
    app.register("jack", "password1").await;
    let laptop = app.login("jack", "password1").await;
    let phone = app.login("jack", "password1").await;

    let resp = delete(
        &app,
        &format!("/auth/sessions/{}", phone.session_id),
        &laptop.token,
    )
    .await;
    assert_eq!(resp.status(), 204);

    assert_error(
        app.get_authed("/users/me", &phone.token).await,
        401,
        ErrorCode::SessionRevoked,
    )
    .await;
    let list: SessionList =
        json_with_status(app.get_authed("/auth/sessions", &laptop.token).await, 200).await;
    assert_eq!(list.sessions.len(), 1);
    assert_eq!(list.sessions[0].id, laptop.session_id);
    // signing it out again: it is gone
    let resp = delete(
        &app,
        &format!("/auth/sessions/{}", phone.session_id),
        &laptop.token,
    )
    .await;
    assert_error(resp, 404, ErrorCode::NotFound).await;
}

#[actix_web::test]
async fn another_users_session_cannot_be_signed_out() {
    let app = TestApp::spawn().await;
    let mallory = app.signed_in_user().await;
    let victim = app.signed_in_user().await;
    let resp = delete(
        &app,
        &format!("/auth/sessions/{}", victim.session_id),
        &mallory.token,
    )
    .await;
    assert_error(resp, 404, ErrorCode::NotFound).await;
    assert_eq!(
        app.get_authed("/users/me", &victim.token).await.status(),
        200
    );
}

#[actix_web::test]
async fn a_malformed_session_id_is_a_400() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_in_user().await;
    let resp = delete(&app, "/auth/sessions/not-a-uuid", &tokens.token).await;
    assert_error(resp, 400, ErrorCode::InvalidPath).await;
}
