//! The open chat's header: its picture, title and status line (typing, online, last seen,
//! the member count of a group) and the menu (group info, mute, block, close).

use egui::Ui;

use super::format::{avatar_id, avatar_ui, list_time, typing_text};
use super::theme::{HEADER_AVATAR, STATUS_SIZE};
use super::widgets::mute_item_ui;
use crate::action::Action;
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, ChatEntry};

pub(super) fn header_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &ChatEntry,
    actions: &mut Vec<Action>,
) {
    let lang = state.language;
    let id = entry.summary.id;
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let online = entry.summary.partner.as_ref().is_some_and(|p| p.online);
        let photo =
            super::attachments::chat_picture_ui(ui, state, &entry.summary, HEADER_AVATAR, actions);
        if photo.is_none() {
            avatar_ui(ui, avatar_id(entry), entry.title(), HEADER_AVATAR, online);
        }
        ui.vertical(|ui| {
            ui.strong(entry.title());
            let (status, accent) = status_line(state, entry);
            let text = egui::RichText::new(&status).size(STATUS_SIZE);
            if status.is_empty() {
                // no last seen from the server (hidden by the person's privacy setting, or
                // never online): nothing to say, not a guess
            } else if accent {
                ui.label(text.color(ui.visuals().hyperlink_color));
            } else {
                ui.label(text.weak());
            }
        });
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.menu_button("…", |ui| {
                let ended = state.chats.groups.ended.contains_key(&id);
                if ended && ui.button(tr(lang, "group.dismiss")).clicked() {
                    actions.push(Action::Group(crate::action::GroupAction::EndedDismissed(
                        id,
                    )));
                    ui.close();
                }
                if entry.summary.kind == natter_shared::api::ChatKind::Group
                    && !ended
                    && ui.button(tr(lang, "group.info")).clicked()
                {
                    actions.push(Action::Group(crate::action::GroupAction::PanelOpened(id)));
                    ui.close();
                }
                mute_item_ui(ui, state, id, actions);
                if let Some(partner) = &entry.summary.partner {
                    let on = !entry.summary.blocked;
                    let key = if on { "group.block" } else { "group.unblock" };
                    if ui.button(tr(lang, key)).clicked() {
                        actions.push(Action::Group(crate::action::GroupAction::BlockSet {
                            user_id: partner.id,
                            on,
                        }));
                        ui.close();
                    }
                }
                if ui.button(tr(lang, "conversation.close")).clicked() {
                    actions.push(Action::ChatClosed);
                    ui.close();
                }
            });
        });
    });
    ui.add_space(4.0);
}

/// Under the title: who is typing, else online / last seen, or the member count of a group.
fn status_line(state: &AppState, entry: &ChatEntry) -> (String, bool) {
    let lang = state.language;
    if let Some(text) = typing_text(lang, entry) {
        return (text, true);
    }
    match &entry.summary.partner {
        Some(partner) if partner.online => (tr(lang, "conversation.online"), true),
        // the later of a live `user_offline` and what the server knew when the list loaded
        Some(partner) => match entry.partner_last_seen.max(partner.last_seen_at) {
            Some(at) => (
                tr_args(
                    lang,
                    "conversation.last_seen",
                    &[("time", list_time(&state.clock, at))],
                ),
                false,
            ),
            None => (String::new(), false),
        },
        None => (
            tr_args(
                lang,
                "conversation.members",
                &[("count", entry.summary.member_count.to_string())],
            ),
            false,
        ),
    }
}
