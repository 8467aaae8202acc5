//! Settings → Privacy: who sees my last seen and online state (everyone / people I chat
//! with / nobody). The server enforces it; this only shows and changes the choice.

use egui::Ui;
use natter_shared::api::PresenceVisibility;

use super::widgets::error_line_ui;
use super::words;
use crate::action::Action;
use crate::i18n::tr;
use crate::state::{AppState, Screen};

pub fn privacy_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let Screen::Shell(shell) = &state.screen else {
        return;
    };
    let lang = state.language;
    ui.strong(tr(lang, "privacy.title"));
    ui.label(tr(lang, "privacy.last_seen"));
    // the choice on its way is shown as chosen; an old server that sends no setting means
    // "everyone", its only behaviour
    let current = shell
        .privacy
        .saving
        .or(shell.user.presence_visibility)
        .unwrap_or(PresenceVisibility::Everyone);
    ui.add_enabled_ui(shell.privacy.saving.is_none(), |ui| {
        ui.horizontal_wrapped(|ui| {
            for choice in PresenceVisibility::ALL.iter().copied() {
                let key = match choice {
                    PresenceVisibility::Everyone => "privacy.everyone",
                    PresenceVisibility::Contacts => "privacy.contacts",
                    PresenceVisibility::Nobody => "privacy.nobody",
                };
                if ui.radio(current == choice, tr(lang, key)).clicked() && current != choice {
                    actions.push(Action::PresenceVisibilityChosen(choice));
                }
            }
        });
    });
    ui.weak(tr(lang, "privacy.note"));
    if let Some(error) = &shell.privacy.error {
        error_line_ui(ui, &words::error_message(lang, error));
    }
}
