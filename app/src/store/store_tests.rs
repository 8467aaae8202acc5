//! The store on real SQLite files in a temporary folder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use natter_shared::{ChatId, MessageId, RequestId};
use uuid::Uuid;

use super::schema;
use super::{Account, Outcome, Store, StoreError};
use crate::effect::StoreWrite;
use crate::state::Draft;
use crate::state::kept::{KeptChange, KeptChat, KeptSend, KeptUpload};
use crate::testing::{URL, alice_id, bob_id, chat, direct_with_bob, message, user};
use crate::transfers::UploadKey;

/// A fresh folder under the system's temp dir, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("natter-store-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Folder(dir)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn alice() -> Account {
    Account {
        user_id: alice_id(),
        server_url: URL.into(),
    }
}

fn when() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn send(n: u128, text: &str) -> KeptSend {
    KeptSend {
        request_id: RequestId(Uuid::from_u128(500 + n)),
        chat_id: chat(1),
        text: text.into(),
        reply_to: None,
        uploads: vec![UploadKey(Uuid::from_u128(700 + n))],
        created_at: when(),
    }
}

fn kept_chat(n: u128, seqs: std::ops::RangeInclusive<i64>) -> KeptChat {
    let messages: Vec<_> = seqs
        .clone()
        .map(|seq| message(n, seq, bob_id(), &format!("hello {seq}"), when()))
        .collect();
    let last = messages.last().cloned();
    KeptChat {
        summary: direct_with_bob(n, last, 1, Some("Bob"), false, when()),
        messages,
        synced_seq: Some(*seqs.end()),
        event_seq: Some(*seqs.end() + 2),
        read_wanted: 2,
        others_read: HashMap::from([(bob_id(), 3)]),
        members: Vec::new(),
        group: None,
        pins: Vec::new(),
    }
}

#[test]
fn a_new_store_is_empty_at_the_current_schema_version_and_private() {
    let dir = Folder::new();
    let store = Store::open(&dir.0, &alice()).unwrap();
    let kept = store.load().unwrap();
    assert_eq!(kept, Default::default());
    let version: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, schema::version());
    let mode: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let file = std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(file & 0o777, 0o600, "readable by the user only");
        let folder = std::fs::metadata(store.path().parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(folder & 0o777, 0o700);
    }
    assert!(store.path().starts_with(dir.0.join("store")));
}

#[test]
fn each_account_and_server_has_its_own_file() {
    let dir = Folder::new();
    let other_server = Account {
        server_url: "https://chat.example".into(),
        ..alice()
    };
    let bob = Account {
        user_id: bob_id(),
        ..alice()
    };
    let files = [alice(), other_server, bob].map(|a| Store::file_for(&dir.0, &a));
    assert_ne!(files[0], files[1]);
    assert_ne!(files[0], files[2]);
}

#[test]
fn the_outbox_changes_and_uploads_come_back_in_their_order() {
    let dir = Folder::new();
    let mut store = Store::open(&dir.0, &alice()).unwrap();
    let sends = vec![send(1, "first"), send(2, "second"), send(3, "third")];
    let change = KeptChange {
        request_id: RequestId(Uuid::from_u128(900)),
        chat_id: chat(1),
        frame: natter_shared::ws::ClientFrame::Pin {
            chat_id: chat(1),
            message_id: MessageId(Uuid::from_u128(1)),
            unpin: false,
            request_id: RequestId(Uuid::from_u128(900)),
        },
    };
    let upload = KeptUpload {
        key: UploadKey(Uuid::from_u128(701)),
        chat_id: chat(1),
        path: "/tmp/cat.png".into(),
        size: Some(10),
        location: Some("/api/v1/uploads/1".into()),
        file: None,
    };
    store.write(&StoreWrite::Sends(sends.clone())).unwrap();
    store
        .write(&StoreWrite::Changes(vec![change.clone()]))
        .unwrap();
    store
        .write(&StoreWrite::Uploads(vec![upload.clone()]))
        .unwrap();
    drop(store);

    let kept = Store::open(&dir.0, &alice()).unwrap().load().unwrap();
    assert_eq!(kept.sends, sends);
    assert_eq!(kept.changes, [change]);
    assert_eq!(kept.uploads, [upload]);

    // a later write replaces the list: the acknowledged one is gone
    let mut store = Store::open(&dir.0, &alice()).unwrap();
    store
        .write(&StoreWrite::Sends(vec![sends[0].clone(), sends[2].clone()]))
        .unwrap();
    let kept = store.load().unwrap();
    assert_eq!(kept.sends, [sends[0].clone(), sends[2].clone()]);
}

#[test]
fn drafts_are_written_and_removed() {
    let dir = Folder::new();
    let mut store = Store::open(&dir.0, &alice()).unwrap();
    let draft = Draft {
        text: "half a thought".into(),
        reply_to: Some(MessageId(Uuid::from_u128(4))),
        ..Draft::default()
    };
    store
        .write(&StoreWrite::Draft(chat(1), Some(draft.clone())))
        .unwrap();
    store
        .write(&StoreWrite::Draft(chat(2), Some(draft.clone())))
        .unwrap();
    store.write(&StoreWrite::Draft(chat(2), None)).unwrap();
    assert_eq!(store.load().unwrap().drafts, [(chat(1), draft)]);
}

#[test]
fn chats_come_back_with_their_messages_cursors_and_event_seq() {
    let dir = Folder::new();
    let mut store = Store::open(&dir.0, &alice()).unwrap();
    let one = kept_chat(1, 1..=5);
    store
        .write(&StoreWrite::Chat(Box::new(one.clone())))
        .unwrap();
    store
        .write(&StoreWrite::Chat(Box::new(kept_chat(2, 1..=2))))
        .unwrap();
    let me = user(alice_id(), "alice", None, when());
    store
        .write(&StoreWrite::User(Box::new(me.clone())))
        .unwrap();
    // the chat again, with a shorter tail: the older rows go
    let shorter = kept_chat(1, 3..=6);
    store
        .write(&StoreWrite::Chat(Box::new(shorter.clone())))
        .unwrap();
    store.write(&StoreWrite::ChatGone(chat(2))).unwrap();
    drop(store);

    let kept = Store::open(&dir.0, &alice()).unwrap().load().unwrap();
    assert_eq!(kept.user, Some(me));
    assert_eq!(kept.chats, [shorter]);
    assert_ne!(kept.chats[0], one);
}

#[test]
fn a_corrupt_file_is_moved_aside_and_the_store_starts_empty() {
    let dir = Folder::new();
    let file = Store::file_for(&dir.0, &alice());
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"this is not a database, it is a shopping list").unwrap();

    let mut store = Store::open(&dir.0, &alice()).unwrap();
    assert_eq!(store.load().unwrap(), Default::default());
    store
        .write(&StoreWrite::Sends(vec![send(1, "hi")]))
        .unwrap();
    let aside = set_aside(&dir.0);
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read(&aside[0]).unwrap(),
        b"this is not a database, it is a shopping list",
        "kept as it was"
    );
}

#[test]
fn another_accounts_file_is_moved_aside_not_read() {
    let dir = Folder::new();
    let mut store = Store::open(&dir.0, &alice()).unwrap();
    store
        .write(&StoreWrite::Sends(vec![send(1, "alice's")]))
        .unwrap();
    let path = store.path().to_path_buf();
    drop(store);
    // Bob's store file holding Alice's rows (a copied folder, a renamed file)
    let bob = Account {
        user_id: bob_id(),
        ..alice()
    };
    let bobs = Store::file_for(&dir.0, &bob);
    std::fs::rename(&path, &bobs).unwrap();
    let _ = std::fs::remove_file(super::with_suffix(&path, "-wal"));

    let store = Store::open(&dir.0, &bob).unwrap();
    assert!(store.load().unwrap().sends.is_empty(), "not sent as Bob");
    assert_eq!(set_aside(&dir.0).len(), 1);
}

#[test]
fn a_store_of_a_newer_app_is_refused_and_moved_aside() {
    let dir = Folder::new();
    let store = Store::open(&dir.0, &alice()).unwrap();
    store
        .conn
        .execute_batch(&format!("PRAGMA user_version = {}", schema::version() + 1))
        .unwrap();
    drop(store);
    let store = Store::open(&dir.0, &alice()).unwrap();
    assert_eq!(store.load().unwrap(), Default::default());
    assert_eq!(set_aside(&dir.0).len(), 1);
}

#[test]
fn migrations_run_in_order_once_and_keep_the_data() {
    let dir = Folder::new();
    let conn = rusqlite::Connection::open(dir.0.join("m.sqlite3")).unwrap();
    let first = ["CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1);"];
    schema::migrate_with(&conn, &first).unwrap();
    let both = [first[0], "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x';"];
    schema::migrate_with(&conn, &both).unwrap();
    schema::migrate_with(&conn, &both).unwrap(); // nothing left to do
    let (a, b): (i64, String) = conn
        .query_row("SELECT a, b FROM t", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!((a, b.as_str()), (1, "x"));
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 2);
    assert!(matches!(
        schema::migrate_with(&conn, &first),
        Err(StoreError::Newer(2))
    ));
}

#[test]
fn a_failed_migration_step_leaves_the_version_where_it_was() {
    let dir = Folder::new();
    let conn = rusqlite::Connection::open(dir.0.join("m.sqlite3")).unwrap();
    let steps = ["CREATE TABLE t (a INTEGER);", "THIS IS NOT SQL;"];
    assert!(schema::migrate_with(&conn, &steps).is_err());
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
}

#[test]
fn a_row_that_does_not_parse_is_skipped_not_fatal() {
    let dir = Folder::new();
    let mut store = Store::open(&dir.0, &alice()).unwrap();
    store
        .write(&StoreWrite::Sends(vec![send(1, "good")]))
        .unwrap();
    store
        .conn
        .execute(
            "INSERT INTO sends (position, body) VALUES (7, '{\"broken\":')",
            [],
        )
        .unwrap();
    assert_eq!(store.load().unwrap().sends, [send(1, "good")]);
}

#[test]
fn clearing_keeps_the_account_and_removing_deletes_the_files() {
    let dir = Folder::new();
    let mut store = Store::open(&dir.0, &alice()).unwrap();
    store.write(&StoreWrite::Sends(vec![send(1, "x")])).unwrap();
    store.mark_done("step").unwrap();
    store.clear().unwrap();
    assert!(store.load().unwrap().sends.is_empty());
    assert!(store.is_done("step").unwrap());
    let path = store.path().to_path_buf();
    store.remove();
    assert!(!path.exists());
    assert!(!super::with_suffix(&path, "-wal").exists());
}

fn set_aside(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("store"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.contains(".aside-") && name.ends_with(|c: char| c.is_ascii_digit())
        })
        .collect()
}

#[test]
fn chat_ids_round_trip_through_their_text_form() {
    let id = ChatId(Uuid::from_u128(42));
    assert_eq!(ChatId(id.0.to_string().parse().unwrap()), id);
}

#[test]
fn pinned_messages_come_back_with_their_chat() {
    let dir = Folder::new();
    let mut store = Store::open(&dir.0, &alice()).unwrap();
    let mut one = kept_chat(1, 1..=5);
    one.pins = vec![one.messages[3].clone(), one.messages[0].clone()];
    store
        .write(&StoreWrite::Chat(Box::new(one.clone())))
        .unwrap();
    drop(store);
    let kept = Store::open(&dir.0, &alice()).unwrap().load().unwrap();
    assert_eq!(kept.chats[0].pins, one.pins, "newest pin first, as written");
}

#[test]
fn a_store_from_before_pins_opens_with_its_chats_and_no_pins() {
    let dir = Folder::new();
    let path = Store::file_for(&dir.0, &alice());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        schema::migrate_with(&conn, &schema::STEPS[..1]).unwrap();
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('account', ?1)",
            rusqlite::params![format!("{} {}", alice_id().0, URL)],
        )
        .unwrap();
        let summary = direct_with_bob(1, None, 0, Some("Bob"), false, when());
        conn.execute(
            "INSERT INTO chats (id, summary, synced_seq) VALUES (?1, ?2, 0)",
            rusqlite::params![
                chat(1).0.to_string(),
                serde_json::to_string(&summary).unwrap()
            ],
        )
        .unwrap();
    }
    let store = Store::open(&dir.0, &alice()).unwrap();
    let kept = store.load().unwrap();
    assert_eq!(kept.chats.len(), 1, "not moved aside: migrated");
    assert!(kept.chats[0].pins.is_empty());
}

/// Only as many pages as the file has now: the next write that needs more fails as a full
/// disk does (SQLITE_FULL); `None` lifts the limit again.
fn limit_pages(store: &Store, grow: Option<i64>) {
    let now: i64 = store
        .conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    let limit = grow.map_or(now, |more| now + more);
    let _: i64 = store
        .conn
        .query_row(&format!("PRAGMA max_page_count = {limit}"), [], |r| {
            r.get(0)
        })
        .unwrap();
}

#[test]
fn a_write_refused_for_a_full_disk_is_told_kept_and_made_once_there_is_room() {
    let dir = Folder::new();
    let mut store = Store::open(&dir.0, &alice()).unwrap();
    let start = std::time::Instant::now();
    assert_eq!(
        store.keep(StoreWrite::Sends(vec![send(1, "first")]), start),
        Outcome::Saved
    );
    limit_pages(&store, None);
    let big = kept_chat(1, 1..=400);
    let draft = Draft {
        text: "typed while the disk was full".into(),
        ..Draft::default()
    };
    assert_eq!(
        store.keep(StoreWrite::Chat(Box::new(big.clone())), start),
        Outcome::Failed(crate::state::kept::StoreProblem::DiskFull)
    );
    assert_eq!(
        store.keep(StoreWrite::Draft(chat(1), Some(draft.clone())), start),
        Outcome::StillFailing,
        "told once"
    );
    let first = store.retry_at().expect("a retry is due");
    assert!(first >= start + super::FIRST_WAIT);
    assert_eq!(store.retry(start), None, "not before its time");
    assert_eq!(store.retry(first), Some(Outcome::StillFailing));
    let second = store.retry_at().unwrap();
    assert!(second - first >= super::FIRST_WAIT * 2, "the wait doubles");

    limit_pages(&store, Some(100_000));
    assert_eq!(store.retry(second), Some(Outcome::Recovered));
    assert_eq!(store.retry_at(), None);
    drop(store);
    let kept = Store::open(&dir.0, &alice()).unwrap().load().unwrap();
    assert_eq!(kept.chats, [big]);
    assert_eq!(kept.drafts, [(chat(1), draft)]);
    assert_eq!(kept.sends, [send(1, "first")]);
}

#[test]
fn waiting_writes_keep_one_per_thing_and_their_order() {
    let dir = Folder::new();
    let mut store = Store::open(&dir.0, &alice()).unwrap();
    let now = std::time::Instant::now();
    store.keep(StoreWrite::Sends(Vec::new()), now);
    limit_pages(&store, None);
    for n in 1..=50 {
        store.keep(
            StoreWrite::Sends((1..=n).map(|i| send(i, "queued")).collect()),
            now,
        );
        store.keep(
            StoreWrite::Chat(Box::new(kept_chat(1, 1..=n as i64 * 10))),
            now,
        );
    }
    // the chat left the list, then came back: both wait, in that order
    store.keep(StoreWrite::ChatGone(chat(2)), now);
    store.keep(StoreWrite::Chat(Box::new(kept_chat(2, 1..=3))), now);
    assert_eq!(
        store.backlog.writes.len(),
        4,
        "{:?}",
        store.backlog.writes.len()
    );
    limit_pages(&store, Some(100_000));
    assert_eq!(store.retry(now + super::MAX_WAIT), Some(Outcome::Recovered));
    let kept = store.load().unwrap();
    assert_eq!(kept.sends.len(), 50);
    assert_eq!(kept.chats.len(), 2);
}

#[test]
fn store_errors_are_told_in_words_the_person_can_act_on() {
    use crate::state::kept::StoreProblem;
    let sqlite = |code| {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
    };
    assert_eq!(
        sqlite(rusqlite::ffi::SQLITE_FULL).problem(),
        StoreProblem::DiskFull
    );
    assert_eq!(
        sqlite(rusqlite::ffi::SQLITE_READONLY).problem(),
        StoreProblem::ReadOnly
    );
    assert_eq!(
        sqlite(rusqlite::ffi::SQLITE_BUSY).problem(),
        StoreProblem::Busy
    );
    assert!(matches!(
        sqlite(rusqlite::ffi::SQLITE_CORRUPT).problem(),
        StoreProblem::Other(_)
    ));
}
