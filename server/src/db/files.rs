//! The `files` table: an upload from its creation (`uploading`, with the bytes `received`)
//! through its checks to a file (`ready`), and who may read one: its uploader, the members of
//! a chat where a message carries it, and everyone signed in for avatars.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Uuid as SqlUuid};
use natter_shared::FileId;
use natter_shared::api::{FileInfo, UploadState, UploadStatus};
use uuid::Uuid;

use super::schema::files;

/// A row of `files`.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = files)]
pub struct FileRow {
    pub id: Uuid,
    pub uploader_id: Uuid,
    pub name: String,
    pub length: i64,
    pub received: i64,
    pub state: String,
    pub problem: Option<String>,
    pub mime: Option<String>,
    pub sha256: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub has_thumbnail: bool,
    pub scanned: bool,
    pub busy_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
}

impl FileRow {
    pub fn state(&self) -> UploadState {
        UploadState::parse(&self.state).unwrap_or(UploadState::Rejected)
    }

    /// The file as messages carry it, once its checks told what it is.
    pub fn info(&self) -> Option<FileInfo> {
        Some(FileInfo {
            id: FileId(self.id),
            name: self.name.clone(),
            size: self.length,
            mime: self.mime.clone()?,
            sha256: self.sha256.clone()?,
            width: self.width.and_then(|w| u32::try_from(w).ok()),
            height: self.height.and_then(|h| u32::try_from(h).ok()),
            has_thumbnail: self.has_thumbnail,
        })
    }

    pub fn status(&self) -> UploadStatus {
        UploadStatus {
            id: FileId(self.id),
            state: self.state(),
            offset: self.received,
            length: self.length,
            file: self.info(),
            problem: self.problem.clone(),
        }
    }
}

/// A new upload.
#[derive(Debug, Insertable)]
#[diesel(table_name = files)]
pub struct NewUpload<'a> {
    pub id: Uuid,
    pub uploader_id: Uuid,
    pub name: &'a str,
    pub length: i64,
    pub state: &'a str,
}

pub fn create(conn: &mut PgConnection, new: &NewUpload<'_>) -> QueryResult<FileRow> {
    diesel::insert_into(files::table)
        .values(new)
        .returning(FileRow::as_returning())
        .get_result(conn)
}

/// Creates the upload unless, with what its uploader began uploading since `since`, it
/// would pass `quota` bytes (then `Err(quota)`). One user's uploads are counted one at a
/// time, so two cannot both squeeze under the quota.
pub fn create_within_quota(
    conn: &mut PgConnection,
    new: &NewUpload<'_>,
    since: DateTime<Utc>,
    quota: i64,
) -> QueryResult<Result<FileRow, i64>> {
    conn.transaction(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1::text))")
            .bind::<SqlUuid, _>(new.uploader_id)
            .execute(conn)?;
        if uploaded_since(conn, new.uploader_id, since)? + new.length > quota {
            return Ok(Err(quota));
        }
        create(conn, new).map(Ok)
    })
}

/// Bytes `user` began uploading since `since` (the daily quota counts what was asked for).
pub fn uploaded_since(
    conn: &mut PgConnection,
    user: Uuid,
    since: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::sql_query(
        "SELECT COALESCE(sum(length), 0)::bigint AS n FROM files \
         WHERE uploader_id = $1 AND created_at > $2",
    )
    .bind::<SqlUuid, _>(user)
    .bind::<diesel::sql_types::Timestamptz, _>(since)
    .get_result::<Count>(conn)
    .map(|c| c.n)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// One's own upload (not erased).
pub fn find_own(conn: &mut PgConnection, id: Uuid, user: Uuid) -> QueryResult<Option<FileRow>> {
    files::table
        .filter(files::id.eq(id))
        .filter(files::uploader_id.eq(user))
        .filter(files::erased_at.is_null())
        .select(FileRow::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<FileRow>> {
    files::table
        .find(id)
        .select(FileRow::as_select())
        .first(conn)
        .optional()
}

/// Why a PATCH may not append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendRefused {
    NotFound,
    /// The upload stands at this offset.
    Offset(i64),
    /// Another request is appending.
    Busy,
    /// All its bytes are in already.
    Finished,
}

/// Takes the right to append to one's upload at `offset` until `until` (a lease: a crashed
/// process's lapses by itself).
pub fn begin_append(
    conn: &mut PgConnection,
    id: Uuid,
    user: Uuid,
    offset: i64,
    until: DateTime<Utc>,
) -> QueryResult<Result<FileRow, AppendRefused>> {
    let now = Utc::now();
    let taken = diesel::update(
        files::table
            .filter(files::id.eq(id))
            .filter(files::uploader_id.eq(user))
            .filter(files::erased_at.is_null())
            .filter(files::state.eq(UploadState::Uploading.as_str()))
            .filter(files::received.eq(offset))
            .filter(files::busy_until.is_null().or(files::busy_until.lt(now))),
    )
    .set(files::busy_until.eq(Some(until)))
    .returning(FileRow::as_returning())
    .get_result(conn)
    .optional()?;
    if let Some(row) = taken {
        return Ok(Ok(row));
    }
    Ok(Err(match find_own(conn, id, user)? {
        None => AppendRefused::NotFound,
        Some(row) if row.state() != UploadState::Uploading => AppendRefused::Finished,
        Some(row) if row.received != offset => AppendRefused::Offset(row.received),
        Some(_) => AppendRefused::Busy,
    }))
}

/// Records the bytes received so far and keeps the lease until `until` (`None` lets it go);
/// an upload with all its bytes moves on to `processing`.
pub fn record_received(
    conn: &mut PgConnection,
    id: Uuid,
    received: i64,
    until: Option<DateTime<Utc>>,
) -> QueryResult<FileRow> {
    diesel::sql_query(
        "UPDATE files SET received = $2, busy_until = $3, \
           state = CASE WHEN $2 = length THEN 'processing' ELSE state END, \
           finished_at = CASE WHEN $2 = length THEN now() ELSE finished_at END \
         WHERE id = $1 RETURNING *",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<diesel::sql_types::BigInt, _>(received)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>, _>(until)
    .get_result(conn)
}

/// What the checks found, to store with the new state.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub mime: Option<String>,
    pub sha256: Option<String>,
    pub size: Option<(u32, u32)>,
    pub has_thumbnail: bool,
    pub scanned: bool,
    pub problem: Option<String>,
}

/// Moves a `processing` or `pending_scan` upload to `state` with what its checks found.
pub fn settle(
    conn: &mut PgConnection,
    id: Uuid,
    state: UploadState,
    checked: &Checked,
) -> QueryResult<Option<FileRow>> {
    diesel::update(
        files::table
            .filter(files::id.eq(id))
            .filter(files::state.eq_any([
                UploadState::Processing.as_str(),
                UploadState::PendingScan.as_str(),
            ])),
    )
    .set((
        files::state.eq(state.as_str()),
        files::mime.eq(&checked.mime),
        files::sha256.eq(&checked.sha256),
        files::width.eq(checked.size.and_then(|s| i32::try_from(s.0).ok())),
        files::height.eq(checked.size.and_then(|s| i32::try_from(s.1).ok())),
        files::has_thumbnail.eq(checked.has_thumbnail),
        files::scanned.eq(checked.scanned),
        files::problem.eq(&checked.problem),
    ))
    .returning(FileRow::as_returning())
    .get_result(conn)
    .optional()
}

/// `f` (a `files` row) is something nothing refers to: no message carries it, and it is
/// nobody's avatar and no group's photo.
macro_rules! unreferenced {
    () => {
        "NOT EXISTS (SELECT 1 FROM messages m WHERE m.file_ids @> ARRAY[f.id] \
           AND m.file_ids <> '{}') \
         AND NOT EXISTS (SELECT 1 FROM users u WHERE u.avatar_id = f.id) \
         AND NOT EXISTS (SELECT 1 FROM chats c WHERE c.photo_id = f.id)"
    };
}

/// The file `viewer` may download: ready, not erased, and theirs, or carried by a message of
/// a chat they are a member of, or someone's avatar, or the photo of a chat of theirs.
pub fn readable(conn: &mut PgConnection, id: Uuid, viewer: Uuid) -> QueryResult<Option<FileRow>> {
    diesel::sql_query(
        "SELECT f.* FROM files f WHERE f.id = $1 AND f.state = 'ready' AND f.erased_at IS NULL \
         AND (f.uploader_id = $2 \
           OR EXISTS (SELECT 1 FROM messages m \
                JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = $2 \
                WHERE m.file_ids @> ARRAY[$1] AND m.file_ids <> '{}') \
           OR EXISTS (SELECT 1 FROM users u WHERE u.avatar_id = $1) \
           OR EXISTS (SELECT 1 FROM chats c \
                JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $2 \
                WHERE c.photo_id = $1))",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(viewer)
    .get_result(conn)
    .optional()
}

/// The files `sender` may attach, locked against erasure until the transaction ends: their
/// own uploads among `ids`.
pub fn attachable(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<FileRow>> {
    files::table
        .filter(files::id.eq_any(ids))
        .filter(files::erased_at.is_null())
        .select(FileRow::as_select())
        .for_share()
        .load(conn)
}

/// Marks for erasure those of `ids` nothing refers to any more (no message, avatar or photo);
/// answers them. Their bytes are removed by `files::service`.
pub fn erase_unreferenced(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<Uuid>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    diesel::sql_query(concat!(
        "UPDATE files f SET erased_at = now() WHERE f.id = ANY($1) AND f.erased_at IS NULL \
         AND ",
        unreferenced!(),
        " RETURNING f.id"
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .load::<Id>(conn)
    .map(|rows| rows.into_iter().map(|r| r.id).collect())
}

/// Uploads the sweeper has work for: erased ones; unfinished or never used ones older than
/// `before`; those waiting for the scanner; those a crashed process left in `processing`.
pub fn unsettled(
    conn: &mut PgConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<FileRow>> {
    diesel::sql_query(concat!(
        "SELECT f.* FROM files f WHERE \
           f.erased_at IS NOT NULL \
           OR f.state = 'pending_scan' \
           OR (f.state = 'processing' AND f.finished_at < now() - interval '10 minutes') \
           OR (f.created_at < $1 AND f.state IN ('uploading', 'processing')) \
         UNION \
         SELECT f.* FROM files f WHERE f.created_at < $1 AND f.erased_at IS NULL \
           AND f.state IN ('ready', 'blocked', 'rejected') AND ",
        unreferenced!(),
        " LIMIT $2"
    ))
    .bind::<diesel::sql_types::Timestamptz, _>(before)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
}

/// Marks one upload erased (cancelled, expired or never used).
pub fn mark_erased(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(
        files::table
            .filter(files::id.eq(id))
            .filter(files::erased_at.is_null()),
    )
    .set(files::erased_at.eq(Some(Utc::now())))
    .execute(conn)
}

/// Forgets an erased upload once its bytes are gone.
pub fn remove(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(
        files::table
            .filter(files::id.eq(id))
            .filter(files::erased_at.is_not_null()),
    )
    .execute(conn)
}

/// Whether a message carries the file (then a cancel must not erase it).
pub fn is_attached(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    use super::schema::messages;
    diesel::select(diesel::dsl::exists(
        messages::table
            .filter(messages::file_ids.contains(vec![id]))
            .filter(messages::file_ids.ne(Vec::<Uuid>::new())),
    ))
    .get_result(conn)
}
