//! Groups: invitations (loaded when the link opens, kept by frames, answered from the chat
//! list), the group info panel (members, roles, muting, removing, leaving, title and
//! description, inviting), and what a service message or `membership_ended` changes.

use natter_shared::api::{
    DepartureReason, Invite, Message, UpdateChatRequest, UpdateMemberRequest, UserSearchQuery,
    UserSearchResponse,
};
use natter_shared::{ChatId, InviteId, UserId};

use super::calls::{authed, ui_error};
use super::chat_list;
use crate::action::GroupAction;
use crate::api::{ApiCall, ApiFailure, ApiReply, GroupCall};
use crate::effect::Effect;
use crate::state::AppState;
use crate::state::groups::{GroupPanel, MemberAct};

/// Routes a person's group action.
pub(super) fn act(state: &mut AppState, action: GroupAction) -> Vec<Effect> {
    match action {
        GroupAction::PanelOpened(chat) => open(state, chat),
        GroupAction::PanelClosed => {
            state.chats.groups.panel = None;
            Vec::new()
        }
        GroupAction::TitleEdited(t) => edit_panel(state, |p| {
            p.title = t;
            p.dirty = true;
        }),
        GroupAction::DescriptionEdited(d) => edit_panel(state, |p| {
            p.description = d;
            p.dirty = true;
        }),
        GroupAction::InfoSaved => save(state),
        GroupAction::MemberActed { user_id, act } => member(state, user_id, act),
        GroupAction::LeaveAsked => edit_panel(state, |p| p.confirm_leave = true),
        GroupAction::LeaveCancelled => edit_panel(state, |p| p.confirm_leave = false),
        GroupAction::LeaveConfirmed => leave(state),
        GroupAction::InviteQueryEdited(q) => search(state, q),
        GroupAction::InviteSent(user_id) => invite(state, user_id),
        GroupAction::InviteAnswered { invite, accept } => answer(state, invite, accept),
        GroupAction::RequestAnswered { chat_id, accept } => authed(
            state,
            ApiCall::Group(GroupCall::AnswerRequest { chat_id, accept }),
        ),
        GroupAction::BlockSet { user_id, on } => {
            authed(state, ApiCall::Group(GroupCall::Block { user_id, on }))
        }
        GroupAction::EndedDismissed(chat) => {
            let groups = &mut state.chats.groups;
            groups.ended.remove(&chat);
            groups.ended_summaries.remove(&chat);
            state.chats.by_id.remove(&chat);
            state.chats.order.retain(|c| *c != chat);
            if state.chats.open == Some(chat) {
                state.chats.open = None;
            }
            Vec::new()
        }
        GroupAction::LinkCreated => match panel_chat(state) {
            Some(chat) => authed(state, ApiCall::Group(GroupCall::CreateLink(chat))),
            None => Vec::new(),
        },
        GroupAction::LinkRevoked(token) => match panel_chat(state) {
            Some(chat_id) => authed(
                state,
                ApiCall::Group(GroupCall::RevokeLink { chat_id, token }),
            ),
            None => Vec::new(),
        },
        GroupAction::JoinTokenEdited(t) => {
            state.chats.groups.join_token = t;
            state.chats.groups.join_outcome = None;
            Vec::new()
        }
        GroupAction::JoinSubmitted => {
            // a pasted link works as well as the bare token: its last part is the token
            let typed = state.chats.groups.join_token.trim();
            let token = typed.rsplit('/').next().unwrap_or(typed).to_owned();
            if token.is_empty() {
                return Vec::new();
            }
            authed(state, ApiCall::Group(GroupCall::Join(token)))
        }
    }
}

fn edit_panel(state: &mut AppState, f: impl FnOnce(&mut GroupPanel)) -> Vec<Effect> {
    if let Some(p) = &mut state.chats.groups.panel {
        f(p);
    }
    Vec::new()
}

fn open(state: &mut AppState, chat: ChatId) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get(&chat) else {
        return Vec::new();
    };
    let (title, description) = match &entry.group {
        Some(g) => (g.title.clone(), g.description.clone()),
        None => (
            entry.summary.title.clone().unwrap_or_default(),
            String::new(),
        ),
    };
    state.chats.groups.panel = Some(GroupPanel::new(chat, title, description));
    let mut effects = authed(state, ApiCall::Group(GroupCall::Members(chat)));
    effects.extend(authed(state, ApiCall::GetChat(chat)));
    effects
}

/// After every (re)connect: an open info panel's member list (online dots, roles) is asked
/// again, for what changed while the link was down.
pub(super) fn reload_panel(state: &mut AppState) -> Vec<Effect> {
    match panel_chat(state) {
        Some(chat) => authed(state, ApiCall::Group(GroupCall::Members(chat))),
        None => Vec::new(),
    }
}

fn panel_chat(state: &AppState) -> Option<ChatId> {
    state.chats.groups.panel.as_ref().map(|p| p.chat)
}

fn save(state: &mut AppState) -> Vec<Effect> {
    let Some(p) = &mut state.chats.groups.panel else {
        return Vec::new();
    };
    p.dirty = false;
    let body = UpdateChatRequest {
        title: Some(p.title.clone()),
        description: Some(p.description.clone()),
        ..UpdateChatRequest::default()
    };
    let chat_id = p.chat;
    authed(
        state,
        ApiCall::Group(GroupCall::UpdateChat { chat_id, body }),
    )
}

fn member(state: &mut AppState, user_id: UserId, act: MemberAct) -> Vec<Effect> {
    let Some(chat_id) = panel_chat(state) else {
        return Vec::new();
    };
    let call = match act {
        MemberAct::Role(role) => GroupCall::UpdateMember {
            chat_id,
            user_id,
            body: UpdateMemberRequest {
                role: Some(role),
                muted: None,
            },
        },
        MemberAct::Mute(muted) => GroupCall::UpdateMember {
            chat_id,
            user_id,
            body: UpdateMemberRequest {
                role: None,
                muted: Some(muted),
            },
        },
        MemberAct::Remove => GroupCall::Remove { chat_id, user_id },
        MemberAct::Ban => GroupCall::Ban { chat_id, user_id },
        MemberAct::HandOver => GroupCall::HandOver { chat_id, user_id },
    };
    authed(state, ApiCall::Group(call))
}

fn leave(state: &mut AppState) -> Vec<Effect> {
    let (Some(chat_id), Some(me)) = (panel_chat(state), state.session.as_ref().map(|s| s.user_id))
    else {
        return Vec::new();
    };
    edit_panel(state, |p| p.confirm_leave = false);
    authed(
        state,
        ApiCall::Group(GroupCall::Remove {
            chat_id,
            user_id: me,
        }),
    )
}

fn search(state: &mut AppState, query: String) -> Vec<Effect> {
    let Some(p) = &mut state.chats.groups.panel else {
        return Vec::new();
    };
    p.invite_query = query.clone();
    if !UserSearchQuery::long_enough(&query) {
        p.invite_results.clear();
        return Vec::new();
    }
    authed(state, ApiCall::SearchUsers { query })
}

/// People found for the panel's invite search (`true`: the answer was the panel's).
pub(super) fn found(state: &mut AppState, query: &str, found: &UserSearchResponse) -> bool {
    match &mut state.chats.groups.panel {
        Some(p) if p.invite_query == query => {
            p.invite_results = found.users.clone();
            true
        }
        _ => false,
    }
}

fn invite(state: &mut AppState, user_id: UserId) -> Vec<Effect> {
    let Some(chat_id) = panel_chat(state) else {
        return Vec::new();
    };
    authed(
        state,
        ApiCall::Group(GroupCall::Invite { chat_id, user_id }),
    )
}

fn answer(state: &mut AppState, invite: InviteId, accept: bool) -> Vec<Effect> {
    if state.chats.groups.answering.contains(&invite) {
        return Vec::new();
    }
    state.chats.groups.answering.push(invite);
    authed(state, ApiCall::Group(GroupCall::Answer { invite, accept }))
}

/// The link opened: the invitations are read (again).
pub(super) fn load_invites(state: &mut AppState) -> Vec<Effect> {
    authed(state, ApiCall::Group(GroupCall::ListInvites))
}

/// A group call came back.
pub(super) fn finished(
    state: &mut AppState,
    call: GroupCall,
    result: Result<ApiReply, ApiFailure>,
) -> Vec<Effect> {
    let groups = &mut state.chats.groups;
    match (call, result) {
        (GroupCall::ListInvites, Ok(ApiReply::Invites(list))) => {
            groups.invites = list.invites;
            Vec::new()
        }
        // a failed read is done again when the link next opens
        (GroupCall::ListInvites, _) => Vec::new(),
        (GroupCall::Answer { invite, .. }, result) => {
            groups.answering.retain(|i| *i != invite);
            match result {
                Ok(reply) => {
                    groups.invites.retain(|i| i.id != invite);
                    match reply {
                        ApiReply::Chat(chat) => chat_list::upsert(state, *chat),
                        _ => Vec::new(),
                    }
                }
                // gone already (expired, answered elsewhere): it leaves the list
                Err(ApiFailure::Server { status, .. }) if status == 404 || status == 410 => {
                    groups.invites.retain(|i| i.id != invite);
                    Vec::new()
                }
                Err(_) => Vec::new(),
            }
        }
        (GroupCall::Members(chat), Ok(ApiReply::Members(list))) => {
            let manages = natter_shared::api::may(
                list.my_role,
                list.my_muted,
                natter_shared::api::GroupAction::EditInfo,
                None,
                list.rules,
            )
            .is_ok();
            if let Some(p) = groups.panel.as_mut().filter(|p| p.chat == chat) {
                p.members = Some(list);
                if manages {
                    return authed(state, ApiCall::Group(GroupCall::Links(chat)));
                }
            }
            Vec::new()
        }
        (GroupCall::Links(chat), Ok(ApiReply::Links(links))) => {
            if let Some(p) = groups.panel.as_mut().filter(|p| p.chat == chat) {
                p.links = links;
            }
            Vec::new()
        }
        (GroupCall::CreateLink(chat) | GroupCall::RevokeLink { chat_id: chat, .. }, Ok(_)) => {
            authed(state, ApiCall::Group(GroupCall::Links(chat)))
        }
        (GroupCall::Join(_), result) => {
            groups.join_outcome = Some(match result {
                Ok(ApiReply::Joined(natter_shared::api::JoinResult::Joined { .. })) => {
                    groups.join_token.clear();
                    Ok(true)
                }
                Ok(_) => Ok(false),
                Err(failure) => Err(ui_error(&failure)),
            });
            Vec::new()
        }
        (GroupCall::AnswerRequest { .. }, Ok(ApiReply::Chat(chat))) => {
            chat_list::upsert(state, *chat)
        }
        (GroupCall::UpdateChat { .. }, Ok(ApiReply::ChatDetails(details))) => {
            chat_list::detailed(state, *details)
        }
        (GroupCall::Invite { chat_id, user_id }, Ok(_)) => {
            if let Some(p) = groups.panel.as_mut().filter(|p| p.chat == chat_id) {
                p.invited.push(user_id);
                p.error = None;
            }
            Vec::new()
        }
        (call, Ok(_)) => match call.chat() {
            // the members changed: read them again
            Some(chat) if panel_chat(state) == Some(chat) => {
                authed(state, ApiCall::Group(GroupCall::Members(chat)))
            }
            _ => Vec::new(),
        },
        (call, Err(failure)) => {
            if let Some(p) = groups
                .panel
                .as_mut()
                .filter(|p| Some(p.chat) == call.chat())
            {
                p.error = Some(ui_error(&failure));
            }
            Vec::new()
        }
    }
}

/// `invite_received`: a new invitation (or a renewed one) goes to the top.
pub(super) fn invited(state: &mut AppState, invite: Invite) -> Vec<Effect> {
    let invites = &mut state.chats.groups.invites;
    invites.retain(|i| i.id != invite.id && i.chat_id != invite.chat_id);
    invites.insert(0, invite);
    Vec::new()
}

/// `invite_answered`: answered on another device, or (to the inviter) by the invitee.
pub(super) fn invite_answered(state: &mut AppState, invite: InviteId) -> Vec<Effect> {
    state.chats.groups.invites.retain(|i| i.id != invite);
    Vec::new()
}

/// `membership_ended`: the chat stays, read-only, with what I had seen.
pub(super) fn ended(state: &mut AppState, chat: ChatId, reason: DepartureReason) -> Vec<Effect> {
    state.chats.groups.ended.insert(chat, reason);
    if let Some(entry) = state.chats.by_id.get(&chat) {
        let summary = entry.summary.clone();
        state.chats.groups.ended_summaries.insert(chat, summary);
    }
    if panel_chat(state) == Some(chat) {
        state.chats.groups.panel = None;
    }
    Vec::new()
}

/// A service message arrived: the members (and the panel) are read again when it changed
/// them; a newcomer is back in a chat they had left.
pub(super) fn service_seen(state: &mut AppState, message: &Message) -> Vec<Effect> {
    let Some(action) = &message.service else {
        return Vec::new();
    };
    let chat = message.chat_id;
    let me = state.session.as_ref().map(|s| s.user_id);
    if let natter_shared::api::ServiceAction::Joined { user_id, .. } = action
        && Some(*user_id) == me
    {
        state.chats.groups.ended.remove(&chat);
        state.chats.groups.ended_summaries.remove(&chat);
    }
    let mut effects = Vec::new();
    if let Some(entry) = state.chats.by_id.get_mut(&chat) {
        entry.members_requested = false;
        if state.chats.open == Some(chat) && !state.chats.groups.ended.contains_key(&chat) {
            entry.members_requested = true;
            effects.extend(authed(state, ApiCall::GetChat(chat)));
        }
    }
    if panel_chat(state) == Some(chat) && action.changes_members() {
        effects.extend(authed(state, ApiCall::Group(GroupCall::Members(chat))));
    }
    effects
}
