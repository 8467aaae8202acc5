//! The views: functions of `&AppState` that draw and push [`crate::action::Action`]s.
//! A function with the `_ui` suffix draws.

pub mod attachments;
mod auth_form;
mod banner;
mod chat_list;
mod composer;
mod conversation;
mod conversation_header;
mod devices;
pub mod drawn_images;
mod emoji;
mod emoji_glyphs;
mod emoji_picker;
pub mod format;
pub mod group_info;
mod group_photo;
mod history_status;
mod jump_button;
mod message_actions;
mod message_list;
mod message_parts;
mod message_row;
mod message_runs;
mod new_chat;
pub mod photo_loader;
mod prefix_sums;
mod privacy;
mod profile;
mod restoring;
mod root;
mod row_cache;
#[cfg(test)]
mod row_cache_tests;
mod search;
mod search_hits;
mod security;
mod settings;
mod shell;
mod theme;
mod update;
mod widgets;
pub mod words;

pub use auth_form::{register_ui, sign_in_ui};
pub use banner::connection_banner_ui;
pub use chat_list::chat_list_ui;
pub use composer::composer_ui;
pub use conversation::conversation_ui;
pub use devices::devices_ui;
pub use privacy::privacy_ui;
pub use profile::profile_ui;
pub use restoring::restoring_ui;
pub use root::app_ui;
pub use search::search_ui;
pub use security::security_ui;
pub use settings::settings_ui;
pub use shell::shell_ui;
