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
/// label), and the error for it right below (pushing what follows down while it shows).
pub fn labelled_field_ui(
    ui: &mut Ui,
    lang: Language,
    label: &str,
    value: &str,
    kind: FieldKind,
    enabled: bool,
    error: Option<&UiError>,
) -> FieldOutput {
    let out = field_ui(ui, label, value, kind, enabled);
    if let Some(error) = error {
        error_line_ui(ui, &words::error_message(lang, error));
    }
    ui.add_space(6.0);
    out
}

/// As [`labelled_field_ui`], but the line of the error is always there, empty while the
/// value is fine, so an error appearing moves nothing (the sign-in and registration forms).
pub fn form_field_ui(
    ui: &mut Ui,
    lang: Language,
    label: &str,
    value: &str,
    kind: FieldKind,
    enabled: bool,
    error: Option<&UiError>,
) -> FieldOutput {
    let out = field_ui(ui, label, value, kind, enabled);
    let text = error.map(|e| words::error_message(lang, e));
    reserved_error_line_ui(ui, text.as_deref());
    ui.add_space(2.0);
    out
}

/// The label and the input.
fn field_ui(ui: &mut Ui, label: &str, value: &str, kind: FieldKind, enabled: bool) -> FieldOutput {
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
    FieldOutput {
        changed: (text != value).then_some(text),
        submitted,
        id: response.id,
    }
}

/// One line of the body text's height, always taken, with `text` in the error colour when
/// there is one. A sentence longer than the line ends in "…" and shows whole on hover.
pub fn reserved_error_line_ui(ui: &mut Ui, text: Option<&str>) {
    let size = egui::vec2(
        ui.available_width(),
        ui.text_style_height(&egui::TextStyle::Body),
    );
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    if let Some(text) = text {
        let color = ui.visuals().error_fg_color;
        let layout = egui::Layout::left_to_right(egui::Align::Center);
        // a child at the reserved line: the cursor stays where the allocation left it
        ui.new_child(egui::UiBuilder::new().max_rect(rect).layout(layout))
            .add(egui::Label::new(RichText::new(text).color(color)).truncate());
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
