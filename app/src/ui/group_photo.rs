//! A group's photo in its info panel, with Change photo and Remove for those who may edit
//! the group's info.

use egui::Ui;

use crate::action::Action;
use crate::state::AppState;

/// The group's photo, with Change photo (and Remove) for those who may edit its info.
pub fn photo_row_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &crate::state::ChatEntry,
    may_edit: bool,
    actions: &mut Vec<Action>,
) {
    let chat = entry.summary.id;
    ui.horizontal(|ui| {
        let size = 56.0;
        if super::attachments::chat_picture_ui(ui, state, &entry.summary, size, actions).is_none() {
            super::format::avatar_ui(ui, chat.0, entry.title(), size, false);
        }
        if !may_edit {
            return;
        }
        let has_photo = entry.summary.photo.is_some();
        super::attachments::photo_buttons_ui(ui, state, Some(chat), has_photo, actions);
    });
}
