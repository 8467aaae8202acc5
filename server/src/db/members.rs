//! The members of a group as stored, and the building blocks of every membership change:
//! the locked chat, a departure, a join, and the service message that tells the history
//! about each (`db::membership` makes the changes a member asks for, `db::invites` the
//! joins by invitation).
//!
//! A change raises the chat's `members_version` when who is a member or what they may do
//! changed, in the transaction that appends its service message: a send that committed
//! after a removal was checked against it (`db::writer` re-checks senders when the version
//! moved since the room read its members).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use natter_shared::UserId;
use natter_shared::api::{
    ChatRole, DepartureReason, EventKind, GroupInfo, GroupRules, InvitePolicy, MemberInfo,
    PinPolicy, Refusal, ServiceAction,
};
use uuid::Uuid;

use super::chats::ChatRow;
use super::messages::MessageRow;
use super::names::Stored;
use super::schema::{
    chat_bans, chat_departures, chat_events, chat_members, chats, messages, users,
};

/// A member's row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chat_members)]
pub struct MemberRow {
    pub user_id: Uuid,
    #[diesel(deserialize_as = Stored<ChatRole>)]
    pub role: ChatRole,
    pub muted: bool,
    pub read_seq: i64,
    pub joined_at: DateTime<Utc>,
}

impl MemberRow {
    /// The member as the member list shows them: `user` is their profile.
    pub fn to_api(&self, user: natter_shared::api::User, online: bool) -> MemberInfo {
        MemberInfo {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: self.role,
            muted: self.muted,
            online,
            joined_at: self.joined_at,
        }
    }
}

/// The group's rules as stored.
pub fn rules_of(chat: &ChatRow) -> GroupRules {
    GroupRules {
        invite: InvitePolicy::parse(&chat.invite_policy).unwrap_or(InvitePolicy::Members),
        pin: PinPolicy::parse(&chat.pin_policy).unwrap_or(PinPolicy::Admins),
    }
}

/// The group's info as `GET /chats/{id}` shows it.
pub fn group_info(chat: &ChatRow, member_count: i64, member_limit: i64) -> GroupInfo {
    GroupInfo {
        title: chat.title.clone().unwrap_or_default(),
        description: chat.description.clone(),
        rules: rules_of(chat),
        member_count,
        member_limit,
    }
}

/// One member's row, if they are one.
pub fn member(
    conn: &mut PgConnection,
    chat_id: Uuid,
    user: Uuid,
) -> QueryResult<Option<MemberRow>> {
    chat_members::table
        .find((chat_id, user))
        .select(MemberRow::as_select())
        .first(conn)
        .optional()
}

/// A page of members with their profiles: the most powerful first, then by username.
pub fn page(
    conn: &mut PgConnection,
    chat_id: Uuid,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<(MemberRow, super::users::UserRow)>, i64)> {
    let total: i64 = chat_members::table
        .filter(chat_members::chat_id.eq(chat_id))
        .count()
        .get_result(conn)?;
    let rank = diesel::dsl::sql::<diesel::sql_types::Integer>(
        "CASE chat_members.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 \
         WHEN 'moderator' THEN 2 ELSE 3 END",
    );
    let rows = chat_members::table
        .inner_join(users::table)
        .filter(chat_members::chat_id.eq(chat_id))
        .order((rank.asc(), users::username.asc()))
        .limit(limit)
        .offset(offset)
        .select((MemberRow::as_select(), super::users::UserRow::as_select()))
        .load(conn)?;
    Ok((rows, total))
}

/// Where a former member stands: what they may still read.
#[derive(Debug, Clone, Copy, Queryable)]
pub struct Departure {
    pub last_seq: i64,
    pub last_event_seq: i64,
}

/// The departure of a former member, if `user` left, was removed or was banned.
pub fn departure(
    conn: &mut PgConnection,
    chat_id: Uuid,
    user: Uuid,
) -> QueryResult<Option<Departure>> {
    chat_departures::table
        .find((chat_id, user))
        .select((chat_departures::last_seq, chat_departures::last_event_seq))
        .first(conn)
        .optional()
}

/// How many members the chat has.
pub fn count(conn: &mut PgConnection, chat_id: Uuid) -> QueryResult<i64> {
    chat_members::table
        .filter(chat_members::chat_id.eq(chat_id))
        .count()
        .get_result(conn)
}

/// Whether `user` is banned from the chat.
pub fn is_banned(conn: &mut PgConnection, chat_id: Uuid, user: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(chat_bans::table.find((chat_id, user)))).get_result(conn)
}

/// Why a change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GroupRejected {
    #[error("no such chat")]
    ChatNotFound,
    #[error("no such member in this chat")]
    MemberNotFound,
    #[error("no such user")]
    UserNotFound,
    #[error("only groups have members to manage")]
    NotAGroup,
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("the owner must hand the group over to someone before leaving it")]
    OwnerMustHandOver,
    #[error("this person is already a member")]
    AlreadyMember,
    #[error("this person is banned from the group")]
    Banned,
    #[error("the group has as many members as it may")]
    MemberLimit,
    #[error("this invitation has expired or was withdrawn")]
    InviteExpired,
    #[error("this chat is not a message request to you")]
    NoRequest,
    #[error("one of you blocks the other")]
    Blocked,
    #[error("no such join link")]
    LinkNotFound,
    #[error("this join link has expired, was used up or revoked")]
    LinkExpired,
}

/// What a change did, for the announcements after the commit.
#[derive(Debug, Clone, Default)]
pub struct Changed {
    /// The service messages it added, in order (their `event_seq` is set).
    pub service: Vec<MessageRow>,
    /// The members after the change.
    pub members: Vec<UserId>,
    /// Someone who is no longer a member, and why.
    pub departed: Option<(UserId, DepartureReason)>,
    /// Someone who became a member.
    pub joined: Option<UserId>,
    /// The chat after the change.
    pub chat: Option<ChatRow>,
    /// Rooms must read the chat's members again (who is in it, muted, blocked).
    pub members_changed: bool,
    /// Every member gets the chat's new summary (`chat_updated`).
    pub resummarize: bool,
    /// The group photo a `SetPhoto` replaced (its file may go).
    pub replaced_photo: Option<Uuid>,
}

/// The result of a change: done, or refused with nothing written.
pub type Outcome = QueryResult<Result<Changed, GroupRejected>>;

/// Locks a chat row and answers it.
pub fn lock_chat(conn: &mut PgConnection, chat_id: Uuid) -> QueryResult<Option<ChatRow>> {
    chats::table
        .find(chat_id)
        .select(ChatRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// Reads back what the announcements need: the chat and its members after the change.
pub fn finish(conn: &mut PgConnection, chat_id: Uuid, changed: &mut Changed) -> QueryResult<()> {
    changed.chat = chats::table
        .find(chat_id)
        .select(ChatRow::as_select())
        .first(conn)
        .optional()?;
    changed.members = super::chats::member_ids(conn, chat_id)?
        .into_iter()
        .map(UserId)
        .collect();
    Ok(())
}

/// `user` is no longer a member: their row goes, their departure is recorded at the service
/// message that tells of it (the last thing they may read).
pub fn depart(
    conn: &mut PgConnection,
    chat_id: Uuid,
    user: Uuid,
    actor: Uuid,
    reason: DepartureReason,
    now: DateTime<Utc>,
    changed: &mut Changed,
) -> QueryResult<()> {
    diesel::delete(chat_members::table.find((chat_id, user))).execute(conn)?;
    let action = ServiceAction::Departed {
        user_id: UserId(user),
        reason,
    };
    let message = service_message(conn, chat_id, actor, &action, true, now)?;
    let seen = Departure {
        last_seq: message.seq,
        last_event_seq: message.event_seq.unwrap_or(0),
    };
    record_departure(conn, chat_id, user, actor, reason, seen, now)?;
    changed.service.push(message);
    changed.departed = Some((UserId(user), reason));
    Ok(())
}

/// Records (or renews) that `user` left `chat_id`, having seen up to `seen`: what a former
/// member may still read.
pub fn record_departure(
    conn: &mut PgConnection,
    chat_id: Uuid,
    user: Uuid,
    actor: Uuid,
    reason: DepartureReason,
    seen: Departure,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(chat_departures::table)
        .values((
            chat_departures::chat_id.eq(chat_id),
            chat_departures::user_id.eq(user),
            chat_departures::reason.eq(reason.as_str()),
            chat_departures::actor_id.eq(actor),
            chat_departures::last_seq.eq(seen.last_seq),
            chat_departures::last_event_seq.eq(seen.last_event_seq),
            chat_departures::departed_at.eq(now),
        ))
        .on_conflict((chat_departures::chat_id, chat_departures::user_id))
        .do_update()
        .set((
            chat_departures::reason.eq(reason.as_str()),
            chat_departures::actor_id.eq(actor),
            chat_departures::last_seq.eq(seen.last_seq),
            chat_departures::last_event_seq.eq(seen.last_event_seq),
            chat_departures::departed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Appends a service message to a locked chat: the next seq, its `message_created` event,
/// and (when `members_changed`) a new `members_version`.
pub fn service_message(
    conn: &mut PgConnection,
    chat_id: Uuid,
    actor: Uuid,
    action: &ServiceAction,
    members_changed: bool,
    now: DateTime<Utc>,
) -> QueryResult<MessageRow> {
    let bump = i64::from(members_changed);
    let (seq, event_seq): (i64, i64) = diesel::update(chats::table.find(chat_id))
        .set((
            chats::last_seq.eq(chats::last_seq + 1),
            chats::last_event_seq.eq(chats::last_event_seq + 1),
            chats::members_version.eq(chats::members_version + bump),
            chats::updated_at.eq(now),
        ))
        .returning((chats::last_seq, chats::last_event_seq))
        .get_result(conn)?;
    let service = serde_json::to_string(action)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let row = MessageRow {
        id: Uuid::new_v4(),
        chat_id,
        seq,
        sender_id: actor,
        text: String::new(),
        reply_to: None,
        request_id: Uuid::new_v4(),
        created_at: now,
        edited_at: None,
        event_seq: Some(event_seq),
        deleted_at: None,
        forwarded_sender: None,
        forwarded_at: None,
        pinned_at: None,
        pinned_by: None,
        service: Some(service),
        mentions: Vec::new(),
        attachments: None,
        file_ids: Vec::new(),
    };
    diesel::insert_into(messages::table)
        .values(&row)
        .execute(conn)?;
    diesel::insert_into(chat_events::table)
        .values((
            chat_events::chat_id.eq(chat_id),
            chat_events::event_seq.eq(event_seq),
            chat_events::kind.eq(EventKind::MessageCreated.as_str()),
            chat_events::actor_id.eq(actor),
            chat_events::message_id.eq(Some(row.id)),
            chat_events::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(row)
}

/// Adds `user` as a plain member (joining by invitation): a former member comes back with
/// role `member` whatever they had before.
pub fn join(
    conn: &mut PgConnection,
    chat_id: Uuid,
    user: Uuid,
    invited_by: Option<Uuid>,
    now: DateTime<Utc>,
    changed: &mut Changed,
) -> QueryResult<()> {
    diesel::insert_into(chat_members::table)
        .values((
            chat_members::chat_id.eq(chat_id),
            chat_members::user_id.eq(user),
            chat_members::role.eq(Stored(ChatRole::Member)),
            chat_members::joined_at.eq(now),
        ))
        .execute(conn)?;
    diesel::delete(chat_departures::table.find((chat_id, user))).execute(conn)?;
    let action = ServiceAction::Joined {
        user_id: UserId(user),
        invited_by: invited_by.map(UserId),
    };
    let message = service_message(conn, chat_id, user, &action, true, now)?;
    // the newcomer has read what is there when they come in
    diesel::update(chat_members::table.find((chat_id, user)))
        .set(chat_members::read_seq.eq(message.seq))
        .execute(conn)?;
    changed.service.push(message);
    changed.joined = Some(UserId(user));
    Ok(())
}
