//! The devices tab: every signed-in session, with "sign out" for each.

use chrono::{DateTime, Utc};
use egui::Ui;

use super::widgets::{centered_column_ui, error_line_ui};
use super::words;
use crate::action::Action;
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, Screen};

pub fn devices_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let Screen::Shell(shell) = &state.screen else {
        return;
    };
    let lang = state.language;
    let devices = &shell.devices;
    centered_column_ui(ui, 560.0, |ui| {
        ui.add_space(12.0);
        ui.horizontal(|ui| {
            ui.heading(tr(lang, "devices.title"));
            let reload = egui::Button::new(tr(lang, "devices.reload"));
            if ui.add_enabled(!devices.loading, reload).clicked() {
                actions.push(Action::DevicesReloadRequested);
            }
            if devices.loading {
                ui.spinner();
            }
        });
        if let Some(error) = &devices.error {
            error_line_ui(ui, &words::error_message(lang, error));
        }
        let Some(sessions) = &devices.sessions else {
            return;
        };
        if sessions.is_empty() {
            ui.label(tr(lang, "devices.none"));
        }
        for session in sessions {
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    ui.strong(&session.device_name);
                    if session.current {
                        ui.label(tr(lang, "devices.this_device"));
                    }
                });
                ui.weak(tr_args(
                    lang,
                    "devices.signed_in_at",
                    &[("time", local_time(session.created_at))],
                ));
                ui.weak(tr_args(
                    lang,
                    "devices.last_seen_at",
                    &[("time", local_time(session.last_seen_at))],
                ));
                let busy = devices.revoking.contains(&session.id)
                    || (session.current && shell.signing_out);
                ui.horizontal(|ui| {
                    let key = if session.current {
                        "devices.sign_out_this"
                    } else {
                        "devices.sign_out"
                    };
                    let button = egui::Button::new(tr(lang, key));
                    if ui.add_enabled(!busy, button).clicked() {
                        actions.push(Action::DeviceSignOutRequested(session.id));
                    }
                    if busy {
                        ui.spinner();
                    }
                });
            });
        }
    });
}

fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
