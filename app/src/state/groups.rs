//! Groups as the app knows them: the open invitations, the group info panel, and the chats
//! this person is no longer in.

use std::collections::HashMap;

use natter_shared::api::{
    ChatRole, DepartureReason, GroupAction, Invite, JoinLink, MemberList, User,
};
use natter_shared::{ChatId, InviteId, UserId};

use super::UiError;

/// Everything about groups for the signed-in person (reset with the session).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupsState {
    /// Open invitations to me, newest first (from `GET /invites`, kept by frames).
    pub invites: Vec<Invite>,
    /// Invitations being answered (their buttons are off).
    pub answering: Vec<InviteId>,
    /// The group info panel, when open.
    pub panel: Option<GroupPanel>,
    /// Chats I am no longer a member of, and why: read-only, kept in the list (and across
    /// restarts) with what I had seen, until I remove them.
    pub ended: HashMap<ChatId, DepartureReason>,
    /// Those chats as they were when I went (the server lists them no more).
    pub ended_summaries: HashMap<ChatId, natter_shared::api::ChatSummary>,
    /// "Join a group by its link", as typed.
    pub join_token: String,
    /// What the last join by link did (or why it failed).
    pub join_outcome: Option<Result<bool, UiError>>,
}

/// The info panel of one group: its members, the edit fields, the invite search.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupPanel {
    pub chat: ChatId,
    /// The members as last loaded (`None` while loading).
    pub members: Option<MemberList>,
    pub title: String,
    pub description: String,
    /// The fields above were edited and not saved.
    pub dirty: bool,
    pub invite_query: String,
    pub invite_results: Vec<User>,
    /// People invited from this panel (to show "sent").
    pub invited: Vec<UserId>,
    /// "Leave this group?" is being asked.
    pub confirm_leave: bool,
    /// The last refusal, shown in the panel.
    pub error: Option<UiError>,
    /// The group's join links (admins and above), once loaded.
    pub links: Vec<JoinLink>,
}

impl GroupPanel {
    pub fn new(chat: ChatId, title: String, description: String) -> Self {
        Self {
            chat,
            members: None,
            title,
            description,
            dirty: false,
            invite_query: String::new(),
            invite_results: Vec::new(),
            invited: Vec::new(),
            confirm_leave: false,
            error: None,
            links: Vec::new(),
        }
    }
}

/// What the member menu can do to someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberAct {
    Role(ChatRole),
    Mute(bool),
    Remove,
    Ban,
    HandOver,
}

impl MemberAct {
    /// The permission-table action this is, to offer it only where allowed.
    pub fn action(self) -> GroupAction {
        match self {
            MemberAct::Role(to) => GroupAction::ChangeRole { to },
            MemberAct::Mute(_) => GroupAction::Mute,
            MemberAct::Remove => GroupAction::Remove,
            MemberAct::Ban => GroupAction::Ban,
            MemberAct::HandOver => GroupAction::HandOver,
        }
    }
}
