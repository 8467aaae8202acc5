//! The store's tables, by schema version (`PRAGMA user_version`): version N is reached by
//! running step N of [`STEPS`] in order, each in one transaction. A new table or column is
//! a new step at the end; a step is never edited once released.

use rusqlite::Connection;

use super::StoreError;

/// Step `i` takes the schema from version `i` to `i + 1`.
pub(super) const STEPS: &[&str] = &[
    // 1: the first schema (issue 15)
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE chats (
         id TEXT PRIMARY KEY,
         summary TEXT NOT NULL,
         synced_seq INTEGER,
         event_seq INTEGER,
         read_wanted INTEGER NOT NULL DEFAULT 0,
         others_read TEXT NOT NULL DEFAULT '{}',
         members TEXT NOT NULL DEFAULT '[]',
         group_info TEXT
     );
     CREATE TABLE messages (
         chat_id TEXT NOT NULL,
         seq INTEGER NOT NULL,
         body TEXT NOT NULL,
         PRIMARY KEY (chat_id, seq)
     ) WITHOUT ROWID;
     CREATE TABLE sends (position INTEGER PRIMARY KEY, body TEXT NOT NULL);
     CREATE TABLE changes (position INTEGER PRIMARY KEY, body TEXT NOT NULL);
     CREATE TABLE uploads (position INTEGER PRIMARY KEY, body TEXT NOT NULL);
     CREATE TABLE drafts (chat_id TEXT PRIMARY KEY, body TEXT NOT NULL);",
    // 2: the pinned messages of each chat (the pinned bar of an offline start)
    "ALTER TABLE chats ADD COLUMN pins TEXT NOT NULL DEFAULT '[]';",
];

/// The schema version this app writes.
#[cfg(test)]
pub fn version() -> i64 {
    i64::try_from(STEPS.len()).unwrap_or(i64::MAX)
}

/// Brings the schema up to [`version`]; a store of a newer app is refused (moved aside by
/// the caller), never half-read.
pub fn migrate(conn: &Connection) -> Result<(), StoreError> {
    migrate_with(conn, STEPS)
}

pub(super) fn migrate_with(conn: &Connection, steps: &[&str]) -> Result<(), StoreError> {
    let mut at: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let target = i64::try_from(steps.len()).unwrap_or(i64::MAX);
    if at > target {
        return Err(StoreError::Newer(at));
    }
    while at < target {
        let step = usize::try_from(at).unwrap_or(usize::MAX);
        let Some(sql) = steps.get(step) else { break };
        conn.execute_batch(&format!(
            "BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;",
            at + 1
        ))
        .inspect_err(|_| {
            let _ = conn.execute_batch("ROLLBACK;");
        })?;
        at += 1;
    }
    Ok(())
}
