//! The `users` table.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use natter_shared::api::User;
use natter_shared::{DisplayName, UserId, Username};
use uuid::Uuid;

use super::schema::users;

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: Option<String>,
    pub bio: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub avatar_id: Option<Uuid>,
}

impl UserRow {
    /// The public profile. Stored values were validated on the way in; a value that no
    /// longer parses (rules tightened later) is shown as absent rather than failing the request.
    pub fn to_api(&self) -> User {
        let username = Username::parse(&self.username).unwrap_or_else(|_| {
            tracing::warn!(user_id = %self.id, "stored username no longer valid");
            Username::parse("invalid.user").unwrap_or_else(|_| unreachable!("constant is valid"))
        });
        User {
            id: UserId(self.id),
            username,
            display_name: self
                .display_name
                .as_deref()
                .and_then(|d| DisplayName::parse(d).ok()),
            bio: self.bio.clone(),
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            avatar: self.avatar_id.map(natter_shared::FileId),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: Uuid,
    pub username: &'a str,
    pub display_name: Option<&'a str>,
    pub password_hash: &'a str,
}

/// Fields of `PATCH /users/me`; `None` leaves a column as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges {
    pub display_name: Option<Option<String>>,
    pub bio: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The outcome of an insert that may hit the unique username.
pub enum Created {
    New(UserRow),
    UsernameTaken,
}

pub fn insert(conn: &mut PgConnection, new: &NewUser<'_>) -> QueryResult<Created> {
    use diesel::result::{DatabaseErrorKind, Error};
    match diesel::insert_into(users::table)
        .values(new)
        .returning(UserRow::as_returning())
        .get_result(conn)
    {
        Ok(row) => Ok(Created::New(row)),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(Created::UsernameTaken)
        }
        Err(e) => Err(e),
    }
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Notes that the user was connected just now.
pub fn touch_last_seen(conn: &mut PgConnection, id: Uuid, at: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::last_seen_at.eq(at))
        .execute(conn)
}

pub fn find_many(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select(UserRow::as_select())
        .load(conn)
}

pub fn find_by_username(conn: &mut PgConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn update_profile(
    conn: &mut PgConnection,
    id: Uuid,
    changes: &ProfileChanges,
) -> QueryResult<Option<UserRow>> {
    diesel::update(users::table.find(id))
        .set(changes)
        .returning(UserRow::as_returning())
        .get_result(conn)
        .optional()
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

/// Users whose username or case-folded display name starts with `prefix` (already
/// lower-case), ordered by username; one extra row tells whether there are more.
pub fn search_prefix(
    conn: &mut PgConnection,
    prefix: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<UserRow>, bool)> {
    let pattern = format!("{}%", escape_like(prefix));
    let mut rows: Vec<UserRow> = users::table
        .filter(
            users::username
                .like(&pattern)
                .escape('\\')
                .or(lower(users::display_name).like(&pattern).escape('\\')),
        )
        .order(users::username.asc())
        .limit(limit + 1)
        .offset(offset)
        .select(UserRow::as_select())
        .load(conn)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, has_more))
}

/// Escapes `%`, `_` and `\` so user input matches literally inside a LIKE pattern.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Sets (or clears) the user's avatar; answers the one it replaces.
pub fn set_avatar(
    conn: &mut PgConnection,
    id: Uuid,
    avatar: Option<Uuid>,
) -> QueryResult<Option<Uuid>> {
    conn.transaction(|conn| {
        let old: Option<Uuid> = users::table
            .find(id)
            .select(users::avatar_id)
            .for_update()
            .first(conn)?;
        diesel::update(users::table.find(id))
            .set(users::avatar_id.eq(avatar))
            .execute(conn)?;
        Ok(old)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(super::escape_like("a_b%c\\"), "a\\_b\\%c\\\\");
        assert_eq!(super::escape_like("plain"), "plain");
    }
}
