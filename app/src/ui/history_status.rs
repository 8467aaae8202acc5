//! Where a chat's history stands, at both ends of the messages: at the top a spinner while a
//! page loads, "the beginning of the chat", or why a page failed with Retry; at the bottom,
//! over the messages, why a newer or gap page failed with Retry. A failed page is not asked
//! for again by itself (that would ask on every repaint), so Retry is the way on.

use egui::{Rect, RichText, Ui, UiBuilder};

use super::theme::JUMP_BUTTON;
use super::words;
use crate::action::Action;
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, ChatEntry};

/// The top of the messages: loading, the beginning, or the failure with Retry.
pub fn top_status_ui(ui: &mut Ui, state: &AppState, entry: &ChatEntry, actions: &mut Vec<Action>) {
    let lang = state.language;
    let history = &entry.history;
    if history.loading_older || history.loading_latest || history.around.is_some() {
        ui.spinner();
    } else if history.reached_start {
        ui.weak(tr(lang, "conversation.beginning"));
    } else if let Some(error) = &history.error {
        super::widgets::error_line_ui(ui, &words::error_message(lang, error));
        if ui.button(tr(lang, "conversation.retry")).clicked() {
            let chat_id = entry.summary.id;
            // no page yet: opening the chat again loads its latest page
            actions.push(match entry.synced_seq {
                Some(_) => Action::OlderMessagesWanted(chat_id),
                None => Action::ChatOpened(chat_id),
            });
        }
    }
}

/// A newer or gap page failed: why, and Retry, along the bottom of the messages in `view`
/// (left of the "jump to the latest" button), over them.
pub fn newer_failed_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &ChatEntry,
    view: Rect,
    actions: &mut Vec<Action>,
) {
    let Some(error) = &entry.history.newer_error else {
        return;
    };
    let lang = state.language;
    let text = tr_args(
        lang,
        "conversation.newer_failed",
        &[("why", words::error_message(lang, error))],
    );
    // one line (the reason cut short, whole on hover), over the bottom of the messages
    let height = 32.0;
    let bottom = view.bottom() - 14.0;
    let rect = Rect::from_min_max(
        egui::pos2(view.left() + 12.0, bottom - height),
        egui::pos2(view.right() - JUMP_BUTTON - 30.0, bottom),
    );
    let mut strip = ui.new_child(
        UiBuilder::new()
            .id_salt(("natter-newer-failed", entry.summary.id))
            .max_rect(rect),
    );
    let visuals = strip.visuals();
    egui::Frame::new()
        .fill(visuals.extreme_bg_color)
        .stroke(visuals.window_stroke)
        .corner_radius(6.0)
        .inner_margin(egui::Margin::symmetric(8, 4))
        .show(&mut strip, |ui| {
            ui.horizontal(|ui| {
                if ui.button(tr(lang, "conversation.retry")).clicked() {
                    actions.push(Action::NewerMessagesWanted(entry.summary.id));
                }
                let color = ui.visuals().error_fg_color;
                ui.add(egui::Label::new(RichText::new(text).color(color)).truncate());
            });
        });
}
