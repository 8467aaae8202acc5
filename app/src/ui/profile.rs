//! The profile tab: view and edit the display name and bio.

use egui::Ui;
use natter_shared::{Bio, Field};

use super::widgets::{FieldKind, centered_column_ui, error_line_ui, labelled_field_ui};
use super::words;
use crate::action::Action;
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, ProfileForm, Screen, UiError};

pub fn profile_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let Screen::Shell(shell) = &state.screen else {
        return;
    };
    let lang = state.language;
    let form = &shell.profile;
    let user = &shell.user;
    centered_column_ui(ui, 480.0, |ui| {
        ui.add_space(12.0);
        ui.heading(tr(lang, "profile.title"));
        ui.horizontal(|ui| {
            let photo =
                super::attachments::photo_ui(ui, state, user.id, user.avatar, 72.0, actions);
            if photo.is_none() {
                super::format::avatar_ui(ui, user.id.0, user.name(), 72.0, false);
            }
            let has_photo = user.avatar.is_some();
            super::attachments::photo_buttons_ui(ui, state, None, has_photo, actions);
        });
        ui.label(tr_args(
            lang,
            "profile.username",
            &[("username", user.username.to_string())],
        ));
        ui.label(tr_args(
            lang,
            "profile.member_since",
            &[(
                "date",
                user.created_at
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d")
                    .to_string(),
            )],
        ));
        ui.add_space(8.0);

        let name_error = shown_error(form, Field::DisplayName);
        let out = labelled_field_ui(
            ui,
            lang,
            &tr(lang, "field.display_name"),
            &form.display_name,
            FieldKind::Text,
            !form.saving,
            name_error.as_ref(),
        );
        if let Some(value) = out.changed {
            actions.push(Action::ProfileFieldEdited {
                field: Field::DisplayName,
                value,
            });
        }
        let mut submit = out.submitted;

        let bio_error = shown_error(form, Field::Bio);
        let out = labelled_field_ui(
            ui,
            lang,
            &tr(lang, "field.bio"),
            &form.bio,
            FieldKind::Multiline,
            !form.saving,
            bio_error.as_ref(),
        );
        if let Some(value) = out.changed {
            actions.push(Action::ProfileFieldEdited {
                field: Field::Bio,
                value,
            });
        }
        ui.weak(tr_args(
            lang,
            "profile.bio_count",
            &[
                ("count", form.bio.trim().chars().count().to_string()),
                ("max", Bio::MAX.to_string()),
            ],
        ));

        if let Some(error) = &form.general_error {
            error_line_ui(ui, &words::error_message(lang, error));
        }
        let changed = *form != ProfileForm::from_user(user);
        let valid = name_error.is_none() && bio_error.is_none();
        ui.horizontal(|ui| {
            let save = egui::Button::new(tr(lang, "profile.save"));
            submit |= ui
                .add_enabled(changed && valid && !form.saving, save)
                .clicked();
            let revert = egui::Button::new(tr(lang, "profile.revert"));
            if ui.add_enabled(changed && !form.saving, revert).clicked() {
                actions.push(Action::ProfileReverted);
            }
            if form.saving {
                ui.spinner();
            }
        });
        if submit && changed && valid {
            actions.push(Action::ProfileSubmitted);
        }
    });
}

/// The server's error for the field, else the local check's.
fn shown_error(form: &ProfileForm, field: Field) -> Option<UiError> {
    if let Some(error) = form.field_error(field) {
        return Some(error.clone());
    }
    let local = match field {
        Field::DisplayName => form.parsed_display_name().err(),
        Field::Bio => form.parsed_bio().err(),
        _ => None,
    };
    local.map(UiError::Validation)
}
