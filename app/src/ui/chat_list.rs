//! The left column: the search box, "new chat" / "new group", and the chats in activity
//! order. Only the visible rows are laid out (all rows have one height), so a thousand
//! chats cost what a screenful does. Ctrl+K focuses the search; Alt+Up/Down move between
//! chats.

use egui::{Color32, Key, KeyboardShortcut, Modifiers, RichText, Sense, TextEdit, Ui};

use super::format::{avatar_id, avatar_ui, badge_text, list_time, one_line, typing_text};
use super::theme::{
    CHAT_ROW_HEIGHT, LIST_AVATAR, MUTED_BADGE, PREVIEW_SIZE, ROW_RADIUS, SMALL_SIZE, TITLE_SIZE,
    UNREAD_BADGE,
};
use super::widgets::mute_item_ui;
use crate::action::Action;
use crate::i18n::tr;
use crate::state::{AppState, ChatEntry};

/// The id of the search box, for Ctrl+K.
pub fn search_id() -> egui::Id {
    egui::Id::unique("natter-chat-search")
}

/// The chats matching the filter, in list order.
fn filtered(state: &AppState) -> Vec<&ChatEntry> {
    let needle = state.chat_filter.trim().to_lowercase();
    state
        .chats
        .ordered()
        .filter(|c| {
            needle.is_empty()
                || c.title().to_lowercase().contains(&needle)
                || c.summary
                    .partner
                    .as_ref()
                    .is_some_and(|p| p.username.as_str().contains(&needle))
        })
        .collect()
}

pub fn chat_list_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let lang = state.language;
    keyboard(ui, state, actions);
    // Without a filter (the usual case) the rows come straight from `order`, so a frame
    // touches only the visible chats rather than collecting all of them.
    let matches = (!state.chat_filter.trim().is_empty()).then(|| filtered(state));
    let count = matches.as_ref().map_or(state.chats.order.len(), Vec::len);
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        let label = ui.label(tr(lang, "chats.search"));
        let mut text = state.chat_filter.clone();
        let response = ui
            .add(
                TextEdit::singleline(&mut text)
                    .id(search_id())
                    .hint_text(tr(lang, "chats.search_hint"))
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        if response.changed() {
            actions.push(Action::ChatFilterEdited(text));
        }
    });
    ui.horizontal(|ui| {
        if ui.button(tr(lang, "chats.new_chat")).clicked() {
            actions.push(Action::NewChatOpened { group: false });
        }
        if ui.button(tr(lang, "chats.new_group")).clicked() {
            actions.push(Action::NewChatOpened { group: true });
        }
    });
    ui.separator();
    super::group_info::invitations_ui(ui, state, actions);
    super::group_info::requests_ui(ui, state, actions);
    if count == 0 {
        let key = if !state.chats.loaded {
            "chats.loading"
        } else if state.chat_filter.trim().is_empty() {
            "chats.empty"
        } else {
            "chats.no_match"
        };
        ui.weak(tr(lang, key));
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("chat-list")
        .auto_shrink([false, false])
        .show_rows(ui, CHAT_ROW_HEIGHT, count, |ui, range| match &matches {
            Some(chats) => {
                for entry in &chats[range] {
                    chat_row_ui(ui, state, entry, actions);
                }
            }
            None => {
                let visible = state.chats.order[range]
                    .iter()
                    .filter_map(|id| state.chats.by_id.get(id));
                for entry in visible {
                    chat_row_ui(ui, state, entry, actions);
                }
            }
        });
}

/// Ctrl+K and Alt+Up/Down.
fn keyboard(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let (focus, up, down) = ui.input_mut(|i| {
        (
            i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::K)),
            i.consume_shortcut(&KeyboardShortcut::new(Modifiers::ALT, Key::ArrowUp)),
            i.consume_shortcut(&KeyboardShortcut::new(Modifiers::ALT, Key::ArrowDown)),
        )
    });
    if focus {
        ui.memory_mut(|m| m.request_focus(search_id()));
    }
    if up || down {
        let chats = filtered(state);
        let current = state
            .chats
            .open
            .and_then(|open| chats.iter().position(|c| c.summary.id == open));
        let next = match (current, up) {
            (None, _) => Some(0),
            (Some(i), true) => i.checked_sub(1),
            (Some(i), false) => Some(i + 1),
        };
        if let Some(entry) = next.and_then(|i| chats.get(i)) {
            actions.push(Action::ChatOpened(entry.summary.id));
        }
    }
}

fn chat_row_ui(ui: &mut Ui, state: &AppState, entry: &ChatEntry, actions: &mut Vec<Action>) {
    let id = entry.summary.id;
    let selected = state.chats.open == Some(id);
    let muted = state.settings.is_muted(id);
    let width = ui.available_width();
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(width, CHAT_ROW_HEIGHT), Sense::click());
    let title = entry.title().to_owned();
    response.widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, true, selected, &title));
    let visuals = ui.visuals().clone();
    let fill = if selected {
        visuals.selection.bg_fill
    } else if response.hovered() {
        visuals.widgets.hovered.weak_bg_fill
    } else {
        Color32::TRANSPARENT
    };
    ui.painter().rect_filled(rect, ROW_RADIUS, fill);
    let strong = if selected {
        visuals.selection.stroke.color
    } else {
        visuals.strong_text_color()
    };
    let weak = if selected {
        visuals.selection.stroke.color
    } else {
        visuals.weak_text_color()
    };

    let online = entry.summary.partner.as_ref().is_some_and(|p| p.online);
    let avatar_rect = egui::Rect::from_center_size(
        egui::pos2(rect.left() + 8.0 + LIST_AVATAR / 2.0, rect.center().y),
        egui::vec2(LIST_AVATAR, LIST_AVATAR),
    );
    ui.scope_builder(egui::UiBuilder::new().max_rect(avatar_rect), |ui| {
        let photo =
            super::attachments::chat_picture_ui(ui, state, &entry.summary, LIST_AVATAR, actions);
        if photo.is_none() {
            avatar_ui(ui, avatar_id(entry), &title, LIST_AVATAR, online);
        }
    });

    let left = avatar_rect.right() + 10.0;
    let right = rect.right() - 8.0;
    let top = rect.top() + 10.0;
    let bottom = rect.bottom() - 10.0;
    let painter = ui.painter_at(rect);

    // time, top right
    let time = entry
        .summary
        .last_message
        .as_ref()
        .map_or(entry.summary.updated_at, |m| m.created_at);
    let time_text = list_time(&state.clock, time);
    let time_width = painter
        .layout_no_wrap(
            time_text.clone(),
            egui::FontId::proportional(SMALL_SIZE),
            weak,
        )
        .size()
        .x;
    let time_rect = egui::Rect::from_min_size(
        egui::pos2(right - time_width, top),
        egui::vec2(time_width, 16.0),
    );
    let time_label = egui::Label::new(RichText::new(time_text).size(SMALL_SIZE).color(weak))
        .selectable(false)
        .sense(Sense::hover());
    ui.put(time_rect, time_label);

    // title, top left (a muted chat shows by its grey badge)
    let title_text = title.clone();
    let title_width = (right - time_width - 8.0 - left).max(10.0);
    let title_galley = truncated(ui, &title_text, title_width, TITLE_SIZE, strong);
    painter.galley(egui::pos2(left, top - 2.0), title_galley, strong);

    // unread badge, bottom right (a real label, so screen readers and tests read it)
    let unread = entry.summary.unread_count;
    let mut preview_right = right;
    if unread > 0 {
        let text = badge_text(unread);
        let galley = painter.layout_no_wrap(
            text.clone(),
            egui::FontId::proportional(SMALL_SIZE),
            Color32::WHITE,
        );
        let size = egui::vec2((galley.size().x + 12.0).max(20.0), 20.0);
        let badge = egui::Rect::from_min_size(egui::pos2(right - size.x, bottom - size.y), size);
        let badge_fill = if muted { MUTED_BADGE } else { UNREAD_BADGE };
        painter.rect_filled(badge, 10.0, badge_fill);
        let label = egui::Label::new(RichText::new(text).color(Color32::WHITE).size(SMALL_SIZE))
            .selectable(false)
            .sense(Sense::hover());
        ui.put(badge, label);
        preview_right = badge.left() - 8.0;
    }
    // an unread message mentions me: "@" beside the count
    if entry.summary.unread_mention {
        let size = egui::vec2(20.0, 20.0);
        let at =
            egui::Rect::from_min_size(egui::pos2(preview_right - size.x, bottom - size.y), size);
        painter.rect_filled(at, 10.0, UNREAD_BADGE);
        let label = egui::Label::new(RichText::new("@").color(Color32::WHITE).size(SMALL_SIZE))
            .selectable(false)
            .sense(Sense::hover());
        ui.put(at, label);
        preview_right = at.left() - 8.0;
    }

    // preview, bottom left: "typing…", else the last message (with its sender in groups)
    let preview_rect = egui::Rect::from_min_max(
        egui::pos2(left, bottom - 18.0),
        egui::pos2(preview_right.max(left + 10.0), bottom),
    );
    let (preview, accent) = preview_text(state, entry);
    let color = if accent && !selected {
        visuals.hyperlink_color
    } else {
        weak
    };
    // a child ui, not `put`, so a short preview stays left-aligned; emoji in colour
    ui.scope_builder(egui::UiBuilder::new().max_rect(preview_rect), |ui| {
        super::emoji::line_ui(ui, &preview, PREVIEW_SIZE, color);
    });

    if response.clicked() && !selected {
        actions.push(Action::ChatOpened(id));
    }
    response.context_menu(|ui| mute_item_ui(ui, state, id, actions));
}

/// The row's second line and whether it is an accent ("typing…").
fn preview_text(state: &AppState, entry: &ChatEntry) -> (String, bool) {
    let lang = state.language;
    if let Some(text) = typing_text(lang, entry) {
        return (text, true);
    }
    let Some(message) = &entry.summary.last_message else {
        return (tr(lang, "chats.no_messages"), false);
    };
    if let Some(action) = &message.service {
        let text = super::group_info::service_text(state, entry, message.sender_id, action);
        return (one_line(&text, 80), false);
    }
    let me = state.session.as_ref().map(|s| s.user_id);
    let text = match message.attachments.first() {
        Some(file) if message.text.is_empty() => format!("📎 {}", one_line(&file.name, 70)),
        _ => one_line(&message.text, 80),
    };
    let sender = if Some(message.sender_id) == me {
        Some(tr(lang, "chats.you"))
    } else if entry.summary.partner.is_none() {
        entry.member_name(message.sender_id).map(str::to_owned)
    } else {
        None
    };
    match sender {
        Some(sender) => (format!("{sender}: {text}"), false),
        None => (text, false),
    }
}

/// A one-line galley cut with "…" to `width`.
fn truncated(
    ui: &Ui,
    text: &str,
    width: f32,
    size: f32,
    color: Color32,
) -> std::sync::Arc<egui::Galley> {
    let mut job = egui::text::LayoutJob::single_section(
        text.to_owned(),
        egui::TextFormat {
            font_id: egui::FontId::proportional(size),
            color,
            ..Default::default()
        },
    );
    job.wrap = egui::text::TextWrapping::truncate_at_width(width);
    ui.painter().layout_job(job)
}
