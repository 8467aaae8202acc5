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

/// A server that can seal second-factor secrets, and a fresh user on it named `prefix…`
/// (registered with [`PASSWORD`]); started early enough in a 30-second step that the codes
/// of the previous and this step stay valid during the test.
async fn two_factor_server(prefix: &str) -> (TestApp, String) {
    let now = chrono::Utc::now().timestamp();
    if 30 - now % 30 < 12 {
        actix_web::rt::time::sleep(Duration::from_secs(13)).await;
    }
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_TOTP_KEY".into(), TOTP_KEY.into());
    })
    .await;
    let name = format!(
        "{prefix}{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    app.register(&name, PASSWORD).await;
    (app, name)
}

/// The code of `secret` (base32) for the step `offset` steps from now.
fn codes(secret: &str) -> impl Fn(i64) -> String {
    let totp = Builder::new()
        .with_secret(Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    move |offset: i64| {
        let at = chrono::Utc::now().timestamp() + offset * 30;
        totp.generate(u64::try_from(at).unwrap()).to_string()
    }
}

fn second_step(client: &Client) -> Option<&SecondFactorStep> {
    match &client.state.screen {
        Screen::SignIn(form) => form.second_factor.as_ref(),
        _ => None,
    }
}

#[actix_web::test]
async fn an_account_with_two_factor_signs_in_with_a_code_and_goes_online() {
    let (app, name) = two_factor_server("alice").await;
    let tokens: AuthTokens = app.login(&name, PASSWORD).await;
    let confirm = Reauthenticate {
        password: PASSWORD.into(),
        ..Reauthenticate::default()
    };
    let setup: TwoFactorSetup = post(&app, "/account/2fa/setup", &tokens.token, &confirm).await;
    let code = codes(&setup.secret);
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

fn security(client: &Client) -> Option<&natter::state::SecurityState> {
    match &client.state.screen {
        Screen::Shell(shell) => Some(&shell.security),
        _ => None,
    }
}

#[actix_web::test]
async fn settings_turns_two_factor_on_changes_the_password_and_deletes_the_account() {
    use natter::action::SecurityAction as S;
    use natter::state::{SecurityDone, SecurityField, SecurityPanel, ShellTab};

    let (app, name) = two_factor_server("carol").await;
    let elsewhere: AuthTokens = app.login(&name, PASSWORD).await;

    let mut carol = Client::new("carol", &app.address);
    carol.sign_in(&name, PASSWORD);
    wait_until(&mut [&mut carol], "signed in", |c| {
        matches!(c[0].state.screen, Screen::Shell(_))
    })
    .await;
    carol.dispatch(Action::TabChosen(ShellTab::Settings));
    wait_until(&mut [&mut carol], "the status is known", |c| {
        security(c[0]).is_some_and(|s| s.status.is_some_and(|s| !s.enabled))
    })
    .await;

    // on: the password, then a code of the secret shown
    carol.dispatch(Action::Security(S::Open(SecurityPanel::SetUp)));
    carol.dispatch(Action::Security(S::Edited(
        SecurityField::Password,
        PASSWORD.into(),
    )));
    carol.dispatch(Action::Security(S::Submitted));
    wait_until(&mut [&mut carol], "the secret is shown", |c| {
        security(c[0]).is_some_and(|s| s.setup.is_some())
    })
    .await;
    let secret = security(&carol).unwrap().setup.clone().unwrap().secret;
    let code = codes(&secret);
    carol.dispatch(Action::Security(S::Edited(SecurityField::Code, code(-1))));
    carol.dispatch(Action::Security(S::Submitted));
    wait_until(&mut [&mut carol], "the recovery codes are shown", |c| {
        security(c[0]).is_some_and(|s| s.recovery_codes.as_ref().is_some_and(|r| r.len() == 10))
    })
    .await;
    let recovery = security(&carol).unwrap().recovery_codes.clone().unwrap();
    carol.dispatch(Action::Security(S::CodesSaved));

    // a new password, confirmed with a recovery code: the other session ends, this one stays
    carol.dispatch(Action::Security(S::Open(SecurityPanel::Password)));
    for (field, value) in [
        (SecurityField::Password, PASSWORD.to_owned()),
        (
            SecurityField::NewPassword,
            "a brand new password".to_owned(),
        ),
        (SecurityField::Repeat, "a brand new password".to_owned()),
        (SecurityField::Code, recovery[0].clone()),
    ] {
        carol.dispatch(Action::Security(S::Edited(field, value)));
    }
    carol.dispatch(Action::Security(S::Submitted));
    wait_until(&mut [&mut carol], "the password is changed", |c| {
        security(c[0]).is_some_and(|s| s.done == Some(SecurityDone::PasswordChanged))
    })
    .await;
    let other = app
        .client
        .get(app.api("/users/me"))
        .bearer_auth(&elsewhere.token)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 401, "the other device is signed out");

    // deleted: confirmed with the new password and a code; the app signs out
    carol.dispatch(Action::Security(S::Open(SecurityPanel::Delete)));
    carol.dispatch(Action::Security(S::Edited(
        SecurityField::Password,
        "a brand new password".into(),
    )));
    carol.dispatch(Action::Security(S::Edited(SecurityField::Code, code(0))));
    carol.dispatch(Action::Security(S::DeleteConfirmed(true)));
    carol.dispatch(Action::Security(S::Submitted));
    wait_until(&mut [&mut carol], "signed out after deleting", |c| {
        matches!(c[0].state.screen, Screen::SignIn(_))
    })
    .await;
    assert_eq!(
        carol.state.notice,
        Some(natter::state::Notice::AccountDeleted)
    );
    let again = app
        .post_json(
            "/auth/login",
            &natter_shared::api::LoginRequest {
                username: name.clone(),
                password: "a brand new password".into(),
                device_name: None,
            },
        )
        .await;
    assert_eq!(again.status(), 401, "the account is gone");
}
