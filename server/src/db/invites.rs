//! The `chat_invites` table: invitations into groups, to accept or decline. One open
//! invitation per person and group (a second one renews it); it expires after the
//! configured time. Accepting joins the group (`db::members::join`) in the same transaction.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use diesel::prelude::*;
use natter_shared::api::{ChatKind, GroupAction, Invite, PersonRef, may};
use natter_shared::{ChatId, InviteId, UserId};
use uuid::Uuid;

use super::chats::ChatRow;
use super::members::{self, Changed, GroupRejected, lock_chat, rules_of};
use super::schema::{chat_invites, chats, users};
use super::users::UserRow;

/// A row of `chat_invites`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chat_invites)]
pub struct InviteRow {
    pub id: Uuid,
    pub chat_id: Uuid,
    pub invitee_id: Uuid,
    pub inviter_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl InviteRow {
    /// The invitation as the invitee sees it.
    pub fn to_api(&self, chat: &ChatRow, member_count: i64, inviter: &UserRow) -> Invite {
        let inviter = inviter.to_api();
        Invite {
            id: InviteId(self.id),
            chat_id: ChatId(self.chat_id),
            chat_title: chat.title.clone().unwrap_or_default(),
            member_count,
            inviter: PersonRef {
                id: inviter.id,
                username: inviter.username,
                display_name: inviter.display_name,
            },
            invitee_id: UserId(self.invitee_id),
            created_at: self.created_at,
            expires_at: self.expires_at,
        }
    }
}

/// The limits that apply to invitations and joins.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub ttl: Duration,
    pub member_limit: i64,
}

/// `inviter` invites `invitee` into group `chat_id` (renewing an open invitation).
pub fn invite(
    conn: &mut PgConnection,
    chat_id: Uuid,
    inviter: Uuid,
    invitee: Uuid,
    limits: Limits,
) -> QueryResult<Result<InviteRow, GroupRejected>> {
    conn.transaction(|conn| {
        let Some(chat) = lock_chat(conn, chat_id)? else {
            return Ok(Err(GroupRejected::ChatNotFound));
        };
        let Some(me) = members::member(conn, chat_id, inviter)? else {
            return Ok(Err(GroupRejected::ChatNotFound));
        };
        if chat.kind != ChatKind::Group {
            return Ok(Err(GroupRejected::NotAGroup));
        }
        if let Err(r) = may(
            me.role,
            me.muted,
            GroupAction::Invite,
            None,
            rules_of(&chat),
        ) {
            return Ok(Err(r.into()));
        }
        let exists: bool =
            diesel::select(diesel::dsl::exists(users::table.find(invitee))).get_result(conn)?;
        if !exists {
            return Ok(Err(GroupRejected::UserNotFound));
        }
        if members::member(conn, chat_id, invitee)?.is_some() {
            return Ok(Err(GroupRejected::AlreadyMember));
        }
        if members::is_banned(conn, chat_id, invitee)? {
            return Ok(Err(GroupRejected::Banned));
        }
        if super::chats::blocked_between(conn, inviter, invitee)? {
            return Ok(Err(GroupRejected::Blocked));
        }
        if members::count(conn, chat_id)? >= limits.member_limit {
            return Ok(Err(GroupRejected::MemberLimit));
        }
        let now = Utc::now().trunc_subsecs(6);
        let row = diesel::insert_into(chat_invites::table)
            .values((
                chat_invites::id.eq(Uuid::new_v4()),
                chat_invites::chat_id.eq(chat_id),
                chat_invites::invitee_id.eq(invitee),
                chat_invites::inviter_id.eq(inviter),
                chat_invites::created_at.eq(now),
                chat_invites::expires_at.eq(now + limits.ttl),
            ))
            .on_conflict((chat_invites::chat_id, chat_invites::invitee_id))
            .do_update()
            .set((
                chat_invites::inviter_id.eq(inviter),
                chat_invites::created_at.eq(now),
                chat_invites::expires_at.eq(now + limits.ttl),
            ))
            .returning(InviteRow::as_returning())
            .get_result(conn)?;
        Ok(Ok(row))
    })
}

/// The open invitations of `invitee`, newest first, with their chats and inviters.
pub fn open_for(conn: &mut PgConnection, invitee: Uuid) -> QueryResult<Vec<Invite>> {
    let now = Utc::now();
    let rows: Vec<(InviteRow, ChatRow, UserRow)> = chat_invites::table
        .inner_join(chats::table)
        .inner_join(users::table.on(users::id.eq(chat_invites::inviter_id)))
        .filter(chat_invites::invitee_id.eq(invitee))
        .filter(chat_invites::expires_at.gt(now))
        .order(chat_invites::created_at.desc())
        .limit(200)
        .select((
            InviteRow::as_select(),
            ChatRow::as_select(),
            UserRow::as_select(),
        ))
        .load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|(i, _, _)| i.chat_id).collect();
    let counts: std::collections::HashMap<Uuid, i64> = super::chats::member_counts(conn, &ids)?
        .into_iter()
        .collect();
    Ok(rows
        .iter()
        .map(|(i, c, u)| i.to_api(c, counts.get(&c.id).copied().unwrap_or(0), u))
        .collect())
}

/// The chat of invitation `id`, if it is `invitee`'s.
pub fn chat_of(conn: &mut PgConnection, id: Uuid, invitee: Uuid) -> QueryResult<Option<Uuid>> {
    Ok(find_for(conn, id, invitee)?.map(|i| i.chat_id))
}

/// The invitation `id`, if it is `invitee`'s.
fn find_for(conn: &mut PgConnection, id: Uuid, invitee: Uuid) -> QueryResult<Option<InviteRow>> {
    chat_invites::table
        .find(id)
        .filter(chat_invites::invitee_id.eq(invitee))
        .select(InviteRow::as_select())
        .first(conn)
        .optional()
}

/// What answering an invitation did: the invitation and, when accepted, the join.
#[derive(Debug, Clone)]
pub struct Answered {
    pub invite: InviteRow,
    pub changed: Changed,
}

/// `invitee` accepts (`true`) or declines invitation `id`. Unknown, someone else's: `None`.
pub fn answer(
    conn: &mut PgConnection,
    id: Uuid,
    invitee: Uuid,
    accept: bool,
    limits: Limits,
) -> QueryResult<Option<Result<Answered, GroupRejected>>> {
    conn.transaction(|conn| {
        let Some(invite) = find_for(conn, id, invitee)? else {
            return Ok(None);
        };
        let Some(_chat) = lock_chat(conn, invite.chat_id)? else {
            return Ok(None);
        };
        // the row may have been answered meanwhile (another device): read it again, locked
        let Some(invite) = find_for(conn, id, invitee)? else {
            return Ok(None);
        };
        diesel::delete(chat_invites::table.find(id)).execute(conn)?;
        let mut changed = Changed::default();
        if !accept {
            return Ok(Some(Ok(Answered { invite, changed })));
        }
        if invite.expires_at <= Utc::now() {
            return Ok(Some(Err(GroupRejected::InviteExpired)));
        }
        // the inviter must still be allowed to invite: one who left, was removed, or lost
        // the right under the group's rules has withdrawn the invitation
        let chat = lock_chat(conn, invite.chat_id)?;
        let inviter = members::member(conn, invite.chat_id, invite.inviter_id)?;
        let still = match (&chat, &inviter) {
            (Some(c), Some(m)) => {
                may(m.role, m.muted, GroupAction::Invite, None, rules_of(c)).is_ok()
            }
            _ => false,
        };
        if !still {
            return Ok(Some(Err(GroupRejected::InviteExpired)));
        }
        if members::is_banned(conn, invite.chat_id, invitee)? {
            return Ok(Some(Err(GroupRejected::Banned)));
        }
        if members::member(conn, invite.chat_id, invitee)?.is_some() {
            return Ok(Some(Err(GroupRejected::AlreadyMember)));
        }
        if members::count(conn, invite.chat_id)? >= limits.member_limit {
            return Ok(Some(Err(GroupRejected::MemberLimit)));
        }
        let now = Utc::now().trunc_subsecs(6);
        members::join(
            conn,
            invite.chat_id,
            invitee,
            Some(invite.inviter_id),
            now,
            &mut changed,
        )?;
        members::finish(conn, invite.chat_id, &mut changed)?;
        Ok(Some(Ok(Answered { invite, changed })))
    })
}

/// Deletes invitations that expired before `before`; answers how many.
pub fn prune_expired(conn: &mut PgConnection, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::delete(chat_invites::table.filter(chat_invites::expires_at.lt(before))).execute(conn)
}
