//! The `chat_events` table: the per-chat event log. Events are appended by the transaction
//! that makes the change (`db::writer` for sends, `db::changes` for the rest) and read back
//! by `GET /chats/{id}/events`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use natter_shared::api::{ChatEvent, EventKind, Message};
use natter_shared::{ChatId, UserId};
use uuid::Uuid;

use super::messages::{self, MessageRow};
use super::names::Stored;
use super::schema::{chat_events, chats};

/// A row of `chat_events`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chat_events)]
pub struct EventRow {
    pub chat_id: Uuid,
    pub event_seq: i64,
    #[diesel(deserialize_as = Stored<EventKind>)]
    pub kind: EventKind,
    pub actor_id: Uuid,
    pub message_id: Option<Uuid>,
    pub emoji: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl EventRow {
    /// The event as the API shows it, carrying `message` (already as its reader sees it).
    pub fn to_api(&self, message: Option<Message>) -> ChatEvent {
        ChatEvent {
            chat_id: ChatId(self.chat_id),
            event_seq: self.event_seq,
            kind: self.kind,
            actor_id: UserId(self.actor_id),
            at: self.created_at,
            message,
            emoji: self.emoji.clone(),
        }
    }
}

/// Gives the next event of a locked chat (the caller holds the chat row `FOR UPDATE`).
pub fn append(
    conn: &mut PgConnection,
    chat_id: Uuid,
    kind: EventKind,
    actor_id: Uuid,
    message_id: Option<Uuid>,
    emoji: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<EventRow> {
    let event_seq: i64 = diesel::update(chats::table.find(chat_id))
        .set(chats::last_event_seq.eq(chats::last_event_seq + 1))
        .returning(chats::last_event_seq)
        .get_result(conn)?;
    diesel::insert_into(chat_events::table)
        .values((
            chat_events::chat_id.eq(chat_id),
            chat_events::event_seq.eq(event_seq),
            chat_events::kind.eq(kind.as_str()),
            chat_events::actor_id.eq(actor_id),
            chat_events::message_id.eq(message_id),
            chat_events::emoji.eq(emoji),
            chat_events::created_at.eq(now),
        ))
        .returning(EventRow::as_returning())
        .get_result(conn)
}

/// Where a reader of the log stands.
#[derive(Debug)]
pub enum Page {
    /// The events after the asked-for seq, whether more follow, and the chat's newest seq.
    Events(Vec<ChatEvent>, bool, i64),
    /// Some of the asked-for events are no longer retained.
    Expired { last_event_seq: i64 },
}

/// The events after `after` (at most `limit`), as `viewer` sees their messages. Events up to
/// `last_event_seq - retained` count as gone, pruned or not, so the answer does not depend on
/// when pruning last ran.
pub fn after(
    conn: &mut PgConnection,
    chat_id: Uuid,
    after: i64,
    limit: i64,
    retained: i64,
    viewer: Uuid,
) -> QueryResult<Page> {
    let last_event_seq: i64 = chats::table
        .find(chat_id)
        .select(chats::last_event_seq)
        .first(conn)?;
    if after < last_event_seq - retained {
        return Ok(Page::Expired { last_event_seq });
    }
    let mut rows: Vec<(EventRow, Option<MessageRow>)> = chat_events::table
        .left_join(super::schema::messages::table)
        .filter(chat_events::chat_id.eq(chat_id))
        .filter(chat_events::event_seq.gt(after))
        .filter(chat_events::event_seq.le(last_event_seq))
        .order(chat_events::event_seq.asc())
        .limit(limit + 1)
        .select((EventRow::as_select(), Option::<MessageRow>::as_select()))
        .load(conn)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    // each message once (several events may carry the same one)
    let mut seen = std::collections::HashSet::new();
    let message_rows: Vec<MessageRow> = rows
        .iter()
        .filter_map(|(_, m)| m.clone())
        .filter(|m| seen.insert(m.id))
        .collect();
    let shown = messages::to_api_for(conn, &message_rows, viewer)?;
    let shown: std::collections::HashMap<Uuid, Message> =
        shown.into_iter().map(|m| (m.id.0, m)).collect();
    let events = rows
        .iter()
        .map(|(e, _)| {
            let m = e.message_id.and_then(|id| shown.get(&id).cloned());
            e.to_api(m)
        })
        .collect();
    Ok(Page::Events(events, has_more, last_event_seq))
}

/// Deletes the events no reader can ask for any more; answers how many went.
pub fn prune(conn: &mut PgConnection, retained: i64) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM chat_events e USING chats c \
         WHERE e.chat_id = c.id AND e.event_seq <= c.last_event_seq - $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(retained)
    .execute(conn)
}
