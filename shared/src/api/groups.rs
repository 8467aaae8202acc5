//! Running a group: members and roles (`/chats/{id}/members`, `/bans`, `/owner`), group info
//! (`PATCH /chats/{id}`), invitations (`/chats/{id}/invites`, `/invites`), and who may do what
//! ([`may`], the one permission table both the server and the app use).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ChatId, InviteId, UserId};
use crate::validation::{DisplayName, Username};

crate::named_enum!(
    /// A member's role in a chat, from the most to the least powerful. A group has one
    /// `owner` (its creator until handed over); direct chats have two `member`s.
    /// What each may do is [`crate::api::groups::may`].
    pub enum ChatRole {
        Owner = "owner",
        Admin = "admin",
        Moderator = "moderator",
        Member = "member",
    }
);

impl ChatRole {
    /// Higher is more powerful: owner 3, admin 2, moderator 1, member 0.
    pub fn rank(self) -> u8 {
        match self {
            ChatRole::Owner => 3,
            ChatRole::Admin => 2,
            ChatRole::Moderator => 1,
            ChatRole::Member => 0,
        }
    }
}

crate::named_enum!(
    /// Who may invite people into a group.
    pub enum InvitePolicy {
        Members = "members",
        Admins = "admins",
    }
);

crate::named_enum!(
    /// Who may pin messages in a group.
    pub enum PinPolicy {
        Admins = "admins",
        Everyone = "everyone",
    }
);

crate::named_enum!(
    /// Why someone is no longer a member.
    pub enum DepartureReason {
        Left = "left",
        Removed = "removed",
        Banned = "banned",
    }
);

/// A group's own rules, set by its admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupRules {
    pub invite: InvitePolicy,
    pub pin: PinPolicy,
}

impl Default for GroupRules {
    fn default() -> Self {
        Self {
            invite: InvitePolicy::Members,
            pin: PinPolicy::Admins,
        }
    }
}

/// Something a member does to the group or to another member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupAction {
    /// Invite someone in.
    Invite,
    /// Remove a member (they may be invited again).
    Remove,
    /// Remove a member and keep them out (no invite, no rejoin until unbanned).
    Ban,
    /// Mute or unmute a member: a muted member reads but cannot send, react or pin.
    Mute,
    /// Give a member another role (`to`); never `owner`, which is handed over.
    ChangeRole { to: ChatRole },
    /// Change the title, description or rules.
    EditInfo,
    /// Delete someone else's message for everyone.
    DeleteOthers,
    /// Pin or unpin a message.
    Pin,
    /// Hand the ownership over.
    HandOver,
}

/// Why [`may`] said no: each is a 403 with its own stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Refusal {
    /// The actor's role is too low for the action.
    #[error("your role in this group does not allow this")]
    RoleTooLow,
    /// The target's role is equal to or above the actor's.
    #[error("you cannot do this to a member of equal or higher role")]
    TargetTooHigh,
    /// The role asked for is above the actor's own, or is `owner`.
    #[error("you cannot give a role above your own (ownership is handed over instead)")]
    RoleAboveYours,
    /// A muted member cannot send, react or pin.
    #[error("you are muted in this group")]
    Muted,
}

/// Who may do what, as one table: `actor` (with `actor_muted`) doing `action` to a member
/// whose role is `target` (`None` for actions on the group or on a message), under the
/// group's `rules`.
///
/// | action | allowed to | on whom |
/// |---|---|---|
/// | invite | members (admins and above when `invite` is `admins`) | — |
/// | remove, ban, mute | moderator and above | roles below the actor's |
/// | change role | admin and above | roles below the actor's, up to the actor's own role |
/// | edit info and rules | admin and above | — |
/// | delete others' messages | moderator and above | — |
/// | pin | admin and above (everyone when `pin` is `everyone`); never while muted | — |
/// | hand over ownership | the owner | any member |
pub fn may(
    actor: ChatRole,
    actor_muted: bool,
    action: GroupAction,
    target: Option<ChatRole>,
    rules: GroupRules,
) -> Result<(), Refusal> {
    let at_least = |role: ChatRole| {
        if actor.rank() >= role.rank() {
            Ok(())
        } else {
            Err(Refusal::RoleTooLow)
        }
    };
    let below_actor = || match target {
        Some(t) if t.rank() >= actor.rank() => Err(Refusal::TargetTooHigh),
        _ => Ok(()),
    };
    match action {
        GroupAction::Invite => match rules.invite {
            InvitePolicy::Members => Ok(()),
            InvitePolicy::Admins => at_least(ChatRole::Admin),
        },
        GroupAction::Remove | GroupAction::Ban | GroupAction::Mute => {
            at_least(ChatRole::Moderator)?;
            below_actor()
        }
        GroupAction::ChangeRole { to } => {
            at_least(ChatRole::Admin)?;
            below_actor()?;
            if to == ChatRole::Owner || to.rank() > actor.rank() {
                return Err(Refusal::RoleAboveYours);
            }
            Ok(())
        }
        GroupAction::EditInfo => at_least(ChatRole::Admin),
        GroupAction::DeleteOthers => at_least(ChatRole::Moderator),
        GroupAction::Pin => {
            if actor_muted {
                return Err(Refusal::Muted);
            }
            match rules.pin {
                PinPolicy::Everyone => Ok(()),
                PinPolicy::Admins => at_least(ChatRole::Admin),
            }
        }
        GroupAction::HandOver => at_least(ChatRole::Owner),
    }
}

/// A member as `GET /chats/{id}/members` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberInfo {
    pub id: UserId,
    pub username: Username,
    pub display_name: Option<DisplayName>,
    pub role: ChatRole,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub muted: bool,
    pub online: bool,
    pub joined_at: DateTime<Utc>,
}

/// `GET /chats/{id}/members?limit&offset`: the most powerful first, then by username.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct MembersQuery {
    /// 1–1000, default 200.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1000))]
    pub limit: Option<u32>,
    #[serde(default)]
    // u32: past int32, which the document's integer would otherwise imply
    #[cfg_attr(feature = "openapi", param(value_type = Option<i64>, minimum = 0, maximum = 4294967295.0))]
    pub offset: Option<u32>,
}

impl MembersQuery {
    pub const DEFAULT_LIMIT: u32 = 200;
    pub const MAX_LIMIT: u32 = 1000;
}

/// A page of members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberList {
    pub members: Vec<MemberInfo>,
    /// All members, not just this page.
    pub total: i64,
    /// The caller's own role and whether they are muted, for what the app offers.
    pub my_role: ChatRole,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub my_muted: bool,
    pub rules: GroupRules,
}

/// `PATCH /chats/{id}/members/{user_id}`: a new role, muted or not; absent fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMemberRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<ChatRole>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
}

/// `POST /chats/{id}/bans`, `POST /chats/{id}/owner`, `POST /chats/{id}/invites`: the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserRef {
    pub user_id: UserId,
}

/// `PATCH /chats/{id}`: group info and rules; absent fields stay, `description: ""` clears.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateChatRequest {
    /// Checked with [`crate::ChatTitle`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Checked with [`crate::ChatDescription`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_policy: Option<InvitePolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_policy: Option<PinPolicy>,
}

/// A group's info as `GET /chats/{id}` and `PATCH /chats/{id}` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupInfo {
    pub title: String,
    pub description: String,
    pub rules: GroupRules,
    pub member_count: i64,
    /// Most members the group can have (a server setting).
    pub member_limit: i64,
}

/// A person, as an invitation names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonRef {
    pub id: UserId,
    pub username: Username,
    pub display_name: Option<DisplayName>,
}

/// An invitation into a group, as the invitee sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    pub id: InviteId,
    pub chat_id: ChatId,
    pub chat_title: String,
    pub member_count: i64,
    pub inviter: PersonRef,
    pub invitee_id: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// `GET /invites`: the caller's open invitations, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteList {
    pub invites: Vec<Invite>,
}

/// What a service message says happened; its `sender_id` is who did it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ServiceAction {
    /// `user_id` joined (accepting an invitation from `invited_by`).
    Joined {
        user_id: UserId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        invited_by: Option<UserId>,
    },
    /// `user_id` left, was removed or was banned.
    Departed {
        user_id: UserId,
        reason: DepartureReason,
    },
    /// `user_id` has a new role.
    RoleChanged { user_id: UserId, role: ChatRole },
    /// `user_id` was muted or unmuted.
    Muted { user_id: UserId, muted: bool },
    /// The group has a new title.
    TitleChanged { title: String },
    /// The description changed.
    DescriptionChanged,
    /// `user_id` is the new owner.
    OwnerChanged { user_id: UserId },
    /// The group's photo changed (or was removed).
    PhotoChanged {
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        removed: bool,
    },
}

impl ServiceAction {
    /// Whether the action changes who is in the group or what they may do.
    pub fn changes_members(&self) -> bool {
        !matches!(
            self,
            ServiceAction::TitleChanged { .. }
                | ServiceAction::DescriptionChanged
                | ServiceAction::PhotoChanged { .. }
        )
    }
}

/// `POST /chats/{id}/links`: a join link; absent fields: no expiry, no use limit, no approval.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateLinkRequest {
    /// 60 s to a year.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::numbers::whole_opt"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 60, maximum = 31622400))]
    pub expires_in_secs: Option<u64>,
    /// 1–100,000.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::numbers::whole_opt"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100000))]
    pub max_uses: Option<u32>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub needs_approval: bool,
}

impl CreateLinkRequest {
    pub const EXPIRY_MIN_SECS: u64 = 60;
    pub const EXPIRY_MAX_SECS: u64 = 366 * 86_400;
    pub const MAX_USES: u32 = 100_000;
}

/// A join link as its group's admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinLink {
    /// What `POST /join/{token}` takes.
    pub token: String,
    pub chat_id: ChatId,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u32>,
    pub uses: u32,
    pub needs_approval: bool,
    pub revoked: bool,
}

/// `POST /join/{token}`: joined (the chat also arrives as `chat_updated`), or asked to join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum JoinResult {
    Joined {
        chat_id: ChatId,
    },
    /// The group's admins approve who comes by this link.
    Requested {
        chat_id: ChatId,
    },
}

/// Someone waiting for approval to join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinRequest {
    pub user: PersonRef,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChatRole::*;

    const ROLES: [ChatRole; 4] = [Owner, Admin, Moderator, Member];

    #[test]
    fn removing_needs_a_moderator_and_a_lower_target() {
        let r = GroupRules::default();
        for actor in ROLES {
            for target in ROLES {
                let got = may(actor, false, GroupAction::Remove, Some(target), r);
                let expected = if actor.rank() < Moderator.rank() {
                    Err(Refusal::RoleTooLow)
                } else if target.rank() >= actor.rank() {
                    Err(Refusal::TargetTooHigh)
                } else {
                    Ok(())
                };
                assert_eq!(got, expected, "{actor} removes {target}");
            }
        }
    }

    #[test]
    fn roles_are_given_only_up_to_ones_own_and_never_owner() {
        let r = GroupRules::default();
        let change = |actor, target, to| {
            may(
                actor,
                false,
                GroupAction::ChangeRole { to },
                Some(target),
                r,
            )
        };
        assert_eq!(change(Admin, Member, Admin), Ok(()));
        assert_eq!(change(Admin, Member, Moderator), Ok(()));
        assert_eq!(change(Admin, Admin, Member), Err(Refusal::TargetTooHigh));
        assert_eq!(change(Owner, Admin, Member), Ok(()));
        assert_eq!(change(Owner, Member, Owner), Err(Refusal::RoleAboveYours));
        assert_eq!(
            change(Moderator, Member, Moderator),
            Err(Refusal::RoleTooLow)
        );
    }

    #[test]
    fn the_group_rules_open_invites_and_pins() {
        let admins_only = GroupRules {
            invite: InvitePolicy::Admins,
            pin: PinPolicy::Admins,
        };
        let open = GroupRules {
            invite: InvitePolicy::Members,
            pin: PinPolicy::Everyone,
        };
        assert_eq!(may(Member, false, GroupAction::Invite, None, open), Ok(()));
        assert_eq!(
            may(Member, false, GroupAction::Invite, None, admins_only),
            Err(Refusal::RoleTooLow)
        );
        assert_eq!(may(Member, false, GroupAction::Pin, None, open), Ok(()));
        assert_eq!(
            may(Member, true, GroupAction::Pin, None, open),
            Err(Refusal::Muted)
        );
        assert_eq!(
            may(Moderator, false, GroupAction::Pin, None, admins_only),
            Err(Refusal::RoleTooLow)
        );
    }

    #[test]
    fn golden_service_action() {
        let a = ServiceAction::Departed {
            user_id: UserId(uuid::Uuid::from_u128(3)),
            reason: DepartureReason::Removed,
        };
        let json = r#"{"action":"departed","user_id":"00000000-0000-0000-0000-000000000003","reason":"removed"}"#;
        assert_eq!(serde_json::to_string(&a).unwrap(), json);
        assert_eq!(serde_json::from_str::<ServiceAction>(json).unwrap(), a);
    }
}
