//! The right side: the open chat's header (`conversation_header`), the pinned bar, its
//! messages (`message_list`) and the composer, with the dialogs and panels over them. Esc
//! closes the chat when no popup, menu or dialog is open (those take Esc first).

use egui::{Id, Key, Modifiers, Ui};

use super::composer::composer_ui;
use super::conversation_header::header_ui;
use super::message_list::messages_ui;
use crate::action::Action;
use crate::i18n::tr;
use crate::state::AppState;

fn escape_guard_id() -> Id {
    Id::unique("natter-conversation-escape-guard")
}

pub fn conversation_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let lang = state.language;
    let Some(entry) = state.chats.open.and_then(|id| state.chats.by_id.get(&id)) else {
        ui.centered_and_justified(|ui| {
            ui.weak(tr(lang, "conversation.pick_chat"));
        });
        return;
    };
    egui::Panel::top("conversation-header").show(ui, |ui| {
        header_ui(ui, state, entry, actions);
        if let Some(seq) = super::message_actions::pinned_bar_ui(ui, state, entry) {
            let id = super::message_actions::jump_id(entry.summary.id);
            ui.data_mut(|d| d.insert_temp(id, seq));
        }
    });
    super::message_actions::delete_dialog_ui(ui.ctx(), state, actions);
    super::message_actions::forward_dialog_ui(ui.ctx(), state, actions);
    super::group_info::panel_ui(ui.ctx(), state, actions);
    egui::Panel::bottom("conversation-composer").show(ui, |ui| {
        if let Some(text) = super::group_info::pending_request_text(state, entry) {
            ui.vertical_centered(|ui| ui.weak(text));
        }
        match super::group_info::no_composer_text(state, entry) {
            // no longer a member: what was seen stays, nothing can be sent
            Some(text) => {
                ui.add_space(10.0);
                ui.vertical_centered(|ui| ui.weak(text));
                ui.add_space(10.0);
            }
            None => composer_ui(ui, state, entry, actions),
        }
    });
    super::attachments::viewer_ui(ui.ctx(), state, actions);
    egui::CentralPanel::no_frame().show(ui, |ui| {
        messages_ui(ui, state, entry, actions);
        if super::group_info::no_composer_text(state, entry).is_none() {
            super::attachments::drop_ui(ui, entry.summary.id, actions);
        }
    });
    escape_ui(ui, state, actions);
}

/// Esc closes the chat, unless something on top of it takes Esc first: a popup or menu, a
/// dialog, the search panel. What was open last frame counts too (a popup closes on the
/// Esc press that is checked here).
fn escape_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let ctx = ui.ctx().clone();
    let covered = egui::Popup::is_any_open(&ctx)
        || ctx.memory(|m| m.top_modal_layer().is_some())
        || state.search.is_some()
        || state.new_chat.is_some();
    let was_covered: bool = ui.data(|d| d.get_temp(escape_guard_id())).unwrap_or(false);
    ui.data_mut(|d| d.insert_temp(escape_guard_id(), covered));
    if covered || was_covered {
        return;
    }
    if ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
        actions.push(Action::ChatClosed);
    }
}
