//! The "new chat" / "new group" dialog: the user search (debounced: it runs once the
//! person pauses typing, with the pause measured on the times the actions carry), picking
//! members, and `POST /chats`, after which the chat opens.

use chrono::{DateTime, TimeDelta, Utc};
use natter_shared::api::{CreateChatRequest, User, UserSearchQuery};
use natter_shared::{ChatTitle, UserId};

use super::calls::{authed, error_of};
use super::chat_list;
use crate::api::{ApiCall, ApiFailure, ApiReply};
use crate::effect::Effect;
use crate::state::{AppState, NewChat, Screen, ShellTab};

/// How long typing must pause before the search runs.
pub const SEARCH_DEBOUNCE: TimeDelta = TimeDelta::milliseconds(300);

pub(super) fn open_dialog(state: &mut AppState, group: bool) -> Vec<Effect> {
    state.new_chat = Some(NewChat {
        group,
        ..NewChat::default()
    });
    Vec::new()
}

pub(super) fn close_dialog(state: &mut AppState) -> Vec<Effect> {
    state.new_chat = None;
    Vec::new()
}

pub(super) fn search_edited(
    state: &mut AppState,
    query: String,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let Some(dialog) = state.new_chat.as_mut() else {
        return Vec::new();
    };
    dialog.query = query;
    dialog.error = None;
    if !UserSearchQuery::long_enough(&dialog.query) {
        dialog.search_due = None;
        dialog.results.clear();
        dialog.results_for.clear();
        return Vec::new();
    }
    let due = now + SEARCH_DEBOUNCE;
    dialog.search_due = Some(due);
    vec![Effect::WakeAt(due)]
}

/// The query as sent: trimmed, at most the server's limit.
fn search_text(query: &str) -> String {
    query
        .trim()
        .chars()
        .take(UserSearchQuery::MAX_QUERY)
        .collect()
}

/// Time passed: a search whose pause is over runs now.
pub(super) fn tick(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(dialog) = state.new_chat.as_mut() else {
        return Vec::new();
    };
    if dialog.search_due.is_none_or(|due| due > now) {
        return Vec::new();
    }
    dialog.search_due = None;
    let query = search_text(&dialog.query);
    if query.is_empty() || dialog.results_for == query && dialog.searching.is_none() {
        return Vec::new();
    }
    dialog.searching = Some(query.clone());
    authed(state, ApiCall::SearchUsers { query })
}

pub(super) fn toggle_member(state: &mut AppState, user: User) -> Vec<Effect> {
    if let Some(dialog) = state.new_chat.as_mut() {
        if let Some(index) = dialog.members.iter().position(|m| m.id == user.id) {
            dialog.members.remove(index);
        } else {
            dialog.members.push(user);
        }
    }
    Vec::new()
}

pub(super) fn edit_title(state: &mut AppState, title: String) -> Vec<Effect> {
    if let Some(dialog) = state.new_chat.as_mut() {
        dialog.title = title;
        dialog.error = None;
    }
    Vec::new()
}

pub(super) fn request_direct(state: &mut AppState, partner: UserId) -> Vec<Effect> {
    create(
        state,
        CreateChatRequest::Direct {
            partner_id: partner,
        },
    )
}

pub(super) fn request_group(state: &mut AppState) -> Vec<Effect> {
    let Some(dialog) = state.new_chat.as_ref() else {
        return Vec::new();
    };
    if !dialog.group || !dialog.group_ready() {
        return Vec::new();
    }
    let Ok(title) = ChatTitle::parse(&dialog.title) else {
        return Vec::new();
    };
    let request = CreateChatRequest::Group {
        title: title.into_inner(),
        member_ids: dialog.members.iter().map(|m| m.id).collect(),
    };
    create(state, request)
}

fn create(state: &mut AppState, request: CreateChatRequest) -> Vec<Effect> {
    let Some(dialog) = state.new_chat.as_mut() else {
        return Vec::new();
    };
    if dialog.creating {
        return Vec::new();
    }
    dialog.creating = true;
    dialog.error = None;
    authed(state, ApiCall::CreateChat(request))
}

/// The answer to a search or a create (the caller handled epochs and 401s).
pub(super) fn finished(
    state: &mut AppState,
    call: ApiCall,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    let me = state.session.as_ref().map(|s| s.user_id);
    let Some(dialog) = state.new_chat.as_mut() else {
        return Vec::new();
    };
    match (call, result) {
        (ApiCall::SearchUsers { query }, result) => {
            if dialog.searching.as_deref() != Some(query.as_str()) {
                return Vec::new(); // an older search
            }
            dialog.searching = None;
            match result {
                Ok(ApiReply::Users(found)) => {
                    dialog.results = found
                        .users
                        .into_iter()
                        .filter(|u| Some(u.id) != me)
                        .collect();
                    dialog.results_for = query;
                }
                other => dialog.error = Some(error_of(other)),
            }
            Vec::new()
        }
        (ApiCall::CreateChat(_), Ok(ApiReply::Chat(summary))) => {
            state.new_chat = None;
            let chat_id = summary.id;
            let mut effects = chat_list::upsert(state, *summary);
            if let Screen::Shell(shell) = &mut state.screen {
                shell.tab = ShellTab::Chats;
            }
            effects.extend(chat_list::open(state, chat_id));
            effects
        }
        (ApiCall::CreateChat(_), other) => {
            dialog.creating = false;
            dialog.error = Some(error_of(other));
            Vec::new()
        }
        _ => Vec::new(),
    }
}
