//! Whole-account changes on `users` and `sessions`: a new password, signing out every other
//! device, and erasing a deleted account's profile.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::{login_tickets, recovery_codes, sessions, two_factor, users};

/// What a deleted account is called wherever it still appears (its messages, groups).
pub const DELETED_NAME: &str = "Deleted account";

/// Signs out every active session of `user` except `keep` (none kept when `None`); answers
/// the ids signed out, whose sockets the caller closes.
pub fn revoke_sessions_except(
    conn: &mut PgConnection,
    user: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Uuid>> {
    let keep = keep.unwrap_or(Uuid::nil());
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::id.ne(keep)),
    )
    .set(sessions::revoked_at.eq(now))
    .returning(sessions::id)
    .get_results(conn)
}

/// Stores a new password hash and signs out every other session, in one transaction.
pub fn change_password(
    conn: &mut PgConnection,
    user: Uuid,
    hash: &str,
    keep: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Uuid>> {
    conn.transaction(|conn| {
        diesel::update(users::table.find(user))
            .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
            .execute(conn)?;
        // a sign-in half done with the old password must not finish either
        diesel::delete(login_tickets::table.filter(login_tickets::user_id.eq(user)))
            .execute(conn)?;
        revoke_sessions_except(conn, user, Some(keep), now)
    })
}

/// What erasing an account left to do outside the database.
pub struct Erased {
    /// Sessions signed out: their sockets are to be closed.
    pub sessions: Vec<Uuid>,
    /// The avatar it had: its file is to be erased when nothing else refers to it.
    pub avatar: Option<Uuid>,
}

/// Deletes the account of `user`: every session signed out, two-factor state gone, and the
/// profile erased — a username nobody can sign in with and that frees the old one, the
/// name "Deleted account", no bio, no avatar, no password. The row stays so its messages
/// and memberships still name someone. `None` when it was deleted already.
pub fn erase(
    conn: &mut PgConnection,
    user: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<Option<Erased>> {
    conn.transaction(|conn| {
        let found: Option<(Option<Uuid>, Option<DateTime<Utc>>)> = users::table
            .find(user)
            .select((users::avatar_id, users::deleted_at))
            .for_update()
            .first(conn)
            .optional()?;
        let Some((avatar, None)) = found else {
            return Ok(None);
        };
        let sessions = revoke_sessions_except(conn, user, None, now)?;
        diesel::delete(two_factor::table.find(user)).execute(conn)?;
        diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user)))
            .execute(conn)?;
        diesel::delete(login_tickets::table.filter(login_tickets::user_id.eq(user)))
            .execute(conn)?;
        diesel::update(users::table.find(user))
            .set((
                users::username.eq(tombstone_username(user)),
                users::display_name.eq(Some(DELETED_NAME)),
                users::bio.eq(""),
                // not a bcrypt hash: no password matches it
                users::password_hash.eq("!deleted"),
                users::avatar_id.eq(None::<Uuid>),
                users::deleted_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Some(Erased { sessions, avatar }))
    })
}

/// `deleted.<id>`: a valid username (so the profile still reads), unique, and one the
/// registration refuses (see `is_tombstone`).
pub fn tombstone_username(user: Uuid) -> String {
    format!("deleted.{}", user.simple())
}

/// Whether `username` has the shape of a deleted account's.
pub fn is_tombstone(username: &str) -> bool {
    username
        .strip_prefix("deleted.")
        .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tombstone_is_a_valid_username_that_registration_can_tell() {
        let name = tombstone_username(Uuid::new_v4());
        assert!(natter_shared::Username::parse(&name).is_ok(), "{name}");
        assert!(is_tombstone(&name));
        assert!(!is_tombstone("deleted.alice"));
        assert!(!is_tombstone("alice"));
    }
}
