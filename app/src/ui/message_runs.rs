//! Runs of one sender: consecutive messages of one person a little apart are grouped (the
//! name once at the run's start, the avatar at its end, a small gap between them). The
//! position in a run is worked out per visible row from its neighbours in the row cache.

use chrono::{DateTime, TimeDelta, Utc};
use natter_shared::UserId;

use super::message_row::{Row, RunPos};
use super::row_cache::RowCache;
use crate::state::{AppState, ChatEntry};

/// Messages of one sender further apart than this start a new run.
const RUN_BREAK: TimeDelta = TimeDelta::minutes(10);

/// Who sent row `index` and when, when it is a message that can be part of a run.
fn run_key(
    state: &AppState,
    entry: &ChatEntry,
    cache: &RowCache,
    index: Option<usize>,
) -> Option<(UserId, DateTime<Utc>)> {
    let me = state.session.as_ref().map(|s| s.user_id)?;
    let outgoing = state.chats.outgoing_in(entry.summary.id);
    match cache.row(index?, entry, outgoing)? {
        Row::Message(m) if m.is_gone() || m.service.is_some() => None,
        Row::Message(m) => Some((m.sender_id, m.created_at)),
        Row::Pending(o) => Some((me, o.created_at)),
        _ => None,
    }
}

/// Where row `index` sits in its sender's run: it starts one unless the row above is the
/// same sender's message a little earlier, and ends one unless the row below continues it.
pub(super) fn run_pos(
    state: &AppState,
    entry: &ChatEntry,
    cache: &RowCache,
    index: usize,
) -> RunPos {
    let Some((sender, at)) = run_key(state, entry, cache, Some(index)) else {
        return RunPos::ALONE;
    };
    let joins = |other: Option<(UserId, DateTime<Utc>)>| {
        other.is_some_and(|(s, t)| s == sender && (t - at).abs() < RUN_BREAK)
    };
    RunPos {
        first: !joins(run_key(state, entry, cache, index.checked_sub(1))),
        last: !joins(run_key(state, entry, cache, Some(index + 1))),
    }
}
