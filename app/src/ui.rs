//! The views: functions of `&AppState` that draw and push [`crate::action::Action`]s.
//! A function with the `_ui` suffix draws.

mod devices;
mod profile;
mod register;
mod restoring;
mod root;
mod shell;
mod sign_in;
mod widgets;

pub use devices::devices_ui;
pub use profile::profile_ui;
pub use register::register_ui;
pub use restoring::restoring_ui;
pub use root::app_ui;
pub use shell::shell_ui;
pub use sign_in::sign_in_ui;
