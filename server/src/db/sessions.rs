//! The `sessions` and `refresh_tokens` tables: signed-in devices and one-use refresh tokens.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{refresh_tokens, sessions};

/// A row of `sessions`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub device_name: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub device_name: &'a str,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub token_hash: &'a [u8],
    pub session_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// Creates a session with its first refresh token, in one transaction.
pub fn create(
    conn: &mut PgConnection,
    session: &NewSession<'_>,
    token: &NewRefreshToken<'_>,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::insert_into(sessions::table)
            .values(session)
            .execute(conn)?;
        diesel::insert_into(refresh_tokens::table)
            .values(token)
            .execute(conn)?;
        Ok(())
    })
}

/// How a presented refresh token was received.
pub enum Refreshed {
    /// Spent and replaced by the new token; the session is returned.
    Rotated(SessionRow),
    /// Not a token we issued.
    Unknown,
    /// Past its expiry.
    Expired,
    /// The session was signed out already.
    SessionRevoked,
    /// Already spent: someone replayed it, so the whole session (this one) has now been
    /// revoked.
    Reused(Uuid),
}

/// Spends the refresh token with hash `presented` and stores `replacement`, atomically.
/// The row lock makes two concurrent uses of one token impossible: the second sees it spent.
pub fn rotate(
    conn: &mut PgConnection,
    presented: &[u8],
    replacement: &[u8],
    replacement_expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<Refreshed> {
    conn.transaction(|conn| {
        let found: Option<(Uuid, DateTime<Utc>, Option<DateTime<Utc>>)> = refresh_tokens::table
            .find(presented)
            .select((
                refresh_tokens::session_id,
                refresh_tokens::expires_at,
                refresh_tokens::used_at,
            ))
            .for_update()
            .first(conn)
            .optional()?;
        let Some((session_id, expires_at, used_at)) = found else {
            return Ok(Refreshed::Unknown);
        };
        let session: SessionRow = sessions::table
            .find(session_id)
            .select(SessionRow::as_select())
            .for_update()
            .first(conn)?;
        if session.revoked_at.is_some() {
            return Ok(Refreshed::SessionRevoked);
        }
        if used_at.is_some() {
            revoke_row(conn, session_id, now)?;
            return Ok(Refreshed::Reused(session_id));
        }
        if expires_at <= now {
            return Ok(Refreshed::Expired);
        }
        diesel::update(refresh_tokens::table.find(presented))
            .set(refresh_tokens::used_at.eq(now))
            .execute(conn)?;
        diesel::insert_into(refresh_tokens::table)
            .values(NewRefreshToken {
                token_hash: replacement,
                session_id,
                expires_at: replacement_expires_at,
            })
            .execute(conn)?;
        let session = diesel::update(sessions::table.find(session_id))
            .set(sessions::last_seen_at.eq(now))
            .returning(SessionRow::as_returning())
            .get_result(conn)?;
        Ok(Refreshed::Rotated(session))
    })
}

fn revoke_row(conn: &mut PgConnection, id: Uuid, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)
}

/// Signs out session `id` of `user_id`; false when there is no such active session.
pub fn revoke(
    conn: &mut PgConnection,
    user_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(
        sessions::table
            .find(id)
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// How often `last_seen_at` is written for a busy session.
const LAST_SEEN_GRANULARITY_SECS: i64 = 60;

/// Checks that `id` is an active session of `user_id` and notes that it was seen; the write
/// happens at most once a minute per session so busy clients do not churn the row.
pub fn touch_active(
    conn: &mut PgConnection,
    user_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let last_seen: Option<DateTime<Utc>> = sessions::table
        .find(id)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .select(sessions::last_seen_at)
        .first(conn)
        .optional()?;
    let Some(last_seen) = last_seen else {
        return Ok(false);
    };
    if (now - last_seen).num_seconds() >= LAST_SEEN_GRANULARITY_SECS {
        diesel::update(sessions::table.find(id))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(true)
}

/// Active sessions of a user, most recently seen first.
pub fn list_active(conn: &mut PgConnection, user_id: Uuid) -> QueryResult<Vec<SessionRow>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .order(sessions::last_seen_at.desc())
        .select(SessionRow::as_select())
        .load(conn)
}
