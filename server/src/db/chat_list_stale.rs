//! `chat_list_stale`: users whose cached chat list must be dropped because a change of one
//! of their chats went ahead without its in-flight mark (Redis slow or down). Noted before
//! the change is written, so the note is as durable as the change; dropped and cleared by
//! `chat_list::invalidations`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Double, Integer, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

/// Notes `users` (one statement; a user noted before gets a new `noted_at`). Sorted and
/// without repeats, so two processes noting the same users lock their rows in one order.
pub fn note(conn: &mut PgConnection, users: &[Uuid]) -> QueryResult<()> {
    if users.is_empty() {
        return Ok(());
    }
    diesel::sql_query(
        "INSERT INTO chat_list_stale (user_id) \
         SELECT DISTINCT u FROM unnest($1::uuid[]) AS u ORDER BY u \
         ON CONFLICT (user_id) DO UPDATE \
         SET noted_at = GREATEST(chat_list_stale.noted_at, EXCLUDED.noted_at)",
    )
    .bind::<Array<SqlUuid>, _>(users)
    .execute(conn)?;
    Ok(())
}

#[derive(QueryableByName)]
struct Noted {
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    cutoff: DateTime<Utc>,
}

/// Up to `limit` noted users, oldest first, and the time before which a note is settled
/// (PostgreSQL's clock now minus `settle_secs`): [`clear`] takes it.
pub fn pending(
    conn: &mut PgConnection,
    limit: i32,
    settle_secs: f64,
) -> QueryResult<(Vec<Uuid>, Option<DateTime<Utc>>)> {
    let rows: Vec<Noted> = diesel::sql_query(
        "SELECT user_id, now() - make_interval(secs => $2) AS cutoff \
         FROM chat_list_stale ORDER BY noted_at LIMIT $1",
    )
    .bind::<Integer, _>(limit)
    .bind::<Double, _>(settle_secs)
    .load(conn)?;
    let cutoff = rows.first().map(|r| r.cutoff);
    Ok((rows.into_iter().map(|r| r.user_id).collect(), cutoff))
}

/// Forgets the notes of `users` made at or before `cutoff` (a later note stays).
pub fn clear(conn: &mut PgConnection, users: &[Uuid], cutoff: DateTime<Utc>) -> QueryResult<usize> {
    if users.is_empty() {
        return Ok(0);
    }
    diesel::sql_query("DELETE FROM chat_list_stale WHERE user_id = ANY($1) AND noted_at <= $2")
        .bind::<Array<SqlUuid>, _>(users)
        .bind::<Timestamptz, _>(cutoff)
        .execute(conn)
}
