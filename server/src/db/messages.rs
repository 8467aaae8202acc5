//! The `messages` table: history pages and lookups. Writing goes through `db::writer`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::messages;

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
}

impl MessageRow {
    pub fn to_api(&self) -> natter_shared::api::Message {
        use natter_shared::{ChatId, MessageId, UserId};
        natter_shared::api::Message {
            id: MessageId(self.id),
            chat_id: ChatId(self.chat_id),
            seq: self.seq,
            sender_id: UserId(self.sender_id),
            text: self.text.clone(),
            reply_to: self.reply_to.map(MessageId),
            request_id: Some(natter_shared::RequestId(self.request_id)),
            created_at: self.created_at,
            edited_at: self.edited_at,
        }
    }
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
