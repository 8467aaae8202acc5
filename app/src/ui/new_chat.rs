//! The "new chat" / "new group" dialog: search people as you type (the search runs once
//! typing pauses), then pick one to open the direct chat, or pick members and a title for
//! a group.

use egui::{RichText, Ui};

use super::format::avatar_ui;
use super::widgets::{FieldKind, error_line_ui, labelled_field_ui};
use super::words;
use crate::action::Action;
use crate::i18n::tr;
use crate::state::{AppState, NewChat};

/// Set while the dialog is open: its search field took the focus when it opened.
fn focused_id() -> egui::Id {
    egui::Id::unique("natter-new-chat-focused")
}

pub fn new_chat_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let Some(dialog) = &state.new_chat else {
        ui.data_mut(|d| d.remove::<bool>(focused_id()));
        return;
    };
    let lang = state.language;
    let modal = egui::Modal::new(egui::Id::unique("natter-new-chat")).show(ui.ctx(), |ui| {
        ui.set_width(360.0);
        let title = if dialog.group {
            "new_chat.group_title"
        } else {
            "new_chat.title"
        };
        ui.heading(tr(lang, title));
        ui.add_space(6.0);
        if dialog.group {
            let out = labelled_field_ui(
                ui,
                lang,
                &tr(lang, "new_chat.group_name"),
                &dialog.title,
                FieldKind::Text,
                !dialog.creating,
                None,
            );
            if let Some(title) = out.changed {
                actions.push(Action::GroupTitleEdited(title));
            }
            members_ui(ui, dialog, actions);
        }
        let out = labelled_field_ui(
            ui,
            lang,
            &tr(lang, "new_chat.search"),
            &dialog.query,
            FieldKind::Text,
            !dialog.creating,
            None,
        );
        // the search field takes the focus when the dialog opens
        if ui.data(|d| d.get_temp::<bool>(focused_id())).is_none() {
            ui.data_mut(|d| d.insert_temp(focused_id(), true));
            ui.memory_mut(|m| m.request_focus(out.id));
        }
        if let Some(query) = out.changed {
            actions.push(Action::UserSearchEdited {
                query,
                now: state.clock.now,
            });
        }
        results_ui(ui, state, dialog, actions);
        if let Some(error) = &dialog.error {
            error_line_ui(ui, &words::error_message(lang, error));
        }
        if dialog.group {
            ui.separator();
            super::group_info::join_by_link_ui(ui, state, actions);
        }
        ui.separator();
        ui.horizontal(|ui| {
            if dialog.group {
                let create = egui::Button::new(tr(lang, "new_chat.create"));
                if ui
                    .add_enabled(dialog.group_ready() && !dialog.creating, create)
                    .clicked()
                {
                    actions.push(Action::GroupCreateRequested);
                }
            }
            if ui.button(tr(lang, "new_chat.cancel")).clicked() {
                actions.push(Action::NewChatClosed);
            }
            if dialog.creating {
                ui.spinner();
            }
        });
    });
    if modal.should_close() && !actions.contains(&Action::NewChatClosed) {
        actions.push(Action::NewChatClosed);
    }
}

fn members_ui(ui: &mut Ui, dialog: &NewChat, actions: &mut Vec<Action>) {
    if dialog.members.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        for member in &dialog.members {
            let chip = egui::Button::new(format!("{} ×", member.name())).corner_radius(10.0);
            if ui.add(chip).clicked() {
                actions.push(Action::GroupMemberToggled(member.clone()));
            }
        }
    });
    ui.add_space(4.0);
}

fn results_ui(ui: &mut Ui, state: &AppState, dialog: &NewChat, actions: &mut Vec<Action>) {
    let lang = state.language;
    if dialog.searching.is_some() || dialog.search_due.is_some() {
        ui.spinner();
        return;
    }
    if !natter_shared::api::UserSearchQuery::long_enough(&dialog.query) {
        ui.weak(tr(lang, "new_chat.type_to_search"));
        return;
    }
    if dialog.results.is_empty() && !dialog.results_for.is_empty() {
        ui.weak(tr(lang, "new_chat.nobody"));
        return;
    }
    egui::ScrollArea::vertical()
        .max_height(260.0)
        .show(ui, |ui| {
            for user in &dialog.results {
                let picked = dialog.members.iter().any(|m| m.id == user.id);
                ui.horizontal(|ui| {
                    let photo = super::attachments::photo_ui(
                        ui,
                        state,
                        user.id,
                        user.avatar,
                        28.0,
                        actions,
                    );
                    if photo.is_none() {
                        avatar_ui(ui, user.id.0, user.name(), 28.0, false);
                    }
                    let text = RichText::new(format!("{}  @{}", user.name(), user.username));
                    let clicked = ui.selectable_label(picked, text).clicked();
                    if clicked && !dialog.creating {
                        if dialog.group {
                            actions.push(Action::GroupMemberToggled(user.clone()));
                        } else {
                            actions.push(Action::DirectChatRequested(user.id));
                        }
                    }
                });
            }
        });
}
