//! The signed-in shell: a top bar (name, sections, language, sign out), the connection
//! banner, then the current section: the chats (list on the left, conversation on the
//! right, as in Telegram Desktop, and the message search at the far right while open), the
//! profile, the devices or the settings.

use egui::Ui;

use super::banner::connection_banner_ui;
use super::chat_list::chat_list_ui;
use super::conversation::conversation_ui;
use super::new_chat::new_chat_ui;
use super::search::{escape_closes_ui, search_keys, search_ui};
use super::theme::SEARCH_PANEL;
use super::widgets::language_picker_ui;
use super::{devices_ui, profile_ui, settings_ui};
use crate::action::Action;
use crate::i18n::tr;
use crate::state::{AppState, Screen, ShellTab};

pub fn shell_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    // before any text of the frame (the tests draw the shell alone): colour emoji in text
    super::emoji_glyphs::install(ui.ctx());
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
            (ShellTab::Chats, "shell.tab_chats"),
            (ShellTab::Profile, "shell.tab_profile"),
            (ShellTab::Devices, "shell.tab_devices"),
            (ShellTab::Settings, "shell.tab_settings"),
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
    connection_banner_ui(ui, state, actions);
    match shell.tab {
        ShellTab::Chats => {
            search_keys(ui, state, actions);
            egui::Panel::left("natter-chat-list")
                .resizable(true)
                .default_size(300.0)
                .size_range(220.0..=480.0)
                .show(ui, |ui| chat_list_ui(ui, state, actions));
            if state.search.is_some() {
                egui::Panel::right("natter-search")
                    .resizable(true)
                    .default_size(SEARCH_PANEL)
                    .size_range(260.0..=520.0)
                    .show(ui, |ui| search_ui(ui, state, actions));
            }
            egui::CentralPanel::no_frame().show(ui, |ui| conversation_ui(ui, state, actions));
            escape_closes_ui(ui, state, actions);
        }
        tab => {
            egui::ScrollArea::vertical().show(ui, |ui| match tab {
                ShellTab::Profile => profile_ui(ui, state, actions),
                ShellTab::Devices => devices_ui(ui, state, actions),
                _ => settings_ui(ui, state, actions),
            });
        }
    }
    new_chat_ui(ui, state, actions);
}
