//! Small building blocks shared by the views: labelled fields with their inline error,
//! the language picker, the error line, the centred column, the mute menu item.

use egui::{Key, RichText, TextEdit, Ui};
use natter_shared::ChatId;

use super::words;
use crate::action::Action;
use crate::i18n::{Language, tr};
use crate::state::{AppState, UiError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Password,
    Multiline,
}

/// What happened to a field this frame.
#[derive(Debug)]
pub struct FieldOutput {
    /// The new text, if it was edited.
    pub changed: Option<String>,
    /// Enter was pressed in a single-line field.
    pub submitted: bool,
    /// The input's id (to give it the keyboard focus).
    pub id: egui::Id,
}

/// A label, the input it names (`labelled_by`, so tests and screen readers find it by the
/// label), and the error for it right below.
pub fn labelled_field_ui(
    ui: &mut Ui,
    lang: Language,
    label: &str,
    value: &str,
    kind: FieldKind,
    enabled: bool,
    error: Option<&UiError>,
) -> FieldOutput {
    let label = ui.label(label);
    let mut text = value.to_owned();
    let edit = match kind {
        FieldKind::Text => TextEdit::singleline(&mut text),
        FieldKind::Password => TextEdit::singleline(&mut text).password(true),
        FieldKind::Multiline => TextEdit::multiline(&mut text).desired_rows(4),
    };
    let response = ui
        .add_enabled(enabled, edit.desired_width(f32::INFINITY))
        .labelled_by(label.id);
    let submitted = kind != FieldKind::Multiline
        && response.lost_focus()
        && ui.input(|i| i.key_pressed(Key::Enter));
    if let Some(error) = error {
        error_line_ui(ui, &words::error_message(lang, error));
    }
    ui.add_space(6.0);
    FieldOutput {
        changed: (text != value).then_some(text),
        submitted,
        id: response.id,
    }
}

/// An error sentence in the theme's error colour.
pub fn error_line_ui(ui: &mut Ui, text: &str) {
    let color = ui.visuals().error_fg_color;
    ui.label(RichText::new(text).color(color));
}

/// The language picker; changing it takes effect on the next frame.
pub fn language_picker_ui(ui: &mut Ui, lang: Language, actions: &mut Vec<Action>) {
    egui::ComboBox::from_label(tr(lang, "common.language"))
        .selected_text(lang.native_name())
        .show_ui(ui, |ui| {
            for option in Language::ALL {
                if ui
                    .selectable_label(option == lang, option.native_name())
                    .clicked()
                    && option != lang
                {
                    actions.push(Action::LanguageChosen(option));
                }
            }
        });
}

/// A column of at most `width` points, centred horizontally.
pub fn centered_column_ui(ui: &mut Ui, width: f32, add_contents: impl FnOnce(&mut Ui)) {
    let available = ui.available_width();
    let width = width.min(available - 16.0).max(120.0);
    let margin = ((available - width) / 2.0).max(0.0);
    ui.horizontal_top(|ui| {
        ui.add_space(margin);
        ui.vertical(|ui| {
            ui.set_width(width);
            add_contents(ui);
        });
    });
}

/// "Mute" or "Unmute" for a chat, in a menu (the chat list's and the conversation's).
pub fn mute_item_ui(ui: &mut Ui, state: &AppState, chat_id: ChatId, actions: &mut Vec<Action>) {
    let muted = state.settings.is_muted(chat_id);
    let key = if muted { "chats.unmute" } else { "chats.mute" };
    if ui.button(tr(state.language, key)).clicked() {
        actions.push(Action::ChatMuteSet {
            chat_id,
            muted: !muted,
        });
        ui.close();
    }
}
