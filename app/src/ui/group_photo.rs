//! A group's photo in its info panel, with Change photo and Remove for those who may edit
//! the group's info.

use egui::Ui;

use crate::action::Action;
use crate::i18n::tr;
use crate::state::AppState;

/// The group's photo, with Change photo (and Remove) for those who may edit its info.
pub fn photo_row_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &crate::state::ChatEntry,
    may_edit: bool,
    actions: &mut Vec<Action>,
) {
    let lang = state.language;
    let chat = entry.summary.id;
    ui.horizontal(|ui| {
        let size = 56.0;
        if super::attachments::chat_picture_ui(ui, state, &entry.summary, size, actions).is_none() {
            super::format::avatar_ui(ui, chat.0, entry.title(), size, false);
        }
        if !may_edit {
            return;
        }
        ui.vertical(|ui| {
            let uploading = state
                .chats
                .transfers
                .uploads
                .iter()
                .find(|u| u.purpose == crate::state::UploadPurpose::GroupPhoto(chat));
            if let Some(upload) = uploading {
                super::attachments::upload_ui(ui, lang, upload, actions);
            } else if ui.button(tr(lang, "files.change_photo")).clicked() {
                actions.push(Action::File(crate::action::FileAction::PhotoAsked(Some(
                    chat,
                ))));
            }
            if entry.summary.photo.is_some() && ui.button(tr(lang, "files.remove_photo")).clicked()
            {
                actions.push(Action::File(crate::action::FileAction::PhotoRemoved(Some(
                    chat,
                ))));
            }
        });
    });
}
