//! egui_kittest tests of the sign-in and registration screens: find inputs by their label,
//! type, press Enter or click, then check the actions, the effects and what is shown.

use egui::Ui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use natter::action::Action;
use natter::api::ApiCall;
use natter::effect::Effect;
use natter::i18n::Language;
use natter::reduce::reduce;
use natter::state::{AppState, Screen, UiError};
use natter::testing::{self, TestApp};
use natter::ui::{register_ui, sign_in_ui};
use natter_shared::{ErrorCode, Field};

type View = fn(&mut Ui, &AppState, &mut Vec<Action>);

fn harness(state: AppState, view: View) -> Harness<'static, TestApp> {
    testing::harness(state, [480.0, 900.0], view)
}

fn state(language: Language) -> AppState {
    testing::fresh_state(language)
}

fn register_state() -> AppState {
    let mut state = state(Language::English);
    reduce(&mut state, Action::ShowRegister);
    state
}

fn type_into(harness: &mut Harness<'_, TestApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
}

#[test]
fn an_invalid_username_shows_its_error_inline_and_enter_sends_nothing() {
    let mut harness = harness(state(Language::English), sign_in_ui);
    type_into(&mut harness, "Username", "ab");
    type_into(&mut harness, "Password", "password1");
    harness.key_press(egui::Key::Enter);
    harness.run();

    let error = harness.get_by_label("Must be at least 3 characters");
    let username = harness.get_by_label("Username");
    let password_label = harness.get_by_label_contains("Password").rect();
    assert!(
        error.rect().min.y >= username.rect().max.y,
        "below the username"
    );
    assert!(
        error.rect().max.y <= password_label.min.y,
        "above the password"
    );
    assert!(harness.state().calls().is_empty());
    assert!(harness.state().actions.contains(&Action::SignInSubmitted));
}

#[test]
fn valid_input_and_enter_sends_login_and_shows_the_spinner() {
    let mut harness = harness(state(Language::English), sign_in_ui);
    type_into(&mut harness, "Username", "Alice");
    type_into(&mut harness, "Password", "password1");
    harness.key_press(egui::Key::Enter);
    // the spinner keeps asking for frames, so step instead of running to rest
    harness.run_steps(3);

    let calls = harness.state().calls();
    assert_eq!(calls.len(), 1);
    let ApiCall::Login(login) = calls[0] else {
        panic!("{calls:?}")
    };
    assert_eq!(login.username, "alice");
    assert_eq!(login.password, "password1");
    harness.get_by_label("Signing in…");
}

#[test]
fn clicking_sign_in_sends_login_too() {
    let mut harness = harness(state(Language::English), sign_in_ui);
    type_into(&mut harness, "Username", "alice");
    type_into(&mut harness, "Password", "password1");
    harness.get_by_label("Sign in").click();
    harness.run_steps(3);
    assert!(matches!(
        harness.state().calls().as_slice(),
        [ApiCall::Login(_)]
    ));
}

#[test]
fn a_server_error_about_the_username_shows_next_to_the_username() {
    let mut harness = harness(register_state(), register_ui);
    type_into(&mut harness, "Username", "bob");
    type_into(&mut harness, "Password", "password1");
    harness.get_by_label("Create account").click();
    harness.run_steps(2);
    let request = match harness.state().effects.as_slice() {
        [Effect::Api(request)] => request.clone(),
        other => panic!("{other:?}"),
    };
    // the server answers 409 username_taken, field username
    let mut body = natter_shared::ErrorBody::new(ErrorCode::UsernameTaken, "taken");
    body.error.field = Some(Field::Username);
    let app = harness.state_mut();
    reduce(
        &mut app.state,
        Action::ApiFinished(natter::api::ApiResponse {
            epoch: request.epoch,
            server_url: request.server_url,
            token_generation: 0,
            call: request.call,
            result: Err(natter::api::ApiFailure::Server { status: 409, body }),
            received_at: chrono::Utc::now(),
        }),
    );
    harness.run();

    let error = harness
        .get_by_label("This username is already taken")
        .rect();
    let username = harness.get_by_label("Username").rect();
    let next_label = harness.get_by_label_contains("Display name").rect();
    assert!(error.min.y >= username.max.y && error.max.y <= next_label.min.y);
    let Screen::Register(form) = &harness.state().state.screen else {
        panic!()
    };
    assert!(matches!(
        form.field_error(Field::Username),
        Some(UiError::Server {
            code: ErrorCode::UsernameTaken,
            ..
        })
    ));
}

#[test]
fn registration_sends_register_with_the_display_name() {
    let mut harness = harness(register_state(), register_ui);
    type_into(&mut harness, "Username", "bob");
    type_into(&mut harness, "Display name (optional)", "Бобби");
    type_into(&mut harness, "Password", "password1");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    let calls = harness.state().calls();
    let [ApiCall::Register(register)] = calls.as_slice() else {
        panic!("{calls:?}")
    };
    assert_eq!(register.display_name.as_deref(), Some("Бобби"));
    harness.get_by_label("Creating your account…");
}

#[test]
fn a_bad_server_address_is_flagged_on_the_sign_in_screen() {
    let mut harness = harness(state(Language::English), sign_in_ui);
    harness.get_by_label("Server address").focus();
    harness.run();
    // select all, then replace
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_label("Server address")
        .type_text("localhost");
    harness.run();
    assert_eq!(harness.state().state.server_url, "localhost");
    harness.get_by_label("Enter an address starting with http:// or https://");
}

#[test]
fn the_link_switches_to_registration() {
    let mut harness = harness(state(Language::English), sign_in_ui);
    harness.get_by_label("Create an account").click();
    harness.run();
    assert!(harness.state().actions.contains(&Action::ShowRegister));
    assert!(matches!(harness.state().state.screen, Screen::Register(_)));
}

#[test]
fn the_language_can_be_changed_on_the_sign_in_screen() {
    let mut harness = harness(state(Language::English), sign_in_ui);
    harness.get_by_label("Language").click();
    harness.run();
    harness.get_by_label("Українська").click();
    harness.run();
    assert_eq!(harness.state().state.language, Language::Ukrainian);
    harness.get_by_label("Ім’я користувача");
}

/// The harness panics on any glyph no font can draw, so this checks that egui's default
/// fonts cover the Russian and Ukrainian alphabets (incl. і ї є ґ ’ «») as the app shows them.
#[test]
fn russian_and_ukrainian_render_with_the_default_fonts() {
    for (language, username_label) in [
        (Language::Russian, "Имя пользователя"),
        (Language::Ukrainian, "Ім’я користувача"),
    ] {
        let mut harness = harness(state(language), sign_in_ui);
        type_into(&mut harness, username_label, "ab");
        harness.run();
        let all = "АБВГҐДЕЁЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгґдеёєжзиіїйклмнопрстуфхцчшщъыьэюя’«»…";
        let mut check = Harness::new_ui(|ui| {
            ui.label(all);
        });
        check.run();
    }
}

/// People put emoji in names and messages; without a font for them they would be boxes (and
/// kittest fails on a glyph no font has).
#[test]
fn emoji_render_with_the_bundled_fonts() {
    let mut check = Harness::new_ui(|ui| {
        ui.label("Алиса 🌷 😀 👍 ❤ 🎉 🐱 ☕");
    });
    check.run();
}

#[test]
fn plain_http_to_another_machine_is_refused_with_a_message_and_sends_nothing() {
    let mut state = state(Language::English);
    reduce(
        &mut state,
        Action::ServerUrlEdited("http://chat.example".into()),
    );
    testing::type_credentials(&mut state, "alice", "password1");
    let mut harness = harness(state, sign_in_ui);
    harness.get_by_label("Sign in").click();
    harness.run();
    harness.get_by_label_contains("Use https:// for a server on another machine");
    assert!(harness.state().calls().is_empty(), "no password sent");

    // over https, or to this machine, the same form signs in
    let mut state = super_state("https://chat.example");
    let effects = reduce(&mut state, Action::SignInSubmitted);
    assert!(!testing::api_calls(&effects).is_empty());
    let mut state = super_state("http://127.0.0.1:8080");
    let effects = reduce(&mut state, Action::SignInSubmitted);
    assert!(!testing::api_calls(&effects).is_empty());
}

fn super_state(url: &str) -> AppState {
    let mut state = state(Language::English);
    reduce(&mut state, Action::ServerUrlEdited(url.into()));
    testing::type_credentials(&mut state, "alice", "password1");
    state
}

/// Signs in with the password; the server asks for a second factor.
fn second_step_harness() -> Harness<'static, TestApp> {
    let mut harness = harness(state(Language::English), sign_in_ui);
    type_into(&mut harness, "Username", "alice");
    type_into(&mut harness, "Password", "password1");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    let request = match harness.state().effects.as_slice() {
        [Effect::Api(request)] => request.clone(),
        other => panic!("{other:?}"),
    };
    let challenge = natter_shared::api::TwoFactorChallenge {
        two_factor_required: true,
        ticket: "ticket-1".into(),
        expires_in: 300,
    };
    let app = harness.state_mut();
    app.effects.clear();
    reduce(
        &mut app.state,
        testing::answer(
            &request,
            Ok(natter::api::ApiReply::TwoFactorRequired(challenge)),
            chrono::Utc::now(),
        ),
    );
    harness.run();
    harness
}

#[test]
fn a_two_factor_account_is_asked_for_a_code_and_enter_sends_it_with_the_ticket() {
    let mut harness = second_step_harness();
    harness.get_by_label("Two-factor authentication");
    assert!(
        harness.query_by_label("Password").is_none(),
        "the password step is gone"
    );
    type_into(&mut harness, "Code", "123456");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(3);
    let calls = harness.state().calls();
    let [ApiCall::LoginSecondFactor(body)] = calls.as_slice() else {
        panic!("{calls:?}")
    };
    assert_eq!(body.ticket, "ticket-1");
    assert_eq!(body.code.as_deref(), Some("123456"));
}

#[test]
fn the_second_step_switches_to_a_recovery_code_and_back_to_the_password() {
    let mut harness = second_step_harness();
    harness.get_by_label("Use a recovery code").click();
    harness.run();
    type_into(&mut harness, "Recovery code", "abcde-fghij");
    harness.get_by_label("Verify").click();
    harness.run_steps(3);
    let calls = harness.state().calls();
    let [ApiCall::LoginSecondFactor(body)] = calls.as_slice() else {
        panic!("{calls:?}")
    };
    assert_eq!(body.recovery_code.as_deref(), Some("abcdefghij"));

    // a wrong code: the message shows on the step
    let request = match harness.state().effects.as_slice() {
        [Effect::Api(request)] => request.clone(),
        other => panic!("{other:?}"),
    };
    let body = natter_shared::ErrorBody::new(ErrorCode::InvalidTwoFactorCode, "wrong");
    let app = harness.state_mut();
    reduce(
        &mut app.state,
        testing::answer(
            &request,
            Err(natter::api::ApiFailure::Server { status: 401, body }),
            chrono::Utc::now(),
        ),
    );
    harness.run();
    harness.get_by_label("The code is wrong or was already used");
    harness.get_by_label("Back").click();
    harness.run();
    harness.get_by_label("Password");
}

#[test]
fn enter_on_an_invalid_registration_keeps_the_focus_on_the_first_invalid_field() {
    let mut harness = harness(register_state(), register_ui);
    type_into(&mut harness, "Username", "ok_name");
    type_into(&mut harness, "Password", "short");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    assert!(harness.state().calls().is_empty(), "nothing sent");
    assert!(
        harness.get_by_label("Password").is_focused(),
        "the password (too short) keeps the keyboard"
    );
    // from a valid field: to the invalid one above it
    type_into(&mut harness, "Username", "!");
    harness.get_by_label("Password").focus();
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    assert!(harness.get_by_label("Username").is_focused());
}

/// Where each of `labels` is (the inputs by their label, the buttons by their text).
fn rects(harness: &Harness<'_, TestApp>, labels: &[&str]) -> Vec<(String, egui::Rect)> {
    labels
        .iter()
        .map(|label| (label.to_string(), harness.get_by_label(label).rect()))
        .collect()
}

/// No layout jumps: a validation message appearing under a field (a short one, and one
/// longer than the line) moves nothing on the form, on both forms.
#[test]
fn a_validation_message_appearing_moves_no_field_and_no_button() {
    let sign_in = ["Server address", "Username", "Password", "Sign in"];
    let register = [
        "Server address",
        "Username",
        "Display name (optional)",
        "Password",
        "Create account",
    ];
    let cases: [(AppState, View, &[&str]); 2] = [
        (state(Language::English), sign_in_ui, &sign_in),
        (register_state(), register_ui, &register),
    ];
    for (state, view, labels) in cases {
        let mut harness = harness(state, view);
        harness.run();
        let before = rects(&harness, labels);

        // too short, with a character a username may not have
        type_into(&mut harness, "Username", "A!");
        let shown = match &harness.state().state.screen {
            Screen::SignIn(form) | Screen::Register(form) => form.shown_error(Field::Username),
            other => panic!("{other:?}"),
        };
        assert!(shown.is_some(), "the username's error shows");
        assert_eq!(
            rects(&harness, labels),
            before,
            "after the username's error"
        );

        // the longest message of the form: plain http to another machine
        harness.get_by_label("Server address").focus();
        harness.run();
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        harness
            .get_by_label("Server address")
            .type_text("http://chat.example");
        harness.run();
        harness.get_by_label_contains("Use https:// for a server on another machine");
        assert_eq!(rects(&harness, labels), before, "after the address's error");
    }
}
