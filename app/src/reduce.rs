//! The reducer: the one place the state changes.
//!
//! `reduce` is pure: no I/O and no clock. It returns the effects (HTTP calls, token-store
//! writes, WebSocket commands, wake-up requests) for [`crate::net::Executor`] to run; their
//! results come back as actions.

mod chats;
mod compose;
mod connection;
mod directory;
mod forms;
mod frames;
mod outbox;
mod prefs;
mod session;
mod shell;
#[cfg(test)]
mod tests;

use natter_shared::ws::ClientFrame;

pub use chats::{GAP_PAGE, GAP_RELOAD, HISTORY_PAGE};
pub use compose::TYPING_RESEND;
pub use connection::ws_url;
pub use directory::{SEARCH_DEBOUNCE, group_ready};
pub use frames::TYPING_SHOWN;
pub use outbox::SEND_TIMEOUT;
pub use prefs::NOTIFY_COALESCE;

use crate::action::Action;
use crate::effect::Effect;
use crate::state::{AppState, Notice};

/// Applies `action` to `state` and returns what must happen outside.
pub fn reduce(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::Started { stored } => session::start(state, stored),
        Action::LanguageChosen(language) => {
            state.language = language;
            Vec::new()
        }
        Action::ServerUrlEdited(url) => forms::edit_server_url(state, url),
        Action::AuthFieldEdited { field, value } => forms::edit(state, field, value),
        Action::SignInSubmitted => forms::submit_sign_in(state),
        Action::RegisterSubmitted => forms::submit_register(state),
        Action::ShowRegister => forms::show_register(state),
        Action::ShowSignIn => forms::show_sign_in(state),
        Action::RestoreRetried => session::retry_restore(state),
        Action::RestoreAbandoned => session::end(state, None),
        Action::TabChosen(tab) => shell::choose_tab(state, tab),
        Action::ProfileFieldEdited { field, value } => shell::edit_profile(state, field, value),
        Action::ProfileSubmitted => shell::submit_profile(state),
        Action::ProfileReverted => shell::revert_profile(state),
        Action::DevicesReloadRequested => shell::reload_devices(state),
        Action::DeviceSignOutRequested(id) => shell::sign_out_device(state, id),
        Action::SignOutRequested => shell::sign_out(state),
        Action::NoticeDismissed => {
            state.notice = None;
            Vec::new()
        }
        Action::ApiFinished(response) => session::api_finished(state, response),
        Action::SessionStoreFailed(_) => {
            state.notice = Some(Notice::SessionNotSaved);
            Vec::new()
        }
        Action::Socket(event) => connection::socket_event(state, event),
        Action::Tick { now } => {
            let mut effects = connection::tick(state, now);
            effects.extend(directory::tick(state, now));
            effects
        }
        Action::ReconnectRequested { now } => connection::reconnect_now(state, now),
        Action::ChatOpened(chat_id) => chats::open(state, chat_id),
        Action::ChatClosed => {
            state.chats.open = None;
            Vec::new()
        }
        Action::OlderMessagesWanted(chat_id) => chats::load_older(state, chat_id),
        Action::MessageSeen { chat_id, seq } => chats::seen(state, chat_id, seq),
        Action::MessageSubmitted {
            chat_id,
            text,
            reply_to,
            request_id,
            now,
        } => outbox::submit(state, chat_id, &text, reply_to, request_id, now),
        Action::MessageRetried { request_id, now } => outbox::retry(state, request_id, now),
        Action::MessageDiscarded(request_id) => outbox::discard(state, request_id),
        Action::TypingChanged { chat_id, is_typing } => {
            connection::send(state, ClientFrame::Typing { chat_id, is_typing })
                .into_iter()
                .collect()
        }
        Action::ClockSet { now, offset } => prefs::clock(state, now, offset),
        Action::WindowFocused(focused) => prefs::focus(state, focused),
        Action::ChatFilterEdited(filter) => compose::edit_filter(state, filter),
        Action::ComposerEdited { chat_id, text, now } => compose::edit(state, chat_id, text, now),
        Action::ReplyChosen {
            chat_id,
            message_id,
        } => compose::choose_reply(state, chat_id, message_id),
        Action::NewChatOpened { group } => directory::open_dialog(state, group),
        Action::NewChatClosed => directory::close_dialog(state),
        Action::UserSearchEdited { query, now } => directory::search_edited(state, query, now),
        Action::GroupTitleEdited(title) => directory::edit_title(state, title),
        Action::GroupMemberToggled(user) => directory::toggle_member(state, user),
        Action::DirectChatRequested(user) => directory::request_direct(state, user),
        Action::GroupCreateRequested => directory::request_group(state),
        Action::PreferenceSet(preference) => prefs::set(state, preference),
        Action::ChatMuteSet { chat_id, muted } => prefs::mute(state, chat_id, muted),
    }
}
