//! The sign-in screen: server address, username, password, language.

use egui::Ui;
use natter_shared::Field;

use super::widgets::{
    FieldKind, centered_column_ui, error_line_ui, labelled_field_ui, language_picker_ui,
};
use crate::action::Action;
use crate::i18n::{self, tr};
use crate::state::{AppState, AuthForm, Screen, normalize_server_url};

/// Draws the sign-in form when it is the current screen.
pub fn sign_in_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let Screen::SignIn(form) = &state.screen else {
        return;
    };
    let lang = state.language;
    centered_column_ui(ui, 360.0, |ui| {
        ui.add_space(24.0);
        ui.heading(tr(lang, "sign_in.title"));
        ui.add_space(8.0);
        language_picker_ui(ui, lang, actions);
        ui.add_space(8.0);
        let mut submit = server_url_field_ui(ui, state, form, actions);
        submit |= auth_fields_ui(
            ui,
            state,
            form,
            &[Field::Username, Field::Password],
            actions,
        );
        if let Some(error) = &form.general_error {
            error_line_ui(ui, &i18n::error_message(lang, error));
        }
        ui.horizontal(|ui| {
            let button = egui::Button::new(tr(lang, "sign_in.submit"));
            submit |= ui.add_enabled(!form.busy, button).clicked();
            if form.busy {
                ui.spinner();
                ui.label(tr(lang, "sign_in.busy"));
            }
        });
        if submit {
            actions.push(Action::SignInSubmitted);
        }
        ui.separator();
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(lang, "sign_in.no_account"));
            let link = egui::Button::new(tr(lang, "sign_in.to_register"));
            if ui.add_enabled(!form.busy, link).clicked() {
                actions.push(Action::ShowRegister);
            }
        });
    });
}

/// The server address, shared by sign-in and registration. Returns whether Enter was pressed.
pub(super) fn server_url_field_ui(
    ui: &mut Ui,
    state: &AppState,
    form: &AuthForm,
    actions: &mut Vec<Action>,
) -> bool {
    let lang = state.language;
    let url_error = if form.show_all_errors || !state.server_url.is_empty() {
        normalize_server_url(&state.server_url).err()
    } else {
        None
    };
    let out = labelled_field_ui(
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
    out.submitted
}

/// The given fields of the auth form, in order. Returns whether Enter was pressed in one.
pub(super) fn auth_fields_ui(
    ui: &mut Ui,
    state: &AppState,
    form: &AuthForm,
    fields: &[Field],
    actions: &mut Vec<Action>,
) -> bool {
    let lang = state.language;
    let mut submitted = false;
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
        let out = labelled_field_ui(
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
    }
    submitted
}
