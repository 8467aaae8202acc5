//! What can be done with a message: its context menu (right click on the bubble, or the
//! menu key / Shift+F10 on a hovered or focused bubble) with Reply, Edit, Delete, Forward,
//! Copy, Pin/Unpin and a quick-reactions row; the reaction chips under a bubble; the delete
//! confirmation; the forward picker; and the pinned-message bar under the chat header.

use egui::{RichText, Ui};
use natter_shared::api::{ChatKind, ChatRole, Message};
use natter_shared::{ChatId, RequestId};

use super::format::one_line;
use super::theme::META_SIZE;
use crate::action::Action;
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, ChatEntry};

/// The quick reactions of the menu.
pub const QUICK_REACTIONS: [&str; 6] = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

fn fresh() -> RequestId {
    RequestId(uuid::Uuid::new_v4())
}

/// Whether I may delete `message` for everyone: my own, or any in a group I am an admin of.
fn may_delete_for_everyone(state: &AppState, entry: &ChatEntry, message: &Message) -> bool {
    let Some(me) = state.session.as_ref().map(|s| s.user_id) else {
        return false;
    };
    message.sender_id == me
        || (entry.summary.kind == ChatKind::Group
            && entry
                .members
                .iter()
                .any(|m| m.id == me && m.role == ChatRole::Admin))
}

/// Shows `add_contents` as the bubble's context menu: on a right click (at the pointer), or
/// with Shift+F10 or the menu key while the bubble is hovered or has keyboard focus (Tab
/// reaches it), under the bubble's corner. egui itself opens context menus only on clicks.
pub fn context_menu_ui(ui: &Ui, response: &egui::Response, add_contents: impl FnOnce(&mut Ui)) {
    let popup_id = egui::Popup::default_response_id(response);
    let anchor_id = popup_id.with("natter-keyboard-anchor");
    let by_key = (response.hovered() || response.has_focus())
        && ui.input_mut(|i| {
            i.consume_key(egui::Modifiers::SHIFT, egui::Key::F10)
                || i.consume_key(egui::Modifiers::NONE, egui::Key::Menu)
        });
    let mut popup = egui::Popup::context_menu(response);
    if by_key {
        let at = ui
            .ctx()
            .pointer_hover_pos()
            .filter(|_| response.hovered())
            .unwrap_or_else(|| response.rect.left_bottom());
        ui.data_mut(|d| d.insert_temp(anchor_id, at));
        popup = popup.open_memory(Some(egui::SetOpenCommand::Bool(true)));
    } else if response.secondary_clicked() {
        ui.data_mut(|d| d.remove::<egui::Pos2>(anchor_id));
    }
    // a menu opened from the keyboard stays where it opened (the pointer may be anywhere)
    if let Some(at) = ui.data(|d| d.get_temp::<egui::Pos2>(anchor_id)) {
        if by_key || egui::Popup::is_id_open(ui.ctx(), popup_id) {
            popup = popup.at_position(at);
        } else {
            ui.data_mut(|d| d.remove::<egui::Pos2>(anchor_id));
        }
    }
    popup.show(add_contents);
}

/// The context menu of a stored message.
pub fn menu_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &ChatEntry,
    message: &Message,
    own: bool,
    actions: &mut Vec<Action>,
) {
    let lang = state.language;
    let chat_id = entry.summary.id;
    ui.horizontal(|ui| {
        for emoji in QUICK_REACTIONS {
            if ui.button(emoji).clicked() {
                actions.push(Action::ReactionToggled {
                    chat_id,
                    message_id: message.id,
                    emoji: emoji.to_owned(),
                    request_id: fresh(),
                });
                ui.close();
            }
        }
    });
    ui.separator();
    if ui.button(tr(lang, "message.reply")).clicked() {
        actions.push(Action::ReplyChosen {
            chat_id,
            message_id: Some(message.id),
        });
        ui.close();
    }
    if own && ui.button(tr(lang, "message.edit")).clicked() {
        actions.push(Action::EditStarted {
            chat_id,
            message_id: Some(message.id),
        });
        ui.close();
    }
    if ui.button(tr(lang, "message.copy")).clicked() {
        ui.ctx().copy_text(message.text.clone());
        ui.close();
    }
    let pin = if message.pinned_at.is_some() {
        "message.unpin"
    } else {
        "message.pin"
    };
    if ui.button(tr(lang, pin)).clicked() {
        actions.push(Action::PinToggled {
            chat_id,
            message_id: message.id,
            request_id: fresh(),
        });
        ui.close();
    }
    if ui.button(tr(lang, "message.forward")).clicked() {
        let mut ids = state.message_actions.selected.clone();
        if !ids.contains(&message.id) {
            ids = vec![message.id];
        }
        actions.push(Action::ForwardOpened {
            chat_id,
            message_ids: ids,
        });
        ui.close();
    }
    if ui.button(tr(lang, "message.select")).clicked() {
        actions.push(Action::SelectionToggled(message.id));
        ui.close();
    }
    if ui.button(tr(lang, "message.delete")).clicked() {
        actions.push(Action::DeleteAsked {
            chat_id,
            message_id: message.id,
        });
        ui.close();
    }
}

/// The reactions under a bubble: a chip per emoji with its count (mine highlighted; a click
/// gives or takes back mine; hovering names who gave it).
pub fn reactions_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &ChatEntry,
    message: &Message,
    actions: &mut Vec<Action>,
) {
    if message.reactions.is_empty() {
        return;
    }
    let me = state.session.as_ref().map(|s| s.user_id);
    ui.horizontal_wrapped(|ui| {
        for r in &message.reactions {
            let mine = me.is_some_and(|me| r.user_ids.contains(&me));
            let names: Vec<String> = r
                .user_ids
                .iter()
                .map(|u| {
                    if Some(*u) == me {
                        tr(state.language, "chats.you")
                    } else {
                        entry.member_name(*u).unwrap_or("…").to_owned()
                    }
                })
                .collect();
            let chip = ui
                .add(
                    egui::Button::new(
                        RichText::new(format!("{} {}", r.emoji, r.count)).size(META_SIZE),
                    )
                    .selected(mine)
                    .small(),
                )
                .on_hover_text(tr_args(
                    state.language,
                    "message.reacted",
                    &[("names", names.join(", "))],
                ));
            if chip.clicked() {
                actions.push(Action::ReactionToggled {
                    chat_id: entry.summary.id,
                    message_id: message.id,
                    emoji: r.emoji.clone(),
                    request_id: fresh(),
                });
            }
        }
    });
}

/// "Delete this message?" with its choices.
pub fn delete_dialog_ui(ctx: &egui::Context, state: &AppState, actions: &mut Vec<Action>) {
    let Some((chat_id, message_id)) = state.message_actions.confirm_delete else {
        return;
    };
    let lang = state.language;
    let Some(entry) = state.chats.by_id.get(&chat_id) else {
        return;
    };
    let everyone = entry
        .message_by_id(message_id)
        .is_some_and(|m| may_delete_for_everyone(state, entry, m));
    let modal = egui::Modal::new(egui::Id::unique("natter-delete-dialog")).show(ctx, |ui| {
        ui.heading(tr(lang, "message.delete_title"));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if everyone && ui.button(tr(lang, "message.delete_for_everyone")).clicked() {
                actions.push(Action::DeleteConfirmed {
                    for_everyone: true,
                    request_id: fresh(),
                });
            }
            if ui.button(tr(lang, "message.delete_for_me")).clicked() {
                actions.push(Action::DeleteConfirmed {
                    for_everyone: false,
                    request_id: fresh(),
                });
            }
            if ui.button(tr(lang, "message.cancel")).clicked() {
                actions.push(Action::DeleteCancelled);
            }
        });
    });
    if modal.should_close() {
        actions.push(Action::DeleteCancelled);
    }
}

/// The forward picker: the chats to forward to, ticked, and "Forward".
pub fn forward_dialog_ui(ctx: &egui::Context, state: &AppState, actions: &mut Vec<Action>) {
    let Some(picker) = &state.message_actions.forward else {
        return;
    };
    let lang = state.language;
    let modal = egui::Modal::new(egui::Id::unique("natter-forward-dialog")).show(ctx, |ui| {
        ui.heading(tr(lang, "message.forward_title"));
        ui.add_space(6.0);
        egui::ScrollArea::vertical()
            .max_height(320.0)
            .show(ui, |ui| {
                for entry in state.chats.ordered() {
                    let id: ChatId = entry.summary.id;
                    let mut ticked = picker.targets.contains(&id);
                    if ui.checkbox(&mut ticked, entry.title()).changed() {
                        actions.push(Action::ForwardTargetToggled(id));
                    }
                }
            });
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let send = ui.add_enabled(
                !picker.targets.is_empty(),
                egui::Button::new(tr(lang, "message.forward_send")),
            );
            if send.clicked() {
                actions.push(Action::ForwardSubmitted {
                    request_id: fresh(),
                });
            }
            if ui.button(tr(lang, "message.cancel")).clicked() {
                actions.push(Action::ForwardClosed);
            }
        });
    });
    if modal.should_close() {
        actions.push(Action::ForwardClosed);
    }
}

/// The newest pinned message under the chat header (with how many there are). Answers its
/// seq when clicked, for the conversation to scroll to.
pub fn pinned_bar_ui(ui: &mut Ui, state: &AppState, entry: &ChatEntry) -> Option<i64> {
    let newest = entry.pins.iter().find(|m| !m.is_gone())?;
    let lang = state.language;
    let count = entry.pins.len();
    let mut label = format!(
        "📌 {}: {}",
        tr(lang, "message.pinned"),
        one_line(&newest.text, 60)
    );
    if count > 1 {
        label.push_str(&format!("  (+{})", count - 1));
    }
    let clicked = ui
        .add(egui::Button::new(RichText::new(label).size(META_SIZE)).frame(false))
        .clicked();
    ui.separator();
    clicked.then_some(newest.seq)
}

/// Where the conversation of `chat` is asked to scroll (the pinned bar sets it).
pub fn jump_id(chat: ChatId) -> egui::Id {
    egui::Id::unique(("natter-jump-to", chat))
}
