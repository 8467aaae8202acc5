//! Groups on screen: the info panel (members with roles and online dots, a member's menu
//! offering only what the permission table allows, leave with confirmation, title and
//! description for admins, inviting people), the invitations at the top of the chat list,
//! and a service message's words.

use egui::{Color32, RichText, Ui};
use natter_shared::UserId;
use natter_shared::api::users::shown_name;
use natter_shared::api::{
    ChatRole, DepartureReason, GroupAction as Permission, MemberInfo, MemberList, ServiceAction,
    may,
};

use crate::action::{Action, GroupAction};
use crate::i18n::{tr, tr_args};
use crate::state::groups::{GroupPanel, MemberAct};
use crate::state::{AppState, ChatEntry};

use super::words;

/// A name for `user` as the chat knows them ("you" never: names read better in history).
fn name_of(state: &AppState, entry: &ChatEntry, user: UserId) -> String {
    if let Some(name) = entry.member_name(user) {
        return name.to_owned();
    }
    if let Some(m) = state
        .chats
        .groups
        .panel
        .as_ref()
        .and_then(|p| p.members.as_ref())
        .and_then(|l| l.members.iter().find(|m| m.id == user))
    {
        return shown_name(&m.username, m.display_name.as_ref()).to_owned();
    }
    match &state.session {
        Some(s) if s.user_id == user => s.username.as_str().to_owned(),
        _ => "…".to_owned(),
    }
}

/// A service message in words: "Alice removed Bob".
pub fn service_text(
    state: &AppState,
    entry: &ChatEntry,
    actor: UserId,
    action: &ServiceAction,
) -> String {
    let lang = state.language;
    let actor_name = name_of(state, entry, actor);
    let named = |key: &str, user: UserId| {
        tr_args(
            lang,
            key,
            &[
                ("name", name_of(state, entry, user)),
                ("actor", actor_name.clone()),
            ],
        )
    };
    match action {
        ServiceAction::Joined {
            user_id,
            invited_by: Some(by),
        } => tr_args(
            lang,
            "group.joined_by",
            &[
                ("name", name_of(state, entry, *user_id)),
                ("actor", name_of(state, entry, *by)),
            ],
        ),
        ServiceAction::Joined { user_id, .. } => named("group.joined", *user_id),
        ServiceAction::Departed { user_id, reason } => {
            let key = match reason {
                DepartureReason::Left => "group.left",
                DepartureReason::Removed => "group.removed",
                DepartureReason::Banned => "group.banned",
            };
            named(key, *user_id)
        }
        ServiceAction::RoleChanged { user_id, role } => {
            let key = match role {
                ChatRole::Owner => "group.role_owner",
                ChatRole::Admin => "group.role_admin",
                ChatRole::Moderator => "group.role_moderator",
                ChatRole::Member => "group.role_member",
            };
            named(key, *user_id)
        }
        ServiceAction::Muted { user_id, muted } => named(
            if *muted {
                "group.muted"
            } else {
                "group.unmuted"
            },
            *user_id,
        ),
        ServiceAction::TitleChanged { title } => tr_args(
            lang,
            "group.title_changed",
            &[("actor", actor_name.clone()), ("title", title.clone())],
        ),
        ServiceAction::DescriptionChanged => tr_args(
            lang,
            "group.description_changed",
            &[("actor", actor_name.clone())],
        ),
        ServiceAction::OwnerChanged { user_id } => named("group.owner_changed", *user_id),
        ServiceAction::PhotoChanged { removed } => tr_args(
            lang,
            if *removed {
                "group.photo_removed"
            } else {
                "group.photo_changed"
            },
            &[("actor", actor_name.clone())],
        ),
    }
}

/// Why the chat is read-only, when I am no longer in it.
pub fn ended_text(state: &AppState, entry: &ChatEntry) -> Option<String> {
    let reason = state.chats.groups.ended.get(&entry.summary.id)?;
    let key = match reason {
        DepartureReason::Left => "group.you_left",
        DepartureReason::Removed => "group.you_were_removed",
        DepartureReason::Banned => "group.you_were_banned",
    };
    Some(tr(state.language, key))
}

fn role_word(state: &AppState, role: ChatRole) -> String {
    tr(
        state.language,
        match role {
            ChatRole::Owner => "group.owner",
            ChatRole::Admin => "group.admin",
            ChatRole::Moderator => "group.moderator",
            ChatRole::Member => "group.member",
        },
    )
}

/// The invitations at the top of the chat list, with Accept and Decline.
pub fn invitations_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let groups = &state.chats.groups;
    if groups.invites.is_empty() {
        return;
    }
    let lang = state.language;
    ui.strong(tr(lang, "group.invitations"));
    for invite in &groups.invites {
        let inviter = &invite.inviter;
        let inviter = shown_name(&inviter.username, inviter.display_name.as_ref());
        ui.label(tr_args(
            lang,
            "group.invite_from",
            &[
                ("name", inviter.to_owned()),
                ("title", invite.chat_title.clone()),
            ],
        ));
        let busy = groups.answering.contains(&invite.id);
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new(tr(lang, "group.accept")))
                .clicked()
            {
                actions.push(Action::Group(GroupAction::InviteAnswered {
                    invite: invite.id,
                    accept: true,
                }));
            }
            if ui
                .add_enabled(!busy, egui::Button::new(tr(lang, "group.decline")))
                .clicked()
            {
                actions.push(Action::Group(GroupAction::InviteAnswered {
                    invite: invite.id,
                    accept: false,
                }));
            }
        });
    }
    ui.separator();
}

/// Message requests to me (direct chats opened by someone I share no chat with), with
/// Accept, Decline and Block.
pub fn requests_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let me = state.session.as_ref().map(|s| s.user_id);
    let requests: Vec<&ChatEntry> = state
        .chats
        .ordered()
        .filter(|e| e.summary.request_from.is_some() && e.summary.request_from != me)
        .filter(|e| !state.chats.groups.ended.contains_key(&e.summary.id))
        .collect();
    if requests.is_empty() {
        return;
    }
    let lang = state.language;
    ui.strong(tr(lang, "group.requests"));
    for entry in requests {
        let chat_id = entry.summary.id;
        ui.label(tr_args(
            lang,
            "group.request_from",
            &[("name", entry.title().to_owned())],
        ));
        if let Some(last) = &entry.summary.last_message {
            ui.weak(super::format::one_line(&last.text, 80));
        }
        ui.horizontal(|ui| {
            if ui.button(tr(lang, "group.accept")).clicked() {
                actions.push(Action::Group(GroupAction::RequestAnswered {
                    chat_id,
                    accept: true,
                }));
            }
            if ui.button(tr(lang, "group.decline")).clicked() {
                actions.push(Action::Group(GroupAction::RequestAnswered {
                    chat_id,
                    accept: false,
                }));
            }
            if let Some(from) = entry.summary.request_from
                && ui.button(tr(lang, "group.block")).clicked()
            {
                actions.push(Action::Group(GroupAction::BlockSet {
                    user_id: from,
                    on: true,
                }));
            }
        });
    }
    ui.separator();
}

/// What the composer's place says instead, when nothing can be sent: I left the group, or
/// one of us blocks the other.
pub fn no_composer_text(state: &AppState, entry: &ChatEntry) -> Option<String> {
    ended_text(state, entry).or_else(|| {
        entry
            .summary
            .blocked
            .then(|| tr(state.language, "group.blocked_chat"))
    })
}

/// Above the composer of a request I sent and that is not accepted yet.
pub fn pending_request_text(state: &AppState, entry: &ChatEntry) -> Option<String> {
    let me = state.session.as_ref().map(|s| s.user_id)?;
    (entry.summary.request_from == Some(me)).then(|| {
        tr_args(
            state.language,
            "group.request_pending",
            &[("name", entry.title().to_owned())],
        )
    })
}

/// What I may do to `member`, in menu order.
pub fn allowed_acts(list: &MemberList, me: UserId, member: &MemberInfo) -> Vec<MemberAct> {
    if member.id == me {
        return Vec::new();
    }
    let mut acts = Vec::new();
    for to in [ChatRole::Admin, ChatRole::Moderator, ChatRole::Member] {
        if to != member.role {
            acts.push(MemberAct::Role(to));
        }
    }
    acts.push(MemberAct::Mute(!member.muted));
    acts.extend([MemberAct::Remove, MemberAct::Ban, MemberAct::HandOver]);
    acts.retain(|a| {
        may(
            list.my_role,
            list.my_muted,
            a.action(),
            Some(member.role),
            list.rules,
        )
        .is_ok()
    });
    acts
}

fn act_label(state: &AppState, act: MemberAct) -> String {
    let key = match act {
        MemberAct::Role(ChatRole::Admin) => "group.make_admin",
        MemberAct::Role(ChatRole::Moderator) => "group.make_moderator",
        MemberAct::Role(_) => "group.make_member",
        MemberAct::Mute(true) => "group.mute",
        MemberAct::Mute(false) => "group.unmute",
        MemberAct::Remove => "group.remove",
        MemberAct::Ban => "group.ban",
        MemberAct::HandOver => "group.hand_over",
    };
    tr(state.language, key)
}

/// The info panel window, when open.
pub fn panel_ui(ctx: &egui::Context, state: &AppState, actions: &mut Vec<Action>) {
    let Some(panel) = &state.chats.groups.panel else {
        return;
    };
    let lang = state.language;
    let mut open = true;
    egui::Window::new(tr(lang, "group.info"))
        .id(egui::Id::unique("group-info"))
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .default_width(360.0)
        .show(ctx, |ui| panel_body_ui(ui, state, panel, actions));
    if !open {
        actions.push(Action::Group(GroupAction::PanelClosed));
    }
}

fn panel_body_ui(ui: &mut Ui, state: &AppState, panel: &GroupPanel, actions: &mut Vec<Action>) {
    let lang = state.language;
    let me = state.session.as_ref().map(|s| s.user_id);
    let list = panel.members.as_ref();
    let may_edit = list
        .is_some_and(|l| may(l.my_role, l.my_muted, Permission::EditInfo, None, l.rules).is_ok());
    if let Some(entry) = state.chats.by_id.get(&panel.chat) {
        super::group_photo::photo_row_ui(ui, state, entry, may_edit, actions);
    }
    let label = ui.label(tr(lang, "group.title"));
    let mut title = panel.title.clone();
    if ui
        .add_enabled(may_edit, egui::TextEdit::singleline(&mut title))
        .labelled_by(label.id)
        .changed()
    {
        actions.push(Action::Group(GroupAction::TitleEdited(title)));
    }
    let label = ui.label(tr(lang, "group.description"));
    let mut description = panel.description.clone();
    if ui
        .add_enabled(
            may_edit,
            egui::TextEdit::multiline(&mut description).desired_rows(2),
        )
        .labelled_by(label.id)
        .changed()
    {
        actions.push(Action::Group(GroupAction::DescriptionEdited(description)));
    }
    if may_edit
        && ui
            .add_enabled(panel.dirty, egui::Button::new(tr(lang, "group.save")))
            .clicked()
    {
        actions.push(Action::Group(GroupAction::InfoSaved));
    }
    if let Some(error) = &panel.error {
        super::widgets::error_line_ui(ui, &words::error_message(lang, error));
    }
    ui.separator();
    let Some(list) = list else {
        ui.spinner();
        return;
    };
    ui.strong(tr_args(
        lang,
        "group.members",
        &[("count", list.total.to_string())],
    ));
    egui::ScrollArea::vertical()
        .max_height(260.0)
        .id_salt("group-members")
        .show(ui, |ui| {
            for member in &list.members {
                member_row_ui(ui, state, list, me, member, actions);
            }
        });
    ui.separator();
    if may(
        list.my_role,
        list.my_muted,
        Permission::Invite,
        None,
        list.rules,
    )
    .is_ok()
    {
        invite_ui(ui, state, panel, actions);
        ui.separator();
    }
    if may_edit {
        links_ui(ui, state, panel, actions);
        ui.separator();
    }
    if panel.confirm_leave {
        ui.label(tr(lang, "group.leave_confirm"));
        ui.horizontal(|ui| {
            if ui.button(tr(lang, "group.leave")).clicked() {
                actions.push(Action::Group(GroupAction::LeaveConfirmed));
            }
            if ui.button(tr(lang, "message.cancel")).clicked() {
                actions.push(Action::Group(GroupAction::LeaveCancelled));
            }
        });
    } else if ui
        .button(RichText::new(tr(lang, "group.leave")).color(Color32::from_rgb(200, 60, 60)))
        .clicked()
    {
        actions.push(Action::Group(GroupAction::LeaveAsked));
    }
}

fn member_row_ui(
    ui: &mut Ui,
    state: &AppState,
    list: &MemberList,
    me: Option<UserId>,
    member: &MemberInfo,
    actions: &mut Vec<Action>,
) {
    let name = shown_name(&member.username, member.display_name.as_ref());
    ui.horizontal(|ui| {
        let dot = if member.online {
            Color32::from_rgb(60, 180, 90)
        } else {
            Color32::GRAY
        };
        let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        ui.painter().circle_filled(rect.center(), 4.0, dot);
        let acts = me
            .map(|me| allowed_acts(list, me, member))
            .unwrap_or_default();
        if acts.is_empty() {
            ui.label(name);
        } else {
            // the name opens what I may do to them
            ui.menu_button(name, |ui| {
                for act in acts {
                    if ui.button(act_label(state, act)).clicked() {
                        actions.push(Action::Group(GroupAction::MemberActed {
                            user_id: member.id,
                            act,
                        }));
                        ui.close();
                    }
                }
            });
        }
        let mut role = role_word(state, member.role);
        if member.muted {
            role = format!("{role}, {}", tr(state.language, "group.muted_badge"));
        }
        ui.weak(role);
    });
}

/// The group's join links: each token with how many came by it, revoke; make a new one.
fn links_ui(ui: &mut Ui, state: &AppState, panel: &GroupPanel, actions: &mut Vec<Action>) {
    let lang = state.language;
    ui.label(tr(lang, "group.links"));
    for link in panel.links.iter().filter(|l| !l.revoked) {
        ui.horizontal(|ui| {
            ui.monospace(&link.token);
            ui.weak(tr_args(
                lang,
                "group.link_uses",
                &[("uses", link.uses.to_string())],
            ));
            if ui.small_button(tr(lang, "group.revoke")).clicked() {
                actions.push(Action::Group(GroupAction::LinkRevoked(link.token.clone())));
            }
        });
    }
    if ui.button(tr(lang, "group.create_link")).clicked() {
        actions.push(Action::Group(GroupAction::LinkCreated));
    }
}

/// "Join a group by its link" (in the new group dialog).
pub fn join_by_link_ui(ui: &mut Ui, state: &AppState, actions: &mut Vec<Action>) {
    let lang = state.language;
    let groups = &state.chats.groups;
    let label = ui.label(tr(lang, "group.join_by_link"));
    ui.horizontal(|ui| {
        let mut token = groups.join_token.clone();
        if ui
            .add(egui::TextEdit::singleline(&mut token).desired_width(240.0))
            .labelled_by(label.id)
            .changed()
        {
            actions.push(Action::Group(GroupAction::JoinTokenEdited(token)));
        }
        let ready = !groups.join_token.trim().is_empty();
        if ui
            .add_enabled(ready, egui::Button::new(tr(lang, "group.join")))
            .clicked()
        {
            actions.push(Action::Group(GroupAction::JoinSubmitted));
        }
    });
    match &groups.join_outcome {
        Some(Ok(true)) => {
            ui.weak(tr(lang, "group.joined_ok"));
        }
        Some(Ok(false)) => {
            ui.weak(tr(lang, "group.join_requested"));
        }
        Some(Err(e)) => super::widgets::error_line_ui(ui, &words::error_message(lang, e)),
        None => {}
    }
}

fn invite_ui(ui: &mut Ui, state: &AppState, panel: &GroupPanel, actions: &mut Vec<Action>) {
    let lang = state.language;
    let label = ui.label(tr(lang, "group.invite"));
    let mut query = panel.invite_query.clone();
    if ui
        .add(egui::TextEdit::singleline(&mut query).hint_text(tr(lang, "group.invite_search")))
        .labelled_by(label.id)
        .changed()
    {
        actions.push(Action::Group(GroupAction::InviteQueryEdited(query)));
    }
    let members: Vec<UserId> = panel
        .members
        .as_ref()
        .map(|l| l.members.iter().map(|m| m.id).collect())
        .unwrap_or_default();
    for user in panel
        .invite_results
        .iter()
        .filter(|u| !members.contains(&u.id))
    {
        ui.horizontal(|ui| {
            ui.label(user.name());
            if panel.invited.contains(&user.id) {
                ui.weak(tr(lang, "group.invited"));
            } else if ui.button(tr(lang, "group.invite")).clicked() {
                actions.push(Action::Group(GroupAction::InviteSent(user.id)));
            }
        });
    }
}
