//! The `chats` and `chat_members` tables.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use natter_shared::api::{ChatKind, ChatRole};

use super::names::Stored;
use super::schema::{chat_members, chats, users};
use super::users::UserRow;

/// A row of `chats`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chats)]
pub struct ChatRow {
    pub id: Uuid,
    #[diesel(deserialize_as = Stored<ChatKind>)]
    pub kind: ChatKind,
    pub title: Option<String>,
    pub created_by: Uuid,
    pub direct_key: Option<String>,
    pub last_seq: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_event_seq: i64,
    pub description: String,
    pub invite_policy: String,
    pub pin_policy: String,
    pub members_version: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = chats)]
struct NewChat<'a> {
    id: Uuid,
    kind: Stored<ChatKind>,
    title: Option<&'a str>,
    created_by: Uuid,
    direct_key: Option<&'a str>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = chat_members)]
struct NewMember {
    chat_id: Uuid,
    user_id: Uuid,
    role: Stored<ChatRole>,
}

/// The key that makes a pair's direct chat unique, whoever opens it.
pub fn direct_key(a: Uuid, b: Uuid) -> String {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    format!("{lo}:{hi}")
}

/// The direct chat of `a` and `b`: created now (`true`) or the existing one (`false`).
/// Concurrent calls for one pair all get the same chat: the unique `direct_key` makes the
/// loser's insert wait for the winner and then find its chat.
pub fn open_direct(conn: &mut PgConnection, a: Uuid, b: Uuid) -> QueryResult<(ChatRow, bool)> {
    let key = direct_key(a, b);
    conn.transaction(|conn| {
        let inserted: Option<ChatRow> = diesel::insert_into(chats::table)
            .values(NewChat {
                id: Uuid::new_v4(),
                kind: ChatKind::Direct.into(),
                title: None,
                created_by: a,
                direct_key: Some(&key),
            })
            .on_conflict(chats::direct_key)
            .do_nothing()
            .returning(ChatRow::as_returning())
            .get_result(conn)
            .optional()?;
        match inserted {
            Some(chat) => {
                diesel::insert_into(chat_members::table)
                    .values(&[
                        NewMember {
                            chat_id: chat.id,
                            user_id: a,
                            role: ChatRole::Member.into(),
                        },
                        NewMember {
                            chat_id: chat.id,
                            user_id: b,
                            role: ChatRole::Member.into(),
                        },
                    ])
                    .execute(conn)?;
                Ok((chat, true))
            }
            None => {
                let chat = chats::table
                    .filter(chats::direct_key.eq(&key))
                    .select(ChatRow::as_select())
                    .first(conn)?;
                Ok((chat, false))
            }
        }
    })
}

/// A group with `creator` as owner and `members` (distinct, without the creator).
pub fn create_group(
    conn: &mut PgConnection,
    creator: Uuid,
    title: &str,
    members: &[Uuid],
) -> QueryResult<ChatRow> {
    conn.transaction(|conn| {
        let chat = diesel::insert_into(chats::table)
            .values(NewChat {
                id: Uuid::new_v4(),
                kind: ChatKind::Group.into(),
                title: Some(title),
                created_by: creator,
                direct_key: None,
            })
            .returning(ChatRow::as_returning())
            .get_result(conn)?;
        let mut rows = vec![NewMember {
            chat_id: chat.id,
            user_id: creator,
            role: ChatRole::Owner.into(),
        }];
        rows.extend(members.iter().map(|&user_id| NewMember {
            chat_id: chat.id,
            user_id,
            role: ChatRole::Member.into(),
        }));
        diesel::insert_into(chat_members::table)
            .values(&rows)
            .execute(conn)?;
        Ok(chat)
    })
}

/// Which of `ids` exist as users.
pub fn existing_users(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select(users::id)
        .load(conn)
}

/// The chat and the caller's read cursor, if the caller is a member.
pub fn membership(
    conn: &mut PgConnection,
    chat_id: Uuid,
    user_id: Uuid,
) -> QueryResult<Option<(ChatRow, i64)>> {
    chats::table
        .inner_join(chat_members::table)
        .filter(chats::id.eq(chat_id))
        .filter(chat_members::user_id.eq(user_id))
        .select((ChatRow::as_select(), chat_members::read_seq))
        .first(conn)
        .optional()
}

/// The members of a chat.
pub fn member_ids(conn: &mut PgConnection, chat_id: Uuid) -> QueryResult<Vec<Uuid>> {
    chat_members::table
        .filter(chat_members::chat_id.eq(chat_id))
        .select(chat_members::user_id)
        .load(conn)
}

/// The members of a chat with their profiles, role, muting and read cursor.
pub fn members(
    conn: &mut PgConnection,
    chat_id: Uuid,
) -> QueryResult<Vec<(UserRow, ChatRole, bool, i64)>> {
    let rows: Vec<(UserRow, Stored<ChatRole>, bool, i64)> = chat_members::table
        .inner_join(users::table)
        .filter(chat_members::chat_id.eq(chat_id))
        .order(users::username.asc())
        .select((
            UserRow::as_select(),
            chat_members::role,
            chat_members::muted,
            chat_members::read_seq,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user, role, muted, read_seq)| (user, role.0, muted, read_seq))
        .collect())
}

/// Everyone who shares at least one chat with `user_id` (for presence).
pub fn contacts(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<Vec<Uuid>> {
    let (mine, others) = diesel::alias!(chat_members as mine, chat_members as others);
    mine.inner_join(
        others.on(others
            .field(chat_members::chat_id)
            .eq(mine.field(chat_members::chat_id))),
    )
    .filter(mine.field(chat_members::user_id).eq(user_id))
    .filter(others.field(chat_members::user_id).ne(user_id))
    .select(others.field(chat_members::user_id))
    .distinct()
    .load(conn)
}

/// A read cursor before and after a move, and the chat's last seq.
#[derive(Debug, Clone, Copy)]
pub struct ReadMove {
    pub before: i64,
    pub after: i64,
    pub last_seq: i64,
}

/// Moves a member's read cursor forward to `seq` (never back, never past the last message).
/// `None` for a non-member.
pub fn mark_read(
    conn: &mut PgConnection,
    chat_id: Uuid,
    user_id: Uuid,
    seq: i64,
) -> QueryResult<Option<ReadMove>> {
    conn.transaction(|conn| {
        // the member row is locked so concurrent reads of one member serialise
        let before: Option<i64> = chat_members::table
            .filter(chat_members::chat_id.eq(chat_id))
            .filter(chat_members::user_id.eq(user_id))
            .select(chat_members::read_seq)
            .for_update()
            .first(conn)
            .optional()?;
        let Some(before) = before else {
            return Ok(None);
        };
        let last_seq: i64 = chats::table
            .find(chat_id)
            .select(chats::last_seq)
            .first(conn)?;
        let after = seq.min(last_seq).max(before);
        if after > before {
            diesel::update(
                chat_members::table
                    .filter(chat_members::chat_id.eq(chat_id))
                    .filter(chat_members::user_id.eq(user_id)),
            )
            .set(chat_members::read_seq.eq(after))
            .execute(conn)?;
        }
        Ok(Some(ReadMove {
            before,
            after,
            last_seq,
        }))
    })
}

/// One chat of a user's list: the chat and the user's read cursor.
pub type ListedChat = (ChatRow, i64);

/// A page of `user_id`'s chats, most recent activity first, and the total count.
pub fn list_for_user(
    conn: &mut PgConnection,
    user_id: Uuid,
    limit: i64,
    offset: i64,
    unread_only: bool,
) -> QueryResult<(Vec<ListedChat>, i64)> {
    let base = || {
        let mut q = chats::table
            .inner_join(chat_members::table)
            .filter(chat_members::user_id.eq(user_id))
            .into_boxed();
        if unread_only {
            q = q.filter(chats::last_seq.gt(chat_members::read_seq));
        }
        q
    };
    let total: i64 = base().count().get_result(conn)?;
    let rows = base()
        .order((chats::updated_at.desc(), chats::id.desc()))
        .limit(limit)
        .offset(offset)
        .select((ChatRow::as_select(), chat_members::read_seq))
        .load(conn)?;
    Ok((rows, total))
}

/// For each direct chat among `chat_ids`, the member who is not `user_id`.
pub fn partners(
    conn: &mut PgConnection,
    chat_ids: &[Uuid],
    user_id: Uuid,
) -> QueryResult<Vec<(Uuid, UserRow)>> {
    chat_members::table
        .inner_join(users::table)
        .filter(chat_members::chat_id.eq_any(chat_ids))
        .filter(chat_members::user_id.ne(user_id))
        .select((chat_members::chat_id, UserRow::as_select()))
        .load(conn)
}

/// `(chat, member)` pairs of the given chats.
pub fn members_of(conn: &mut PgConnection, chat_ids: &[Uuid]) -> QueryResult<Vec<(Uuid, Uuid)>> {
    chat_members::table
        .filter(chat_members::chat_id.eq_any(chat_ids))
        .select((chat_members::chat_id, chat_members::user_id))
        .load(conn)
}

/// Member counts of chats.
pub fn member_counts(conn: &mut PgConnection, chat_ids: &[Uuid]) -> QueryResult<Vec<(Uuid, i64)>> {
    chat_members::table
        .filter(chat_members::chat_id.eq_any(chat_ids))
        .group_by(chat_members::chat_id)
        .select((chat_members::chat_id, diesel::dsl::count_star()))
        .load(conn)
}
