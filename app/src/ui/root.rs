//! The whole window: the notice banner, then the current screen.

use egui::Ui;

use super::words;
use super::{register_ui, restoring_ui, shell_ui, sign_in_ui};
use crate::action::Action;
use crate::i18n::tr;
use crate::state::{AppState, Notice, Screen};

pub fn app_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    // before any text of the frame: colour emoji in all text
    super::emoji_glyphs::install(ui.ctx());
    egui::Frame::central_panel(ui.style()).show(ui, |ui| {
        ui.set_min_size(ui.available_size());
        if let Some(notice) = &state.notice {
            notice_ui(ui, state, notice, actions);
        }
        match &state.screen {
            // the shell scrolls its parts itself (the chat list, the messages)
            Screen::Shell(_) => shell_ui(ui, state, actions),
            screen => {
                egui::ScrollArea::vertical().show(ui, |ui| match screen {
                    Screen::SignIn(_) => sign_in_ui(ui, state, actions),
                    Screen::Register(_) => register_ui(ui, state, actions),
                    _ => restoring_ui(ui, state, actions),
                });
            }
        }
    });
}

fn notice_ui(ui: &mut Ui, state: &AppState, notice: &Notice, actions: &mut Vec<Action>) {
    let lang = state.language;
    let visuals = ui.visuals();
    let fill = match notice {
        Notice::SessionEnded
        | Notice::SignedOutOffline
        | Notice::SessionNotSaved
        | Notice::NotSavedLocally(_)
        | Notice::MessageNotOpened(_) => visuals.warn_fg_color.gamma_multiply(0.25),
        Notice::SignedOut | Notice::ProfileSaved | Notice::AccountDeleted => {
            visuals.selection.bg_fill.gamma_multiply(0.4)
        }
    };
    egui::Frame::new()
        .fill(fill)
        .inner_margin(8.0)
        .corner_radius(4.0)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(words::notice_message(lang, notice));
                if ui.button(tr(lang, "common.dismiss")).clicked() {
                    actions.push(Action::NoticeDismissed);
                }
            });
        });
    ui.add_space(4.0);
}
