//! The registration screen: like sign-in, plus an optional display name.

use egui::Ui;
use natter_shared::Field;

use super::sign_in::{auth_fields_ui, server_url_field_ui};
use super::widgets::{centered_column_ui, error_line_ui, language_picker_ui};
use crate::action::Action;
use crate::i18n::{self, tr};
use crate::state::{AppState, Screen};

/// Draws the registration form when it is the current screen.
pub fn register_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let Screen::Register(form) = &state.screen else {
        return;
    };
    let lang = state.language;
    centered_column_ui(ui, 360.0, |ui| {
        ui.add_space(24.0);
        ui.heading(tr(lang, "register.title"));
        ui.add_space(8.0);
        language_picker_ui(ui, lang, actions);
        ui.add_space(8.0);
        let mut submit = server_url_field_ui(ui, state, form, actions);
        submit |= auth_fields_ui(
            ui,
            state,
            form,
            &[Field::Username, Field::DisplayName, Field::Password],
            actions,
        );
        if let Some(error) = &form.general_error {
            error_line_ui(ui, &i18n::error_message(lang, error));
        }
        ui.horizontal(|ui| {
            let button = egui::Button::new(tr(lang, "register.submit"));
            submit |= ui.add_enabled(!form.busy, button).clicked();
            if form.busy {
                ui.spinner();
                ui.label(tr(lang, "register.busy"));
            }
        });
        if submit {
            actions.push(Action::RegisterSubmitted);
        }
        ui.separator();
        ui.horizontal_wrapped(|ui| {
            ui.label(tr(lang, "register.have_account"));
            let link = egui::Button::new(tr(lang, "register.to_sign_in"));
            if ui.add_enabled(!form.busy, link).clicked() {
                actions.push(Action::ShowSignIn);
            }
        });
    });
}
