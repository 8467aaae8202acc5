//! One row of a conversation: a message bubble (own ones on the right, with their state:
//! sending, sent, read by the partner, failed with Retry and Delete), a day separator, the
//! "new messages" marker, and the top of the history.
//!
//! As in Telegram Desktop, a bubble is as wide as what it holds (its text laid out at most
//! [`BUBBLE_MAX_SHARE`] of the pane wide, its files, its quote, its time), on both sides.
//! Consecutive messages of one sender form a run ([`RunPos`]): a small gap between them,
//! in a group the sender's name once at the run's start and their avatar beside its last
//! message. A message of one to three emoji and nothing else is drawn large, without a
//! bubble. A reply's quote is a button: it jumps to the message it quotes.

use chrono::NaiveDate;
use egui::{Align, Color32, Layout, RichText, Sense, Ui};
use natter_shared::api::Message;

use super::emoji;
use super::format::{avatar_color, avatar_ui, clock_time, day_label};
use super::message_parts::{Bubble, content_width, jumbo_ui, quote_ui, reply_jump};
use super::theme::{
    BODY_SIZE, BUBBLE_EDGE, BUBBLE_MAX_SHARE, BUBBLE_MIN_WIDTH, BUBBLE_RADIUS, JUMBO_SIZE,
    MESSAGE_AVATAR, META_SIZE, RUN_GAP, STATUS_SIZE, bubble_fill,
};
use super::words;
use crate::action::Action;
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, ChatEntry, Outgoing, OutgoingState};

/// A row of the message list.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    /// Above the oldest loaded message: "loading…" or "the beginning of the chat".
    Top,
    Day(NaiveDate),
    /// Where the unread messages begin.
    Unread,
    Message(&'a Message),
    Pending(&'a Outgoing),
}

impl Row<'_> {
    /// A stable key for the row's measured height.
    pub fn key(&self) -> egui::Id {
        match self {
            Row::Top => egui::Id::unique("top"),
            Row::Day(day) => egui::Id::unique(("day", *day)),
            Row::Unread => egui::Id::unique("unread"),
            Row::Message(m) => egui::Id::unique((
                "m",
                m.seq,
                m.edited_at,
                m.is_gone(),
                m.reactions.len(),
                m.forwarded_from.is_some(),
            )),
            Row::Pending(o) => egui::Id::unique(("o", o.request_id, failed(o))),
        }
    }

    /// A guess before the row was ever laid out.
    pub(super) fn estimated_height(&self) -> f32 {
        match self {
            Row::Top => 36.0,
            Row::Day(_) | Row::Unread => 30.0,
            Row::Message(m) if m.is_gone() => 0.0,
            Row::Message(m) if m.service.is_some() => 30.0,
            Row::Message(m) => {
                let files: f32 = m
                    .attachments
                    .iter()
                    .map(|f| {
                        if f.is_image() {
                            super::attachments::inline_size(f).y + 4.0
                        } else {
                            44.0
                        }
                    })
                    .sum();
                52.0 + 16.0 * (m.text.len() / 60) as f32 + files
            }
            Row::Pending(o) => {
                52.0 + 16.0 * (o.text.len() / 60) as f32 + 48.0 * o.uploads.len() as f32
            }
        }
    }
}

/// Where a message sits in the run of one sender's consecutive messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunPos {
    pub first: bool,
    pub last: bool,
}

impl RunPos {
    /// A message alone (and every row that is not a message).
    pub const ALONE: RunPos = RunPos {
        first: true,
        last: true,
    };
}

fn failed(o: &Outgoing) -> bool {
    matches!(o.state, OutgoingState::Failed(_))
}

pub fn row_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &ChatEntry,
    row: Row<'_>,
    run: RunPos,
    actions: &mut Vec<Action>,
) {
    let lang = state.language;
    match row {
        Row::Top => {
            ui.vertical_centered(|ui| {
                ui.add_space(8.0);
                super::history_status::top_status_ui(ui, state, entry, actions);
                ui.add_space(8.0);
            });
        }
        Row::Day(day) => pill_ui(ui, &day_label(lang, &state.clock, day), false),
        Row::Unread => pill_ui(ui, &tr(lang, "conversation.new_messages"), true),
        // a deleted message disappears (its seq stays, so history has no gap)
        Row::Message(message) if message.is_gone() => {}
        // "Alice added Bob": centred, like a day separator
        Row::Message(message) if message.service.is_some() => {
            if let Some(action) = &message.service {
                let text = super::group_info::service_text(state, entry, message.sender_id, action);
                pill_ui(ui, &text, false);
            }
        }
        Row::Message(message) => {
            bubble_ui(ui, state, entry, Bubble::Stored(message), run, actions);
        }
        Row::Pending(outgoing) => {
            bubble_ui(ui, state, entry, Bubble::Pending(outgoing), run, actions);
        }
    }
}

/// A centred separator line with text.
fn pill_ui(ui: &mut Ui, text: &str, accent: bool) {
    ui.add_space(4.0);
    ui.vertical_centered(|ui| {
        let visuals = ui.visuals();
        let (fill, color) = if accent {
            (visuals.selection.bg_fill, visuals.selection.stroke.color)
        } else {
            (visuals.widgets.noninteractive.bg_fill, visuals.text_color())
        };
        egui::Frame::new()
            .fill(fill)
            .corner_radius(BUBBLE_RADIUS)
            .inner_margin(egui::Margin::symmetric(10, 3))
            .show(ui, |ui| {
                ui.label(RichText::new(text).size(STATUS_SIZE).color(color));
            });
    });
    ui.add_space(4.0);
}

fn bubble_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &ChatEntry,
    bubble: Bubble<'_>,
    run: RunPos,
    actions: &mut Vec<Action>,
) {
    let lang = state.language;
    let me = state.session.as_ref().map(|s| s.user_id);
    let (text, created_at, reply_to, sender) = match &bubble {
        Bubble::Stored(m) => (&m.text, m.created_at, m.reply_to, Some(m.sender_id)),
        Bubble::Pending(o) => (&o.text, o.created_at, o.reply_to, me),
    };
    let own = sender.is_some() && sender == me;
    let group = entry.summary.partner.is_none();
    // in a group, others' messages keep a column for the avatar at their run's end
    let avatar_column = if group && !own {
        MESSAGE_AVATAR + 6.0
    } else {
        0.0
    };
    let pane = ui.available_width();
    let max_width = ((pane - avatar_column - 2.0 * BUBBLE_EDGE) * BUBBLE_MAX_SHARE - 20.0)
        .max(BUBBLE_MIN_WIDTH);
    let plain = match &bubble {
        Bubble::Stored(m) => m.attachments.is_empty() && m.forwarded_from.is_none(),
        Bubble::Pending(o) => o.uploads.is_empty(),
    } && reply_to.is_none();
    let jumbo = plain.then(|| emoji::jumbo_count(text)).flatten();
    let name = (group && !own && run.first && jumbo.is_none())
        .then(|| sender.map(|s| (s, entry.member_name(s).unwrap_or("…"))))
        .flatten();
    let inner_width = match jumbo {
        #[allow(clippy::cast_precision_loss)] // at most three
        Some(count) => (JUMBO_SIZE * count as f32 + 8.0).max(90.0),
        None => content_width(ui, state, entry, &bubble, name.map(|n| n.1), max_width),
    };
    let fill = if jumbo.is_some() {
        Color32::TRANSPARENT
    } else {
        bubble_fill(own, ui.visuals().dark_mode)
    };
    ui.add_space(if run.first { RUN_GAP } else { 1.0 });
    let row = ui.with_layout(Layout::left_to_right(Align::Min), |ui| {
        if own {
            ui.add_space((ui.available_width() - inner_width - 20.0 - BUBBLE_EDGE).max(0.0));
        } else {
            ui.add_space(BUBBLE_EDGE + avatar_column);
        }
        // the bubble senses clicks (its menu, Ctrl+click) beneath what it holds, so the
        // buttons of its files and its images take their own clicks
        let sensing = egui::UiBuilder::new().sense(Sense::click());
        let scope = ui.scope_builder(sensing, |ui| {
            egui::Frame::new()
                .fill(fill)
                .corner_radius(BUBBLE_RADIUS)
                .inner_margin(egui::Margin::symmetric(10, 6))
                .show(ui, |ui| {
                    ui.set_width(inner_width);
                    ui.vertical(|ui| {
                        if let Some((sender, name)) = name {
                            ui.label(RichText::new(name).strong().color(avatar_color(sender.0)));
                        }
                        if let Bubble::Stored(m) = &bubble
                            && let Some(from) = &m.forwarded_from
                        {
                            let name = entry.member_name(from.sender_id).unwrap_or("…");
                            ui.label(
                                RichText::new(tr_args(
                                    lang,
                                    "message.forwarded_from",
                                    &[("name", name.to_owned())],
                                ))
                                .size(META_SIZE)
                                .italics()
                                .weak(),
                            );
                        }
                        if let Some(reply_to) = reply_to
                            && quote_ui(ui, state, entry, reply_to).clicked()
                        {
                            reply_jump(state, entry, reply_to, actions);
                        }
                        match &bubble {
                            Bubble::Stored(m) => {
                                for file in &m.attachments {
                                    super::attachments::file_ui(ui, state, file, actions);
                                }
                            }
                            Bubble::Pending(o) => {
                                for key in &o.uploads {
                                    if let Some(u) = state.chats.transfers.upload(*key) {
                                        super::attachments::upload_ui(ui, lang, u, actions);
                                    }
                                }
                            }
                        }
                        // not selectable, so a right click anywhere on the bubble opens its menu (with Copy)
                        if let Some(count) = jumbo {
                            jumbo_ui(ui, text, count);
                        } else if !text.is_empty() {
                            emoji::text_ui(ui, text, BODY_SIZE, None);
                        }
                        // the time line, at the bubble's right (a bounded height: the row
                        // has room to the bottom of the list)
                        let line = egui::vec2(ui.available_width(), 16.0);
                        ui.allocate_ui_with_layout(
                            line,
                            Layout::right_to_left(Align::Center),
                            |ui| {
                                if own {
                                    status_ui(ui, state, entry, &bubble);
                                }
                                let time = clock_time(&state.clock, created_at);
                                ui.label(RichText::new(time).size(META_SIZE).weak());
                                if let Bubble::Stored(m) = &bubble
                                    && m.edited_at.is_some()
                                {
                                    ui.label(
                                        RichText::new(tr(lang, "message.edited"))
                                            .size(META_SIZE)
                                            .weak(),
                                    );
                                }
                            },
                        );
                    });
                });
        });
        let response = scope.response;
        if let Bubble::Stored(message) = &bubble {
            let selected = state.message_actions.selected.contains(&message.id);
            if selected {
                ui.painter().rect_stroke(
                    response.rect.expand(2.0),
                    BUBBLE_RADIUS,
                    egui::Stroke::new(2.0, ui.visuals().selection.stroke.color),
                    egui::StrokeKind::Outside,
                );
            }
            if response.clicked() && ui.input(|i| i.modifiers.command) {
                actions.push(Action::SelectionToggled(message.id));
            }
            super::message_actions::context_menu_ui(ui, &response, |ui| {
                super::message_actions::menu_ui(ui, state, entry, message, own, actions);
            });
        }
        response.rect
    });
    // in a group, the sender's avatar beside the last message of their run
    if avatar_column > 0.0
        && run.last
        && let Some(sender) = sender
    {
        let bubble = row.inner;
        let rect = egui::Rect::from_min_size(
            egui::pos2(
                bubble.left() - avatar_column,
                bubble.bottom() - MESSAGE_AVATAR,
            ),
            egui::vec2(MESSAGE_AVATAR, MESSAGE_AVATAR),
        );
        let name = entry.member_name(sender).unwrap_or("…");
        ui.put(rect, |ui: &mut Ui| {
            avatar_ui(ui, sender.0, name, MESSAGE_AVATAR, false)
        });
    }
    // under the bubble, not in it: the bubble's own click (its menu) would take theirs
    if let Bubble::Stored(m) = &bubble
        && !m.reactions.is_empty()
    {
        let layout = if own {
            Layout::right_to_left(Align::Min)
        } else {
            Layout::left_to_right(Align::Min)
        };
        ui.with_layout(layout, |ui| {
            ui.add_space(BUBBLE_EDGE + 4.0);
            super::message_actions::reactions_ui(ui, state, entry, m, actions);
        });
    }
    if let Bubble::Pending(outgoing) = bubble
        && let OutgoingState::Failed(_) = &outgoing.state
    {
        ui.with_layout(Layout::right_to_left(Align::Min), |ui| {
            ui.add_space(8.0);
            if ui.button(tr(lang, "outgoing.discard")).clicked() {
                actions.push(Action::MessageDiscarded(outgoing.request_id));
            }
            if ui.button(tr(lang, "outgoing.retry")).clicked() {
                actions.push(Action::MessageRetried {
                    request_id: outgoing.request_id,
                    now: state.clock.now,
                });
            }
            let error = words::outgoing_message(lang, &outgoing.state);
            ui.label(
                RichText::new(error)
                    .size(STATUS_SIZE)
                    .color(ui.visuals().error_fg_color),
            );
        });
    }
    ui.add_space(1.0);
}

/// What one's own message's mark means.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Pending,
    Sent,
    Read,
    Failed,
}

/// The mark of one's own message, drawn by hand (the default fonts have no tick glyphs),
/// with its meaning as the accessible label and the hover text.
fn status_ui(ui: &mut Ui, state: &AppState, entry: &ChatEntry, bubble: &Bubble<'_>) {
    let lang = state.language;
    let (mark, meaning) = match bubble {
        Bubble::Stored(m) if m.seq <= entry.read_by_others() => {
            (Mark::Read, tr(lang, "conversation.status_read"))
        }
        Bubble::Stored(_) => (Mark::Sent, tr(lang, "conversation.status_sent")),
        Bubble::Pending(o) => match &o.state {
            OutgoingState::Failed(_) => (Mark::Failed, words::outgoing_message(lang, &o.state)),
            other => (Mark::Pending, words::outgoing_message(lang, other)),
        },
    };
    let (rect, response) = ui.allocate_exact_size(egui::vec2(18.0, 12.0), Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &meaning));
    let response = response.on_hover_text(meaning);
    let visuals = ui.visuals();
    let color = match mark {
        Mark::Read => visuals.hyperlink_color,
        Mark::Failed => visuals.error_fg_color,
        Mark::Sent | Mark::Pending => visuals.weak_text_color(),
    };
    let stroke = egui::Stroke::new(1.4, color);
    let painter = ui.painter();
    let tick = |dx: f32| {
        let o = rect.left_center() + egui::vec2(dx, 0.0);
        painter.line_segment([o + egui::vec2(1.0, 0.0), o + egui::vec2(4.0, 3.5)], stroke);
        painter.line_segment(
            [o + egui::vec2(4.0, 3.5), o + egui::vec2(10.0, -4.0)],
            stroke,
        );
    };
    match mark {
        Mark::Sent => tick(2.0),
        Mark::Read => {
            tick(0.0);
            tick(5.0);
        }
        Mark::Pending => {
            let c = rect.center();
            painter.circle_stroke(c, 5.0, stroke);
            painter.line_segment([c, c + egui::vec2(0.0, -3.5)], stroke);
            painter.line_segment([c, c + egui::vec2(2.5, 0.0)], stroke);
        }
        Mark::Failed => {
            let c = rect.center();
            painter.circle_filled(c, 6.0, color);
            painter.line_segment(
                [c + egui::vec2(0.0, -3.5), c + egui::vec2(0.0, 1.0)],
                egui::Stroke::new(1.6, Color32::WHITE),
            );
            painter.circle_filled(c + egui::vec2(0.0, 3.2), 0.9, Color32::WHITE);
        }
    }
    let _ = response;
}
