//! The `users` table.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use natter_shared::api::{PresenceVisibility, User};
use natter_shared::{DisplayName, UserId, Username};
use uuid::Uuid;

use super::names::Stored;
use super::schema::users;

/// A row of `users`.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
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
    pub presence_visibility: Stored<PresenceVisibility>,
}

impl UserRow {
    /// Who sees this user's last seen and online state.
    pub fn visibility(&self) -> PresenceVisibility {
        self.presence_visibility.0
    }

    /// The public profile as someone who shares no chat with the user sees it: the last
    /// seen only when the user shows it to everyone.
    pub fn to_api(&self) -> User {
        self.to_api_seen_by(Uuid::nil(), false)
    }

    /// The profile as `viewer` sees it; `shares_chat`: whether they share a chat (see
    /// `chats::sharing`). The setting itself only in the user's own profile.
    pub fn to_api_seen_by(&self, viewer: Uuid, shares_chat: bool) -> User {
        let is_self = viewer == self.id;
        let mut user = self.to_api_own();
        if !self.visibility().visible_to(is_self, shares_chat) {
            user.last_seen_at = None;
        }
        if !is_self {
            user.presence_visibility = None;
        }
        user
    }

    /// Everything, the setting included: the user's own profile, and the cached profile the
    /// chat list turns into a partner (never sent as it is).
    /// Stored values were validated on the way in; a value that no longer parses (rules
    /// tightened later) is shown as absent rather than failing the request.
    pub fn to_api_own(&self) -> User {
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
            presence_visibility: Some(self.visibility()),
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
    pub presence_visibility: Option<Stored<PresenceVisibility>>,
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

/// Users whose username or display name holds `query` (already folded: lower case, `ё` as
/// `е`), best match first: the username itself, then usernames and display names (or a word
/// of one) that start with it, then the closest by trigram similarity; one extra row tells
/// whether there are more. Queries of three characters and more are answered by the
/// trigram index on both names, anywhere in them; shorter ones by the prefix indexes of
/// the username and the folded display name.
pub fn search(
    conn: &mut PgConnection,
    query: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<UserRow>, bool)> {
    use diesel::sql_types::{BigInt, Text};
    let names = "natter_fold(u.username || ' ' || coalesce(u.display_name, ''))";
    let display = "natter_fold(coalesce(u.display_name, ''))";
    let found = if query.chars().count() >= 3 {
        format!("{names} LIKE $3")
    } else {
        // the prefix indexes of the username and the folded display name
        "(u.username LIKE $2 OR natter_fold(u.display_name) LIKE $2)".to_owned()
    };
    let sql = format!(
        "SELECT u.* FROM users u WHERE u.deleted_at IS NULL AND {found} \
         ORDER BY u.username = $1 DESC, u.username LIKE $2 DESC, \
         ({display} LIKE $2 OR {display} LIKE $4) DESC, \
         similarity({names}, $1) DESC, u.username \
         LIMIT $5 OFFSET $6"
    );
    let escaped = crate::search::query::escape_like(query);
    let mut rows: Vec<UserRow> = diesel::sql_query(sql)
        .bind::<Text, _>(query)
        .bind::<Text, _>(format!("{escaped}%"))
        .bind::<Text, _>(format!("%{escaped}%"))
        .bind::<Text, _>(format!("% {escaped}%"))
        .bind::<BigInt, _>(limit + 1)
        .bind::<BigInt, _>(offset)
        .load(conn)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, has_more))
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
