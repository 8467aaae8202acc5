//! The Settings sections about the app itself: updates (the automatic check, the manifest
//! address, "Version X is available" with its notes, the download's progress, restart) and
//! About (name, version, commit, licence, portable mode, the extra CA trusted).

use egui::Ui;

use crate::action::Action;
use crate::build_info::{COMMIT, LICENCE, VERSION};
use crate::config::ExtraCa;
use crate::i18n::{tr, tr_args};
use crate::state::update::UpdateStatus;
use crate::state::{AppState, Preference};

pub fn updates_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let lang = state.language;
    ui.strong(tr(lang, "settings.updates"));
    let mut on = state.settings.check_updates;
    if ui
        .checkbox(&mut on, tr(lang, "settings.check_updates"))
        .changed()
    {
        actions.push(Action::PreferenceSet(Preference::CheckUpdates(on)));
    }
    if state.update.off_for_this_run {
        ui.weak(tr(lang, "settings.update_off_for_run"));
    }
    ui.horizontal(|ui| {
        ui.label(tr(lang, "settings.update_url"));
        let mut url = state.settings.update_url.clone();
        let hint = crate::build_info::manifest_url("", &state.server_url);
        let field = egui::TextEdit::singleline(&mut url)
            .hint_text(hint)
            .desired_width(f32::INFINITY);
        if ui.add(field).changed() {
            actions.push(Action::UpdateUrlEdited(url));
        }
    });
    let version = |v: &str| [("version", v.to_owned())];
    match &state.update.status {
        UpdateStatus::Idle => {}
        UpdateStatus::Checking => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(tr(lang, "settings.update_checking"));
            });
        }
        UpdateStatus::UpToDate => {
            ui.label(tr(lang, "settings.update_up_to_date"));
        }
        UpdateStatus::NothingPublished => {
            ui.weak(tr(lang, "settings.update_nothing_published"));
        }
        UpdateStatus::Available(offer) => {
            ui.label(
                egui::RichText::new(tr_args(
                    lang,
                    "settings.update_available",
                    &version(&offer.version),
                ))
                .strong(),
            );
            if !offer.notes.trim().is_empty() {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .max_height(160.0)
                        .show(ui, |ui| ui.label(offer.notes.trim()));
                });
            }
            if ui.button(tr(lang, "settings.update_install")).clicked() {
                actions.push(Action::UpdateInstall);
            }
        }
        UpdateStatus::Downloading { offer, done } => {
            let fraction = (*done as f32 / offer.size.max(1) as f32).clamp(0.0, 1.0);
            let percent = (fraction * 100.0).round() as u32;
            ui.label(tr_args(
                lang,
                "settings.update_downloading",
                &[
                    ("version", offer.version.clone()),
                    ("percent", percent.to_string()),
                ],
            ));
            ui.add(egui::ProgressBar::new(fraction).show_percentage());
        }
        UpdateStatus::Ready { version: v } => {
            ui.label(tr_args(lang, "settings.update_ready", &version(v)));
            if ui.button(tr(lang, "settings.update_restart")).clicked() {
                actions.push(Action::UpdateRestart);
            }
        }
        UpdateStatus::Failed(reason) => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                tr_args(
                    lang,
                    "settings.update_failed",
                    &[("reason", reason.clone())],
                ),
            );
        }
    }
    let busy = matches!(
        state.update.status,
        UpdateStatus::Checking | UpdateStatus::Downloading { .. } | UpdateStatus::Ready { .. }
    );
    if ui
        .add_enabled(!busy, egui::Button::new(tr(lang, "settings.check_now")))
        .clicked()
    {
        actions.push(Action::UpdateCheckNow);
    }
}

pub fn about_ui(ui: &mut Ui, state: &AppState) {
    let lang = state.language;
    ui.strong(tr(lang, "settings.about"));
    ui.horizontal(|ui| {
        ui.add(
            egui::Image::new(egui::include_image!("../../../assets/icons/natter-64.png"))
                .fit_to_exact_size(egui::vec2(32.0, 32.0)),
        );
        ui.label(egui::RichText::new("Natter").heading());
    });
    ui.label(tr_args(
        lang,
        "settings.about_version",
        &[
            ("version", VERSION.to_owned()),
            ("commit", COMMIT.to_owned()),
        ],
    ));
    ui.label(tr_args(
        lang,
        "settings.about_licence",
        &[("licence", LICENCE.to_owned())],
    ));
    if let Some(dir) = &state.portable_dir {
        ui.label(tr_args(
            lang,
            "settings.about_portable",
            &[("dir", dir.display().to_string())],
        ));
    }
    match &state.extra_ca {
        ExtraCa::None => {}
        ExtraCa::Loaded { path, certificates } => {
            ui.label(tr_args(
                lang,
                "settings.about_extra_ca",
                &[
                    ("file", path.display().to_string()),
                    ("count", certificates.to_string()),
                ],
            ));
        }
        ExtraCa::Failed { path, reason } => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                tr_args(
                    lang,
                    "settings.about_extra_ca_failed",
                    &[
                        ("file", path.display().to_string()),
                        ("reason", reason.clone()),
                    ],
                ),
            );
        }
    }
}
