//! The right side: the open chat's header, its messages and the composer.
//!
//! Only visible rows are laid out. Every row's height is measured the first time it is
//! drawn and cached (per width); unseen rows use an estimate. From the heights the view
//! computes each row's offset, then draws just the rows inside the viewport, so a chat of
//! 100,000 messages costs what a screenful does (plus one pass of additions). When an
//! older page arrives above, the scroll offset moves by the height added, so what the
//! person reads stays put. Rows that have been on screen move the read cursor.

use std::collections::HashMap;

use egui::{Id, Rect, Ui, UiBuilder};
use natter_shared::ChatId;

use super::composer::composer_ui;
use super::format::{avatar_ui, list_time, local_day};
use super::message_row::{Row, row_ui};
use crate::action::Action;
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, ChatEntry};

/// Scrolled this close to the top, the previous page is asked for.
const LOAD_OLDER_MARGIN: f32 = 400.0;

/// Measured row heights of one chat at one width.
#[derive(Clone, Default)]
struct Heights {
    width: f32,
    by_key: HashMap<Id, f32>,
}

/// What the view remembers between frames about the chat on screen.
#[derive(Clone, Copy, Default)]
struct Memory {
    chat: Option<ChatId>,
    /// Messages were on screen (so the first positioning is done).
    positioned: bool,
    first_seq: Option<i64>,
    /// The offset of the first message row last frame.
    first_y: f32,
    scroll_y: f32,
    /// "Jump to bottom" was clicked.
    jump: bool,
}

fn memory_id() -> Id {
    Id::unique("natter-conversation-memory")
}

pub fn conversation_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let lang = state.language;
    let Some(entry) = state.chats.open.and_then(|id| state.chats.by_id.get(&id)) else {
        ui.centered_and_justified(|ui| {
            ui.weak(tr(lang, "conversation.pick_chat"));
        });
        return;
    };
    egui::Panel::top("conversation-header").show(ui, |ui| header_ui(ui, state, entry, actions));
    egui::Panel::bottom("conversation-composer").show(ui, |ui| {
        composer_ui(ui, state, entry, actions);
    });
    egui::CentralPanel::no_frame().show(ui, |ui| messages_ui(ui, state, entry, actions));
}

fn header_ui(ui: &mut Ui, state: &AppState, entry: &ChatEntry, actions: &mut Vec<Action>) {
    let lang = state.language;
    let id = entry.summary.id;
    let muted = state.settings.is_muted(id);
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let avatar_id = entry.summary.partner.as_ref().map_or(id.0, |p| p.id.0);
        let online = entry.summary.partner.as_ref().is_some_and(|p| p.online);
        avatar_ui(ui, avatar_id, entry.title(), 36.0, online);
        ui.vertical(|ui| {
            ui.strong(entry.title());
            let (status, accent) = status_line(state, entry);
            let text = egui::RichText::new(status).size(12.0);
            if accent {
                ui.label(text.color(ui.visuals().hyperlink_color));
            } else {
                ui.label(text.weak());
            }
        });
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.menu_button("…", |ui| {
                let key = if muted { "chats.unmute" } else { "chats.mute" };
                if ui.button(tr(lang, key)).clicked() {
                    actions.push(Action::ChatMuteSet {
                        chat_id: id,
                        muted: !muted,
                    });
                    ui.close();
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
    if let Some(typist) = entry.typing.keys().next() {
        return match entry.member_name(*typist) {
            Some(name) if entry.summary.partner.is_none() => (
                tr_args(lang, "chats.someone_typing", &[("name", name.to_owned())]),
                true,
            ),
            _ => (tr(lang, "chats.typing"), true),
        };
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
            None => (tr(lang, "conversation.offline"), false),
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

/// The rows of a chat: the top, day separators, the unread marker, messages (up to where
/// there is no gap) and the sends not yet acknowledged.
fn rows<'a>(state: &'a AppState, entry: &'a ChatEntry) -> Vec<Row<'a>> {
    let mut rows = vec![Row::Top];
    let Some(synced) = entry.synced_seq else {
        return rows;
    };
    let mut last_day = None;
    for message in entry.messages.range(..=synced).map(|(_, m)| m) {
        let day = local_day(&state.clock, message.created_at);
        if last_day != Some(day) {
            rows.push(Row::Day(day));
            last_day = Some(day);
        }
        if entry.unread_marker == Some(message.seq) {
            rows.push(Row::Unread);
        }
        rows.push(Row::Message(message));
    }
    for outgoing in state.chats.outgoing_in(entry.summary.id) {
        let day = local_day(&state.clock, outgoing.created_at);
        if last_day != Some(day) {
            rows.push(Row::Day(day));
            last_day = Some(day);
        }
        rows.push(Row::Pending(outgoing));
    }
    rows
}

fn messages_ui(ui: &mut Ui, state: &AppState, entry: &ChatEntry, actions: &mut Vec<Action>) {
    let lang = state.language;
    let chat_id = entry.summary.id;
    let rows = rows(state, entry);
    let width = ui.available_width();
    let heights_id = Id::unique(("natter-heights", chat_id));

    // offsets[i] is the top of row i; offsets[n] the total height
    let offsets: Vec<f32> = ui.data_mut(|d| {
        let heights = d.get_temp_mut_or_default::<Heights>(heights_id);
        if (heights.width - width).abs() > 0.5 {
            heights.width = width;
            heights.by_key.clear();
        }
        let mut offsets = Vec::with_capacity(rows.len() + 1);
        let mut y = 0.0;
        for row in &rows {
            offsets.push(y);
            y += heights
                .by_key
                .get(&row.key())
                .copied()
                .unwrap_or_else(|| row.estimated_height());
        }
        offsets.push(y);
        offsets
    });
    let total = offsets.last().copied().unwrap_or(0.0);
    let first_message = rows.iter().position(|r| matches!(r, Row::Message(_)));
    let first_seq = first_message.and_then(|i| match rows[i] {
        Row::Message(m) => Some(m.seq),
        _ => None,
    });

    let mut memory: Memory = ui.data(|d| d.get_temp(memory_id())).unwrap_or_default();
    if memory.chat != Some(chat_id) {
        memory = Memory {
            chat: Some(chat_id),
            ..Memory::default()
        };
    }
    let scroll_to = if !memory.positioned && first_message.is_some() {
        let marker = rows.iter().position(|r| matches!(r, Row::Unread));
        Some(marker.map_or(total, |i| (offsets[i] - 40.0).max(0.0)))
    } else if memory.jump {
        Some(total)
    } else if let (Some(old), Some(new)) = (memory.first_seq, first_seq)
        && old != new
    {
        // a page arrived above: keep the rows on screen where they were
        rows.iter()
            .position(|r| matches!(r, Row::Message(m) if m.seq == old))
            .map(|i| memory.scroll_y + offsets[i] - memory.first_y)
    } else {
        None
    };

    let mut area = egui::ScrollArea::vertical()
        .id_salt(("conversation", chat_id))
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .animated(false);
    if let Some(y) = scroll_to {
        area = area.vertical_scroll_offset(y);
    }
    let output = area.show_viewport(ui, |ui, viewport| {
        let origin = ui.max_rect().min;
        let row_width = ui.available_width();
        ui.set_height(total);
        let start = offsets
            .partition_point(|&top| top <= viewport.min.y)
            .saturating_sub(1);
        let mut measured = Vec::new();
        let mut seen = None;
        for (index, row) in rows.iter().enumerate().skip(start) {
            let top = offsets[index];
            if top > viewport.max.y {
                break;
            }
            let rect = Rect::from_min_size(
                origin + egui::vec2(0.0, top),
                egui::vec2(row_width, 100_000.0),
            );
            let mut child = ui.new_child(
                UiBuilder::new()
                    .max_rect(rect)
                    .id_salt(row.key())
                    .layout(egui::Layout::top_down(egui::Align::Min)),
            );
            row_ui(&mut child, state, entry, *row, actions);
            let height = child.min_rect().height();
            measured.push((row.key(), height));
            if let Row::Message(message) = row
                && top + height > viewport.min.y
            {
                seen = Some(message.seq);
            }
        }
        (measured, seen)
    });
    let (measured, seen) = output.inner;

    let changed = ui.data_mut(|d| {
        let heights = d.get_temp_mut_or_default::<Heights>(heights_id);
        let mut changed = false;
        for (key, height) in measured {
            let old = heights.by_key.insert(key, height);
            changed |= old.is_none_or(|old| (old - height).abs() > 0.5);
        }
        changed
    });
    if changed {
        ui.ctx().request_repaint();
    }

    let view = output.inner_rect;
    let offset = output.state.clamped_offset().y;
    let at_bottom = offset + view.height() >= output.content_size.y - 4.0;
    ui.data_mut(|d| {
        d.insert_temp(
            memory_id(),
            Memory {
                chat: Some(chat_id),
                positioned: memory.positioned || first_message.is_some(),
                first_seq,
                first_y: first_message.map_or(0.0, |i| offsets[i]),
                scroll_y: offset,

                jump: false,
            },
        );
    });

    // read: the newest message that has been on screen (while the window has focus)
    if state.window_focused
        && let Some(seq) = seen
        && seq > entry.summary.read_seq
        && seq > entry.read.wanted
    {
        actions.push(Action::MessageSeen { chat_id, seq });
    }
    // older history when near the top
    let history = &entry.history;
    if offset < LOAD_OLDER_MARGIN
        && entry.synced_seq.is_some()
        && !history.reached_start
        && !history.loading_older
        && history.error.is_none()
    {
        actions.push(Action::OlderMessagesWanted(chat_id));
    }
    if !at_bottom {
        jump_button_ui(ui, state, entry, view);
    }
    let _ = lang;
}

/// A round "jump to the latest" button at the bottom right, with the unread count, when
/// scrolled up. Drawn by hand: the default fonts have no arrow glyphs.
fn jump_button_ui(ui: &mut Ui, state: &AppState, entry: &ChatEntry, view: Rect) {
    let lang = state.language;
    let unread = entry.summary.unread_count;
    let size = 40.0;
    let rect = Rect::from_min_size(
        view.right_bottom() - egui::vec2(size + 18.0, size + 14.0),
        egui::vec2(size, size),
    );
    let response = ui.interact(
        rect,
        Id::unique("natter-jump-to-latest"),
        egui::Sense::click(),
    );
    let label = if unread > 0 {
        tr_args(
            lang,
            "conversation.jump_unread",
            &[("count", unread.to_string())],
        )
    } else {
        tr(lang, "conversation.jump")
    };
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
    let visuals = ui.visuals();
    let fill = if response.hovered() {
        visuals.widgets.hovered.bg_fill
    } else {
        visuals.widgets.inactive.bg_fill
    };
    let stroke_color = visuals.text_color();
    let painter = ui.painter();
    painter.circle(rect.center(), size / 2.0, fill, visuals.window_stroke);
    let c = rect.center();
    let stroke = egui::Stroke::new(2.0, stroke_color);
    painter.line_segment(
        [c + egui::vec2(-8.0, -3.0), c + egui::vec2(0.0, 5.0)],
        stroke,
    );
    painter.line_segment(
        [c + egui::vec2(8.0, -3.0), c + egui::vec2(0.0, 5.0)],
        stroke,
    );
    if unread > 0 {
        let text = if unread > 999 {
            "999+".to_owned()
        } else {
            unread.to_string()
        };
        let galley =
            painter.layout_no_wrap(text, egui::FontId::proportional(11.0), egui::Color32::WHITE);
        let badge_size = egui::vec2((galley.size().x + 10.0).max(18.0), 18.0);
        let badge = Rect::from_center_size(rect.center_top(), badge_size);
        painter.rect_filled(badge, 9.0, egui::Color32::from_rgb(0x3A, 0x8F, 0xE0));
        painter.galley(
            badge.center() - galley.size() / 2.0,
            galley,
            egui::Color32::WHITE,
        );
    }
    if response.clicked() {
        ui.data_mut(|d| {
            let memory = d.get_temp_mut_or_default::<Memory>(memory_id());
            memory.jump = true;
        });
        ui.ctx().request_repaint();
    }
}
