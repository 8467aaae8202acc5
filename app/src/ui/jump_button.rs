//! The round "jump to the latest" button over the message list.

use egui::{Id, Rect, Ui};

use super::format::badge_text;
use super::theme::{JUMP_BUTTON, META_SIZE, UNREAD_BADGE};
use crate::action::Action;
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, ChatEntry};

/// A round "jump to the latest" button at the bottom right, with the unread count, when
/// scrolled up. Drawn by hand: the default fonts have no arrow glyphs. Answers whether it
/// was clicked (the list then scrolls to its end).
pub(super) fn jump_button_ui(
    ui: &mut Ui,
    state: &AppState,
    entry: &ChatEntry,
    view: Rect,
    actions: &mut Vec<Action>,
) -> bool {
    let lang = state.language;
    let unread = entry.summary.unread_count;
    let size = JUMP_BUTTON;
    let rect = Rect::from_min_size(
        view.right_bottom() - egui::vec2(size + 18.0, size + 14.0),
        egui::vec2(size, size),
    );
    let response = ui.interact(
        rect,
        Id::unique("natter-jump-to-latest"),
        egui::Sense::click(),
    );
    let label = if unread > 0 {
        tr_args(
            lang,
            "conversation.jump_unread",
            &[("count", unread.to_string())],
        )
    } else {
        tr(lang, "conversation.jump")
    };
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
    let visuals = ui.visuals();
    let fill = if response.hovered() {
        visuals.widgets.hovered.bg_fill
    } else {
        visuals.widgets.inactive.bg_fill
    };
    let stroke_color = visuals.text_color();
    let painter = ui.painter();
    painter.circle(rect.center(), size / 2.0, fill, visuals.window_stroke);
    let c = rect.center();
    let stroke = egui::Stroke::new(2.0, stroke_color);
    painter.line_segment(
        [c + egui::vec2(-8.0, -3.0), c + egui::vec2(0.0, 5.0)],
        stroke,
    );
    painter.line_segment(
        [c + egui::vec2(8.0, -3.0), c + egui::vec2(0.0, 5.0)],
        stroke,
    );
    if unread > 0 {
        let text = badge_text(unread);
        let galley = painter.layout_no_wrap(
            text,
            egui::FontId::proportional(META_SIZE),
            egui::Color32::WHITE,
        );
        let badge_size = egui::vec2((galley.size().x + 10.0).max(18.0), 18.0);
        let badge = Rect::from_center_size(rect.center_top(), badge_size);
        painter.rect_filled(badge, 9.0, UNREAD_BADGE);
        painter.galley(
            badge.center() - galley.size() / 2.0,
            galley,
            egui::Color32::WHITE,
        );
    }
    if response.clicked() {
        if entry.history.detached || entry.history.around.is_some() {
            actions.push(Action::LatestWanted(entry.summary.id));
        }
        ui.ctx().request_repaint();
    }
    response.clicked()
}
