//! A test-only view of where things are on screen, for the tests and scripts that drive
//! the real binary with xdotool (`app/tests/portable.rs`, `scripts/screenshots`).
//!
//! With `NATTER_UI_PROBE=<file>` in the environment the app turns on egui's accessibility
//! tree (the one screen readers and the kittest tests read) and, after every frame whose
//! tree changed, writes to `<file>` (through a temporary file and a rename, so a reader
//! never sees half of it) each named widget: its role, its name (its label, a label's text,
//! or the label it is `labelled_by`), its text value (not a password's) and its rectangle in window pixels.
//! A driver then clicks "the text field named Username" or "the button named Bob Hatter"
//! wherever the layout puts it, instead of at fixed coordinates. Without the variable
//! nothing of this runs: no accessibility tree is built and nothing is written.

use std::collections::HashMap;
use std::path::PathBuf;

use egui::accesskit::{Node, NodeId, Role, TreeUpdate};
use serde::Serialize;

/// The environment variable naming the probe's file.
pub const ENV: &str = "NATTER_UI_PROBE";

/// Installs the probe when [`ENV`] names a file.
pub fn install_from_env(ctx: &egui::Context) {
    let Some(path) = std::env::var_os(ENV).filter(|p| !p.is_empty()) else {
        return;
    };
    tracing::info!(file = %PathBuf::from(&path).display(), "ui probe on");
    ctx.enable_accesskit();
    ctx.add_plugin(Probe {
        path: PathBuf::from(path),
        last: String::new(),
    });
}

struct Probe {
    path: PathBuf,
    /// What was written last (written again only when it changes).
    last: String,
}

/// The file's content.
#[derive(Debug, Serialize)]
struct Snapshot<'a> {
    /// Window pixels per egui point.
    pixels_per_point: f32,
    /// The window's inner size in pixels.
    size: [f32; 2],
    /// Top to bottom, then left to right.
    widgets: Vec<Widget<'a>>,
}

#[derive(Debug, Serialize, PartialEq)]
struct Widget<'a> {
    role: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    /// Left, top, right, bottom in window pixels.
    rect: [f32; 4],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    focused: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    disabled: bool,
}

impl egui::Plugin for Probe {
    fn debug_name(&self) -> &'static str {
        "natter-ui-probe"
    }

    fn on_begin_pass(&mut self, ui: &mut egui::Ui) {
        // eframe turns the tree off when a screen reader leaves; the probe keeps it on
        ui.ctx().enable_accesskit();
    }

    fn output_hook(&mut self, ctx: &egui::Context, output: &mut egui::FullOutput) {
        let Some(update) = &output.platform_output.accesskit_update else {
            return;
        };
        let scale = ctx.pixels_per_point();
        let size = ctx.content_rect().size() * scale;
        let text = describe(update, scale, [size.x, size.y]);
        if text == self.last {
            return;
        }
        let temporary = self.path.with_extension("probe-tmp");
        let written = std::fs::write(&temporary, &text)
            .and_then(|()| std::fs::rename(&temporary, &self.path));
        if let Err(error) = written {
            tracing::warn!(%error, "the ui probe could not write its file");
        }
        self.last = text;
    }
}

/// The probe file's JSON for one tree update.
fn describe(update: &TreeUpdate, scale: f32, size: [f32; 2]) -> String {
    let nodes: HashMap<NodeId, &Node> = update.nodes.iter().map(|(id, n)| (*id, n)).collect();
    let mut widgets: Vec<Widget<'_>> = update
        .nodes
        .iter()
        .filter_map(|(id, node)| {
            let bounds = node.bounds()?;
            let name = name_of(node).or_else(|| {
                node.labelled_by()
                    .iter()
                    .find_map(|target| nodes.get(target).and_then(|n| name_of(n)))
            })?;
            // a password's text stays out of the file
            let value = (!matches!(node.role(), Role::Label | Role::PasswordInput))
                .then(|| node.value())
                .flatten();
            let rect = [bounds.x0, bounds.y0, bounds.x1, bounds.y1].map(|v| v as f32 * scale);
            Some(Widget {
                role: format!("{:?}", node.role()),
                name,
                value,
                rect,
                focused: *id == update.focus,
                disabled: node.is_disabled(),
            })
        })
        .collect();
    widgets.sort_by(|a, b| {
        (a.rect[1], a.rect[0])
            .partial_cmp(&(b.rect[1], b.rect[0]))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let snapshot = Snapshot {
        pixels_per_point: scale,
        size,
        widgets,
    };
    serde_json::to_string(&snapshot).unwrap_or_default()
}

/// A node's own name: its label, or a text label's text.
fn name_of(node: &Node) -> Option<&str> {
    node.label()
        .or_else(|| (node.role() == Role::Label).then(|| node.value()).flatten())
        .filter(|name| !name.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;
    use egui::accesskit::{Rect, TreeId, TreeInfo};

    #[test]
    fn named_widgets_are_listed_top_down_in_window_pixels() {
        let field_label = NodeId(1);
        let mut label = Node::new(Role::Label);
        label.set_value("Username");
        label.set_bounds(Rect::new(10.0, 40.0, 80.0, 56.0));
        let mut field = Node::new(Role::TextInput);
        field.push_labelled_by(field_label);
        field.set_value("alice");
        field.set_bounds(Rect::new(10.0, 60.0, 370.0, 80.0));
        let mut button = Node::new(Role::Button);
        button.set_label("Sign in");
        button.set_bounds(Rect::new(10.0, 10.0, 60.0, 30.0));
        let mut password = Node::new(Role::PasswordInput);
        password.set_label("Password");
        password.set_value("hunter22");
        password.set_bounds(Rect::new(10.0, 90.0, 370.0, 110.0));
        let unnamed = Node::new(Role::GenericContainer);
        let update = TreeUpdate {
            nodes: vec![
                (field_label, label),
                (NodeId(2), field),
                (NodeId(3), button),
                (NodeId(4), unnamed),
                (NodeId(5), password),
            ],
            tree: Some(TreeInfo::new(NodeId(0))),
            tree_id: TreeId::ROOT,
            focus: NodeId(2),
        };

        let text = describe(&update, 2.0, [1800.0, 1280.0]);

        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let widgets = json["widgets"].as_array().unwrap();
        let names: Vec<&str> = widgets
            .iter()
            .map(|w| w["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Sign in", "Username", "Username", "Password"]);
        assert!(
            !text.contains("hunter22"),
            "no password in the file: {text}"
        );
        assert_eq!(widgets[2]["role"], "TextInput");
        assert_eq!(widgets[2]["value"], "alice");
        assert_eq!(widgets[2]["focused"], true);
        assert_eq!(
            widgets[2]["rect"],
            serde_json::json!([20.0, 120.0, 740.0, 160.0])
        );
        assert_eq!(json["size"], serde_json::json!([1800.0, 1280.0]));
    }
}
