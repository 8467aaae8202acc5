//! The reducer: the one place the state changes.
//!
//! `reduce` is pure: no I/O and no clock. It returns the effects (HTTP calls, token-store
//! writes, WebSocket commands, wake-up requests) for [`crate::net::Executor`] to run; their
//! results come back as actions.

mod calls;
mod chat_list;
mod compose;
mod connection;
mod directory;
mod edits;
mod events;
mod forms;
mod frames;
mod groups;
mod history;
mod kept;
mod outbox;
mod prefs;
mod reads;
mod search;
mod security;
mod session;
mod shell;
#[cfg(test)]
mod tests;
mod transfers;
mod update;
mod window;

use chrono::{DateTime, Utc};
use natter_shared::ErrorCode;
use natter_shared::ws::ClientFrame;

pub use compose::TYPING_RESEND;
pub use connection::ws_url;
pub use directory::SEARCH_DEBOUNCE;
pub use edits::last_own;
pub use frames::TYPING_SHOWN;
pub use history::{GAP_PAGE, GAP_RELOAD, HISTORY_PAGE};
pub use kept::everything as kept_everything;
pub use outbox::SEND_TIMEOUT;
pub use prefs::NOTIFY_COALESCE;
pub use search::SEARCH_PAUSE;

use crate::action::{Action, SocketEvent, SocketEventKind};
use crate::api::{ApiCall, ApiFailure, ApiReply, ApiResponse};
use crate::effect::Effect;
use crate::state::{AppState, Around, Notice, Screen};
use session::Refreshed;

/// Applies `action` to `state` and returns what must happen outside. What the local store
/// keeps follows the state: the differences an action made are written (`reduce/kept.rs`).
pub fn reduce(state: &mut AppState, action: Action) -> Vec<Effect> {
    // the clock of every frame changes nothing kept; what the store loaded is there already
    let quiet = matches!(action, Action::ClockSet { .. });
    let loaded = matches!(action, Action::KeptLoaded(_));
    kept::prime(state);
    let mut effects = route(state, action);
    if loaded {
        kept::retake(state);
    } else if !quiet {
        effects.extend(kept::writes(state));
    }
    effects
}

fn route(state: &mut AppState, action: Action) -> Vec<Effect> {
    match action {
        Action::KeptLoaded(kept) => kept::restore(state, *kept),
        Action::Started { stored } => {
            let mut effects = session::start(state, stored);
            effects.extend(transfers::resume_all(state));
            effects
        }
        Action::LanguageChosen(language) => {
            state.language = language;
            Vec::new()
        }
        Action::ServerUrlEdited(url) => forms::edit_server_url(state, url),
        Action::AuthFieldEdited { field, value } => forms::edit(state, field, value),
        Action::SignInSubmitted => forms::submit_sign_in(state),
        Action::SecondFactorEdited(code) => forms::edit_second_factor(state, code),
        Action::SecondFactorRecoveryToggled => forms::toggle_recovery(state),
        Action::SecondFactorSubmitted => forms::submit_second_factor(state),
        Action::SecondFactorCancelled => forms::cancel_second_factor(state),
        Action::Security(action) => security::act(state, action),
        Action::RegisterSubmitted => forms::submit_register(state),
        Action::ShowRegister => forms::show_register(state),
        Action::ShowSignIn => forms::show_sign_in(state),
        Action::RestoreRetried => session::retry_restore(state),
        Action::RestoreAbandoned => session::end(state, None),
        Action::TabChosen(tab) => shell::choose_tab(state, tab),
        Action::ProfileFieldEdited { field, value } => shell::edit_profile(state, field, value),
        Action::ProfileSubmitted => shell::submit_profile(state),
        Action::ProfileReverted => shell::revert_profile(state),
        Action::PresenceVisibilityChosen(v) => shell::choose_presence_visibility(state, v),
        Action::DevicesReloadRequested => shell::reload_devices(state),
        Action::DeviceSignOutRequested(id) => shell::sign_out_device(state, id),
        Action::SignOutRequested => shell::sign_out(state),
        Action::NoticeDismissed => {
            state.notice = None;
            Vec::new()
        }
        Action::ApiFinished(response) => api_finished(state, response),
        Action::SessionStoreFailed(_) => {
            state.notice = Some(Notice::SessionNotSaved);
            Vec::new()
        }
        Action::StoreWriteFailed(problem) => {
            state.notice = Some(Notice::NotSavedLocally(problem));
            Vec::new()
        }
        Action::StoreWriteRecovered => {
            if matches!(state.notice, Some(Notice::NotSavedLocally(_))) {
                state.notice = None;
            }
            Vec::new()
        }
        Action::Socket(event) => socket_event(state, event),
        Action::Tick { now } => {
            let mut effects = connection::tick(state, now);
            effects.extend(outbox::expire(state, now));
            chat_list::expire_typing(state, now);
            effects.extend(directory::tick(state, now));
            effects.extend(search::tick(state, now));
            effects
        }
        Action::ReconnectRequested { now } => connection::reconnect_now(state, now),
        Action::ChatOpened(chat_id) => window::open_from_list(state, chat_id),
        Action::ChatClosed => {
            state.chats.open = None;
            Vec::new()
        }
        Action::OlderMessagesWanted(chat_id) => history::load_older(state, chat_id),
        Action::NewerMessagesWanted(chat_id) => window::load_newer(state, chat_id),
        Action::LatestWanted(chat_id) => window::back_to_live(state, chat_id),
        Action::Search(action) => search::act(state, action),
        Action::QuoteOpened {
            chat_id,
            message,
            now,
        } => window::open_quoted(state, chat_id, message, now),
        Action::MessageSeen { chat_id, seq } => reads::seen(state, chat_id, seq),
        Action::MessageSubmitted {
            chat_id,
            text,
            reply_to,
            request_id,
            now,
        } => {
            let mut effects = outbox::submit(state, chat_id, &text, reply_to, request_id, now);
            // what one sends goes at the end: a chat opened at an older message goes there
            effects.extend(window::back_to_live(state, chat_id));
            effects
        }
        Action::MessageRetried { request_id, now } => outbox::retry(state, request_id, now),
        Action::MessageDiscarded(request_id) => outbox::discard(state, request_id),
        Action::TypingChanged { chat_id, is_typing } => {
            calls::send(state, ClientFrame::Typing { chat_id, is_typing })
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
        Action::EditStarted {
            chat_id,
            message_id,
        } => edits::start(state, chat_id, message_id),
        Action::EditSubmitted {
            chat_id,
            message_id,
            text,
            request_id,
            now,
        } => edits::submit_edit(state, chat_id, message_id, &text, request_id, now),
        Action::DeleteAsked {
            chat_id,
            message_id,
        } => edits::ask_delete(state, chat_id, message_id),
        Action::DeleteCancelled => {
            state.message_actions.confirm_delete = None;
            Vec::new()
        }
        Action::DeleteConfirmed {
            for_everyone,
            request_id,
        } => edits::confirm_delete(state, for_everyone, request_id),
        Action::ReactionToggled {
            chat_id,
            message_id,
            emoji,
            request_id,
        } => edits::toggle_reaction(state, chat_id, message_id, emoji, request_id),
        Action::PinToggled {
            chat_id,
            message_id,
            request_id,
        } => edits::toggle_pin(state, chat_id, message_id, request_id),
        Action::SelectionToggled(id) => edits::toggle_selected(state, id),
        Action::SelectionCleared => {
            state.message_actions.selected.clear();
            Vec::new()
        }
        Action::ForwardOpened {
            chat_id,
            message_ids,
        } => edits::open_forward(state, chat_id, message_ids),
        Action::ForwardTargetToggled(chat) => edits::toggle_target(state, chat),
        Action::ForwardClosed => {
            state.message_actions.forward = None;
            Vec::new()
        }
        Action::ForwardSubmitted { request_id } => edits::submit_forward(state, request_id),
        Action::PreferenceSet(preference) => {
            let mut effects = prefs::set(state, preference);
            if matches!(preference, crate::state::Preference::CheckUpdates(_)) {
                effects.push(update::policy(state));
            }
            effects
        }
        action @ (Action::Update(_)
        | Action::UpdatesStarted
        | Action::UpdateCheckNow
        | Action::UpdateInstall
        | Action::UpdateRestart
        | Action::UpdateUrlEdited(_)) => update::act(state, action),
        Action::ChatMuteSet { chat_id, muted } => prefs::mute(state, chat_id, muted),
        Action::Group(action) => groups::act(state, action),
        Action::File(action) => transfers::act(state, action),
        Action::Transfer(event) => transfers::event(state, event),
        Action::FilesChosen { chat_id, files } => transfers::chosen(state, chat_id, files),
        Action::SaveTargetChosen { file, path } => transfers::save_target(state, file, path),
        Action::PhotoChosen { key, path, chat } => transfers::photo_chosen(state, key, path, chat),
    }
}

/// Routes a finished call to whoever waits for it.
fn api_finished(state: &mut AppState, response: ApiResponse) -> Vec<Effect> {
    if response.epoch != state.epoch {
        return Vec::new(); // meant for a session that has since ended
    }
    match &response.call {
        ApiCall::Register(_) | ApiCall::Login(_) | ApiCall::LoginSecondFactor(_) => {
            return forms::finished(state, response);
        }
        ApiCall::Refresh(_) => {
            return refresh_answered(state, response.result, response.received_at);
        }
        _ => {}
    }
    if let Err(ApiFailure::Server { status: 401, body }) = &response.result {
        let code = body.error.code;
        if code == ErrorCode::TokenExpired {
            return session::token_expired(state, response);
        }
        if ends_session(code) {
            let notice = if response.call == ApiCall::Logout {
                Notice::SignedOut
            } else {
                Notice::SessionEnded
            };
            return session::end(state, Some(notice));
        }
    }
    call_finished(state, response.call, response.result)
}

/// Hands an answer to the part of the reducer that made the call.
fn call_finished(
    state: &mut AppState,
    call: ApiCall,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    match (call, result) {
        (ApiCall::ListChats { offset, sync }, result) => {
            chat_list::listed(state, offset, sync, result)
        }
        (ApiCall::History { chat_id, query }, Ok(ApiReply::Messages(page))) => {
            let latest = query.before.is_none() && query.after.is_none();
            let mut effects = if Around::of(&query).is_some() {
                window::around_paged(state, chat_id, &query, page)
            } else {
                history::paged(state, chat_id, &query, page)
            };
            let loaded = state
                .chats
                .by_id
                .get(&chat_id)
                .is_some_and(|e| e.synced_seq.is_some());
            if latest && loaded {
                effects.extend(events::page_loaded(state, chat_id));
            }
            effects
        }
        (ApiCall::History { chat_id, query }, result) if Around::of(&query).is_some() => {
            window::around_failed(state, chat_id, &query, result)
        }
        (ApiCall::SearchMessages(query), result) => search::finished(state, query, result),
        (ApiCall::Events { chat_id, .. }, result) => events::fetched(state, chat_id, result),
        (ApiCall::Pins(chat_id), result) => events::pins_loaded(state, chat_id, result),
        (ApiCall::History { chat_id, query }, result) => {
            history::failed(state, chat_id, &query, result)
        }
        (ApiCall::MarkRead { chat_id, .. }, Ok(ApiReply::Read(read))) => {
            reads::marked(state, chat_id, &read)
        }
        (ApiCall::MarkRead { chat_id, .. }, _) => reads::mark_failed(state, chat_id),
        (ApiCall::GetChat(_), Ok(ApiReply::ChatDetails(details))) => {
            chat_list::detailed(state, *details)
        }
        (ApiCall::GetChat(chat_id), _) => chat_list::detail_failed(state, chat_id),
        (ApiCall::Group(call), result) => groups::finished(state, call, result),
        (ApiCall::Account(call), result) => security::finished(state, call, result),
        (ApiCall::SearchUsers { query }, Ok(ApiReply::Users(found)))
            if groups::found(state, &query, &found) =>
        {
            Vec::new()
        }
        (call @ (ApiCall::SearchUsers { .. } | ApiCall::CreateChat(_)), result) => {
            directory::finished(state, call, result)
        }
        (call, result) => shell::finished(state, call, result),
    }
}

/// 401 codes after which the session cannot be used again.
fn ends_session(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::SessionRevoked
            | ErrorCode::InvalidRefreshToken
            | ErrorCode::RefreshTokenReused
            | ErrorCode::InvalidToken
            | ErrorCode::MissingToken
    )
}

/// The answer to `POST /auth/refresh`: the shell opens (after a restore), the calls that
/// waited go out (or fail with it), and a socket attempt that waited goes too.
fn refresh_answered(
    state: &mut AppState,
    result: Result<ApiReply, ApiFailure>,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    match session::refreshed(state, result) {
        Refreshed::NoSession => Vec::new(),
        Refreshed::Refused => session::end(state, Some(Notice::SessionEnded)),
        Refreshed::Renewed {
            user,
            save,
            waiting,
        } => {
            let mut effects = vec![save];
            match &mut state.screen {
                Screen::Restoring { .. } => effects.extend(shell::enter(state, *user, now)),
                Screen::Shell(shell) => shell.user = *user,
                Screen::SignIn(_) | Screen::Register(_) => {}
            }
            for call in waiting {
                effects.extend(calls::authed(state, call));
            }
            effects.extend(connection::token_ready(state, now));
            effects
        }
        Refreshed::Failed { failure, waiting } => {
            if let Screen::Restoring { failure: shown } = &mut state.screen {
                *shown = Some(calls::ui_error(&failure));
            }
            let mut effects = Vec::new();
            for call in waiting {
                effects.extend(call_finished(state, call, Err(failure.clone())));
            }
            effects.extend(connection::token_failed(state, now));
            effects
        }
    }
}

/// Routes what happened on the WebSocket.
fn socket_event(state: &mut AppState, event: SocketEvent) -> Vec<Effect> {
    if !connection::is_current(state, event.epoch, event.conn) {
        return Vec::new(); // an attempt already given up on
    }
    let at = event.at;
    match event.kind {
        SocketEventKind::Opened => opened(state, at),
        SocketEventKind::Frame(frame) => {
            connection::heard(state, at);
            frames::apply(state, *frame, at)
        }
        SocketEventKind::Heard => {
            connection::heard(state, at);
            Vec::new()
        }
        SocketEventKind::Unauthorized => connection::refused(state, at),
        SocketEventKind::Lost(detail) => {
            tracing::info!(%detail, "WebSocket lost");
            connection::lost(state, at)
        }
    }
}

/// The link is up: everything queued goes out, the chat list re-syncs (fetching any gaps),
/// and read cursors that could not be sent go now.
fn opened(state: &mut AppState, at: DateTime<Utc>) -> Vec<Effect> {
    let mut effects = connection::opened(state, at);
    effects.extend(outbox::flush(state, at));
    effects.extend(edits::flush(state));
    effects.extend(chat_list::sync(state));
    effects.extend(chat_list::resync_members(state));
    effects.extend(groups::reload_panel(state));
    effects.extend(reads::resend_reads(state));
    effects.extend(groups::load_invites(state));
    effects
}
