//! The connection banner: "Connecting…", "Offline — retrying in 5 s" with "Retry now",
//! "Back online". Nothing while the link is up.

use egui::Ui;

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
    egui::Frame::new()
        .fill(fill)
        .inner_margin(egui::Margin::symmetric(10, 4))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
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
