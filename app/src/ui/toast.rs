//! A toast: a small box floating over the window in an area of its own (the connection
//! banner, the notices), so nothing moves when one comes or goes. It is opaque, the panel's
//! fill beneath its tint, so what it covers does not show through.

use egui::{Align2, Color32, Ui, Vec2};

/// Where a toast floats: the window's point it hangs from and its distance from there.
pub(super) struct Place {
    pub anchor: Align2,
    pub offset: Vec2,
}

/// Draws a toast tinted `tint` at `place`, holding what `add_contents` draws.
pub(super) fn toast_ui(
    ui: &Ui,
    id: egui::Id,
    place: Place,
    tint: Color32,
    add_contents: impl FnOnce(&mut Ui),
) {
    let base = ui.visuals().panel_fill;
    egui::Area::new(id)
        .order(egui::Order::Foreground)
        .anchor(place.anchor, place.offset)
        .show(ui.ctx(), |ui| {
            egui::Frame::new()
                .fill(base)
                .corner_radius(8.0)
                .show(ui, |ui| {
                    egui::Frame::new()
                        .fill(tint)
                        .corner_radius(8.0)
                        .inner_margin(egui::Margin::symmetric(12, 6))
                        .show(ui, add_contents);
                });
        });
}
