//! The composer under a conversation: the reply being written (quoted, with a cancel
//! button), a multiline field where Enter sends and Shift+Enter starts a new line (or, with
//! the "Send with Ctrl+Enter" setting, Ctrl+Enter sends and Enter starts a new line), and the
//! length against the shared `MessageText` limit once it gets close (from 90 %; over it, the
//! error is inline and Send is off). The field grows to [`MAX_LINES`] lines (at most
//! [`MAX_SHARE`] of the window's height) and scrolls inside after that, so a long paste never
//! pushes the conversation away. The emoji picker inserts at the cursor. The field takes the
//! keyboard focus when a chat opens and when Reply or Edit is chosen. The text lives in the
//! chat's draft, so it survives switching chats and restarts.

use egui::{Key, KeyboardShortcut, Modifiers, RichText, TextEdit, Ui};
use natter_shared::{ChatId, MessageText, RequestId, validation};

use super::message_parts::{quote_ui, reply_jump};
use super::widgets::error_line_ui;
use super::words;
use crate::action::Action;
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, ChatEntry, Draft};

/// The length counter shows from this share of the limit (in per cent).
const COUNTER_FROM_PERCENT: usize = 90;
/// The field grows to this many lines, then scrolls …
pub const MAX_LINES: f32 = 8.0;
/// … and never past this share of the window's height.
pub const MAX_SHARE: f32 = 0.4;

/// Whether the counter shows for a text of `length` characters.
pub fn counter_shown(length: usize) -> bool {
    length * 100 >= MessageText::MAX * COUNTER_FROM_PERCENT
}

/// The composer field's id in a chat (its cursor is remembered per chat).
pub fn composer_id(chat: ChatId) -> egui::Id {
    egui::Id::unique(("natter-composer", chat))
}

/// What the focus follows: the chat, and the message being answered or edited. When it
/// changes, the field takes the focus.
type FocusKey = (
    ChatId,
    Option<natter_shared::MessageId>,
    Option<natter_shared::MessageId>,
);

fn focus_key_id() -> egui::Id {
    egui::Id::unique("natter-composer-focus-key")
}

/// `insert` put into `text` at the field's cursor (replacing a selection), the cursor
/// moved after it; at the end when the field has no cursor yet.
fn insert_at_cursor(ctx: &egui::Context, id: egui::Id, text: &str, insert: &str) -> String {
    use egui::text::{CCursor, CCursorRange};
    let mut edit = egui::TextEdit::load_state(ctx, id).unwrap_or_default();
    let count = text.chars().count();
    let (start, end) = edit.cursor.char_range().map_or((count, count), |r| {
        let (a, b) = (r.primary.index.0.min(count), r.secondary.index.0.min(count));
        (a.min(b), a.max(b))
    });
    let byte = |chars: usize| {
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(i, _)| i)
    };
    let mut out = String::with_capacity(text.len() + insert.len());
    out.push_str(&text[..byte(start)]);
    out.push_str(insert);
    out.push_str(&text[byte(end)..]);
    let after = CCursor::new(start + insert.chars().count());
    edit.cursor.set_char_range(Some(CCursorRange::one(after)));
    edit.store(ctx, id);
    out
}

/// Typing `@` and the start of a name in a group offers the members it may be (Tab or a
/// click completes it).
fn mention_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &ChatEntry,
    text: &str,
    actions: &mut Vec<Action>,
) {
    if entry.summary.kind != natter_shared::api::ChatKind::Group {
        return;
    }
    let me = state.session.as_ref().map(|s| s.user_id);
    let Some((start, names)) = mention_candidates(text, entry, me) else {
        return;
    };
    let chat_id = entry.summary.id;
    let tab = ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Tab));
    let mut chosen = tab.then(|| names[0].clone());
    ui.horizontal(|ui| {
        for name in &names {
            if ui.small_button(format!("@{name}")).clicked() {
                chosen = Some(name.clone());
            }
        }
    });
    if let Some(name) = chosen {
        actions.push(Action::ComposerEdited {
            chat_id,
            text: format!("{}@{name} ", &text[..start]),
            now: state.clock.now,
        });
    }
}

/// When the draft ends in `@` and the start of a username, where that `@` is and the
/// members' usernames it may complete to (at most five, not mine).
pub fn mention_candidates(
    text: &str,
    entry: &ChatEntry,
    me: Option<natter_shared::UserId>,
) -> Option<(usize, Vec<String>)> {
    let start = text.rfind('@')?;
    let typed = &text[start + 1..];
    let before = text[..start].chars().next_back();
    if before.is_some_and(|c| c.is_alphanumeric() || c == '_')
        || !typed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    let typed = typed.to_ascii_lowercase();
    let names: Vec<String> = entry
        .members
        .iter()
        .filter(|m| Some(m.id) != me)
        .map(|m| m.username.as_str().to_owned())
        .filter(|n| n.starts_with(&typed) && *n != typed)
        .take(5)
        .collect();
    (!names.is_empty()).then_some((start, names))
}

pub fn composer_ui(ui: &mut Ui, state: &AppState, entry: &ChatEntry, actions: &mut Vec<Action>) {
    let lang = state.language;
    let chat_id = entry.summary.id;
    let empty = Draft::default();
    let draft = state.drafts.get(&chat_id).unwrap_or(&empty);
    ui.add_space(4.0);
    if let Some(editing) = draft.editing {
        let escape = ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape));
        ui.horizontal(|ui| {
            ui.weak(tr(lang, "message.editing"));
            if quote_ui(ui, state, entry, editing).clicked() {
                reply_jump(state, entry, editing, actions);
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let cancel = ui.button("×").on_hover_text(tr(lang, "message.cancel"));
                if cancel.clicked() || escape {
                    actions.push(Action::EditStarted {
                        chat_id,
                        message_id: None,
                    });
                }
            });
        });
    }
    if let Some(reply_to) = draft.reply_to {
        let escape = ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape));
        ui.horizontal(|ui| {
            ui.weak(tr(lang, "composer.replying_to"));
            if quote_ui(ui, state, entry, reply_to).clicked() {
                reply_jump(state, entry, reply_to, actions);
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let cancel = ui
                    .button("×")
                    .on_hover_text(tr(lang, "composer.cancel_reply"));
                if cancel.clicked() || escape {
                    actions.push(Action::ReplyChosen {
                        chat_id,
                        message_id: None,
                    });
                }
            });
        });
    }
    super::attachments::tray_ui(ui, state, chat_id, actions);
    super::attachments::paste_ui(ui, chat_id, actions);
    let length = draft.text.trim().chars().count();
    let too_long = length > MessageText::MAX;
    // a chat opened, a reply or an edit chosen: the field takes the focus
    let key: FocusKey = (chat_id, draft.reply_to, draft.editing);
    // (asked again each frame until it lands: not while a dialog holds the keyboard, and
    // not through one that is closing this frame)
    let last_key: Option<FocusKey> = ui.data(|d| d.get_temp(focus_key_id()));
    let wants_focus = last_key != Some(key);
    if wants_focus && ui.ctx().memory(|m| m.top_modal_layer().is_none()) {
        ui.memory_mut(|m| m.request_focus(composer_id(chat_id)));
    }
    let label = ui
        .horizontal(|ui| {
            let label = ui.label(RichText::new(tr(lang, "composer.label")).size(12.0).weak());
            if counter_shown(length) {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let counter = tr_args(
                        lang,
                        "composer.count",
                        &[
                            ("count", length.to_string()),
                            ("max", MessageText::MAX.to_string()),
                        ],
                    );
                    let color = if too_long {
                        ui.visuals().error_fg_color
                    } else {
                        ui.visuals().weak_text_color()
                    };
                    ui.label(RichText::new(counter).size(12.0).color(color));
                });
            }
            label
        })
        .inner;
    let ctrl_enter_sends = state.settings.ctrl_enter_sends;
    // the key that starts a new line; the text field ignores Enter with other modifiers
    let (newline, hint) = if ctrl_enter_sends {
        (Modifiers::NONE, "composer.hint_ctrl_enter")
    } else {
        (Modifiers::SHIFT, "composer.hint")
    };
    let mut submit = false;
    let row_height = ui.text_style_height(&egui::TextStyle::Body);
    let window_height = ui.ctx().content_rect().height();
    let max_height = (row_height * MAX_LINES + 8.0).min(window_height * MAX_SHARE);
    ui.horizontal(|ui| {
        let send_width = 72.0;
        let attach_width = 32.0;
        let attach = ui
            .add_sized([attach_width, 32.0], egui::Button::new("📎"))
            .on_hover_text(tr(lang, "files.attach"));
        if attach.clicked() {
            actions.push(Action::File(crate::action::FileAction::AttachAsked(
                chat_id,
            )));
        }
        let mut text = draft.text.clone();
        let mut picked = false;
        if let Some(emoji) = super::emoji_picker::picker_ui(ui, lang, 32.0) {
            text = insert_at_cursor(ui.ctx(), composer_id(chat_id), &text, &emoji);
            picked = true;
            ui.memory_mut(|m| m.request_focus(composer_id(chat_id)));
        }
        let field_width = ui.available_width() - send_width - 8.0;
        // at most MAX_LINES high; a longer text scrolls inside, the cursor kept in view
        let response = egui::ScrollArea::vertical()
            .id_salt(("natter-composer-scroll", chat_id))
            .max_height(max_height)
            .max_width(field_width)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                ui.add(
                    TextEdit::multiline(&mut text)
                        .id(composer_id(chat_id))
                        .hint_text(tr(lang, hint))
                        .desired_rows(2)
                        .return_key(KeyboardShortcut::new(newline, Key::Enter))
                        .desired_width(field_width),
                )
                .labelled_by(label.id)
            })
            .inner;
        // Up in an empty composer edits my last message
        if response.has_focus()
            && text.is_empty()
            && draft.editing.is_none()
            && ui.input(|i| i.key_pressed(Key::ArrowUp))
            && let Some(last) = crate::reduce::last_own(state, chat_id)
        {
            actions.push(Action::EditStarted {
                chat_id,
                message_id: Some(last),
            });
        }
        if wants_focus && response.has_focus() {
            ui.data_mut(|d| d.insert_temp(focus_key_id(), key));
        }
        if response.changed() || picked {
            actions.push(Action::ComposerEdited {
                chat_id,
                text: text.clone(),
                now: state.clock.now,
            });
        }
        submit |= response.has_focus()
            && ui.input(|i| {
                i.key_pressed(Key::Enter)
                    && if ctrl_enter_sends {
                        i.modifiers.command
                    } else {
                        !i.modifiers.shift
                    }
            });
        // over the limit: Send is off (Enter does nothing), the error shows below
        submit &= !too_long;
        submit |= ui
            .add_enabled_ui(!too_long, |ui| {
                ui.add_sized(
                    [send_width, 32.0],
                    egui::Button::new(tr(lang, "composer.send")),
                )
            })
            .inner
            .clicked();
        if submit {
            // files may go without text; their count is checked with their keys
            let files: Vec<natter_shared::FileId> = draft
                .attachments
                .iter()
                .map(|k| natter_shared::FileId(k.0))
                .collect();
            let files: &[natter_shared::FileId] =
                if draft.editing.is_some() { &[] } else { &files };
            match validation::message_body(&text, files) {
                Ok(_) if draft.editing.is_some() => {
                    if let Some(message_id) = draft.editing {
                        actions.push(Action::EditSubmitted {
                            chat_id,
                            message_id,
                            text,
                            request_id: RequestId(uuid::Uuid::new_v4()),
                            now: state.clock.now,
                        });
                    }
                }
                Ok(_) => actions.push(Action::MessageSubmitted {
                    chat_id,
                    text,
                    reply_to: draft.reply_to,
                    request_id: RequestId(uuid::Uuid::new_v4()),
                    now: state.clock.now,
                }),
                Err(_) => submit = false, // empty: nothing to send; too long: shown below
            }
        }
    });
    mention_ui(ui, state, entry, &draft.text, actions);
    // a change of a message the server refused (edit window passed, deleted meanwhile …)
    if let Some((chat, error)) = &state.chats.change_error
        && *chat == chat_id
    {
        error_line_ui(ui, &words::error_message(lang, error));
    }
    if too_long && let Err(error) = MessageText::parse(&draft.text) {
        error_line_ui(ui, &words::validation_message(lang, &error));
    }
    ui.add_space(4.0);
}
