//! [`Wake`]: how a worker thread tells the UI that actions are waiting.

use std::sync::Arc;

/// Wakes the UI so it drains the channel (`egui::Context::request_repaint`).
pub type Wake = Arc<dyn Fn() + Send + Sync>;
