//! The message search panel, a column at the right of the chats (as Telegram Desktop shows
//! search in a chat beside it): the query (focused when the panel opens; searched as typing
//! pauses, or on Enter), the scope (one chat, or all), the filters (sender, date range as
//! `YYYY-MM-DD` checked as typed, type), then the hits ([`super::search_hits`]).

use egui::{Key, KeyboardShortcut, Modifiers, RichText, TextEdit, Ui};
use natter_shared::UserId;
use natter_shared::api::SearchHas;

use super::search_hits::hits_ui;
use super::widgets::error_line_ui;
use crate::action::{Action, SearchAction};
use crate::i18n::{Language, tr, tr_args};
use crate::state::{AppState, DateProblem, Screen, SearchPanel};

/// The id of the query field, focused when the panel opens.
pub fn query_id() -> egui::Id {
    egui::Id::unique("natter-search-query")
}

/// Ctrl+F (search the open chat) and Ctrl+Shift+F (search every chat).
pub fn search_keys(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let (everywhere, here) = ui.input_mut(|i| {
        let everywhere = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::F);
        let everywhere = i.consume_shortcut(&everywhere);
        let here = i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::F));
        (everywhere, here)
    });
    if everywhere {
        actions.push(Action::Search(SearchAction::Opened { chat: None }));
    } else if here {
        actions.push(Action::Search(SearchAction::Opened {
            chat: state.chats.open,
        }));
    }
}

/// Esc closes the panel (after the composer had its chance to take it).
pub fn escape_closes_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    if state.search.is_some() && ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
        actions.push(Action::Search(SearchAction::Closed));
    }
}

pub fn search_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let Some(panel) = &state.search else {
        return;
    };
    let lang = state.language;
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        ui.heading(tr(lang, "search.title"));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let close = ui.button("×").on_hover_text(tr(lang, "search.close"));
            if close.clicked() {
                actions.push(Action::Search(SearchAction::Closed));
            }
        });
    });
    scope_ui(ui, state, panel, actions);
    query_ui(ui, state, panel, actions);
    egui::CollapsingHeader::new(tr(lang, "search.filters"))
        .id_salt("natter-search-filters")
        .default_open(true)
        .show(ui, |ui| filters_ui(ui, state, panel, actions));
    ui.separator();
    hits_ui(ui, state, panel, actions);
}

/// "In: <chat>" with a way out to every chat, or "All chats".
fn scope_ui(ui: &mut Ui, state: &AppState, panel: &SearchPanel, actions: &mut Vec<Action>) {
    let lang = state.language;
    ui.horizontal(|ui| match panel.chat {
        Some(chat) => {
            let title = state
                .chats
                .by_id
                .get(&chat)
                .map_or("…", |entry| entry.title());
            ui.weak(tr_args(
                lang,
                "search.in_chat",
                &[("chat", title.to_owned())],
            ));
            if ui.small_button(tr(lang, "search.everywhere")).clicked() {
                actions.push(Action::Search(SearchAction::ScopeCleared));
            }
        }
        None => {
            ui.weak(tr(lang, "search.all_chats"));
        }
    });
}

fn query_ui(ui: &mut Ui, state: &AppState, panel: &SearchPanel, actions: &mut Vec<Action>) {
    let lang = state.language;
    let label = ui.label(tr(lang, "search.query"));
    let mut text = panel.query.clone();
    let response = ui
        .add(
            TextEdit::singleline(&mut text)
                .id(query_id())
                .hint_text(tr(lang, "search.query_hint"))
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    // focused when the panel opens (again)
    let seen_id = egui::Id::unique("natter-search-opened");
    let seen: u64 = ui.data(|d| d.get_temp(seen_id)).unwrap_or_default();
    if seen != panel.opened {
        response.request_focus();
        ui.data_mut(|d| d.insert_temp(seen_id, panel.opened));
    }
    if response.changed() {
        actions.push(Action::Search(SearchAction::QueryEdited {
            text,
            now: state.clock.now,
        }));
    }
    if response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
        actions.push(Action::Search(SearchAction::Submitted));
        response.request_focus();
    }
}

fn filters_ui(ui: &mut Ui, state: &AppState, panel: &SearchPanel, actions: &mut Vec<Action>) {
    let lang = state.language;
    sender_ui(ui, state, panel, actions);
    let from = date_ui(
        ui,
        lang,
        &tr(lang, "search.from"),
        &panel.from,
        panel.from_problem(),
    );
    if let Some(text) = from {
        actions.push(Action::Search(SearchAction::FromEdited(text)));
    }
    let to = date_ui(
        ui,
        lang,
        &tr(lang, "search.to"),
        &panel.to,
        panel.to_problem(),
    );
    if let Some(text) = to {
        actions.push(Action::Search(SearchAction::ToEdited(text)));
    }
    let kinds = [
        (None, "search.any_type"),
        (Some(SearchHas::File), "search.files"),
        (Some(SearchHas::Image), "search.images"),
        (Some(SearchHas::Link), "search.links"),
    ];
    let shown = kinds
        .iter()
        .find(|(has, _)| *has == panel.has)
        .map_or("search.any_type", |(_, key)| key);
    ui.horizontal(|ui| {
        let label = ui.label(tr(lang, "search.type"));
        egui::ComboBox::from_id_salt("natter-search-type")
            .selected_text(tr(lang, shown))
            .show_ui(ui, |ui| {
                for (has, key) in kinds {
                    if ui
                        .selectable_label(panel.has == has, tr(lang, key))
                        .clicked()
                        && panel.has != has
                    {
                        actions.push(Action::Search(SearchAction::HasChosen(has)));
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
}

/// A date field, `YYYY-MM-DD`, with what is wrong with it below; the new text if edited.
fn date_ui(
    ui: &mut Ui,
    lang: Language,
    label: &str,
    value: &str,
    problem: Option<DateProblem>,
) -> Option<String> {
    let mut text = value.to_owned();
    let response = ui
        .horizontal(|ui| {
            let label = ui.label(label);
            ui.add(
                TextEdit::singleline(&mut text)
                    .hint_text("YYYY-MM-DD")
                    .desired_width(110.0),
            )
            .labelled_by(label.id)
        })
        .inner;
    if let Some(problem) = problem {
        let key = match problem {
            DateProblem::NotADate => "search.bad_date",
            DateProblem::BeforeFrom => "search.to_before_from",
        };
        error_line_ui(ui, &tr(lang, key));
    }
    response.changed().then_some(text)
}

/// Who sent it: anyone, or one of the people known here (the chat's members, or everyone
/// of the loaded chats when searching all of them).
fn sender_ui(ui: &mut Ui, state: &AppState, panel: &SearchPanel, actions: &mut Vec<Action>) {
    let lang = state.language;
    let people = known_people(state, panel);
    let anyone = tr(lang, "search.anyone");
    let shown = panel
        .sender
        .and_then(|id| people.iter().find(|(p, _)| *p == id))
        .map_or(anyone.clone(), |(_, name)| name.clone());
    ui.horizontal(|ui| {
        let label = ui.label(tr(lang, "search.sender"));
        egui::ComboBox::from_id_salt("natter-search-sender")
            .selected_text(shown)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(panel.sender.is_none(), anyone)
                    .clicked()
                    && panel.sender.is_some()
                {
                    actions.push(Action::Search(SearchAction::SenderChosen(None)));
                }
                for (id, name) in &people {
                    let picked = panel.sender == Some(*id);
                    if ui.selectable_label(picked, RichText::new(name)).clicked() && !picked {
                        actions.push(Action::Search(SearchAction::SenderChosen(Some(*id))));
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
}

/// Oneself first, then the others by name.
fn known_people(state: &AppState, panel: &SearchPanel) -> Vec<(UserId, String)> {
    let mut people: Vec<(UserId, String)> = Vec::new();
    let mut add = |id: UserId, name: &str| {
        if !people.iter().any(|(p, _)| *p == id) {
            people.push((id, name.to_owned()));
        }
    };
    let chats: Vec<_> = match panel.chat {
        Some(chat) => state.chats.by_id.get(&chat).into_iter().collect(),
        None => state.chats.ordered().collect(),
    };
    for entry in chats {
        if let Some(partner) = &entry.summary.partner {
            add(partner.id, partner.name());
        }
        for member in &entry.members {
            add(member.id, member.name());
        }
    }
    let me = match &state.screen {
        Screen::Shell(shell) => Some((shell.user.id, shell.user.name().to_owned())),
        _ => None,
    };
    people.retain(|(id, _)| Some(*id) != me.as_ref().map(|(m, _)| *m));
    people.sort_by_key(|(_, name)| name.to_lowercase());
    if let Some(me) = me {
        people.insert(0, me);
    }
    people
}
