//! The parts of a message bubble that are worked out or drawn apart from the row: what a
//! bubble holds ([`Bubble`]) and how wide that is before it is drawn (so a bubble is as wide
//! as its content, on both sides), jumbo emoji, and the reply quote with its jump to the
//! quoted message (also drawn above the composer).

use egui::{RichText, Sense, Ui};
use natter_shared::api::Message;

use super::emoji;
use super::format::{avatar_color, clock_time, one_line};
use super::theme::{BODY_SIZE, JUMBO_SIZE, META_SIZE, STATUS_SIZE};
use crate::action::Action;
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, ChatEntry, Outgoing};

pub(super) enum Bubble<'a> {
    Stored(&'a Message),
    Pending(&'a Outgoing),
}

/// The width of `text` at `size` laid out at most `max` wide.
fn text_width(ui: &Ui, text: RichText, max: f32) -> f32 {
    egui::WidgetText::from(text)
        .into_galley(
            ui,
            Some(egui::TextWrapMode::Wrap),
            max,
            egui::TextStyle::Body,
        )
        .size()
        .x
}

/// How wide a bubble's content is: the widest of what it holds, at most `max`.
pub(super) fn content_width(
    ui: &Ui,
    state: &AppState,
    entry: &ChatEntry,
    bubble: &Bubble<'_>,
    name: Option<&str>,
    max: f32,
) -> f32 {
    let lang = state.language;
    let (text, created_at) = match bubble {
        Bubble::Stored(m) => (&m.text, m.created_at),
        Bubble::Pending(o) => (&o.text, o.created_at),
    };
    let mut width: f32 = 0.0;
    if !text.is_empty() {
        // laid out as the bubble draws it (emoji are colour glyphs of the text)
        let w = text_width(ui, RichText::new(text.as_str()).size(BODY_SIZE), max);
        width = width.max(w + 2.0);
    }
    if let Some(name) = name {
        width = width.max(text_width(ui, RichText::new(name).strong(), max));
    }
    let mut meta = text_width(
        ui,
        RichText::new(clock_time(&state.clock, created_at)).size(META_SIZE),
        max,
    ) + 30.0;
    match bubble {
        Bubble::Stored(m) => {
            if m.edited_at.is_some() {
                meta += text_width(
                    ui,
                    RichText::new(tr(lang, "message.edited")).size(META_SIZE),
                    max,
                ) + 6.0;
            }
            if let Some(from) = &m.forwarded_from {
                let name = entry.member_name(from.sender_id).unwrap_or("…");
                let line = tr_args(lang, "message.forwarded_from", &[("name", name.to_owned())]);
                width = width.max(text_width(
                    ui,
                    RichText::new(line).size(META_SIZE).italics(),
                    max,
                ));
            }
            for file in &m.attachments {
                let w = if file.is_image() {
                    super::attachments::inline_size(file).x + 4.0
                } else {
                    260.0
                };
                width = width.max(w);
            }
            if m.reply_to.is_some() {
                width = width.max(180.0);
            }
        }
        Bubble::Pending(o) => {
            if !o.uploads.is_empty() {
                width = width.max(260.0);
            }
            if o.reply_to.is_some() {
                width = width.max(180.0);
            }
        }
    }
    width.max(meta).min(max)
}

/// One to three emoji, large.
pub(super) fn jumbo_ui(ui: &mut Ui, text: &str, count: usize) {
    let size = if count == 1 {
        JUMBO_SIZE * 1.2
    } else {
        JUMBO_SIZE
    };
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0;
        for piece in emoji::pieces(text.trim()) {
            if let emoji::Piece::Emoji(e) = piece
                && let Some(image) = emoji::image(e, size)
            {
                ui.add(image);
            }
        }
    });
}

/// A click on a reply's quote: to the quoted message, highlighted, as to a search hit.
/// Loaded, it is scrolled to; else the page around it comes (`around=` its seq when the app
/// knows it, `around_id=` when the quote names only its id), the chat detached there.
pub(super) fn reply_jump(
    state: &AppState,
    entry: &ChatEntry,
    id: natter_shared::MessageId,
    actions: &mut Vec<Action>,
) {
    actions.push(Action::QuoteOpened {
        chat_id: entry.summary.id,
        message: id,
        now: state.clock.now,
    });
}

/// The message a reply answers, quoted: its sender and first line. Clickable (a bubble's
/// quote jumps to the message).
pub fn quote_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &ChatEntry,
    id: natter_shared::MessageId,
) -> egui::Response {
    let lang = state.language;
    let me = state.session.as_ref().map(|s| s.user_id);
    let (name, text, color) = match entry.message_by_id(id) {
        Some(quoted) => {
            let name = if Some(quoted.sender_id) == me {
                tr(lang, "chats.you")
            } else {
                entry
                    .member_name(quoted.sender_id)
                    .unwrap_or("…")
                    .to_owned()
            };
            let text = if quoted.is_gone() {
                tr(lang, "message.deleted")
            } else {
                one_line(&quoted.text, 60)
            };
            (name, text, avatar_color(quoted.sender_id.0))
        }
        None => (
            tr(lang, "conversation.reply_unknown"),
            String::new(),
            ui.visuals().weak_text_color(),
        ),
    };
    let label = if text.is_empty() {
        name.clone()
    } else {
        format!("{name}: {text}")
    };
    let response = ui
        .scope_builder(egui::UiBuilder::new().sense(Sense::click()), |ui| {
            ui.horizontal(|ui| {
                let (bar, _) = ui.allocate_exact_size(egui::vec2(3.0, 32.0), Sense::hover());
                ui.painter().rect_filled(bar, 1.0, color);
                ui.vertical(|ui| {
                    ui.add(
                        egui::Label::new(
                            RichText::new(name).size(STATUS_SIZE).strong().color(color),
                        )
                        .selectable(false),
                    );
                    if !text.is_empty() {
                        ui.add(
                            egui::Label::new(RichText::new(text).size(STATUS_SIZE))
                                .selectable(false),
                        );
                    }
                });
            });
        })
        .response;
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
    if response.hovered() {
        ui.ctx().set_cursor_icon(egui::CursorIcon::PointingHand);
    }
    response
}
