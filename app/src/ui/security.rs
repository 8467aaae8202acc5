//! Settings → Security: whether two-factor authentication is on, turning it on (the QR code
//! of the otpauth URL drawn with `qrcode`, the secret to type, a code, then the recovery
//! codes shown once), turning it off, new recovery codes, the password, signing out the
//! other devices, exporting the account and deleting it. One form is open at a time.

use egui::{Color32, ColorImage, TextureHandle, TextureOptions, Ui};

use super::widgets::{FieldKind, error_line_ui, labelled_field_ui};
use super::words;
use crate::action::{Action, SecurityAction};
use crate::i18n::{Language, tr, tr_args};
use crate::state::{AppState, Screen, SecurityDone, SecurityField, SecurityPanel, SecurityState};

/// Pixels per QR module, and the quiet zone around the code in modules.
const QR_SCALE: usize = 4;
const QR_QUIET: usize = 4;

pub fn security_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let Screen::Shell(shell) = &state.screen else {
        return;
    };
    let lang = state.language;
    let security = &shell.security;
    let mut act = |a: SecurityAction| actions.push(Action::Security(a));
    ui.strong(tr(lang, "security.title"));
    let status = match security.status {
        None if security.loading => tr(lang, "security.loading"),
        None => tr(lang, "security.status_unknown"),
        Some(s) if s.enabled => tr_args(
            lang,
            "security.two_factor_on",
            &[("left", s.recovery_codes_left.to_string())],
        ),
        Some(_) => tr(lang, "security.two_factor_off"),
    };
    ui.label(status);
    let idle = !security.busy;
    ui.horizontal_wrapped(|ui| {
        let mut open = |ui: &mut Ui, key: &str, panel: SecurityPanel| {
            let button = egui::Button::new(tr(lang, key)).selected(security.panel == panel);
            if ui.add_enabled(idle, button).clicked() {
                let target = if security.panel == panel {
                    SecurityPanel::None
                } else {
                    panel
                };
                act(SecurityAction::Open(target));
            }
        };
        match security.status {
            Some(s) if s.enabled => {
                open(ui, "security.turn_off", SecurityPanel::Disable);
                open(ui, "security.new_codes", SecurityPanel::NewCodes);
            }
            Some(_) => open(ui, "security.turn_on", SecurityPanel::SetUp),
            None => {}
        }
        open(ui, "security.change_password", SecurityPanel::Password);
    });
    if security.panel != SecurityPanel::None {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            panel_ui(ui, lang, security, &mut act);
        });
    }
    if let Some(codes) = &security.recovery_codes {
        recovery_codes_ui(ui, lang, codes, &mut act);
    }
    if security.panel == SecurityPanel::None
        && let Some(error) = &security.error
    {
        error_line_ui(ui, &words::error_message(lang, error));
    }
    if let Some(done) = &security.done {
        let text = match done {
            SecurityDone::Enabled => tr(lang, "security.enabled"),
            SecurityDone::Disabled => tr(lang, "security.disabled"),
            SecurityDone::PasswordChanged => tr(lang, "security.password_changed"),
            SecurityDone::OthersSignedOut => tr(lang, "security.others_signed_out"),
            SecurityDone::Exported(path) => tr_args(
                lang,
                "security.exported",
                &[("path", path.display().to_string())],
            ),
        };
        ui.label(egui::RichText::new(text).strong());
    }
    ui.add_space(8.0);
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(
                idle,
                egui::Button::new(tr(lang, "security.sign_out_others")),
            )
            .clicked()
        {
            act(SecurityAction::SignOutOthers);
        }
        if ui
            .add_enabled(idle, egui::Button::new(tr(lang, "security.export")))
            .clicked()
        {
            act(SecurityAction::Export);
        }
        let delete = egui::Button::new(
            egui::RichText::new(tr(lang, "security.delete")).color(ui.visuals().error_fg_color),
        );
        if ui.add_enabled(idle, delete).clicked() {
            act(SecurityAction::Open(SecurityPanel::Delete));
        }
        if security.busy {
            ui.spinner();
        }
    });
}

/// The open form.
fn panel_ui(
    ui: &mut Ui,
    lang: Language,
    security: &SecurityState,
    act: &mut impl FnMut(SecurityAction),
) {
    let (intro, submit) = match security.panel {
        SecurityPanel::SetUp if security.setup.is_some() => ("security.scan", "security.enable"),
        SecurityPanel::SetUp => ("security.setup_intro", "security.continue"),
        SecurityPanel::Disable => ("security.disable_intro", "security.turn_off"),
        SecurityPanel::NewCodes => ("security.new_codes_intro", "security.new_codes"),
        SecurityPanel::Password => ("security.password_intro", "security.change_password"),
        SecurityPanel::Delete => ("security.delete_intro", "security.delete_forever"),
        SecurityPanel::None => return,
    };
    ui.label(tr(lang, intro));
    if let Some(setup) = &security.setup {
        if let Some(texture) = qr_texture(ui, &setup.otpauth_url) {
            ui.add(egui::Image::new(&texture).fit_to_original_size(1.0));
        }
        ui.label(tr(lang, "security.secret"));
        let mut secret = setup.secret.as_str();
        ui.add(
            egui::TextEdit::singleline(&mut secret)
                .font(egui::TextStyle::Monospace)
                .desired_width(f32::INFINITY),
        );
    }
    let enabled = !security.busy;
    let mut submitted = false;
    let mut field = |ui: &mut Ui, key: &str, value: &str, kind: FieldKind, f: SecurityField| {
        let error = security.field_error(f);
        let out = labelled_field_ui(
            ui,
            lang,
            &tr(lang, key),
            value,
            kind,
            enabled,
            error.as_ref(),
        );
        if let Some(value) = out.changed {
            act(SecurityAction::Edited(f, value));
        }
        submitted |= out.submitted;
    };
    let setting_up_code = security.panel == SecurityPanel::SetUp && security.setup.is_some();
    if !setting_up_code {
        let key = if security.panel == SecurityPanel::Password {
            "security.current_password"
        } else {
            "field.password"
        };
        field(
            ui,
            key,
            &security.password,
            FieldKind::Password,
            SecurityField::Password,
        );
    }
    if security.panel == SecurityPanel::Password {
        field(
            ui,
            "security.new_password",
            &security.new_password,
            FieldKind::Password,
            SecurityField::NewPassword,
        );
        field(
            ui,
            "security.repeat_password",
            &security.repeat,
            FieldKind::Password,
            SecurityField::Repeat,
        );
    }
    if security.asks_code() {
        let key = if setting_up_code {
            "field.code"
        } else {
            "security.code_or_recovery"
        };
        field(
            ui,
            key,
            &security.code,
            FieldKind::Text,
            SecurityField::Code,
        );
    }
    if security.panel == SecurityPanel::Delete {
        let mut confirmed = security.delete_confirmed;
        if ui
            .add_enabled(
                enabled,
                egui::Checkbox::new(&mut confirmed, tr(lang, "security.delete_confirm")),
            )
            .changed()
        {
            act(SecurityAction::DeleteConfirmed(confirmed));
        }
    }
    if let Some(error) = &security.error {
        error_line_ui(ui, &words::error_message(lang, error));
    }
    ui.horizontal(|ui| {
        let ready = security.panel != SecurityPanel::Delete || security.delete_confirmed;
        let mut text = egui::RichText::new(tr(lang, submit));
        if security.panel == SecurityPanel::Delete {
            text = text.color(ui.visuals().error_fg_color);
        }
        if ui
            .add_enabled(enabled && ready, egui::Button::new(text))
            .clicked()
            || (submitted && ready)
        {
            act(SecurityAction::Submitted);
        }
        if ui
            .add_enabled(enabled, egui::Button::new(tr(lang, "security.cancel")))
            .clicked()
        {
            act(SecurityAction::Open(SecurityPanel::None));
        }
    });
}

/// The ten recovery codes, shown this once.
fn recovery_codes_ui(
    ui: &mut Ui,
    lang: Language,
    codes: &[String],
    act: &mut impl FnMut(SecurityAction),
) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.strong(tr(lang, "security.codes_title"));
        ui.label(tr(lang, "security.codes_intro"));
        let mut all = codes.join("\n");
        ui.add(
            egui::TextEdit::multiline(&mut all.as_str())
                .font(egui::TextStyle::Monospace)
                .desired_rows(codes.len()),
        );
        all.clear();
        ui.horizontal(|ui| {
            if ui.button(tr(lang, "security.copy")).clicked() {
                ui.ctx().copy_text(codes.join("\n"));
            }
            if ui.button(tr(lang, "security.codes_saved")).clicked() {
                act(SecurityAction::CodesSaved);
            }
        });
    });
}

/// The QR code of `url` as a texture, made once per URL and kept in egui's memory.
fn qr_texture(ui: &Ui, url: &str) -> Option<TextureHandle> {
    let id = egui::Id::unique(("security-qr", url));
    if let Some(texture) = ui.ctx().data(|d| d.get_temp::<TextureHandle>(id)) {
        return Some(texture);
    }
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QR_QUIET) * QR_SCALE;
    let mut pixels = vec![Color32::WHITE; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (mx, my) = (i % modules + QR_QUIET, i / modules + QR_QUIET);
        for dy in 0..QR_SCALE {
            let row = (my * QR_SCALE + dy) * side;
            for dx in 0..QR_SCALE {
                pixels[row + mx * QR_SCALE + dx] = Color32::BLACK;
            }
        }
    }
    let image = ColorImage::new([side, side], pixels);
    let texture = ui
        .ctx()
        .load_texture("security-qr", image, TextureOptions::NEAREST);
    ui.ctx().data_mut(|d| d.insert_temp(id, texture.clone()));
    Some(texture)
}
