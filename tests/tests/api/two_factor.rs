//! Two-factor authentication: set-up, the sign-in ticket, codes used once, recovery codes,
//! attempts limited per account, and changes that ask for the password and a code again.

use std::time::Duration;

use natter_shared::ErrorCode;
use natter_shared::api::{
    AuthTokens, EnableTwoFactorRequest, LoginAnswer, LoginRequest, LoginTwoFactorRequest,
    Reauthenticate, RecoveryCodes, TwoFactorChallenge, TwoFactorSetup, TwoFactorStatus,
};
use natter_tests::{TestApp, assert_error, json_with_status, logs};
use serde::Serialize;
use totp_rs::{Builder, Secret, Totp};

pub const TOTP_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
pub const PASSWORD: &str = "correct horse battery";

/// A server with a two-factor key.
pub async fn spawn() -> TestApp {
    TestApp::spawn_with(|v| {
        v.insert("NATTER_TOTP_KEY".into(), TOTP_KEY.into());
    })
    .await
}

/// The authenticator app of a test: codes of the set-up secret.
pub struct Authenticator(Totp);

impl Authenticator {
    fn new(setup: &TwoFactorSetup) -> Self {
        let secret = Secret::try_from_base32(&setup.secret).expect("base32 secret");
        Self(Builder::new().with_secret(secret).build().expect("totp"))
    }

    /// The code of the step `offset` steps from now (-1, 0, 1 are all accepted now).
    pub fn code(&self, offset: i64) -> String {
        let now = chrono::Utc::now().timestamp() + offset * 30;
        self.0.generate(u64::try_from(now).unwrap()).to_string()
    }
}

/// Waits, when needed, until the current 30-second step (and minute, for the attempt
/// counter) has at least `secs` seconds left, so a test's codes of the previous, current
/// and next step stay valid while it runs. A wait for the clock, not for an event.
pub async fn wait_for_room(secs: i64) {
    let now = chrono::Utc::now().timestamp();
    let left = (30 - now % 30).min(60 - now % 60);
    if left < secs {
        tokio::time::sleep(Duration::from_secs(u64::try_from(left).unwrap() + 1)).await;
    }
}

pub async fn post_authed(
    app: &TestApp,
    path: &str,
    token: &str,
    body: &impl Serialize,
) -> reqwest::Response {
    app.client
        .post(app.api(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn confirm(password: &str, code: Option<String>) -> Reauthenticate {
    Reauthenticate {
        password: password.into(),
        code,
        recovery_code: None,
    }
}

/// Registers `name`, signs in and turns two-factor authentication on (with the code of the
/// previous step): the tokens, the authenticator and the recovery codes.
pub async fn user_with_two_factor(
    app: &TestApp,
    name: &str,
) -> (AuthTokens, Authenticator, Vec<String>) {
    app.register(name, PASSWORD).await;
    let tokens = app.login(name, PASSWORD).await;
    let setup: TwoFactorSetup = json_with_status(
        post_authed(
            app,
            "/account/2fa/setup",
            &tokens.token,
            &confirm(PASSWORD, None),
        )
        .await,
        200,
    )
    .await;
    logs::remember_secret(&setup.secret);
    let app_codes = Authenticator::new(&setup);
    let codes: RecoveryCodes = json_with_status(
        post_authed(
            app,
            "/account/2fa/enable",
            &tokens.token,
            &EnableTwoFactorRequest {
                code: app_codes.code(-1),
            },
        )
        .await,
        200,
    )
    .await;
    for code in &codes.recovery_codes {
        logs::remember_secret(code);
    }
    (tokens, app_codes, codes.recovery_codes)
}

/// Signs in with the password and expects a ticket.
pub async fn ticket(app: &TestApp, name: &str) -> String {
    let answer: LoginAnswer = json_with_status(
        app.post_json(
            "/auth/login",
            &LoginRequest {
                username: name.into(),
                password: PASSWORD.into(),
                device_name: Some("Second step".into()),
            },
        )
        .await,
        200,
    )
    .await;
    match answer {
        LoginAnswer::TwoFactor(TwoFactorChallenge {
            two_factor_required: true,
            ticket,
            expires_in,
        }) => {
            assert!((1..=300).contains(&expires_in), "{expires_in}");
            logs::remember_secret(&ticket);
            ticket
        }
        other => panic!("expected a two-factor ticket, got {other:?}"),
    }
}

pub async fn second_step(
    app: &TestApp,
    ticket: &str,
    code: Option<String>,
    recovery_code: Option<String>,
) -> reqwest::Response {
    app.post_json(
        "/auth/login/2fa",
        &LoginTwoFactorRequest {
            ticket: ticket.into(),
            code,
            recovery_code,
        },
    )
    .await
}

async fn status(app: &TestApp, token: &str) -> TwoFactorStatus {
    json_with_status(app.get_authed("/account/2fa", token).await, 200).await
}

#[actix_web::test]
async fn two_factor_turns_on_only_after_a_right_code_and_gives_ten_recovery_codes() {
    wait_for_room(10).await;
    let app = spawn().await;
    app.register("tess", PASSWORD).await;
    let tokens = app.login("tess", PASSWORD).await;

    let resp = post_authed(
        &app,
        "/account/2fa/setup",
        &tokens.token,
        &confirm("not the password", None),
    )
    .await;
    assert_error(resp, 403, ErrorCode::WrongPassword).await;

    let setup: TwoFactorSetup = json_with_status(
        post_authed(
            &app,
            "/account/2fa/setup",
            &tokens.token,
            &confirm(PASSWORD, None),
        )
        .await,
        200,
    )
    .await;
    logs::remember_secret(&setup.secret);
    assert!(
        setup.otpauth_url.starts_with("otpauth://totp/Natter:tess?"),
        "{}",
        setup.otpauth_url
    );
    assert!(setup.otpauth_url.contains(&setup.secret));
    let authenticator = Authenticator::new(&setup);

    let wrong = EnableTwoFactorRequest {
        code: authenticator.code(5),
    };
    let resp = post_authed(&app, "/account/2fa/enable", &tokens.token, &wrong).await;
    assert_error(resp, 403, ErrorCode::InvalidTwoFactorCode).await;
    assert!(!status(&app, &tokens.token).await.enabled, "not on yet");

    let right = EnableTwoFactorRequest {
        code: authenticator.code(0),
    };
    let codes: RecoveryCodes = json_with_status(
        post_authed(&app, "/account/2fa/enable", &tokens.token, &right).await,
        200,
    )
    .await;
    assert_eq!(codes.recovery_codes.len(), 10);
    let distinct: std::collections::HashSet<_> = codes.recovery_codes.iter().collect();
    assert_eq!(distinct.len(), 10);
    assert!(
        codes
            .recovery_codes
            .iter()
            .all(|c| natter_shared::RecoveryCode::parse(c).is_ok())
    );
    assert_eq!(
        status(&app, &tokens.token).await,
        TwoFactorStatus {
            enabled: true,
            recovery_codes_left: 10
        }
    );

    let again = post_authed(
        &app,
        "/account/2fa/setup",
        &tokens.token,
        &confirm(PASSWORD, None),
    )
    .await;
    assert_error(again, 409, ErrorCode::TwoFactorAlreadyEnabled).await;
    let resp = post_authed(&app, "/account/2fa/enable", &tokens.token, &right).await;
    assert_error(resp, 409, ErrorCode::TwoFactorAlreadyEnabled).await;
}

#[actix_web::test]
async fn a_password_answers_a_ticket_that_a_code_turns_into_a_session_once() {
    wait_for_room(12).await;
    let app = spawn().await;
    let (_, authenticator, _) = user_with_two_factor(&app, "uma").await;

    let ticket = ticket(&app, "uma").await;
    let tokens: AuthTokens = json_with_status(
        second_step(&app, &ticket, Some(authenticator.code(0)), None).await,
        200,
    )
    .await;
    logs::remember_secret(&tokens.token);
    logs::remember_secret(&tokens.refresh_token);
    assert_eq!(tokens.user.username.as_str(), "uma");
    let me = app.get_authed("/users/me", &tokens.token).await;
    assert_eq!(me.status(), 200);

    // the ticket is spent
    let resp = second_step(&app, &ticket, Some(authenticator.code(1)), None).await;
    assert_error(resp, 401, ErrorCode::InvalidLoginTicket).await;

    // the same code (its time step) does not work twice, nor an older one
    let ticket = self::ticket(&app, "uma").await;
    let resp = second_step(&app, &ticket, Some(authenticator.code(0)), None).await;
    assert_error(resp, 401, ErrorCode::InvalidTwoFactorCode).await;
    let resp = second_step(&app, &ticket, Some(authenticator.code(-1)), None).await;
    assert_error(resp, 401, ErrorCode::InvalidTwoFactorCode).await;
    // a later step still does, on the same ticket
    let resp = second_step(&app, &ticket, Some(authenticator.code(1)), None).await;
    let later: AuthTokens = json_with_status(resp, 200).await;
    logs::remember_secret(&later.token);
    logs::remember_secret(&later.refresh_token);
}

#[actix_web::test]
async fn a_recovery_code_signs_in_once() {
    wait_for_room(10).await;
    let app = spawn().await;
    let (tokens, _, recovery) = user_with_two_factor(&app, "vera").await;

    let ticket = ticket(&app, "vera").await;
    let typed = recovery[3].to_uppercase().replace('-', " ");
    let resp = second_step(&app, &ticket, None, Some(typed)).await;
    let signed_in: AuthTokens = json_with_status(resp, 200).await;
    logs::remember_secret(&signed_in.token);
    logs::remember_secret(&signed_in.refresh_token);
    assert_eq!(status(&app, &tokens.token).await.recovery_codes_left, 9);

    let ticket = self::ticket(&app, "vera").await;
    let resp = second_step(&app, &ticket, None, Some(recovery[3].clone())).await;
    assert_error(resp, 401, ErrorCode::InvalidTwoFactorCode).await;
}

#[actix_web::test]
async fn five_wrong_codes_spend_the_ticket_and_then_the_account_is_limited() {
    wait_for_room(20).await;
    let app = spawn().await;
    let (_, authenticator, _) = user_with_two_factor(&app, "wynn").await;
    // the set-up's own attempt is not part of what this test counts
    app.flush_redis();

    let ticket = ticket(&app, "wynn").await;
    for _ in 0..5 {
        let resp = second_step(&app, &ticket, Some("000000".into()), None).await;
        assert_error(resp, 401, ErrorCode::InvalidTwoFactorCode).await;
    }
    let resp = second_step(&app, &ticket, Some(authenticator.code(0)), None).await;
    assert_error(resp, 401, ErrorCode::InvalidLoginTicket).await;

    // a fresh ticket with the right code: the account has had its attempts this minute
    let fresh = self::ticket(&app, "wynn").await;
    let resp = second_step(&app, &fresh, Some(authenticator.code(0)), None).await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
}

#[actix_web::test]
async fn turning_off_and_new_recovery_codes_ask_for_the_password_and_a_code() {
    wait_for_room(15).await;
    let app = spawn().await;
    let (tokens, authenticator, old_codes) = user_with_two_factor(&app, "xena").await;
    app.flush_redis();

    let resp = post_authed(
        &app,
        "/account/2fa/disable",
        &tokens.token,
        &confirm(PASSWORD, None),
    )
    .await;
    assert_error(resp, 403, ErrorCode::TwoFactorCodeRequired).await;
    let resp = post_authed(
        &app,
        "/account/2fa/disable",
        &tokens.token,
        &confirm("wrong password", Some(authenticator.code(0))),
    )
    .await;
    assert_error(resp, 403, ErrorCode::WrongPassword).await;
    let resp = post_authed(
        &app,
        "/account/2fa/disable",
        &tokens.token,
        &confirm(PASSWORD, Some("123456".into())),
    )
    .await;
    assert_error(resp, 403, ErrorCode::InvalidTwoFactorCode).await;

    // new recovery codes void the old ones
    let fresh: RecoveryCodes = json_with_status(
        post_authed(
            &app,
            "/account/2fa/recovery-codes",
            &tokens.token,
            &confirm(PASSWORD, Some(authenticator.code(0))),
        )
        .await,
        200,
    )
    .await;
    for code in &fresh.recovery_codes {
        logs::remember_secret(code);
    }
    assert_eq!(fresh.recovery_codes.len(), 10);
    let resp = post_authed(
        &app,
        "/account/2fa/disable",
        &tokens.token,
        &Reauthenticate {
            password: PASSWORD.into(),
            code: None,
            recovery_code: Some(old_codes[0].clone()),
        },
    )
    .await;
    assert_error(resp, 403, ErrorCode::InvalidTwoFactorCode).await;

    let resp = post_authed(
        &app,
        "/account/2fa/disable",
        &tokens.token,
        &Reauthenticate {
            password: PASSWORD.into(),
            code: None,
            recovery_code: Some(fresh.recovery_codes[0].clone()),
        },
    )
    .await;
    assert_eq!(resp.status(), 204);
    assert!(!status(&app, &tokens.token).await.enabled);
    // off: the password alone signs in again
    let signed_in = app.login("xena", PASSWORD).await;
    assert_eq!(signed_in.user.username.as_str(), "xena");
    let resp = post_authed(
        &app,
        "/account/2fa/disable",
        &tokens.token,
        &confirm(PASSWORD, None),
    )
    .await;
    assert_error(resp, 409, ErrorCode::TwoFactorNotEnabled).await;
}

#[actix_web::test]
async fn bad_second_steps_are_clear_4xx() {
    let app = spawn().await;
    let resp = second_step(&app, "no-such-ticket", Some("123456".into()), None).await;
    assert_error(resp, 401, ErrorCode::InvalidLoginTicket).await;
    let resp = second_step(&app, "t", None, None).await;
    assert_error(resp, 400, ErrorCode::ValidationFailed).await;
    let resp = second_step(&app, "t", Some("123456".into()), Some("abcde-fghij".into())).await;
    assert_error(resp, 400, ErrorCode::ValidationFailed).await;
    let resp = second_step(&app, "t", Some("12345x".into()), None).await;
    assert_error(resp, 400, ErrorCode::ValidationFailed).await;

    // the account endpoints need a session
    for path in [
        "/account/2fa/setup",
        "/account/2fa/enable",
        "/account/2fa/disable",
        "/account/2fa/recovery-codes",
    ] {
        let resp = app.post_json(path, &confirm(PASSWORD, None)).await;
        assert_eq!(resp.status(), 401, "{path}");
    }
    let resp = app
        .client
        .get(app.api("/account/2fa"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // enabling without a set-up
    let tokens = app.signed_in_user().await;
    let resp = post_authed(
        &app,
        "/account/2fa/enable",
        &tokens.token,
        &EnableTwoFactorRequest {
            code: "123456".into(),
        },
    )
    .await;
    assert_error(resp, 409, ErrorCode::TwoFactorNotEnabled).await;
}

#[actix_web::test]
async fn without_a_key_the_server_refuses_to_set_two_factor_up() {
    let app = TestApp::spawn().await;
    app.register("yuri", PASSWORD).await;
    let tokens = app.login("yuri", PASSWORD).await;
    let resp = post_authed(
        &app,
        "/account/2fa/setup",
        &tokens.token,
        &confirm(PASSWORD, None),
    )
    .await;
    assert_error(resp, 503, ErrorCode::FeatureUnavailable).await;
}
