//! The rows of the open chat and their heights, kept between frames so that a frame's work
//! does not grow with the chat: the list (the top, day separators, the "new messages"
//! marker, the messages up to where there is no gap, the sends not yet acknowledged) is
//! rebuilt only when its [`Version`] changes, and extended in place when messages or sends
//! are only added at the bottom. Heights live in [`PrefixSums`], so a row's offset, the row
//! at an offset and a re-measured height each cost O(log n).
//!
//! Rows hold seqs and request ids, not references: the state is read again when drawing.

use chrono::{FixedOffset, NaiveDate};
use egui::{Id, IdMap};
use natter_shared::RequestId;
use natter_shared::api::Message;

use super::format::local_day;
use super::message_row::Row;
use super::prefix_sums::PrefixSums;
use crate::i18n::Language;
use crate::state::{ChatEntry, Clock, Outgoing};

/// What a row shows; resolved against the state with [`RowCache::row`] when drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Top,
    Day(NaiveDate),
    Unread,
    Message(i64),
    Pending(RequestId),
}

#[derive(Clone, Copy, Debug)]
struct CachedRow {
    slot: Slot,
    /// Orders the rows for lookups by seq: a message's seq; a separator or the marker
    /// carries the seq of the message below it; the top is lowest, the outbox highest.
    seq: i64,
}

/// Everything the list of rows depends on, each part O(1) or O(outbox) to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Version {
    first: Option<i64>,
    synced: Option<i64>,
    /// Messages up to `synced`: a removal in the middle changes it.
    in_window: usize,
    unread_marker: Option<i64>,
    /// Day separators are local days.
    offset: FixedOffset,
}

impl Version {
    fn of(entry: &ChatEntry, clock: &Clock) -> Self {
        let total = entry.messages.len();
        let waiting = entry.synced_seq.map_or(total, |s| {
            entry.messages.range(s.saturating_add(1)..).count()
        });
        Self {
            first: entry.window_start(),
            synced: entry.synced_seq,
            in_window: total - waiting,
            unread_marker: entry.unread_marker,
            offset: clock.offset,
        }
    }
}

/// What measured heights depend on besides the row itself.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub width: f32,
    pub language: Language,
}

impl Layout {
    fn differs(&self, other: &Layout) -> bool {
        (self.width - other.width).abs() > 0.5 || self.language != other.language
    }
}

/// What [`RowCache::refresh`] had to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresh {
    Unchanged,
    /// Rows were added at the bottom (new messages, sends).
    Extended,
    Rebuilt,
}

/// The rows of one chat at one layout, with their heights (measured or estimated).
#[derive(Clone, Default)]
pub struct RowCache {
    built: Option<(Version, Layout)>,
    /// Each pending row's request id and day, in order, as built.
    pending: Vec<(RequestId, NaiveDate)>,
    rows: Vec<CachedRow>,
    heights: Vec<f32>,
    sums: PrefixSums,
    /// Heights measured at this layout, by [`Row::key`]; survive rebuilds.
    measured: IdMap<f32>,
    /// Rows up to and including the last message row (the outbox rows follow).
    messages_end: usize,
    last_message_day: Option<NaiveDate>,
    first_message: Option<usize>,
    unread: Option<usize>,
}

impl RowCache {
    /// Brings the rows up to date with the chat; free when nothing changed.
    /// `outgoing` lists the chat's unacknowledged sends, oldest first.
    pub fn refresh<'a, I: Iterator<Item = &'a Outgoing>>(
        &mut self,
        entry: &ChatEntry,
        outgoing: impl Fn() -> I,
        clock: &Clock,
        layout: Layout,
    ) -> Refresh {
        let version = Version::of(entry, clock);
        let days = outgoing().map(|o| (o.request_id, local_day(clock, o.created_at)));
        let same_outbox = self.pending.iter().copied().eq(days);
        let Some((old, old_layout)) = self.built else {
            self.rebuild(entry, outgoing(), clock, version, layout);
            return Refresh::Rebuilt;
        };
        if old_layout.differs(&layout) {
            self.measured.clear();
            self.rebuild(entry, outgoing(), clock, version, layout);
            return Refresh::Rebuilt;
        }
        if old == version && same_outbox {
            return Refresh::Unchanged;
        }
        let only_added_below = old.first == version.first
            && old.unread_marker == version.unread_marker
            && old.offset == version.offset
            && old.synced.is_some()
            && version.synced >= old.synced;
        if only_added_below && self.extend(entry, outgoing(), clock, old, version) {
            self.built = Some((version, layout));
            return Refresh::Extended;
        }
        self.rebuild(entry, outgoing(), clock, version, layout);
        Refresh::Rebuilt
    }

    fn rebuild<'a>(
        &mut self,
        entry: &ChatEntry,
        outgoing: impl Iterator<Item = &'a Outgoing>,
        clock: &Clock,
        version: Version,
        layout: Layout,
    ) {
        self.rows.clear();
        self.heights.clear();
        self.pending.clear();
        self.first_message = None;
        self.unread = None;
        self.last_message_day = None;
        self.push(Slot::Top, i64::MIN, Row::Top);
        if let Some(synced) = entry.synced_seq {
            self.push_messages(
                entry,
                entry.messages.range(..=synced).map(|(_, m)| m),
                clock,
            );
            self.messages_end = self.rows.len();
            self.push_outgoing(outgoing, clock);
        } else {
            // history has not loaded (offline, say): what the person sent must still show
            self.messages_end = self.rows.len();
            self.push_outgoing(outgoing, clock);
        }
        self.sums = PrefixSums::from_heights(&self.heights);
        self.built = Some((version, layout));
    }

    /// Drops the outbox rows, appends the messages after `old.synced`, re-adds the outbox.
    /// False (and the rows in an unknown state) when the messages did not only grow.
    fn extend<'a>(
        &mut self,
        entry: &ChatEntry,
        outgoing: impl Iterator<Item = &'a Outgoing>,
        clock: &Clock,
        old: Version,
        version: Version,
    ) -> bool {
        let (Some(from), Some(to)) = (old.synced, version.synced) else {
            return false;
        };
        // `from + 1 ..= from` would panic in `BTreeMap::range`: nothing new is `from..from`
        let added = if to > from {
            entry.messages.range(from.saturating_add(1)..=to)
        } else {
            entry.messages.range(from..from)
        };
        if old.in_window + added.clone().count() != version.in_window {
            return false;
        }
        self.rows.truncate(self.messages_end);
        self.heights.truncate(self.messages_end);
        self.sums.truncate(self.messages_end);
        self.pending.clear();
        self.push_messages(entry, added.map(|(_, m)| m), clock);
        self.messages_end = self.rows.len();
        self.push_outgoing(outgoing, clock);
        for height in &self.heights[self.sums.len()..] {
            self.sums.push(*height);
        }
        true
    }

    fn push_messages<'a>(
        &mut self,
        entry: &ChatEntry,
        messages: impl Iterator<Item = &'a Message>,
        clock: &Clock,
    ) {
        for message in messages {
            let day = local_day(clock, message.created_at);
            if self.last_message_day != Some(day) {
                self.push(Slot::Day(day), message.seq, Row::Day(day));
                self.last_message_day = Some(day);
            }
            if entry.unread_marker == Some(message.seq) {
                self.unread = Some(self.rows.len());
                self.push(Slot::Unread, message.seq, Row::Unread);
            }
            self.first_message.get_or_insert(self.rows.len());
            self.push(
                Slot::Message(message.seq),
                message.seq,
                Row::Message(message),
            );
        }
    }

    fn push_outgoing<'a>(&mut self, outgoing: impl Iterator<Item = &'a Outgoing>, clock: &Clock) {
        let mut last_day = self.last_message_day;
        for item in outgoing {
            let day = local_day(clock, item.created_at);
            if last_day != Some(day) {
                self.push(Slot::Day(day), i64::MAX, Row::Day(day));
                last_day = Some(day);
            }
            self.push(Slot::Pending(item.request_id), i64::MAX, Row::Pending(item));
            self.pending.push((item.request_id, day));
        }
    }

    /// Appends a row with its measured height, else its estimate (the sums follow later).
    fn push(&mut self, slot: Slot, seq: i64, row: Row<'_>) {
        let height = self
            .measured
            .get(&row.key())
            .copied()
            .unwrap_or_else(|| row.estimated_height());
        self.rows.push(CachedRow { slot, seq });
        self.heights.push(height);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn slot(&self, index: usize) -> Option<Slot> {
        self.rows.get(index).map(|r| r.slot)
    }

    /// Row `index` as drawn from the state (`None` past the end or if the state lost it).
    pub fn row<'a>(
        &self,
        index: usize,
        entry: &'a ChatEntry,
        mut outgoing: impl Iterator<Item = &'a Outgoing>,
    ) -> Option<Row<'a>> {
        Some(match self.slot(index)? {
            Slot::Top => Row::Top,
            Slot::Day(day) => Row::Day(day),
            Slot::Unread => Row::Unread,
            Slot::Message(seq) => Row::Message(entry.messages.get(&seq)?),
            Slot::Pending(id) => Row::Pending(outgoing.find(|o| o.request_id == id)?),
        })
    }

    /// The top of row `index` (the total height for `len()`).
    pub fn top(&self, index: usize) -> f64 {
        self.sums.prefix(index)
    }

    pub fn height(&self, index: usize) -> f64 {
        self.heights.get(index).copied().map_or(0.0, f64::from)
    }

    pub fn total(&self) -> f64 {
        self.sums.total()
    }

    /// The row drawn at offset `y` (`len()` when `y` is below every row).
    pub fn row_at(&self, y: f64) -> usize {
        self.sums.row_at(y)
    }

    pub fn first_message(&self) -> Option<usize> {
        self.first_message
    }

    /// The seq of the oldest message row.
    pub fn first_seq(&self) -> Option<i64> {
        match self.slot(self.first_message?)? {
            Slot::Message(seq) => Some(seq),
            _ => None,
        }
    }

    /// The "new messages" marker's row.
    pub fn unread(&self) -> Option<usize> {
        self.unread
    }

    /// The row of message `seq`, by binary search.
    pub fn message_row(&self, seq: i64) -> Option<usize> {
        let start = self.rows[..self.messages_end].partition_point(|r| r.seq < seq);
        self.rows[start..self.messages_end]
            .iter()
            .take_while(|r| r.seq == seq)
            .position(|r| r.slot == Slot::Message(seq))
            .map(|offset| start + offset)
    }

    /// Records row `index`'s height as laid out; true if it moved by more than half a point
    /// (what was drawn below it this frame is then off and wants another frame).
    pub fn measured(&mut self, index: usize, key: Id, height: f32) -> bool {
        self.measured.insert(key, height);
        let Some(old) = self.heights.get_mut(index) else {
            return false;
        };
        let delta = height - *old;
        if delta != 0.0 {
            *old = height;
            self.sums.add(index, f64::from(delta));
        }
        delta.abs() > 0.5
    }
}
