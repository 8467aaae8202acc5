//! Changes a member asks for: roles, muting, leaving, removing and banning, handing over,
//! the group's info. Each runs in one transaction that locks the chat row (as sends do),
//! checks the permission table (`natter_shared::api::may`), applies the change and appends
//! its service message (`db::members`), so the history, the log and the membership cannot
//! disagree.

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use natter_shared::api::{
    ChatKind, ChatRole, DepartureReason, GroupAction, GroupRules, InvitePolicy, PinPolicy, Refusal,
    ServiceAction, may,
};
use natter_shared::{ChatDescription, ChatTitle, UserId};
use uuid::Uuid;

use super::chats::ChatRow;
use super::names::Stored;
use super::schema::{chat_bans, chat_invites, chat_members, chats, users};

use super::members::{
    Changed, GroupRejected, MemberRow, Outcome, depart, finish, lock_chat, member, rules_of,
    service_message,
};

/// A change of a group's membership or info, by one member.
#[derive(Debug, Clone)]
pub enum MemberOp {
    /// `role` and/or `muted` for `target`.
    Update {
        target: Uuid,
        role: Option<ChatRole>,
        muted: Option<bool>,
    },
    /// Remove `target`; the actor's own id: leave.
    Remove {
        target: Uuid,
    },
    Ban {
        target: Uuid,
    },
    Unban {
        target: Uuid,
    },
    HandOver {
        target: Uuid,
    },
    EditInfo {
        title: Option<ChatTitle>,
        description: Option<ChatDescription>,
        invite: Option<InvitePolicy>,
        pin: Option<PinPolicy>,
    },
    /// The group's photo: an image file checked by the caller, or none.
    SetPhoto {
        photo: Option<Uuid>,
    },
}

/// Applies `op` by `actor` to group `chat_id`.
pub fn apply(conn: &mut PgConnection, chat_id: Uuid, actor: Uuid, op: &MemberOp) -> Outcome {
    conn.transaction(|conn| {
        let Some(chat) = lock_chat(conn, chat_id)? else {
            return Ok(Err(GroupRejected::ChatNotFound));
        };
        let Some(me) = member(conn, chat_id, actor)? else {
            return Ok(Err(GroupRejected::ChatNotFound));
        };
        if chat.kind != ChatKind::Group {
            return Ok(Err(GroupRejected::NotAGroup));
        }
        let rules = rules_of(&chat);
        let now = Utc::now().trunc_subsecs(6);
        let mut changed = Changed::default();
        let result = match op {
            MemberOp::Update {
                target,
                role,
                muted,
            } => update(
                conn,
                &chat,
                &me,
                *target,
                *role,
                *muted,
                rules,
                now,
                &mut changed,
            )?,
            MemberOp::Remove { target } if *target == actor => {
                leave(conn, &chat, &me, now, &mut changed)?
            }
            MemberOp::Remove { target } => remove(
                conn,
                &chat,
                &me,
                *target,
                DepartureReason::Removed,
                rules,
                now,
                &mut changed,
            )?,
            MemberOp::Ban { target } => ban(conn, &chat, &me, *target, rules, now, &mut changed)?,
            MemberOp::Unban { target } => {
                match may(me.role, me.muted, GroupAction::Ban, None, rules) {
                    Err(r) => Err(r.into()),
                    Ok(()) => {
                        diesel::delete(chat_bans::table.find((chat_id, *target))).execute(conn)?;
                        Ok(())
                    }
                }
            }
            MemberOp::HandOver { target } => {
                hand_over(conn, &chat, &me, *target, rules, now, &mut changed)?
            }
            MemberOp::EditInfo {
                title,
                description,
                invite,
                pin,
            } => match may(me.role, me.muted, GroupAction::EditInfo, None, rules) {
                Err(r) => Err(r.into()),
                Ok(()) => {
                    edit_info(
                        conn,
                        &chat,
                        actor,
                        title.as_ref(),
                        description.as_ref(),
                        *invite,
                        *pin,
                        now,
                        &mut changed,
                    )?;
                    Ok(())
                }
            },
            MemberOp::SetPhoto { photo } => {
                match may(me.role, me.muted, GroupAction::EditInfo, None, rules) {
                    Err(r) => Err(r.into()),
                    Ok(()) => {
                        set_photo(conn, &chat, actor, *photo, now, &mut changed)?;
                        Ok(())
                    }
                }
            }
        };
        if let Err(r) = result {
            return Ok(Err(r));
        }
        finish(conn, chat_id, &mut changed)?;
        Ok(Ok(changed))
    })
}

type Step = Result<(), GroupRejected>;

#[allow(clippy::too_many_arguments)]
fn update(
    conn: &mut PgConnection,
    chat: &ChatRow,
    me: &MemberRow,
    target: Uuid,
    role: Option<ChatRole>,
    muted: Option<bool>,
    rules: GroupRules,
    now: DateTime<Utc>,
    changed: &mut Changed,
) -> QueryResult<Step> {
    let Some(them) = member(conn, chat.id, target)? else {
        return Ok(Err(GroupRejected::MemberNotFound));
    };
    if let Some(to) = role.filter(|r| *r != them.role)
        && let Err(r) = may(
            me.role,
            me.muted,
            GroupAction::ChangeRole { to },
            Some(them.role),
            rules,
        )
    {
        return Ok(Err(r.into()));
    }
    if muted.is_some_and(|m| m != them.muted)
        && let Err(r) = may(me.role, me.muted, GroupAction::Mute, Some(them.role), rules)
    {
        return Ok(Err(r.into()));
    }
    let row = chat_members::table.find((chat.id, target));
    if let Some(to) = role.filter(|r| *r != them.role) {
        diesel::update(row)
            .set(chat_members::role.eq(Stored(to)))
            .execute(conn)?;
        let action = ServiceAction::RoleChanged {
            user_id: UserId(target),
            role: to,
        };
        changed.service.push(service_message(
            conn, chat.id, me.user_id, &action, true, now,
        )?);
    }
    if let Some(m) = muted.filter(|m| *m != them.muted) {
        diesel::update(row)
            .set(chat_members::muted.eq(m))
            .execute(conn)?;
        let action = ServiceAction::Muted {
            user_id: UserId(target),
            muted: m,
        };
        changed.service.push(service_message(
            conn, chat.id, me.user_id, &action, true, now,
        )?);
    }
    Ok(Ok(()))
}

fn leave(
    conn: &mut PgConnection,
    chat: &ChatRow,
    me: &MemberRow,
    now: DateTime<Utc>,
    changed: &mut Changed,
) -> QueryResult<Step> {
    if me.role == ChatRole::Owner {
        let others: i64 = chat_members::table
            .filter(chat_members::chat_id.eq(chat.id))
            .filter(chat_members::user_id.ne(me.user_id))
            .count()
            .get_result(conn)?;
        if others > 0 {
            return Ok(Err(GroupRejected::OwnerMustHandOver));
        }
    }
    depart(
        conn,
        chat.id,
        me.user_id,
        me.user_id,
        DepartureReason::Left,
        now,
        changed,
    )?;
    Ok(Ok(()))
}

#[allow(clippy::too_many_arguments)]
fn remove(
    conn: &mut PgConnection,
    chat: &ChatRow,
    me: &MemberRow,
    target: Uuid,
    reason: DepartureReason,
    rules: GroupRules,
    now: DateTime<Utc>,
    changed: &mut Changed,
) -> QueryResult<Step> {
    let Some(them) = member(conn, chat.id, target)? else {
        return Ok(Err(GroupRejected::MemberNotFound));
    };
    let action = if reason == DepartureReason::Banned {
        GroupAction::Ban
    } else {
        GroupAction::Remove
    };
    if let Err(r) = may(me.role, me.muted, action, Some(them.role), rules) {
        return Ok(Err(r.into()));
    }
    depart(conn, chat.id, target, me.user_id, reason, now, changed)?;
    Ok(Ok(()))
}

fn ban(
    conn: &mut PgConnection,
    chat: &ChatRow,
    me: &MemberRow,
    target: Uuid,
    rules: GroupRules,
    now: DateTime<Utc>,
    changed: &mut Changed,
) -> QueryResult<Step> {
    let exists: bool =
        diesel::select(diesel::dsl::exists(users::table.find(target))).get_result(conn)?;
    if !exists {
        return Ok(Err(GroupRejected::UserNotFound));
    }
    if target == me.user_id {
        return Ok(Err(Refusal::TargetTooHigh.into()));
    }
    if member(conn, chat.id, target)?.is_some() {
        if let Err(r) = remove(
            conn,
            chat,
            me,
            target,
            DepartureReason::Banned,
            rules,
            now,
            changed,
        )? {
            return Ok(Err(r));
        }
    } else if let Err(r) = may(me.role, me.muted, GroupAction::Ban, None, rules) {
        return Ok(Err(r.into()));
    }
    diesel::insert_into(chat_bans::table)
        .values((
            chat_bans::chat_id.eq(chat.id),
            chat_bans::user_id.eq(target),
            chat_bans::actor_id.eq(me.user_id),
            chat_bans::banned_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    withdraw_invite(conn, chat.id, target)?;
    Ok(Ok(()))
}

fn hand_over(
    conn: &mut PgConnection,
    chat: &ChatRow,
    me: &MemberRow,
    target: Uuid,
    rules: GroupRules,
    now: DateTime<Utc>,
    changed: &mut Changed,
) -> QueryResult<Step> {
    if let Err(r) = may(me.role, me.muted, GroupAction::HandOver, None, rules) {
        return Ok(Err(r.into()));
    }
    if target == me.user_id {
        return Ok(Ok(()));
    }
    if member(conn, chat.id, target)?.is_none() {
        return Ok(Err(GroupRejected::MemberNotFound));
    }
    // the old owner steps down first: one owner per group, always
    diesel::update(chat_members::table.find((chat.id, me.user_id)))
        .set(chat_members::role.eq(Stored(ChatRole::Admin)))
        .execute(conn)?;
    diesel::update(chat_members::table.find((chat.id, target)))
        .set(chat_members::role.eq(Stored(ChatRole::Owner)))
        .execute(conn)?;
    let action = ServiceAction::OwnerChanged {
        user_id: UserId(target),
    };
    changed.service.push(service_message(
        conn, chat.id, me.user_id, &action, true, now,
    )?);
    Ok(Ok(()))
}

/// A new photo (or none): a service message, and every member's list shows it.
fn set_photo(
    conn: &mut PgConnection,
    chat: &ChatRow,
    actor: Uuid,
    photo: Option<Uuid>,
    now: DateTime<Utc>,
    changed: &mut Changed,
) -> QueryResult<()> {
    if chat.photo_id == photo {
        return Ok(());
    }
    diesel::update(chats::table.find(chat.id))
        .set(chats::photo_id.eq(photo))
        .execute(conn)?;
    changed.replaced_photo = chat.photo_id;
    changed.resummarize = true; // every member's list shows the new photo at once
    let action = ServiceAction::PhotoChanged {
        removed: photo.is_none(),
    };
    changed
        .service
        .push(service_message(conn, chat.id, actor, &action, true, now)?);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn edit_info(
    conn: &mut PgConnection,
    chat: &ChatRow,
    actor: Uuid,
    title: Option<&ChatTitle>,
    description: Option<&ChatDescription>,
    invite: Option<InvitePolicy>,
    pin: Option<PinPolicy>,
    now: DateTime<Utc>,
    changed: &mut Changed,
) -> QueryResult<()> {
    let row = chats::table.find(chat.id);
    if let Some(t) = title.filter(|t| chat.title.as_deref() != Some(t.as_str())) {
        diesel::update(row)
            .set(chats::title.eq(t.as_str()))
            .execute(conn)?;
        let action = ServiceAction::TitleChanged {
            title: t.as_str().to_owned(),
        };
        changed
            .service
            .push(service_message(conn, chat.id, actor, &action, true, now)?);
    }
    if let Some(d) = description.filter(|d| chat.description != d.as_str()) {
        diesel::update(row)
            .set(chats::description.eq(d.as_str()))
            .execute(conn)?;
        changed.service.push(service_message(
            conn,
            chat.id,
            actor,
            &ServiceAction::DescriptionChanged,
            false,
            now,
        )?);
    }
    if let Some(p) = invite {
        diesel::update(row)
            .set(chats::invite_policy.eq(p.as_str()))
            .execute(conn)?;
    }
    if let Some(p) = pin {
        diesel::update(row)
            .set(chats::pin_policy.eq(p.as_str()))
            .execute(conn)?;
    }
    Ok(())
}

/// Withdraws any open invitation of `user` into `chat_id` (they were banned).
fn withdraw_invite(conn: &mut PgConnection, chat_id: Uuid, user: Uuid) -> QueryResult<usize> {
    diesel::delete(
        chat_invites::table
            .filter(chat_invites::chat_id.eq(chat_id))
            .filter(chat_invites::invitee_id.eq(user)),
    )
    .execute(conn)
}
