//! Shown at start while the stored session is brought back, and when that fails.

use egui::Ui;

use super::widgets::{centered_column_ui, error_line_ui};
use super::words;
use crate::action::Action;
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, Screen};

pub fn restoring_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let Screen::Restoring { failure } = &state.screen else {
        return;
    };
    let lang = state.language;
    let (username, server) = state
        .session
        .as_ref()
        .map(|s| (s.username.clone(), s.server_url.clone()))
        .unwrap_or_default();
    centered_column_ui(ui, 360.0, |ui| {
        ui.add_space(48.0);
        ui.heading(tr(lang, "restoring.title"));
        ui.label(tr_args(
            lang,
            "restoring.who",
            &[("username", username), ("server", server)],
        ));
        ui.add_space(8.0);
        match failure {
            None => {
                ui.spinner();
            }
            Some(error) => {
                error_line_ui(ui, &words::error_message(lang, error));
                ui.horizontal(|ui| {
                    if ui.button(tr(lang, "restoring.retry")).clicked() {
                        actions.push(Action::RestoreRetried);
                    }
                    if ui.button(tr(lang, "restoring.abandon")).clicked() {
                        actions.push(Action::RestoreAbandoned);
                    }
                });
            }
        }
    });
}
