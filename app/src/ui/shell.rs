//! The signed-in shell: a top bar (name, tabs, language, sign out) over the current tab.

use egui::Ui;

use super::widgets::language_picker_ui;
use super::{devices_ui, profile_ui};
use crate::action::Action;
use crate::i18n::tr;
use crate::state::{AppState, Screen, ShellTab};

pub fn shell_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let Screen::Shell(shell) = &state.screen else {
        return;
    };
    let lang = state.language;
    ui.horizontal_wrapped(|ui| {
        ui.heading("Natter");
        ui.separator();
        ui.strong(shell.user.name());
        ui.weak(format!("@{}", shell.user.username));
        ui.separator();
        for (tab, key) in [
            (ShellTab::Profile, "shell.tab_profile"),
            (ShellTab::Devices, "shell.tab_devices"),
        ] {
            if ui
                .selectable_label(shell.tab == tab, tr(lang, key))
                .clicked()
                && shell.tab != tab
            {
                actions.push(Action::TabChosen(tab));
            }
        }
        ui.separator();
        language_picker_ui(ui, lang, actions);
        ui.separator();
        let sign_out = egui::Button::new(tr(lang, "shell.sign_out"));
        if ui.add_enabled(!shell.signing_out, sign_out).clicked() {
            actions.push(Action::SignOutRequested);
        }
        if shell.signing_out {
            ui.spinner();
        }
    });
    ui.separator();
    match shell.tab {
        ShellTab::Profile => profile_ui(ui, state, actions),
        ShellTab::Devices => devices_ui(ui, state, actions),
    }
}
