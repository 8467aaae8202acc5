//! The open chat's messages: a list that draws only what is on screen, and where it is
//! scrolled.
//!
//! Only visible rows are laid out, and a frame's work does not grow with the chat: the
//! rows and their heights are kept between frames in a [`RowCache`] (one per chat, in
//! egui's temporary memory), rebuilt only when the chat's messages, outbox, unread marker,
//! time zone, width or language change. Every row's height is measured when it is drawn;
//! unseen rows use an estimate. The first visible row is found by a search over the
//! prefix sums of the heights. When an older page arrives above, the scroll offset moves
//! by the height added, so what the person reads stays put. Rows that have been on screen
//! move the read cursor. A chat opened at a message (a search hit) scrolls to it once and
//! highlights it, fading on the injected clock; while its window does not reach the newest
//! message, newer pages come as one scrolls down, and "jump to the latest" goes back there.
//!
//! A chat shorter than the pane sits at its bottom, as in Telegram. A chat with unread
//! messages opens with the "new messages" marker near the top: the position is taken again
//! each frame while measured heights still move the rows (at most [`SETTLE_FRAMES`]), and
//! the view does not stick to the bottom meanwhile. A click on a reply's quote opens the
//! quoted message as a search hit does (scrolled to, highlighted; one not loaded comes with
//! the page around it).

use chrono::{DateTime, Utc};
use egui::{Id, Rect, Ui, UiBuilder};
use natter_shared::ChatId;

use super::jump_button::jump_button_ui;
use super::message_row::{Row, row_ui};
use super::message_runs::run_pos;
use super::row_cache::{Layout, RowCache};
use super::theme::FOCUS_HIGHLIGHT;
use crate::action::Action;
use crate::state::{AppState, ChatEntry};

/// Scrolled this close to the top, the previous page is asked for.
const LOAD_OLDER_MARGIN: f32 = 400.0;
/// The most frames the opening position (at the unread marker) is taken again while
/// measured heights move the rows.
const SETTLE_FRAMES: u8 = 12;
/// The frames in which a message opened at (a search hit, a quote's original) is scrolled
/// to again.
const FOCUS_FRAMES: u8 = 3;

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
    /// Frames left in which the opening position is taken again (heights still moved).
    settling: u8,
}

fn memory_id() -> Id {
    Id::unique("natter-conversation-memory")
}

pub(super) fn messages_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &ChatEntry,
    actions: &mut Vec<Action>,
) {
    let chat_id = entry.summary.id;
    let outgoing = || state.chats.outgoing_in(chat_id);
    let cache_id = Id::unique(("natter-rows", chat_id));
    // taken out of egui's memory while drawing, put back at the end
    let mut cache: RowCache = ui.data_mut(|d| d.remove_temp(cache_id)).unwrap_or_default();
    let layout = Layout {
        width: ui.available_width(),
        language: state.language,
    };
    cache.refresh(entry, outgoing, &state.clock, layout);

    let total = cache.total();
    let first_message = cache.first_message();
    let first_seq = cache.first_seq();

    let mut memory: Memory = ui.data(|d| d.get_temp(memory_id())).unwrap_or_default();
    if memory.chat != Some(chat_id) {
        memory = Memory {
            chat: Some(chat_id),
            ..Memory::default()
        };
    }
    // the pinned bar asked for a message: scroll to it if it is loaded
    let jump_to: Option<i64> =
        ui.data_mut(|d| d.remove_temp(super::message_actions::jump_id(chat_id)));
    // not loaded yet: older pages come until it is (the request is kept meanwhile)
    if let Some(seq) = jump_to
        && cache.message_row(seq).is_none()
        && !entry.history.reached_start
        && entry.window_start().is_some_and(|first| seq < first)
    {
        actions.push(Action::OlderMessagesWanted(chat_id));
        ui.data_mut(|d| d.insert_temp(super::message_actions::jump_id(chat_id), seq));
    }
    // opened at a message (a search hit): scrolled to once, when its row is there
    let focus = entry.focus;
    let focus_done_id = Id::unique(("natter-focus-done", chat_id));
    // the scroll is taken again for a few frames: heights measured on the way move the row,
    // and a page that came the frame before may still move the view once
    let focus_done: Option<(DateTime<Utc>, u8)> = ui.data(|d| d.get_temp(focus_done_id));
    let focus_pending = focus.is_some_and(|f| match focus_done {
        Some((since, left)) => since != f.since || left > 0,
        None => true,
    });
    let focus_row = focus
        .filter(|_| focus_pending)
        .and_then(|f| cache.message_row(f.seq));
    let scroll_to = if let (Some(row), Some(f)) = (focus_row, focus) {
        let left = match focus_done {
            Some((since, left)) if since == f.since => left.saturating_sub(1),
            _ => FOCUS_FRAMES,
        };
        ui.data_mut(|d| d.insert_temp(focus_done_id, (f.since, left)));
        let above = f64::from(ui.available_height() / 3.0);
        Some((cache.top(row) - above).max(0.0))
    } else if let Some(row) = jump_to.and_then(|seq| cache.message_row(seq)) {
        Some((cache.top(row) - 40.0).max(0.0))
    } else if (!memory.positioned || memory.settling > 0) && first_message.is_some() {
        Some(
            cache
                .unread()
                .map_or(total, |i| (cache.top(i) - 40.0).max(0.0)),
        )
    } else if memory.jump {
        Some(total)
    } else if let (Some(old), Some(new)) = (memory.first_seq, first_seq)
        && old != new
    {
        // a page arrived above: keep the rows on screen where they were
        cache
            .message_row(old)
            .map(|i| f64::from(memory.scroll_y) + cache.top(i) - f64::from(memory.first_y))
    } else {
        None
    };

    let mut area = egui::ScrollArea::vertical()
        .id_salt(("conversation", chat_id))
        .auto_shrink([false, false])
        // a jump must not be undone by sticking to the bottom, nor may a window that does
        // not reach the newest message follow the pages it grows by
        .stick_to_bottom(
            !(jump_to.is_some()
                || focus_pending
                || entry.history.detached
                || (memory.settling > 0 && cache.unread().is_some())),
        )
        .animated(false)
        // no drag-to-scroll: a click's pointer velocity would fling the list past a jump
        .scroll_source(egui::scroll_area::ScrollSource {
            scroll_bar: true,
            drag: egui::scroll_area::DragScroll::Never,
            mouse_wheel: true,
        });
    if let Some(y) = scroll_to {
        area = area.vertical_scroll_offset(y as f32);
    }
    // no rubber band: an offset set past last frame's end (a page arrived above, the rows
    // on screen kept in place) would spring back with a speed that flings the next frame's
    // jump away
    ui.spacing_mut().scroll.kinetic.rubber_band = false;
    let output = area.show_viewport(ui, |ui, viewport| {
        // a chat shorter than the pane sits at its bottom
        let pad = (viewport.height() - total as f32).max(0.0);
        let origin = ui.max_rect().min + egui::vec2(0.0, pad);
        let row_width = ui.available_width();
        ui.set_height(total as f32 + pad);
        let start = cache.row_at(f64::from(viewport.min.y - pad));
        let mut measured = Vec::new();
        let mut seen = None;
        let mut top = cache.top(start);
        for index in start..cache.len() {
            if top + f64::from(pad) > f64::from(viewport.max.y) {
                break;
            }
            let next = top + cache.height(index);
            let Some(row) = cache.row(index, entry, outgoing()) else {
                top = next;
                continue;
            };
            let y = top as f32;
            let rect = Rect::from_min_size(
                origin + egui::vec2(0.0, y),
                egui::vec2(row_width, 100_000.0),
            );
            // the highlight of a message opened from search goes beneath it
            let highlight = ui.painter().add(egui::Shape::Noop);
            let mut child = ui.new_child(
                UiBuilder::new()
                    .max_rect(rect)
                    .id_salt(row.key())
                    .layout(egui::Layout::top_down(egui::Align::Min)),
            );
            let run = run_pos(state, entry, &cache, index);
            row_ui(&mut child, state, entry, row, run, actions);
            let height = child.min_rect().height();
            if let (Row::Message(message), Some(f)) = (row, focus)
                && message.seq == f.seq
                && f.strength(state.clock.now) > 0.0
            {
                let strength = f.strength(state.clock.now);
                let area = Rect::from_min_size(rect.min, egui::vec2(row_width, height));
                let fill = FOCUS_HIGHLIGHT.gamma_multiply(strength);
                ui.painter()
                    .set(highlight, egui::Shape::rect_filled(area, 0.0, fill));
                ui.ctx().request_repaint(); // fading: the next frame draws it fainter
            }
            measured.push((index, row.key(), height));
            if let Row::Message(message) = row
                && y + pad + height > viewport.min.y
            {
                seen = Some(message.seq);
            }
            top = next;
        }
        (measured, seen)
    });
    let (measured, seen) = output.inner;

    let mut changed = false;
    for (index, key, height) in measured {
        changed |= cache.measured(index, key, height);
    }
    if changed {
        ui.ctx().request_repaint();
    }
    let first_y = first_message.map_or(0.0, |i| cache.top(i) as f32);
    let cache_unread = cache.unread().is_some();
    ui.data_mut(|d| d.insert_temp(cache_id, cache));

    let view = output.inner_rect;
    let offset = output.state.clamped_offset().y;
    let at_bottom = offset + view.height() >= output.content_size.y - 4.0;
    let history = &entry.history;
    // "jump to the latest" holds until the newest messages are there to jump to
    let arriving =
        entry.synced_seq.is_none() || history.loading_latest || history.filling || history.detached;
    // what one sends goes at the end, and so does the view
    let sent = actions
        .iter()
        .any(|a| matches!(a, Action::MessageSubmitted { chat_id: c, .. } if *c == chat_id));
    let jump = (memory.jump && arriving) || (sent && history.detached);
    ui.data_mut(|d| {
        d.insert_temp(
            memory_id(),
            Memory {
                chat: Some(chat_id),
                positioned: memory.positioned || first_message.is_some(),
                first_seq,
                first_y,
                scroll_y: offset,
                jump,
                // opened at the unread marker: taken again while the heights still move
                settling: match (memory.positioned, first_message) {
                    (false, Some(_)) if changed && cache_unread => SETTLE_FRAMES,
                    (true, _) if changed && memory.settling > 0 => memory.settling - 1,
                    _ => 0,
                },
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
    // newer history when near the bottom of a window that does not reach the newest message
    // (not after a page that failed, Retry asks then, nor one that brought nothing)
    let near_bottom = offset + view.height() >= output.content_size.y - LOAD_OLDER_MARGIN;
    if near_bottom && entry.wants_newer() {
        actions.push(Action::NewerMessagesWanted(chat_id));
    }
    // older history when near the top
    if offset < LOAD_OLDER_MARGIN
        && entry.synced_seq.is_some()
        && !history.reached_start
        && !history.loading_older
        && history.error.is_none()
    {
        actions.push(Action::OlderMessagesWanted(chat_id));
    }
    super::history_status::newer_failed_ui(ui, state, entry, view, actions);
    if (!at_bottom || history.detached) && jump_button_ui(ui, state, entry, view, actions) {
        ui.data_mut(|d| d.get_temp_mut_or_default::<Memory>(memory_id()).jump = true);
    }
}
