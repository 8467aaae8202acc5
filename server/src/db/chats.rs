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
    pub request_from: Option<Uuid>,
    pub blocked: bool,
    pub photo_id: Option<Uuid>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = chats)]
struct NewChat<'a> {
    id: Uuid,
    kind: Stored<ChatKind>,
    title: Option<&'a str>,
    created_by: Uuid,
    direct_key: Option<&'a str>,
    request_from: Option<Uuid>,
    blocked: bool,
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
        lock_pair(conn, a, b)?;
        let strangers = !share_a_chat(conn, a, b)?;
        // a block made while this chat is being opened: the flag is set here, in the same
        // transaction that makes or locks the chat (a block locks the chat to set it too)
        let blocked = blocked_between(conn, a, b)?;
        let inserted: Option<ChatRow> = diesel::insert_into(chats::table)
            .values(NewChat {
                id: Uuid::new_v4(),
                kind: ChatKind::Direct.into(),
                title: None,
                created_by: a,
                direct_key: Some(&key),
                request_from: strangers.then_some(a),
                blocked,
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
                    .for_update()
                    .first(conn)?;
                // one of the two declined (or left) it: opening it again asks again
                let mut readded = false;
                for (who, opener) in [(a, a), (b, a)] {
                    let added = diesel::insert_into(chat_members::table)
                        .values(NewMember {
                            chat_id: chat.id,
                            user_id: who,
                            role: ChatRole::Member.into(),
                        })
                        .on_conflict_do_nothing()
                        .execute(conn)?;
                    if added > 0 && who != opener {
                        readded = true;
                    }
                }
                if readded {
                    let chat = diesel::update(chats::table.find(chat.id))
                        .set((
                            chats::request_from.eq(Some(a)),
                            chats::members_version.eq(chats::members_version + 1),
                        ))
                        .returning(ChatRow::as_returning())
                        .get_result(conn)?;
                    return Ok((chat, true));
                }
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
                request_from: None,
                blocked: false,
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

/// Groups up to this size tell their members when one comes online or goes offline; in
/// bigger ones presence is read when asked for (the member list), or every connect would
/// send a frame to thousands.
pub const PRESENCE_GROUP_MAX: i64 = 200;

/// Everyone told when `user_id` comes online or goes offline: who shares a direct chat or a
/// group of at most [`PRESENCE_GROUP_MAX`] members with them, but not the sender of a
/// message request to them still pending, and nobody either of them blocks.
pub fn contacts(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Contact {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        user_id: Uuid,
    }
    let rows: Vec<Contact> = diesel::sql_query(
        "SELECT DISTINCT o.user_id FROM chat_members m \
         JOIN chat_members o ON o.chat_id = m.chat_id AND o.user_id <> m.user_id \
         JOIN chats c ON c.id = m.chat_id \
         WHERE m.user_id = $1 AND (c.request_from IS NULL OR c.request_from = $1) \
         AND (c.kind = 'direct' OR (SELECT count(*) FROM chat_members x \
           WHERE x.chat_id = c.id) <= $2) \
         AND NOT EXISTS (SELECT 1 FROM user_blocks b \
           WHERE (b.blocker_id = $1 AND b.blocked_id = o.user_id) \
              OR (b.blocker_id = o.user_id AND b.blocked_id = $1))",
    )
    .bind::<diesel::sql_types::Uuid, _>(user_id)
    .bind::<diesel::sql_types::BigInt, _>(PRESENCE_GROUP_MAX)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.user_id).collect())
}

/// Which of `owners` share a chat with `viewer` (any chat, of any size), as "people I chat
/// with" means for who sees last seen: not while the viewer's message request to the owner
/// is pending, and not across a block either way.
pub fn sharing(conn: &mut PgConnection, viewer: Uuid, owners: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    #[derive(QueryableByName)]
    struct Owner {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        user_id: Uuid,
    }
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Owner> = diesel::sql_query(
        "SELECT DISTINCT o.user_id FROM chat_members m \
         JOIN chat_members o ON o.chat_id = m.chat_id AND o.user_id <> m.user_id \
         JOIN chats c ON c.id = m.chat_id \
         WHERE m.user_id = $1 AND o.user_id = ANY($2) \
         AND (c.request_from IS NULL OR c.request_from = o.user_id) \
         AND NOT EXISTS (SELECT 1 FROM user_blocks b \
           WHERE (b.blocker_id = $1 AND b.blocked_id = o.user_id) \
              OR (b.blocker_id = o.user_id AND b.blocked_id = $1))",
    )
    .bind::<diesel::sql_types::Uuid, _>(viewer)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(owners)
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.user_id).collect())
}

/// The direct chat with this key, if there is one.
pub fn direct_chat(conn: &mut PgConnection, key: &str) -> QueryResult<Option<Uuid>> {
    chats::table
        .filter(chats::direct_key.eq(key))
        .select(chats::id)
        .first(conn)
        .optional()
}

/// Whether `a` blocks `b` or `b` blocks `a`.
pub fn blocked_between(conn: &mut PgConnection, a: Uuid, b: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        super::schema::user_blocks::table.filter(
            super::schema::user_blocks::blocker_id
                .eq(a)
                .and(super::schema::user_blocks::blocked_id.eq(b))
                .or(super::schema::user_blocks::blocker_id
                    .eq(b)
                    .and(super::schema::user_blocks::blocked_id.eq(a))),
        ),
    ))
    .get_result(conn)
}

/// Locks the two users' rows (in id order): opening their direct chat and blocking between
/// them take this first, so a block and an opening of the chat cannot miss each other.
pub fn lock_pair(conn: &mut PgConnection, a: Uuid, b: Uuid) -> QueryResult<()> {
    let mut ids = [a, b];
    ids.sort();
    users::table
        .filter(users::id.eq_any(ids))
        .order(users::id)
        .select(users::id)
        .for_update()
        .load::<Uuid>(conn)?;
    Ok(())
}

/// Whether `a` and `b` are both members of some chat.
pub fn share_a_chat(conn: &mut PgConnection, a: Uuid, b: Uuid) -> QueryResult<bool> {
    let (mine, others) = diesel::alias!(chat_members as mine, chat_members as others);
    diesel::select(diesel::dsl::exists(
        mine.inner_join(
            others.on(others
                .field(chat_members::chat_id)
                .eq(mine.field(chat_members::chat_id))),
        )
        .filter(mine.field(chat_members::user_id).eq(a))
        .filter(others.field(chat_members::user_id).eq(b)),
    ))
    .get_result(conn)
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

/// A chat's row, without locking it.
pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ChatRow>> {
    chats::table
        .find(id)
        .select(ChatRow::as_select())
        .first(conn)
        .optional()
}

/// A group's photo, if it has one.
pub fn photo_of(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Uuid>> {
    chats::table
        .find(id)
        .select(chats::photo_id)
        .first::<Option<Uuid>>(conn)
        .optional()
        .map(Option::flatten)
}

/// Chats' rows by id (missing ones left out), without locking them.
pub fn find_many(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<ChatRow>> {
    chats::table
        .filter(chats::id.eq_any(ids))
        .select(ChatRow::as_select())
        .load(conn)
}

/// The ids of the chats `user_id` is a member of (former members' chats are not among them).
pub fn ids_of_member(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<Vec<Uuid>> {
    chat_members::table
        .filter(chat_members::user_id.eq(user_id))
        .select(chat_members::chat_id)
        .load(conn)
}
