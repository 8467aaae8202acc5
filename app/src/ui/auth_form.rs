//! The sign-in and registration screens: one form, drawn from a description of each
//! (which fields, which words, which actions). Server address, the fields with their
//! inline errors, the language picker, submit with a spinner, and the way to the other form.

use egui::Ui;
use natter_shared::Field;

use super::widgets::{
    FieldKind, centered_column_ui, error_line_ui, form_field_ui, language_picker_ui,
};
use super::words;
use crate::action::Action;
use crate::i18n::tr;
use crate::state::{AppState, AuthForm, Screen, SecondFactorStep, normalize_server_url};

/// What tells the two forms apart.
struct FormKind {
    /// Translation keys: heading, submit button, busy line, the question before the switch
    /// link, the switch link.
    title: &'static str,
    submit: &'static str,
    busy: &'static str,
    other_question: &'static str,
    other_link: &'static str,
    fields: &'static [Field],
    submit_action: fn() -> Action,
    other_action: fn() -> Action,
}

const SIGN_IN: FormKind = FormKind {
    title: "sign_in.title",
    submit: "sign_in.submit",
    busy: "sign_in.busy",
    other_question: "sign_in.no_account",
    other_link: "sign_in.to_register",
    fields: &[Field::Username, Field::Password],
    submit_action: || Action::SignInSubmitted,
    other_action: || Action::ShowRegister,
};

const REGISTER: FormKind = FormKind {
    title: "register.title",
    submit: "register.submit",
    busy: "register.busy",
    other_question: "register.have_account",
    other_link: "register.to_sign_in",
    fields: &[Field::Username, Field::DisplayName, Field::Password],
    submit_action: || Action::RegisterSubmitted,
    other_action: || Action::ShowSignIn,
};

/// Draws the sign-in form when it is the current screen.
pub fn sign_in_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    if let Screen::SignIn(form) = &state.screen {
        match &form.second_factor {
            Some(step) => second_factor_ui(ui, state, step, actions),
            None => auth_form_ui(ui, state, form, &SIGN_IN, actions),
        }
    }
}

/// Draws the registration form (sign-in plus an optional display name) when it is the
/// current screen.
pub fn register_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    if let Screen::Register(form) = &state.screen {
        auth_form_ui(ui, state, form, &REGISTER, actions);
    }
}

fn auth_form_ui(
    ui: &mut Ui,
    state: &AppState,
    form: &AuthForm,
    kind: &FormKind,
    actions: &mut Vec<Action>,
) {
    let lang = state.language;
    centered_column_ui(ui, 360.0, |ui| {
        ui.add_space(24.0);
        ui.heading(tr(lang, kind.title));
        ui.add_space(8.0);
        language_picker_ui(ui, lang, actions);
        ui.add_space(8.0);
        let (mut submit, url_id) = server_url_field_ui(ui, state, form, actions);
        let (entered, ids) = fields_ui(ui, state, form, kind.fields, actions);
        submit |= entered;
        ui.horizontal(|ui| {
            let button = egui::Button::new(tr(lang, kind.submit));
            submit |= ui.add_enabled(!form.busy, button).clicked();
            if form.busy {
                ui.spinner();
                ui.label(tr(lang, kind.busy));
            }
        });
        // below the button, so the button stays where it was clicked
        if let Some(error) = &form.general_error {
            error_line_ui(ui, &words::error_message(lang, error));
        }
        if submit {
            actions.push((kind.submit_action)());
            // an invalid form keeps the keyboard: on its first invalid field
            if let Some(id) = first_invalid(state, form, url_id, &ids) {
                ui.memory_mut(|m| m.request_focus(id));
            }
        }
        ui.separator();
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(lang, kind.other_question));
            let link = egui::Button::new(tr(lang, kind.other_link));
            if ui.add_enabled(!form.busy, link).clicked() {
                actions.push((kind.other_action)());
            }
        });
    });
}

/// The second step of signing in with two-factor authentication: a code from the
/// authenticator app, or a recovery code.
fn second_factor_ui(
    ui: &mut Ui,
    state: &AppState,
    step: &SecondFactorStep,
    actions: &mut Vec<Action>,
) {
    let lang = state.language;
    centered_column_ui(ui, 360.0, |ui| {
        ui.add_space(24.0);
        ui.heading(tr(lang, "sign_in.second_factor_title"));
        ui.add_space(8.0);
        let (hint, label, switch) = if step.recovery {
            (
                "sign_in.recovery_hint",
                "field.recovery_code",
                "sign_in.use_app",
            )
        } else {
            ("sign_in.code_hint", "field.code", "sign_in.use_recovery")
        };
        ui.label(tr(lang, hint));
        ui.add_space(8.0);
        let error = step.shown_error();
        let out = form_field_ui(
            ui,
            lang,
            &tr(lang, label),
            &step.code,
            FieldKind::Text,
            !step.busy,
            error.as_ref(),
        );
        if let Some(code) = out.changed {
            actions.push(Action::SecondFactorEdited(code));
        }
        let mut submit = out.submitted;
        ui.horizontal(|ui| {
            let button = egui::Button::new(tr(lang, "sign_in.verify"));
            submit |= ui.add_enabled(!step.busy, button).clicked();
            if step.busy {
                ui.spinner();
                ui.label(tr(lang, "sign_in.busy"));
            }
        });
        if submit {
            actions.push(Action::SecondFactorSubmitted);
        }
        ui.separator();
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(!step.busy, egui::Button::new(tr(lang, switch)))
                .clicked()
            {
                actions.push(Action::SecondFactorRecoveryToggled);
            }
            if ui
                .add_enabled(!step.busy, egui::Button::new(tr(lang, "sign_in.back")))
                .clicked()
            {
                actions.push(Action::SecondFactorCancelled);
            }
        });
    });
}

/// The first field whose check fails (the server address, then the form's fields in
/// order), if any.
fn first_invalid(
    state: &AppState,
    form: &AuthForm,
    url_id: egui::Id,
    ids: &[(Field, egui::Id)],
) -> Option<egui::Id> {
    if normalize_server_url(&state.server_url).is_err() {
        return Some(url_id);
    }
    let check = form.check();
    ids.iter()
        .find(|(field, _)| match field {
            Field::Username => check.username.is_err(),
            Field::Password => check.password.is_err(),
            Field::DisplayName => check.display_name.is_err(),
            _ => false,
        })
        .map(|(_, id)| *id)
}

/// The server address. Returns whether Enter was pressed, and the field's id.
fn server_url_field_ui(
    ui: &mut Ui,
    state: &AppState,
    form: &AuthForm,
    actions: &mut Vec<Action>,
) -> (bool, egui::Id) {
    let lang = state.language;
    let url_error = if form.show_all_errors || !state.server_url.is_empty() {
        normalize_server_url(&state.server_url).err()
    } else {
        None
    };
    let out = form_field_ui(
        ui,
        lang,
        &tr(lang, "field.server_url"),
        &state.server_url,
        FieldKind::Text,
        !form.busy,
        url_error.as_ref(),
    );
    if let Some(url) = out.changed {
        actions.push(Action::ServerUrlEdited(url));
    }
    (out.submitted, out.id)
}

/// The given fields of the form, in order. Returns whether Enter was pressed in one, and
/// each field's id.
fn fields_ui(
    ui: &mut Ui,
    state: &AppState,
    form: &AuthForm,
    fields: &[Field],
    actions: &mut Vec<Action>,
) -> (bool, Vec<(Field, egui::Id)>) {
    let lang = state.language;
    let mut submitted = false;
    let mut ids = Vec::new();
    for &field in fields {
        let (key, value, kind) = match field {
            Field::Username => ("field.username", &form.username, FieldKind::Text),
            Field::Password => ("field.password", &form.password, FieldKind::Password),
            Field::DisplayName => (
                "field.display_name_optional",
                &form.display_name,
                FieldKind::Text,
            ),
            _ => continue,
        };
        let error = form.shown_error(field);
        let out = form_field_ui(
            ui,
            lang,
            &tr(lang, key),
            value,
            kind,
            !form.busy,
            error.as_ref(),
        );
        if let Some(value) = out.changed {
            actions.push(Action::AuthFieldEdited { field, value });
        }
        submitted |= out.submitted;
        ids.push((field, out.id));
    }
    (submitted, ids)
}
