//! End to end: an account with two-factor authentication signs in from the app's own
//! network and reducer code against the real server: the password answers a ticket, a
//! wrong code is told inline and the step stays, the right code signs in and the socket
//! (opened with the token in its `Authorization` header) goes online.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use natter::action::Action;
use natter::state::{LinkStatus, Screen, SecondFactorStep, UiError};
use natter_shared::ErrorCode;
use natter_shared::api::{
    AuthTokens, EnableTwoFactorRequest, Reauthenticate, RecoveryCodes, TwoFactorSetup,
};
use natter_tests::TestApp;
use support::client::{Client, wait_until};
use totp_rs::{Builder, Secret};

const TOTP_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const PASSWORD: &str = "correct horse battery";

async fn post<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    path: &str,
    token: &str,
    body: &impl serde::Serialize,
) -> T {
    let response = app
        .client
        .post(app.api(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

fn second_step(client: &Client) -> Option<&SecondFactorStep> {
    match &client.state.screen {
        Screen::SignIn(form) => form.second_factor.as_ref(),
        _ => None,
    }
}

#[actix_web::test]
async fn an_account_with_two_factor_signs_in_with_a_code_and_goes_online() {
    // the codes of the previous and this 30-second step must stay valid during the test
    let now = chrono::Utc::now().timestamp();
    if 30 - now % 30 < 12 {
        actix_web::rt::time::sleep(Duration::from_secs(13)).await;
    }
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_TOTP_KEY".into(), TOTP_KEY.into());
    })
    .await;
    let name = format!("alice{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.register(&name, PASSWORD).await;
    let tokens: AuthTokens = app.login(&name, PASSWORD).await;
    let confirm = Reauthenticate {
        password: PASSWORD.into(),
        ..Reauthenticate::default()
    };
    let setup: TwoFactorSetup = post(&app, "/account/2fa/setup", &tokens.token, &confirm).await;
    let totp = Builder::new()
        .with_secret(Secret::try_from_base32(&setup.secret).unwrap())
        .build()
        .unwrap();
    let code = |offset: i64| {
        let at = chrono::Utc::now().timestamp() + offset * 30;
        totp.generate(u64::try_from(at).unwrap()).to_string()
    };
    let _: RecoveryCodes = post(
        &app,
        "/account/2fa/enable",
        &tokens.token,
        &EnableTwoFactorRequest { code: code(-1) },
    )
    .await;

    let mut alice = Client::new("alice", &app.address);
    alice.sign_in(&name, PASSWORD);
    wait_until(&mut [&mut alice], "the server asks for a code", |c| {
        second_step(c[0]).is_some()
    })
    .await;
    assert!(alice.state.session.is_none());

    // a wrong code: the step stays, with the server's words
    let wrong = if code(0) == "000000" {
        "111111"
    } else {
        "000000"
    };
    alice.dispatch(Action::SecondFactorEdited(wrong.into()));
    alice.dispatch(Action::SecondFactorSubmitted);
    wait_until(&mut [&mut alice], "the wrong code is told", |c| {
        second_step(c[0]).is_some_and(|s| !s.busy && s.error.is_some())
    })
    .await;
    assert!(matches!(
        &second_step(&alice).unwrap().error,
        Some(UiError::Server {
            code: ErrorCode::InvalidTwoFactorCode,
            ..
        })
    ));

    // the right one signs in, and the socket opens with the header
    alice.dispatch(Action::SecondFactorEdited(code(0)));
    alice.dispatch(Action::SecondFactorSubmitted);
    wait_until(&mut [&mut alice], "signed in and online", |c| {
        matches!(c[0].state.screen, Screen::Shell(_))
            && matches!(c[0].state.connection.status, LinkStatus::Online { .. })
    })
    .await;
}
