//! The connection banner: "Connecting…", "Offline — retrying in 5 s" with "Retry now",
//! "Back online". Nothing while the link is up. It floats near the bottom of the window,
//! above the composer (a toast), instead of taking a strip of the content, so nothing moves
//! when it comes and goes and no input is covered.

use egui::Ui;

use super::toast::{Place, toast_ui};
use super::words::connection_message;
use crate::action::Action;
use crate::i18n::tr;
use crate::state::{AppState, LinkStatus};

pub fn connection_banner_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let lang = state.language;
    let now = state.clock.now;
    let Some(message) = connection_message(lang, &state.connection, now) else {
        return;
    };
    let visuals = ui.visuals();
    let (fill, offline) = match state.connection.status {
        LinkStatus::Offline { .. } => (visuals.warn_fg_color.gamma_multiply(0.3), true),
        LinkStatus::Online { .. } => (
            egui::Color32::from_rgb(0x3C, 0xC0, 0x5A).gamma_multiply(0.35),
            false,
        ),
        _ => (visuals.selection.bg_fill.gamma_multiply(0.4), false),
    };
    let place = Place {
        anchor: egui::Align2::CENTER_BOTTOM,
        offset: egui::vec2(0.0, -110.0),
    };
    let id = egui::Id::unique("natter-connection-banner");
    toast_ui(ui, id, place, fill, |ui| {
        ui.horizontal(|ui| {
            ui.label(message);
            if offline && ui.small_button(tr(lang, "connection.retry_now")).clicked() {
                actions.push(Action::ReconnectRequested { now });
            }
        });
    });
    // the countdown and "back online" change with time alone
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(500));
}
