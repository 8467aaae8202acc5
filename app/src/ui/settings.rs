//! The settings screen: notifications, previews, sound, muted chats, theme, language, the
//! send key, the server address, updates and About. Every change is an action; the app persists the result.

use egui::Ui;

use super::widgets::{FieldKind, labelled_field_ui, language_picker_ui};
use crate::action::Action;
use crate::i18n::tr;
use crate::state::{AppState, Preference, Theme, normalize_server_url};

pub fn settings_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let lang = state.language;
    let settings = &state.settings;
    ui.heading(tr(lang, "settings.title"));
    ui.add_space(8.0);

    ui.strong(tr(lang, "settings.notifications_section"));
    let toggles = [
        (
            settings.notifications,
            "settings.notifications",
            Preference::Notifications as fn(bool) -> Preference,
        ),
        (settings.previews, "settings.previews", Preference::Previews),
        (settings.sound, "settings.sound", Preference::Sound),
    ];
    for (value, key, make) in toggles {
        let mut on = value;
        if ui.checkbox(&mut on, tr(lang, key)).changed() {
            actions.push(Action::PreferenceSet(make(on)));
        }
    }
    let muted: Vec<_> = settings
        .muted
        .iter()
        .filter_map(|id| state.chats.by_id.get(id))
        .collect();
    if !muted.is_empty() {
        ui.add_space(4.0);
        ui.label(tr(lang, "settings.muted_chats"));
        for entry in muted {
            ui.horizontal(|ui| {
                ui.label(entry.title());
                if ui.small_button(tr(lang, "chats.unmute")).clicked() {
                    actions.push(Action::ChatMuteSet {
                        chat_id: entry.summary.id,
                        muted: false,
                    });
                }
            });
        }
    }
    ui.add_space(12.0);

    ui.strong(tr(lang, "settings.appearance"));
    ui.horizontal(|ui| {
        ui.label(tr(lang, "settings.theme"));
        for theme in Theme::ALL {
            let key = match theme {
                Theme::System => "settings.theme_system",
                Theme::Light => "settings.theme_light",
                Theme::Dark => "settings.theme_dark",
            };
            if ui.radio(settings.theme == theme, tr(lang, key)).clicked() && settings.theme != theme
            {
                actions.push(Action::PreferenceSet(Preference::Theme(theme)));
            }
        }
    });
    ui.horizontal(|ui| language_picker_ui(ui, lang, actions));
    ui.add_space(12.0);

    ui.strong(tr(lang, "settings.keyboard"));
    let mut ctrl_enter = settings.ctrl_enter_sends;
    if ui
        .checkbox(&mut ctrl_enter, tr(lang, "settings.ctrl_enter_sends"))
        .changed()
    {
        actions.push(Action::PreferenceSet(Preference::CtrlEnterSends(
            ctrl_enter,
        )));
    }
    ui.weak(tr(lang, "settings.ctrl_enter_note"));
    ui.add_space(12.0);

    ui.strong(tr(lang, "settings.connection"));
    let error = normalize_server_url(&state.server_url).err();
    let out = labelled_field_ui(
        ui,
        lang,
        &tr(lang, "field.server_url"),
        &state.server_url,
        FieldKind::Text,
        true,
        error.as_ref(),
    );
    if let Some(url) = out.changed {
        actions.push(Action::ServerUrlEdited(url));
    }
    ui.weak(tr(lang, "settings.server_url_note"));
    ui.add_space(12.0);

    super::privacy::privacy_ui(ui, state, actions);
    ui.add_space(12.0);

    super::security::security_ui(ui, state, actions);
    ui.add_space(12.0);

    super::update::updates_ui(ui, state, actions);
    ui.add_space(12.0);

    super::update::about_ui(ui, state);
}
