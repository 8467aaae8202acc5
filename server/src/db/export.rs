//! Reads of `GET /account/export` that no other endpoint makes: the files a user uploaded.
//! Chats and history come through the same queries as the chat list and `list_messages`.

use diesel::prelude::*;
use natter_shared::api::FileInfo;
use uuid::Uuid;

use super::files::FileRow;
use super::schema::files;

/// The metadata of the files `user` uploaded that are still kept, oldest first.
pub fn files_of(conn: &mut PgConnection, user: Uuid) -> QueryResult<Vec<FileInfo>> {
    let rows: Vec<FileRow> = files::table
        .filter(files::uploader_id.eq(user))
        .filter(files::erased_at.is_null())
        .order(files::created_at.asc())
        .select(FileRow::as_select())
        .load(conn)?;
    Ok(rows.iter().filter_map(FileRow::info).collect())
}
