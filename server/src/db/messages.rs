//! The `messages` table: history pages and lookups, and the message as the API shows it
//! (with its reactions, and hidden for whoever deleted it for themselves). Sends are written
//! by `db::writer`, changes by `db::changes`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use natter_shared::api::{FileInfo, ForwardedFrom, Message, Reaction, ServiceAction};
use natter_shared::{ChatId, MessageId, RequestId, UserId};
use uuid::Uuid;

use super::schema::{hidden_messages, message_reactions, messages};

/// A row of `messages`.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = messages)]
pub struct MessageRow {
    pub id: Uuid,
    pub chat_id: Uuid,
    pub seq: i64,
    pub sender_id: Uuid,
    pub text: String,
    pub reply_to: Option<Uuid>,
    pub request_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub event_seq: Option<i64>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub forwarded_sender: Option<Uuid>,
    pub forwarded_at: Option<DateTime<Utc>>,
    pub pinned_at: Option<DateTime<Utc>>,
    pub pinned_by: Option<Uuid>,
    /// A service message's action, as JSON of [`ServiceAction`].
    pub service: Option<String>,
    pub mentions: Vec<Uuid>,
    /// The files it carries, as JSON of `[FileInfo]` (their metadata when sent).
    pub attachments: Option<String>,
    /// The ids of those files: who may read a file, and whether it is still referred to.
    pub file_ids: Vec<Uuid>,
}

impl MessageRow {
    /// The message without reactions (a new message has none), as everyone sees it.
    pub fn to_api(&self) -> Message {
        Message {
            id: MessageId(self.id),
            chat_id: ChatId(self.chat_id),
            seq: self.seq,
            sender_id: UserId(self.sender_id),
            text: self.text.clone(),
            reply_to: self.reply_to.map(MessageId),
            request_id: Some(RequestId(self.request_id)),
            created_at: self.created_at,
            edited_at: self.edited_at,
            deleted: self.deleted_at.is_some(),
            hidden: false,
            forwarded_from: match (self.forwarded_sender, self.forwarded_at) {
                (Some(sender), Some(at)) => Some(ForwardedFrom {
                    sender_id: UserId(sender),
                    created_at: at,
                }),
                _ => None,
            },
            reactions: Vec::new(),
            pinned_at: self.pinned_at,
            service: self
                .service
                .as_deref()
                .and_then(|s| serde_json::from_str::<ServiceAction>(s).ok()),
            mentions: self.mentions.iter().copied().map(UserId).collect(),
            attachments: self
                .attachments
                .as_deref()
                .and_then(|s| serde_json::from_str::<Vec<FileInfo>>(s).ok())
                .unwrap_or_default(),
        }
    }
}

/// The rows as `viewer` sees them: with their reactions, and emptied where the viewer
/// deleted them for themselves.
pub fn to_api_for(
    conn: &mut PgConnection,
    rows: &[MessageRow],
    viewer: Uuid,
) -> QueryResult<Vec<Message>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let reactions = reactions_of(conn, &ids)?;
    let hidden: HashSet<Uuid> = hidden_messages::table
        .filter(hidden_messages::user_id.eq(viewer))
        .filter(hidden_messages::message_id.eq_any(&ids))
        .select(hidden_messages::message_id)
        .load::<Uuid>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .iter()
        .map(|r| {
            let mut m = r.to_api();
            m.reactions = reactions.get(&r.id).cloned().unwrap_or_default();
            if hidden.contains(&r.id) {
                hide(&mut m);
            }
            m
        })
        .collect())
}

/// Whether `user` deleted the message for themselves.
pub fn is_hidden(conn: &mut PgConnection, user: Uuid, message: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        hidden_messages::table.find((user, message)),
    ))
    .get_result(conn)
}

/// A message as the one who deleted it for themselves sees it.
pub fn hide(m: &mut Message) {
    m.hidden = true;
    m.text.clear();
    m.reactions.clear();
    m.forwarded_from = None;
    m.reply_to = None;
    m.attachments.clear();
}

/// The reactions of each message, each emoji in the order it was first given.
pub fn reactions_of(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<Reaction>>> {
    let mut out: HashMap<Uuid, Vec<Reaction>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(Uuid, String, Uuid)> = message_reactions::table
        .filter(message_reactions::message_id.eq_any(ids))
        .order((
            message_reactions::message_id,
            message_reactions::created_at,
            message_reactions::user_id,
        ))
        .select((
            message_reactions::message_id,
            message_reactions::emoji,
            message_reactions::user_id,
        ))
        .load(conn)?;
    for (message, emoji, user) in rows {
        let list = out.entry(message).or_default();
        match list.iter_mut().find(|r| r.emoji == emoji) {
            Some(r) => {
                r.count += 1;
                r.user_ids.push(UserId(user));
            }
            None => list.push(Reaction {
                emoji,
                count: 1,
                user_ids: vec![UserId(user)],
            }),
        }
    }
    Ok(out)
}

/// One message of a chat.
pub fn find(conn: &mut PgConnection, chat_id: Uuid, id: Uuid) -> QueryResult<Option<MessageRow>> {
    messages::table
        .filter(messages::id.eq(id))
        .filter(messages::chat_id.eq(chat_id))
        .select(MessageRow::as_select())
        .first(conn)
        .optional()
}

/// The seq of message `id` of a chat as `viewer` may open history at it: not deleted, for
/// everyone or by the viewer for themselves (`None` then, as for an unknown id).
pub fn readable_seq(
    conn: &mut PgConnection,
    chat_id: Uuid,
    id: Uuid,
    viewer: Uuid,
) -> QueryResult<Option<i64>> {
    let hidden = hidden_messages::table
        .filter(hidden_messages::user_id.eq(viewer))
        .filter(hidden_messages::message_id.eq(id));
    messages::table
        .filter(messages::id.eq(id))
        .filter(messages::chat_id.eq(chat_id))
        .filter(messages::deleted_at.is_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(hidden)))
        .select(messages::seq)
        .first(conn)
        .optional()
}

/// Messages of a chat by id, in `ids`' order (missing ones left out).
pub fn find_many(
    conn: &mut PgConnection,
    chat_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<MessageRow>> {
    let mut rows: HashMap<Uuid, MessageRow> = messages::table
        .filter(messages::chat_id.eq(chat_id))
        .filter(messages::id.eq_any(ids))
        .select(MessageRow::as_select())
        .load::<MessageRow>(conn)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    Ok(ids.iter().filter_map(|id| rows.remove(id)).collect())
}

/// The pinned messages of a chat, newest pin first (backed by the partial pin index).
pub fn pinned(conn: &mut PgConnection, chat_id: Uuid) -> QueryResult<Vec<MessageRow>> {
    messages::table
        .filter(messages::chat_id.eq(chat_id))
        .filter(messages::pinned_at.is_not_null())
        .order(messages::pinned_at.desc())
        .limit(100)
        .select(MessageRow::as_select())
        .load(conn)
}

/// Which slice of history to read; see `HistoryQuery`.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub before: Option<i64>,
    pub after: Option<i64>,
}

/// Messages of a chat in ascending `seq`, index-backed on `(chat_id, seq)`: the newest page
/// when no bound is given, the page below `before`, or the page above `after`.
pub fn page(conn: &mut PgConnection, chat_id: Uuid, w: Window) -> QueryResult<Vec<MessageRow>> {
    let mut q = messages::table
        .filter(messages::chat_id.eq(chat_id))
        .select(MessageRow::as_select())
        .limit(w.limit)
        .into_boxed();
    if let Some(before) = w.before {
        q = q.filter(messages::seq.lt(before));
    }
    if let Some(after) = w.after {
        q = q.filter(messages::seq.gt(after));
        return q.order(messages::seq.asc()).load(conn);
    }
    let mut rows: Vec<MessageRow> = q.order(messages::seq.desc()).load(conn)?;
    rows.reverse();
    Ok(rows)
}

/// The last message of each of `chats` (chats without messages have none).
/// For each of `chat_ids`, the newest seq of a message that mentions `user` (chats with
/// none are left out). Backed by the GIN index on `mentions`.
pub fn mention_seqs(
    conn: &mut PgConnection,
    user: Uuid,
    chat_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, i64)>> {
    if chat_ids.is_empty() {
        return Ok(Vec::new());
    }
    messages::table
        .filter(messages::chat_id.eq_any(chat_ids))
        .filter(messages::mentions.contains(vec![user]))
        .filter(messages::mentions.ne(Vec::<Uuid>::new()))
        .filter(messages::deleted_at.is_null())
        .group_by(messages::chat_id)
        .select((messages::chat_id, diesel::dsl::max(messages::seq)))
        .load::<(Uuid, Option<i64>)>(conn)
        .map(|rows| {
            rows.into_iter()
                .filter_map(|(c, s)| s.map(|s| (c, s)))
                .collect()
        })
}

pub fn last_messages<'a>(
    conn: &mut PgConnection,
    chats: impl IntoIterator<Item = &'a super::chats::ChatRow>,
) -> QueryResult<Vec<MessageRow>> {
    let (chat_ids, seqs): (Vec<Uuid>, Vec<i64>) = chats
        .into_iter()
        .filter(|c| c.last_seq > 0)
        .map(|c| (c.id, c.last_seq))
        .unzip();
    if chat_ids.is_empty() {
        return Ok(Vec::new());
    }
    // exactly the (chat_id, seq) pairs, each an index lookup on unique (chat_id, seq)
    diesel::sql_query(
        "SELECT m.* FROM messages m \
         JOIN unnest($1, $2) AS v(chat_id, seq) ON m.chat_id = v.chat_id AND m.seq = v.seq",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(&chat_ids)
    .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&seqs)
    .load(conn)
}
