//! The hits of a message search: each with its chat, sender, time and the snippet with the
//! matched words marked; a spinner while searching, the server's word when it refused,
//! "Nothing found", and the next page on "Load more" or on scrolling to the end. A click
//! opens the chat at that message (and if its page fails to load, the panel says why).

use egui::text::{LayoutJob, TextFormat};
use egui::{FontId, RichText, Sense, Ui};
use natter_shared::api::{SearchHit, SnippetPart};

use super::format::{avatar_color, list_time};
use super::theme::{BODY_SIZE, META_SIZE, ROW_RADIUS, SEARCH_MATCH};
use super::widgets::error_line_ui;
use super::words;
use crate::action::{Action, SearchAction};
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, Screen, SearchPanel};

pub fn hits_ui(ui: &mut Ui, state: &AppState, panel: &SearchPanel, actions: &mut Vec<Action>) {
    let lang = state.language;
    if panel.searching() || panel.due.is_some() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.weak(tr(lang, "search.searching"));
        });
    }
    if let Some(error) = &panel.error {
        error_line_ui(ui, &words::error_message(lang, error));
    }
    if let Some(error) = &panel.open_error {
        let why = words::error_message(lang, error);
        error_line_ui(ui, &tr_args(lang, "search.open_failed", &[("why", why)]));
    }
    if panel.query.trim().is_empty() {
        ui.weak(tr(lang, "search.type_to_search"));
        return;
    }
    if panel.shown.is_some() && panel.hits.is_empty() && !panel.searching() {
        ui.weak(tr(lang, "search.nothing_found"));
        return;
    }
    let output = egui::ScrollArea::vertical()
        .id_salt("natter-search-hits")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for hit in &panel.hits {
                hit_ui(ui, state, hit, actions);
            }
            if panel.loading_more() {
                ui.vertical_centered(|ui| ui.spinner());
            } else if panel.next_cursor.is_some() && panel.error.is_none() {
                ui.vertical_centered(|ui| {
                    if ui.button(tr(lang, "search.more")).clicked() {
                        actions.push(Action::Search(SearchAction::MoreWanted));
                    }
                });
            }
        });
    // scrolled to the end of a list taller than the panel: the next page comes by itself
    let view = output.inner_rect.height();
    let offset = output.state.clamped_offset().y;
    let scrolled = output.content_size.y > view && offset > 0.0;
    let at_end = offset + view >= output.content_size.y - 4.0;
    let idle = !panel.loading_more() && panel.error.is_none();
    if scrolled && at_end && idle && panel.next_cursor.is_some() {
        let more = Action::Search(SearchAction::MoreWanted);
        if !actions.contains(&more) {
            actions.push(more);
        }
    }
}

fn hit_ui(ui: &mut Ui, state: &AppState, hit: &SearchHit, actions: &mut Vec<Action>) {
    // the hover fill goes beneath the row, drawn once its size is known
    let background = ui.painter().add(egui::Shape::Noop);
    let sensing = egui::UiBuilder::new().sense(Sense::click());
    let row = ui.scope_builder(sensing, |ui| {
        // the row takes the clicks, not the text in it
        ui.style_mut().interaction.selectable_labels = false;
        egui::Frame::new()
            .inner_margin(egui::Margin::symmetric(6, 4))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    ui.strong(chat_name(hit));
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        let time = list_time(&state.clock, hit.message.created_at);
                        ui.label(RichText::new(time).size(META_SIZE).weak());
                    });
                });
                let sender = hit.message.sender_id;
                let name = sender_name(state, hit);
                ui.label(
                    RichText::new(name)
                        .size(META_SIZE)
                        .color(avatar_color(sender.0)),
                );
                let job = snippet_job(ui, &hit.snippet);
                ui.add(egui::Label::new(job).wrap());
            });
    });
    let response = row.response;
    if response.hovered() {
        let fill = ui.visuals().widgets.hovered.weak_bg_fill;
        let shape = egui::Shape::rect_filled(response.rect, ROW_RADIUS, fill);
        ui.painter().set(background, shape);
    }
    if response.clicked() {
        actions.push(Action::Search(SearchAction::HitOpened {
            chat_id: hit.chat.id,
            seq: hit.message.seq,
            now: state.clock.now,
        }));
    }
    ui.separator();
}

/// The snippet, its matched parts on a marker-coloured background and strong.
pub fn snippet_job(ui: &Ui, parts: &[SnippetPart]) -> LayoutJob {
    let visuals = ui.visuals();
    let font = FontId::proportional(BODY_SIZE);
    let mut job = LayoutJob::default();
    for part in parts {
        let format = if part.matched {
            TextFormat {
                font_id: font.clone(),
                color: visuals.strong_text_color(),
                background: SEARCH_MATCH,
                ..TextFormat::default()
            }
        } else {
            TextFormat {
                font_id: font.clone(),
                color: visuals.text_color(),
                ..TextFormat::default()
            }
        };
        job.append(&part.text, 0.0, format);
    }
    job
}

/// The group's title, else the other person of the direct chat.
fn chat_name(hit: &SearchHit) -> &str {
    if let Some(title) = &hit.chat.title {
        return title;
    }
    hit.chat.partner.as_ref().map_or("…", |p| p.name())
}

/// Who sent the message: as the server names them, else oneself, the partner, or a member
/// known from the chat's details.
fn sender_name<'a>(state: &'a AppState, hit: &'a SearchHit) -> &'a str {
    if let Some(sender) = &hit.sender {
        return sender.name();
    }
    let sender = hit.message.sender_id;
    if let Screen::Shell(shell) = &state.screen
        && shell.user.id == sender
    {
        return shell.user.name();
    }
    if let Some(partner) = &hit.chat.partner
        && partner.id == sender
    {
        return partner.name();
    }
    state
        .chats
        .by_id
        .get(&hit.chat.id)
        .and_then(|entry| entry.member_name(sender))
        .unwrap_or("…")
}
