//! Message requests and blocking. A direct chat opened by someone the other shares no chat
//! with is a request (`chats.request_from`) until the other accepts it; they may decline it
//! (they leave it) or block its sender. A block (`user_blocks`) marks the pair's direct chat
//! `blocked`, so it delivers nothing either way, and hides presence both ways.
//!
//! Each change locks the chat row and raises its `members_version`, as membership changes
//! do, so rooms everywhere read the chat again and the writer re-checks sends.

use chrono::{SubsecRound, Utc};
use diesel::prelude::*;
use natter_shared::UserId;
use natter_shared::api::{ChatKind, DepartureReason};
use uuid::Uuid;

use super::chats::{ChatRow, blocked_between, direct_key};
use super::members::{
    Changed, Departure, GroupRejected, finish, lock_chat, member, record_departure,
};
use super::schema::{chat_members, chats, user_blocks, users};

/// Which of `others` `me` blocks or is blocked by.
pub fn blocked_among(conn: &mut PgConnection, me: Uuid, others: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    let blocked: Vec<Uuid> = user_blocks::table
        .filter(user_blocks::blocker_id.eq(me))
        .filter(user_blocks::blocked_id.eq_any(others))
        .select(user_blocks::blocked_id)
        .load(conn)?;
    let blockers: Vec<Uuid> = user_blocks::table
        .filter(user_blocks::blocked_id.eq(me))
        .filter(user_blocks::blocker_id.eq_any(others))
        .select(user_blocks::blocker_id)
        .load(conn)?;
    Ok(blocked.into_iter().chain(blockers).collect())
}

/// The pending request chat `chat_id` as its recipient `me` sees it, locked.
fn pending_for(
    conn: &mut PgConnection,
    chat_id: Uuid,
    me: Uuid,
) -> QueryResult<Result<ChatRow, GroupRejected>> {
    let Some(chat) = lock_chat(conn, chat_id)? else {
        return Ok(Err(GroupRejected::ChatNotFound));
    };
    if member(conn, chat_id, me)?.is_none() {
        return Ok(Err(GroupRejected::ChatNotFound));
    }
    if chat.kind != ChatKind::Direct || chat.request_from.is_none() || chat.request_from == Some(me)
    {
        return Ok(Err(GroupRejected::NoRequest));
    }
    Ok(Ok(chat))
}

/// `me` accepts the request of direct chat `chat_id`: a normal chat from now on.
pub fn accept(
    conn: &mut PgConnection,
    chat_id: Uuid,
    me: Uuid,
) -> QueryResult<Result<Changed, GroupRejected>> {
    conn.transaction(|conn| {
        if let Err(r) = pending_for(conn, chat_id, me)? {
            return Ok(Err(r));
        }
        diesel::update(chats::table.find(chat_id))
            .set((
                chats::request_from.eq(None::<Uuid>),
                chats::members_version.eq(chats::members_version + 1),
            ))
            .execute(conn)?;
        let mut changed = Changed {
            members_changed: true,
            resummarize: true,
            ..Changed::default()
        };
        finish(conn, chat_id, &mut changed)?;
        Ok(Ok(changed))
    })
}

/// `me` declines the request of direct chat `chat_id`: they leave it (the sender is not told;
/// opening the chat again asks again).
pub fn decline(
    conn: &mut PgConnection,
    chat_id: Uuid,
    me: Uuid,
) -> QueryResult<Result<Changed, GroupRejected>> {
    conn.transaction(|conn| {
        let chat = match pending_for(conn, chat_id, me)? {
            Ok(c) => c,
            Err(r) => return Ok(Err(r)),
        };
        leave_request(conn, &chat, me)
    })
}

fn leave_request(
    conn: &mut PgConnection,
    chat: &ChatRow,
    me: Uuid,
) -> QueryResult<Result<Changed, GroupRejected>> {
    let now = Utc::now().trunc_subsecs(6);
    diesel::delete(chat_members::table.find((chat.id, me))).execute(conn)?;
    let seen = Departure {
        last_seq: chat.last_seq,
        last_event_seq: chat.last_event_seq,
    };
    record_departure(conn, chat.id, me, me, DepartureReason::Left, seen, now)?;
    diesel::update(chats::table.find(chat.id))
        .set(chats::members_version.eq(chats::members_version + 1))
        .execute(conn)?;
    let mut changed = Changed {
        departed: Some((UserId(me), DepartureReason::Left)),
        ..Changed::default()
    };
    finish(conn, chat.id, &mut changed)?;
    Ok(Ok(changed))
}

/// What a block or unblock did: the pair's direct chat, if they have one, as changed.
#[derive(Debug, Clone, Default)]
pub struct BlockChanged {
    pub chat: Option<Changed>,
}

/// `blocker` blocks (`true`) or unblocks `blocked`. `None`: no such user.
pub fn set_block(
    conn: &mut PgConnection,
    blocker: Uuid,
    blocked: Uuid,
    on: bool,
) -> QueryResult<Result<BlockChanged, GroupRejected>> {
    conn.transaction(|conn| {
        let exists: bool =
            diesel::select(diesel::dsl::exists(users::table.find(blocked))).get_result(conn)?;
        if !exists || blocker == blocked {
            return Ok(Err(GroupRejected::UserNotFound));
        }
        super::chats::lock_pair(conn, blocker, blocked)?;
        if on {
            diesel::insert_into(user_blocks::table)
                .values((
                    user_blocks::blocker_id.eq(blocker),
                    user_blocks::blocked_id.eq(blocked),
                ))
                .on_conflict_do_nothing()
                .execute(conn)?;
        } else {
            diesel::delete(user_blocks::table.find((blocker, blocked))).execute(conn)?;
        }
        let key = direct_key(blocker, blocked);
        let chat_id: Option<Uuid> = chats::table
            .filter(chats::direct_key.eq(&key))
            .select(chats::id)
            .first(conn)
            .optional()?;
        let Some(chat_id) = chat_id else {
            return Ok(Ok(BlockChanged::default()));
        };
        let Some(chat) = lock_chat(conn, chat_id)? else {
            return Ok(Ok(BlockChanged::default()));
        };
        let now_blocked = blocked_between(conn, blocker, blocked)?;
        diesel::update(chats::table.find(chat_id))
            .set((
                chats::blocked.eq(now_blocked),
                chats::members_version.eq(chats::members_version + 1),
            ))
            .execute(conn)?;
        // blocking whoever sent me a request declines it
        if on && chat.request_from == Some(blocked) && member(conn, chat_id, blocker)?.is_some() {
            let chat = lock_chat(conn, chat_id)?.unwrap_or(chat);
            return Ok(leave_request(conn, &chat, blocker)?.map(|c| BlockChanged { chat: Some(c) }));
        }
        let mut changed = Changed {
            members_changed: true,
            resummarize: true,
            ..Changed::default()
        };
        finish(conn, chat_id, &mut changed)?;
        Ok(Ok(BlockChanged {
            chat: Some(changed),
        }))
    })
}

/// The people `blocker` blocks, newest first.
pub fn blocked_by(
    conn: &mut PgConnection,
    blocker: Uuid,
) -> QueryResult<Vec<super::users::UserRow>> {
    user_blocks::table
        .inner_join(users::table.on(users::id.eq(user_blocks::blocked_id)))
        .filter(user_blocks::blocker_id.eq(blocker))
        .order(user_blocks::created_at.desc())
        .select(super::users::UserRow::as_select())
        .load(conn)
}
