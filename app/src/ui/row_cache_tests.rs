//! Unit tests of [`super::row_cache::RowCache`]: pure, no window.

use chrono::{DateTime, FixedOffset, TimeDelta, TimeZone as _, Utc};
use natter_shared::api::{ChatKind, ChatSummary, Message};
use natter_shared::{ChatId, MessageId, RequestId, UserId};
use uuid::Uuid;

use super::row_cache::{Layout, Refresh, RowCache, Slot};
use crate::i18n::Language;
use crate::state::{ChatEntry, Clock, Outgoing, OutgoingState};

const CHAT: ChatId = ChatId(Uuid::from_u128(7));

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap()
}

fn clock() -> Clock {
    Clock {
        now: start() + TimeDelta::days(30),
        offset: FixedOffset::east_opt(0).unwrap(),
    }
}

fn layout() -> Layout {
    Layout {
        width: 600.0,
        language: Language::English,
    }
}

/// Message `seq`, written `hours` hours after the start.
fn message(seq: i64, hours: i64) -> Message {
    Message {
        attachments: Vec::new(),
        id: MessageId(Uuid::from_u128(seq as u128)),
        chat_id: CHAT,
        seq,
        sender_id: UserId(Uuid::from_u128(2)),
        text: format!("message {seq}"),
        reply_to: None,
        request_id: None,
        created_at: start() + TimeDelta::hours(hours),
        edited_at: None,
        deleted: false,
        hidden: false,
        forwarded_from: None,
        reactions: Vec::new(),
        pinned_at: None,
        service: None,
        mentions: Vec::new(),
    }
}

/// A group chat holding messages `1..=count`, six hours apart (so four a day), synced.
fn entry(count: i64) -> ChatEntry {
    let summary = ChatSummary {
        photo: Default::default(),
        id: CHAT,
        kind: ChatKind::Group,
        title: Some("Team".into()),
        partner: None,
        last_message: None,
        last_seq: count,
        last_event_seq: count,
        read_seq: count,
        unread_count: 0,
        unread_mention: false,
        request_from: None,
        blocked: false,
        member_count: 3,
        created_at: start(),
        updated_at: start(),
    };
    let mut entry = ChatEntry::new(summary);
    for seq in 1..=count {
        entry.messages.insert(seq, message(seq, (seq - 1) * 6));
    }
    entry.synced_seq = Some(count);
    entry
}

fn outgoing(n: u128) -> Outgoing {
    Outgoing {
        request_id: RequestId(Uuid::from_u128(n)),
        chat_id: CHAT,
        text: "on its way".into(),
        reply_to: None,
        uploads: Vec::new(),
        created_at: clock().now,
        state: OutgoingState::Queued,
    }
}

/// An empty outbox.
fn none() -> std::slice::Iter<'static, Outgoing> {
    [].iter()
}

fn slots(cache: &RowCache) -> Vec<Slot> {
    (0..cache.len()).filter_map(|i| cache.slot(i)).collect()
}

#[test]
fn rows_hold_the_top_day_separators_the_marker_and_the_outbox() {
    let mut chat = entry(5);
    chat.unread_marker = Some(5);
    let outbox = [outgoing(1)];
    let mut cache = RowCache::default();

    cache.refresh(&chat, || outbox.iter(), &clock(), layout());

    let day = |d: u32| Slot::Day(chrono::NaiveDate::from_ymd_opt(2026, 1, d).unwrap());
    let expected = vec![
        Slot::Top,
        day(1),
        Slot::Message(1),
        Slot::Message(2),
        Slot::Message(3),
        day(2),
        Slot::Message(4),
        Slot::Unread,
        Slot::Message(5),
        day(31),
        Slot::Pending(RequestId(Uuid::from_u128(1))),
    ];
    assert_eq!(slots(&cache), expected);
    assert_eq!(cache.first_message(), Some(2));
    assert_eq!(cache.first_seq(), Some(1));
    assert_eq!(cache.unread(), Some(7));
    assert_eq!(cache.message_row(4), Some(6), "found past a separator");
    assert_eq!(cache.message_row(99), None);
}

#[test]
fn an_unchanged_chat_is_not_rebuilt() {
    let chat = entry(1_000);
    let mut cache = RowCache::default();
    assert_eq!(
        cache.refresh(&chat, none, &clock(), layout()),
        Refresh::Rebuilt
    );

    let again = cache.refresh(&chat, none, &clock(), layout());

    assert_eq!(again, Refresh::Unchanged);
}

#[test]
fn new_messages_and_sends_extend_the_rows_like_a_rebuild() {
    let mut chat = entry(10);
    let one = [outgoing(1)];
    let mut cache = RowCache::default();
    cache.refresh(&chat, || one.iter(), &clock(), layout());
    cache.measured(3, egui::Id::unique("m3"), 80.0);

    chat.messages.insert(11, message(11, 200));
    chat.synced_seq = Some(11);
    let outbox = [outgoing(2)];
    let refresh = cache.refresh(&chat, || outbox.iter(), &clock(), layout());

    let mut fresh = RowCache::default();
    fresh.refresh(&chat, || outbox.iter(), &clock(), layout());
    assert_eq!(refresh, Refresh::Extended);
    assert_eq!(slots(&cache), slots(&fresh));
    let extra = 80.0 - fresh.height(3);
    assert_eq!(
        cache.total(),
        fresh.total() + extra,
        "the measured row kept"
    );
}

#[test]
fn an_older_page_or_a_new_width_rebuilds() {
    let mut chat = entry(10);
    chat.messages.remove(&1);
    let mut cache = RowCache::default();
    cache.refresh(&chat, none, &clock(), layout());

    chat.messages.insert(1, message(1, 0));
    let older = cache.refresh(&chat, none, &clock(), layout());
    let wider = Layout {
        width: 900.0,
        ..layout()
    };
    let resized = cache.refresh(&chat, none, &clock(), wider);

    assert_eq!(older, Refresh::Rebuilt);
    assert_eq!(resized, Refresh::Rebuilt);
    assert_eq!(cache.first_seq(), Some(1));
}

#[test]
fn a_measured_height_moves_the_rows_below_it_only() {
    let chat = entry(100);
    let mut cache = RowCache::default();
    cache.refresh(&chat, none, &clock(), layout());
    let (above, below, total) = (cache.top(10), cache.top(11), cache.total());
    let grown = cache.height(10) as f32 + 25.0;

    let moved = cache.measured(10, egui::Id::unique("m"), grown);

    assert!(moved);
    assert_eq!(cache.top(10), above);
    assert_eq!(cache.top(11), below + 25.0);
    assert_eq!(cache.total(), total + 25.0);
    assert!(
        !cache.measured(10, egui::Id::unique("m"), grown),
        "same height again"
    );
}

#[test]
fn the_row_at_an_offset_is_found_at_the_edges() {
    let chat = entry(50);
    let mut cache = RowCache::default();
    cache.refresh(&chat, none, &clock(), layout());
    let last = cache.len() - 1;

    assert_eq!(cache.row_at(0.0), 0);
    assert_eq!(cache.row_at(cache.top(20)), 20, "a row's own top");
    assert_eq!(cache.row_at(cache.top(20) - 0.01), 19, "just above it");
    assert_eq!(cache.row_at(cache.total() - 0.01), last);
    assert_eq!(cache.row_at(cache.total()), cache.len(), "past the end");
}

#[test]
fn a_chat_without_its_latest_page_still_shows_what_was_sent() {
    // offline from the start: no history yet, but the person's own sends must show
    let mut chat = entry(3);
    chat.synced_seq = None;
    let one = [outgoing(1)];
    let mut cache = RowCache::default();

    cache.refresh(&chat, || one.iter(), &clock(), layout());

    let slots = slots(&cache);
    assert_eq!(slots.first(), Some(&Slot::Top));
    assert_eq!(
        slots.last(),
        Some(&Slot::Pending(RequestId(Uuid::from_u128(1))))
    );
    assert_eq!(
        cache.first_message(),
        None,
        "no stored message is shown yet"
    );
    let mut cache = RowCache::default();
    cache.refresh(&chat, none, &clock(), layout());
    assert_eq!(self::slots(&cache), vec![Slot::Top], "and nothing else");
}

#[test]
fn a_send_alone_extends_the_rows() {
    let chat = entry(3);
    let mut cache = RowCache::default();
    cache.refresh(&chat, none, &clock(), layout());
    let one = [outgoing(1)];

    let refresh = cache.refresh(&chat, || one.iter(), &clock(), layout());

    assert_eq!(refresh, Refresh::Extended);
    assert_eq!(
        cache.slot(cache.len() - 1),
        Some(Slot::Pending(RequestId(Uuid::from_u128(1))))
    );
}
