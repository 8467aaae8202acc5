//! The local store: one SQLite file per account and server under the data folder
//! (`store/<user id>-<server hash>.sqlite3`, readable only by the user), holding what
//! [`crate::state::kept`] describes: chats and the tail of their history, members, cursors,
//! the last `event_seq` per chat, the outbox and the drafts.
//!
//! Writes come from the reducer as [`StoreWrite`] effects and run on the UI thread, each in
//! its own transaction, before the next frame is drawn: what the screen shows as queued is in
//! the file. The file is in WAL mode with `synchronous = NORMAL`: a committed write survives
//! the process being killed (SIGKILL) at any moment; a power loss may lose the last writes
//! (see docs/decisions.md).
//!
//! A write that fails is kept and made again (`store/backlog.rs`); the person is told.
//!
//! A file that cannot be read (corrupt, another account's, a newer schema) is moved aside
//! (`….sqlite3.aside-<unix time>`) and the store starts empty: the app never fails to start
//! because of it.

mod backlog;
mod schema;
#[cfg(test)]
mod store_tests;

pub use backlog::{FIRST_WAIT, MAX_WAIT, Outcome};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use natter_shared::api::{ChatMember, ChatSummary, GroupInfo, Message, User};
use natter_shared::{ChatId, UserId};
use rusqlite::{Connection, OptionalExtension as _, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest as _, Sha256};

use crate::effect::StoreWrite;
use crate::state::Draft;
use crate::state::kept::{Kept, KeptChange, KeptChat, KeptSend, KeptUpload};

/// The folder of the stores inside the data folder.
pub const STORE_DIR: &str = "store";

/// Whose store it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user_id: UserId,
    /// The normalised server address.
    pub server_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the local store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the local store's folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("the local store holds {found:?}, not this account")]
    Foreign { found: String },
    #[error("the local store has schema version {0}, newer than this app knows")]
    Newer(i64),
    #[error("the local store could not encode a value: {0}")]
    Encode(#[from] serde_json::Error),
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    account: Account,
    /// Writes that failed, to be made again (`store/backlog.rs`).
    backlog: backlog::Backlog,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// The file of `account`'s store under `data_dir`.
    pub fn file_for(data_dir: &Path, account: &Account) -> PathBuf {
        let digest = Sha256::digest(account.server_url.as_bytes());
        let server: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        data_dir
            .join(STORE_DIR)
            .join(format!("{}-{server}.sqlite3", account.user_id.0.simple()))
    }

    /// Opens (or creates) `account`'s store. A file that cannot be used is moved aside and a
    /// fresh one made; `Err` only when not even that works (the app then keeps nothing).
    pub fn open(data_dir: &Path, account: &Account) -> Result<Store, StoreError> {
        let path = Self::file_for(data_dir, account);
        match Self::open_at(&path, account) {
            Ok(store) => Ok(store),
            Err(error) => {
                let aside = move_aside(&path);
                tracing::warn!(%error, aside = %aside.display(), "the local store could not be used; starting an empty one");
                Self::open_at(&path, account)
            }
        }
    }

    fn open_at(path: &Path, account: &Account) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        create_private_file(path)?;
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        // WAL: a commit is one append to the log; NORMAL: no fsync per commit, which a killed
        // process cannot undo (the OS has the bytes); only a power loss can
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "the local store is not in WAL mode");
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
        schema::migrate(&conn)?;
        let tag = format!("{} {}", account.user_id.0, account.server_url);
        let found: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'account'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match found {
            Some(found) if found != tag => return Err(StoreError::Foreign { found }),
            Some(_) => {}
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('account', ?1)",
                    params![tag],
                )?;
            }
        }
        // the log and index files SQLite made beside it take the database's mode; a file
        // from before this rule is tightened here
        for file in [
            path.to_path_buf(),
            with_suffix(path, "-wal"),
            with_suffix(path, "-shm"),
        ] {
            restrict(&file);
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            account: account.clone(),
            backlog: backlog::Backlog::default(),
        })
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Everything kept. Rows that cannot be read are skipped (and logged), not fatal.
    pub fn load(&self) -> Result<Kept, StoreError> {
        let mut kept = Kept {
            user: self.meta::<User>("user")?,
            ..Kept::default()
        };
        let mut messages: HashMap<ChatId, Vec<Message>> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT body FROM messages ORDER BY chat_id, seq")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for body in rows {
                if let Some(m) = decode::<Message>(&body?, "message") {
                    messages.entry(m.chat_id).or_default().push(m);
                }
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT summary, synced_seq, event_seq, read_wanted, others_read, members, group_info,
                    pins
             FROM chats",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        for row in rows {
            let (summary, synced_seq, event_seq, read_wanted, others, members, group, pins) = row?;
            let Some(summary) = decode::<ChatSummary>(&summary, "chat") else {
                continue;
            };
            kept.chats.push(KeptChat {
                messages: messages.remove(&summary.id).unwrap_or_default(),
                summary,
                synced_seq,
                event_seq,
                read_wanted,
                others_read: decode::<HashMap<UserId, i64>>(&others, "read cursors")
                    .unwrap_or_default(),
                members: decode::<Vec<ChatMember>>(&members, "members").unwrap_or_default(),
                group: group.and_then(|g| decode::<GroupInfo>(&g, "group")),
                pins: decode::<Vec<Message>>(&pins, "pins").unwrap_or_default(),
            });
        }
        kept.sends = self.list::<KeptSend>("sends")?;
        kept.changes = self.list::<KeptChange>("changes")?;
        kept.uploads = self.list::<KeptUpload>("uploads")?;
        let mut stmt = self.conn.prepare("SELECT chat_id, body FROM drafts")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (chat, body) = row?;
            if let (Ok(chat), Some(draft)) = (chat.parse(), decode::<Draft>(&body, "draft")) {
                kept.drafts.push((ChatId(chat), draft));
            }
        }
        Ok(kept)
    }

    /// Applies one write, in one transaction.
    pub fn write(&mut self, write: &StoreWrite) -> Result<(), StoreError> {
        tracing::debug!(what = what(write), "local store write");
        let tx = self.conn.transaction()?;
        match write {
            StoreWrite::User(user) => {
                tx.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('user', ?1)",
                    params![serde_json::to_string(user)?],
                )?;
            }
            StoreWrite::Chat(chat) => write_chat(&tx, chat)?,
            StoreWrite::ChatGone(id) => {
                let id = id.0.to_string();
                tx.execute("DELETE FROM messages WHERE chat_id = ?1", params![id])?;
                tx.execute("DELETE FROM chats WHERE id = ?1", params![id])?;
                tx.execute("DELETE FROM drafts WHERE chat_id = ?1", params![id])?;
            }
            StoreWrite::Sends(sends) => replace_list(&tx, "sends", sends)?,
            StoreWrite::Changes(changes) => replace_list(&tx, "changes", changes)?,
            StoreWrite::Uploads(uploads) => replace_list(&tx, "uploads", uploads)?,
            StoreWrite::Draft(chat, draft) => {
                let chat = chat.0.to_string();
                match draft {
                    Some(draft) => tx.execute(
                        "INSERT OR REPLACE INTO drafts (chat_id, body) VALUES (?1, ?2)",
                        params![chat, serde_json::to_string(draft)?],
                    )?,
                    None => tx.execute("DELETE FROM drafts WHERE chat_id = ?1", params![chat])?,
                };
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Empties the store (a new sign-in starts from the server's state); its account and
    /// one-time steps stay.
    pub fn clear(&mut self) -> Result<(), StoreError> {
        self.backlog = backlog::Backlog::default();
        self.conn.execute_batch(
            "BEGIN;
             DELETE FROM chats; DELETE FROM messages; DELETE FROM sends; DELETE FROM changes;
             DELETE FROM uploads; DELETE FROM drafts; DELETE FROM meta WHERE key = 'user';
             COMMIT;",
        )?;
        Ok(())
    }

    /// A one-time step (e.g. the migration of the old saved outbox) was done.
    pub fn mark_done(&self, step: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, 'done')",
            params![format!("done:{step}")],
        )?;
        Ok(())
    }

    /// Whether [`Store::mark_done`] was called for `step`.
    pub fn is_done(&self, step: &str) -> Result<bool, StoreError> {
        let found: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                params![format!("done:{step}")],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// Closes the store and deletes its files (the person signed out of the account).
    pub fn remove(self) {
        let path = self.path;
        drop(self.conn);
        for file in [
            path.clone(),
            with_suffix(&path, "-wal"),
            with_suffix(&path, "-shm"),
        ] {
            if let Err(error) = std::fs::remove_file(&file)
                && error.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(%error, file = %file.display(), "could not delete the local store");
            }
        }
    }

    fn meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let value: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(value.and_then(|v| decode(&v, key)))
    }

    fn list<T: DeserializeOwned>(&self, table: &str) -> Result<Vec<T>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT body FROM {table} ORDER BY position"))?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut found = Vec::new();
        for body in rows {
            found.extend(decode::<T>(&body?, table));
        }
        Ok(found)
    }
}

/// A write's kind, for the debug log (never its contents: drafts and texts stay out of logs).
fn what(write: &StoreWrite) -> &'static str {
    match write {
        StoreWrite::User(_) => "user",
        StoreWrite::Chat(_) => "chat",
        StoreWrite::ChatGone(_) => "chat gone",
        StoreWrite::Sends(_) => "sends",
        StoreWrite::Changes(_) => "changes",
        StoreWrite::Uploads(_) => "uploads",
        StoreWrite::Draft(_, Some(_)) => "draft",
        StoreWrite::Draft(_, None) => "draft removed",
    }
}

fn write_chat(tx: &rusqlite::Transaction<'_>, chat: &KeptChat) -> Result<(), StoreError> {
    let id = chat.summary.id.0.to_string();
    tx.execute(
        "INSERT OR REPLACE INTO chats
         (id, summary, synced_seq, event_seq, read_wanted, others_read, members, group_info,
          pins)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id,
            serde_json::to_string(&chat.summary)?,
            chat.synced_seq,
            chat.event_seq,
            chat.read_wanted,
            serde_json::to_string(&chat.others_read)?,
            serde_json::to_string(&chat.members)?,
            chat.group.as_ref().map(serde_json::to_string).transpose()?,
            serde_json::to_string(&chat.pins)?,
        ],
    )?;
    tx.execute("DELETE FROM messages WHERE chat_id = ?1", params![id])?;
    let mut insert =
        tx.prepare_cached("INSERT INTO messages (chat_id, seq, body) VALUES (?1, ?2, ?3)")?;
    for message in &chat.messages {
        insert.execute(params![id, message.seq, serde_json::to_string(message)?])?;
    }
    Ok(())
}

fn replace_list<T: Serialize>(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    items: &[T],
) -> Result<(), StoreError> {
    tx.execute(&format!("DELETE FROM {table}"), [])?;
    let mut insert = tx.prepare_cached(&format!(
        "INSERT INTO {table} (position, body) VALUES (?1, ?2)"
    ))?;
    for (position, item) in items.iter().enumerate() {
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        insert.execute(params![position, serde_json::to_string(item)?])?;
    }
    Ok(())
}

/// A stored JSON value, or `None` (logged) when it does not parse: one bad row never costs
/// the rest.
fn decode<T: DeserializeOwned>(text: &str, what: &str) -> Option<T> {
    match serde_json::from_str(text) {
        Ok(value) => Some(value),
        Err(error) => {
            tracing::warn!(%error, what, "a row of the local store could not be read; skipped");
            None
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Renames the store's files to `….aside-<unix time>` (kept for whoever wants to look) and
/// answers the new name of the database file.
fn move_aside(path: &Path) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let aside = with_suffix(path, &format!(".aside-{stamp}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = with_suffix(path, suffix);
        if from.exists()
            && let Err(error) = std::fs::rename(&from, with_suffix(&aside, suffix))
        {
            tracing::warn!(%error, file = %from.display(), "could not move the local store aside");
            let _ = std::fs::remove_file(&from);
        }
    }
    aside
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Creates the database file readable and writable by the user only (SQLite gives its log
/// files the same mode).
#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map(drop)
}

#[cfg(not(unix))]
fn create_private_file(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn restrict(file: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if file.exists()
        && let Err(error) = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
    {
        tracing::warn!(%error, file = %file.display(), "could not restrict the local store's mode");
    }
}

#[cfg(not(unix))]
fn restrict(_file: &Path) {}
