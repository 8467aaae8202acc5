//! The whole window: the current screen, and over it the notice, if any (a toast at the
//! top, so nothing moves when one comes or goes).

use egui::Ui;

use super::theme::{NOTICE_TEXT_WIDTH, NOTICE_TOP, NOTICE_TOP_SHELL};
use super::toast::{Place, toast_ui};
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
    if let Some(notice) = &state.notice {
        notice_ui(ui, state, notice, actions);
    }
}

/// The notice with its Dismiss button, centred at the top (under the shell's top bar, over
/// a form's heading), its text wrapped so it stays clear of the sides.
fn notice_ui(ui: &Ui, state: &AppState, notice: &Notice, actions: &mut Vec<Action>) {
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
    let top = match state.screen {
        Screen::Shell(_) => NOTICE_TOP_SHELL,
        _ => NOTICE_TOP,
    };
    let place = Place {
        anchor: egui::Align2::CENTER_TOP,
        offset: egui::vec2(0.0, top),
    };
    let id = egui::Id::unique("natter-notice");
    toast_ui(ui, id, place, fill, |ui| {
        ui.horizontal(|ui| {
            ui.scope(|ui| {
                ui.set_max_width(NOTICE_TEXT_WIDTH);
                ui.add(egui::Label::new(words::notice_message(lang, notice)).wrap());
            });
            if ui.button(tr(lang, "common.dismiss")).clicked() {
                actions.push(Action::NoticeDismissed);
            }
        });
    });
}
