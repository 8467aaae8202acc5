//! Join links (`chat_links`) and the join requests of links that need approval
//! (`join_requests`). A link is made by a group's admins, may expire and be limited in uses,
//! and can be revoked; joining by it is `db::members::join` in the same locked transaction,
//! counted against the link's uses.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use diesel::prelude::*;
use natter_shared::api::{ChatKind, GroupAction, JoinLink, JoinRequest, PersonRef, may};
use natter_shared::{ChatId, UserId};
use uuid::Uuid;

use super::members::{self, Changed, GroupRejected, finish, lock_chat, rules_of};
use super::schema::{chat_links, join_requests, users};
use super::users::UserRow;

/// A row of `chat_links`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chat_links)]
pub struct LinkRow {
    pub token: String,
    pub chat_id: Uuid,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub needs_approval: bool,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl LinkRow {
    pub fn to_api(&self) -> JoinLink {
        JoinLink {
            token: self.token.clone(),
            chat_id: ChatId(self.chat_id),
            created_by: UserId(self.created_by),
            created_at: self.created_at,
            expires_at: self.expires_at,
            max_uses: self.max_uses.map(|n| n.max(0) as u32),
            uses: self.uses.max(0) as u32,
            needs_approval: self.needs_approval,
            revoked: self.revoked_at.is_some(),
        }
    }

    /// Whether the link still lets people in at `now`.
    fn usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none()
            && self.expires_at.is_none_or(|at| at > now)
            && self.max_uses.is_none_or(|max| self.uses < max)
    }
}

/// Whether `actor` may manage the links of group `chat_id` (admins and above, as for the
/// group's info); locks the chat.
fn manager(
    conn: &mut PgConnection,
    chat_id: Uuid,
    actor: Uuid,
) -> QueryResult<Result<(), GroupRejected>> {
    let Some(chat) = lock_chat(conn, chat_id)? else {
        return Ok(Err(GroupRejected::ChatNotFound));
    };
    let Some(me) = members::member(conn, chat_id, actor)? else {
        return Ok(Err(GroupRejected::ChatNotFound));
    };
    if chat.kind != ChatKind::Group {
        return Ok(Err(GroupRejected::NotAGroup));
    }
    Ok(may(
        me.role,
        me.muted,
        GroupAction::EditInfo,
        None,
        rules_of(&chat),
    )
    .map_err(Into::into))
}

/// What a new link is to be.
#[derive(Debug, Clone, Copy)]
pub struct NewLink {
    pub expires_in: Option<Duration>,
    pub max_uses: Option<i32>,
    pub needs_approval: bool,
}

/// `actor` makes a join link of group `chat_id`.
pub fn create(
    conn: &mut PgConnection,
    chat_id: Uuid,
    actor: Uuid,
    new: NewLink,
) -> QueryResult<Result<LinkRow, GroupRejected>> {
    conn.transaction(|conn| {
        if let Err(r) = manager(conn, chat_id, actor)? {
            return Ok(Err(r));
        }
        let now = Utc::now().trunc_subsecs(6);
        // 128 random bits, URL-safe without escaping
        let token = Uuid::new_v4().simple().to_string();
        let row = diesel::insert_into(chat_links::table)
            .values((
                chat_links::token.eq(&token),
                chat_links::chat_id.eq(chat_id),
                chat_links::created_by.eq(actor),
                chat_links::created_at.eq(now),
                chat_links::expires_at.eq(new.expires_in.map(|d| now + d)),
                chat_links::max_uses.eq(new.max_uses),
                chat_links::needs_approval.eq(new.needs_approval),
            ))
            .returning(LinkRow::as_returning())
            .get_result(conn)?;
        Ok(Ok(row))
    })
}

/// The links of group `chat_id`, newest first (its admins only).
pub fn list(
    conn: &mut PgConnection,
    chat_id: Uuid,
    actor: Uuid,
) -> QueryResult<Result<Vec<LinkRow>, GroupRejected>> {
    conn.transaction(|conn| {
        if let Err(r) = manager(conn, chat_id, actor)? {
            return Ok(Err(r));
        }
        Ok(Ok(chat_links::table
            .filter(chat_links::chat_id.eq(chat_id))
            .order(chat_links::created_at.desc())
            .select(LinkRow::as_select())
            .load(conn)?))
    })
}

/// Revokes link `token` of group `chat_id`; its pending requests go with it.
pub fn revoke(
    conn: &mut PgConnection,
    chat_id: Uuid,
    actor: Uuid,
    token: &str,
) -> QueryResult<Result<(), GroupRejected>> {
    conn.transaction(|conn| {
        if let Err(r) = manager(conn, chat_id, actor)? {
            return Ok(Err(r));
        }
        let n = diesel::update(
            chat_links::table
                .filter(chat_links::token.eq(token))
                .filter(chat_links::chat_id.eq(chat_id)),
        )
        .set(chat_links::revoked_at.eq(Some(Utc::now())))
        .execute(conn)?;
        if n == 0 {
            return Ok(Err(GroupRejected::LinkNotFound));
        }
        diesel::delete(join_requests::table.filter(join_requests::token.eq(token)))
            .execute(conn)?;
        Ok(Ok(()))
    })
}

/// The chat of link `token`, if there is such a link.
pub fn chat_of(conn: &mut PgConnection, token: &str) -> QueryResult<Option<Uuid>> {
    chat_links::table
        .find(token)
        .select(chat_links::chat_id)
        .first(conn)
        .optional()
}

/// What following a link did.
#[derive(Debug, Clone)]
pub enum Followed {
    Joined(Box<Changed>),
    Requested(Uuid),
}

/// `user` follows link `token`: joins, or asks to when the link needs approval.
pub fn follow(
    conn: &mut PgConnection,
    token: &str,
    user: Uuid,
    member_limit: i64,
) -> QueryResult<Result<Followed, GroupRejected>> {
    conn.transaction(|conn| {
        let chat_id: Option<Uuid> = chat_links::table
            .find(token)
            .select(chat_links::chat_id)
            .first(conn)
            .optional()?;
        let Some(chat_id) = chat_id else {
            return Ok(Err(GroupRejected::LinkNotFound));
        };
        if lock_chat(conn, chat_id)?.is_none() {
            return Ok(Err(GroupRejected::LinkNotFound));
        }
        let link: LinkRow = chat_links::table
            .find(token)
            .select(LinkRow::as_select())
            .first(conn)?;
        let now = Utc::now().trunc_subsecs(6);
        if !link.usable(now) {
            return Ok(Err(GroupRejected::LinkExpired));
        }
        if members::member(conn, chat_id, user)?.is_some() {
            return Ok(Err(GroupRejected::AlreadyMember));
        }
        if members::is_banned(conn, chat_id, user)? {
            return Ok(Err(GroupRejected::Banned));
        }
        if members::count(conn, chat_id)? >= member_limit {
            return Ok(Err(GroupRejected::MemberLimit));
        }
        if link.needs_approval {
            diesel::insert_into(join_requests::table)
                .values((
                    join_requests::chat_id.eq(chat_id),
                    join_requests::user_id.eq(user),
                    join_requests::token.eq(token),
                    join_requests::created_at.eq(now),
                ))
                .on_conflict_do_nothing()
                .execute(conn)?;
            return Ok(Ok(Followed::Requested(chat_id)));
        }
        diesel::update(chat_links::table.find(token))
            .set(chat_links::uses.eq(chat_links::uses + 1))
            .execute(conn)?;
        let mut changed = Changed::default();
        members::join(conn, chat_id, user, None, now, &mut changed)?;
        finish(conn, chat_id, &mut changed)?;
        Ok(Ok(Followed::Joined(Box::new(changed))))
    })
}

/// The people waiting to join group `chat_id` (its admins only), the earliest first.
pub fn requests(
    conn: &mut PgConnection,
    chat_id: Uuid,
    actor: Uuid,
) -> QueryResult<Result<Vec<JoinRequest>, GroupRejected>> {
    conn.transaction(|conn| {
        if let Err(r) = manager(conn, chat_id, actor)? {
            return Ok(Err(r));
        }
        let rows: Vec<(UserRow, DateTime<Utc>)> = join_requests::table
            .inner_join(users::table.on(users::id.eq(join_requests::user_id)))
            .filter(join_requests::chat_id.eq(chat_id))
            .order(join_requests::created_at.asc())
            .select((UserRow::as_select(), join_requests::created_at))
            .load(conn)?;
        Ok(Ok(rows
            .into_iter()
            .map(|(u, at)| {
                let u = u.to_api();
                JoinRequest {
                    user: PersonRef {
                        id: u.id,
                        username: u.username,
                        display_name: u.display_name,
                    },
                    created_at: at,
                }
            })
            .collect()))
    })
}

/// An admin approves (`true`) or declines `user`'s request to join group `chat_id`.
pub fn answer(
    conn: &mut PgConnection,
    chat_id: Uuid,
    actor: Uuid,
    user: Uuid,
    approve: bool,
    member_limit: i64,
) -> QueryResult<Result<Changed, GroupRejected>> {
    conn.transaction(|conn| {
        if let Err(r) = manager(conn, chat_id, actor)? {
            return Ok(Err(r));
        }
        let token: Option<String> = diesel::delete(join_requests::table.find((chat_id, user)))
            .returning(join_requests::token)
            .get_result(conn)
            .optional()?;
        let Some(token) = token else {
            return Ok(Err(GroupRejected::MemberNotFound));
        };
        let mut changed = Changed::default();
        if !approve {
            return Ok(Ok(changed));
        }
        if members::member(conn, chat_id, user)?.is_some() {
            return Ok(Err(GroupRejected::AlreadyMember));
        }
        let link: LinkRow = chat_links::table
            .find(&token)
            .select(LinkRow::as_select())
            .first(conn)?;
        if !link.usable(Utc::now()) {
            return Ok(Err(GroupRejected::LinkExpired));
        }
        if members::is_banned(conn, chat_id, user)? {
            return Ok(Err(GroupRejected::Banned));
        }
        if members::count(conn, chat_id)? >= member_limit {
            return Ok(Err(GroupRejected::MemberLimit));
        }
        diesel::update(chat_links::table.find(&token))
            .set(chat_links::uses.eq(chat_links::uses + 1))
            .execute(conn)?;
        let now = Utc::now().trunc_subsecs(6);
        members::join(conn, chat_id, user, Some(actor), now, &mut changed)?;
        finish(conn, chat_id, &mut changed)?;
        Ok(Ok(changed))
    })
}
