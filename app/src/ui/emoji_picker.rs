//! The composer's emoji picker: a button that opens a popup with a search field, the
//! recently used emoji first, and the emoji of one category at a time (tabs with each
//! category's first emoji) in a grid. What it returns is inserted at the composer's cursor.
//! Search matches the emoji's English name and shortcodes (that is what the `emojis` crate
//! names them with). Recent emoji live in egui's memory (persisted with it), at most
//! [`RECENT_MAX`].

use egui::{Id, Ui};
use emojis::Group;

use super::emoji;
use crate::i18n::{Language, tr};

/// How many recently used emoji are kept.
pub const RECENT_MAX: usize = 24;
/// One cell of the grid.
const CELL: f32 = 30.0;
/// Emoji per row.
const COLUMNS: usize = 9;

/// The groups in picker order, with their translation keys.
const GROUPS: [(Group, &str); 9] = [
    (Group::SmileysAndEmotion, "emoji.smileys"),
    (Group::PeopleAndBody, "emoji.people"),
    (Group::AnimalsAndNature, "emoji.animals"),
    (Group::FoodAndDrink, "emoji.food"),
    (Group::TravelAndPlaces, "emoji.travel"),
    (Group::Activities, "emoji.activities"),
    (Group::Objects, "emoji.objects"),
    (Group::Symbols, "emoji.symbols"),
    (Group::Flags, "emoji.flags"),
];

fn recent_id() -> Id {
    Id::unique("natter-recent-emoji")
}

fn tab_id() -> Id {
    Id::unique("natter-emoji-tab")
}

fn query_id() -> Id {
    Id::unique("natter-emoji-query")
}

/// The recently used emoji, newest first.
pub fn recent(ctx: &egui::Context) -> Vec<String> {
    ctx.data_mut(|d| d.get_persisted::<Vec<String>>(recent_id()))
        .unwrap_or_default()
}

/// Puts `emoji` first among the recent ones.
pub fn remember(ctx: &egui::Context, emoji: &str) {
    let mut list = recent(ctx);
    list.retain(|e| e != emoji);
    list.insert(0, emoji.to_owned());
    list.truncate(RECENT_MAX);
    ctx.data_mut(|d| d.insert_persisted(recent_id(), list));
}

/// The emoji a search finds: those whose name or a shortcode holds every typed word.
pub fn search(query: &str) -> Vec<&'static str> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Vec::new();
    }
    emojis::iter()
        .filter(|e| {
            let name = e.name().to_lowercase();
            words.iter().all(|w| {
                name.contains(w.as_str()) || e.shortcodes().any(|s| s.contains(w.as_str()))
            })
        })
        .map(|e| e.as_str())
        .filter(|e| emoji::image(e, CELL).is_some())
        .take(COLUMNS * 20)
        .collect()
}

fn group_emoji(group: Group) -> Vec<&'static str> {
    group
        .emojis()
        .map(|e| e.as_str())
        .filter(|e| emoji::image(e, CELL).is_some())
        .collect()
}

/// One emoji as a button, named by the emoji itself for screen readers and tests.
fn cell_ui(ui: &mut Ui, text: &str) -> bool {
    let Some(image) = emoji::image(text, CELL - 8.0) else {
        return false;
    };
    let response = ui.add_sized([CELL, CELL], egui::Button::image(image).frame(false));
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, text));
    let name = emojis::get(text).map_or("", |e| e.name());
    response.on_hover_text(name).clicked()
}

fn grid_ui(ui: &mut Ui, list: &[&str], chosen: &mut Option<String>) {
    let rows = list.len().div_ceil(COLUMNS);
    egui::ScrollArea::vertical()
        .id_salt("natter-emoji-grid")
        .max_height(CELL * 7.0)
        .auto_shrink([false, false])
        .show_rows(ui, CELL, rows, |ui, range| {
            for row in range {
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = 0.0;
                    for text in list.iter().skip(row * COLUMNS).take(COLUMNS) {
                        if cell_ui(ui, text) {
                            *chosen = Some((*text).to_owned());
                        }
                    }
                });
            }
        });
}

/// The picker's button; when an emoji is chosen, returns it (and remembers it as recent).
pub fn picker_ui(ui: &mut Ui, lang: Language, height: f32) -> Option<String> {
    let smile = emoji::image("🙂", 20.0)?;
    let button = ui
        .add_sized([32.0, height], egui::Button::image(smile))
        .on_hover_text(tr(lang, "composer.emoji"));
    button.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Button, true, tr(lang, "composer.emoji"))
    });
    let mut chosen = None;
    egui::Popup::from_toggle_button_response(&button)
        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
        .align(egui::RectAlign::TOP_START)
        .width(CELL * COLUMNS as f32 + 24.0)
        .show(|ui| {
            ui.set_width(CELL * COLUMNS as f32 + 12.0);
            let mut query: String = ui.data(|d| d.get_temp(query_id())).unwrap_or_default();
            let label = ui.label(tr(lang, "emoji.search"));
            let field = ui
                .add(egui::TextEdit::singleline(&mut query).desired_width(f32::INFINITY))
                .labelled_by(label.id);
            if field.changed() {
                ui.data_mut(|d| d.insert_temp(query_id(), query.clone()));
            }
            if !query.trim().is_empty() {
                let found = search(&query);
                if found.is_empty() {
                    ui.weak(tr(lang, "emoji.none"));
                } else {
                    grid_ui(ui, &found, &mut chosen);
                }
                return;
            }
            let recent = recent(ui.ctx());
            if !recent.is_empty() {
                ui.weak(tr(lang, "emoji.recent"));
                ui.horizontal_wrapped(|ui| {
                    ui.spacing_mut().item_spacing.x = 0.0;
                    for text in recent.iter().take(COLUMNS) {
                        if cell_ui(ui, text) {
                            chosen = Some(text.clone());
                        }
                    }
                });
                ui.separator();
            }
            let mut tab: usize = ui.data(|d| d.get_temp(tab_id())).unwrap_or(0);
            ui.horizontal(|ui| {
                ui.spacing_mut().item_spacing.x = 0.0;
                for (index, (group, key)) in GROUPS.iter().enumerate() {
                    let Some(first) = group.emojis().next() else {
                        continue;
                    };
                    let Some(image) = emoji::image(first.as_str(), 18.0) else {
                        continue;
                    };
                    let response = ui
                        .add_sized(
                            [CELL + 2.0, CELL],
                            egui::Button::image(image).selected(index == tab),
                        )
                        .on_hover_text(tr(lang, key));
                    response.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Button, true, tr(lang, key))
                    });
                    if response.clicked() {
                        tab = index;
                        ui.data_mut(|d| d.insert_temp(tab_id(), index));
                    }
                }
            });
            let group = GROUPS.get(tab).map_or(Group::SmileysAndEmotion, |g| g.0);
            grid_ui(ui, &group_emoji(group), &mut chosen);
        });
    if let Some(text) = &chosen {
        remember(ui.ctx(), text);
    }
    chosen
}
