//! Writes the store could not make (a full disk, a read-only folder, a file held by another
//! program) are not dropped: they wait here, in order, and are made as soon as the store can
//! be written again — at the next write, or when [`Store::retry_at`] comes (2 s, doubling to
//! 30 s). The app tells the person the moment writing starts failing (what they typed may
//! not survive the app closing) and when it works again.
//!
//! Each write replaces what it names, so a later write of the same thing (the outbox, a
//! chat, a draft) supersedes an earlier one still waiting: the backlog holds at most one
//! write per thing, however long the disk stays full.

use std::time::{Duration, Instant};

use rusqlite::ErrorCode;

use super::{Store, StoreError};
use crate::effect::StoreWrite;
use crate::state::kept::StoreProblem;

/// The first wait before trying again, doubled after each failed try up to [`MAX_WAIT`].
pub const FIRST_WAIT: Duration = Duration::from_secs(2);
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// What a write (or a try again) came to, for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// On disk, as everything before it.
    Saved,
    /// Writing had failed before; now everything waiting is on disk.
    Recovered,
    /// Writing started failing: tell the person.
    Failed(StoreProblem),
    /// Still failing (the person was told).
    StillFailing,
}

/// What a waiting write replaces: a later one with the same key supersedes it.
#[derive(PartialEq, Eq)]
enum Key {
    User,
    Sends,
    Changes,
    Uploads,
    Chat(natter_shared::ChatId),
    ChatGone(natter_shared::ChatId),
    Draft(natter_shared::ChatId),
}

fn key(write: &StoreWrite) -> Key {
    match write {
        StoreWrite::User(_) => Key::User,
        StoreWrite::Sends(_) => Key::Sends,
        StoreWrite::Changes(_) => Key::Changes,
        StoreWrite::Uploads(_) => Key::Uploads,
        StoreWrite::Chat(chat) => Key::Chat(chat.summary.id),
        StoreWrite::ChatGone(id) => Key::ChatGone(*id),
        StoreWrite::Draft(id, _) => Key::Draft(*id),
    }
}

/// The writes waiting, and when to try them again (`None`: nothing is failing).
#[derive(Debug, Default)]
pub(super) struct Backlog {
    pub(super) writes: Vec<StoreWrite>,
    retry_at: Option<Instant>,
    wait: Duration,
}

impl StoreError {
    /// The error as the person is told it.
    pub fn problem(&self) -> StoreProblem {
        let code = match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => Some(e.code),
            _ => None,
        };
        match (code, self) {
            (Some(ErrorCode::DiskFull), _) => StoreProblem::DiskFull,
            (Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied), _) => StoreProblem::ReadOnly,
            (Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked), _) => StoreProblem::Busy,
            (_, StoreError::Io(e)) if e.kind() == std::io::ErrorKind::StorageFull => {
                StoreProblem::DiskFull
            }
            (_, StoreError::Io(e)) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                StoreProblem::ReadOnly
            }
            _ => StoreProblem::Other(self.to_string()),
        }
    }
}

impl Store {
    /// Makes `write` durable, after the writes still waiting; kept to be made later when it
    /// cannot be now.
    pub fn keep(&mut self, write: StoreWrite, now: Instant) -> Outcome {
        let new = key(&write);
        self.backlog.writes.retain(|w| key(w) != new);
        self.backlog.writes.push(write);
        self.flush(now)
    }

    /// When the writes waiting are to be tried again (`None`: nothing waits).
    pub fn retry_at(&self) -> Option<Instant> {
        self.backlog.retry_at
    }

    /// Tries the waiting writes again if their time has come.
    pub fn retry(&mut self, now: Instant) -> Option<Outcome> {
        let due = self.backlog.retry_at.is_some_and(|at| at <= now);
        due.then(|| self.flush(now))
    }

    fn flush(&mut self, now: Instant) -> Outcome {
        let was_failing = self.backlog.retry_at.is_some();
        while !self.backlog.writes.is_empty() {
            let write = self.backlog.writes.remove(0);
            match self.write(&write) {
                Ok(()) => {}
                Err(error) => {
                    self.backlog.writes.insert(0, write);
                    let backlog = &mut self.backlog;
                    backlog.wait = if was_failing {
                        (backlog.wait * 2).min(MAX_WAIT)
                    } else {
                        FIRST_WAIT
                    };
                    backlog.retry_at = Some(now + backlog.wait);
                    let waiting = backlog.writes.len();
                    tracing::error!(%error, waiting, "could not write to the local store; trying again");
                    return if was_failing {
                        Outcome::StillFailing
                    } else {
                        Outcome::Failed(error.problem())
                    };
                }
            }
        }
        self.backlog.retry_at = None;
        if was_failing {
            tracing::info!("the local store is written again");
            Outcome::Recovered
        } else {
            Outcome::Saved
        }
    }
}
