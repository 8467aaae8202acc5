//! One transaction of the message writer (`db::writer`): lock the batch's chats in id order,
//! answer request ids stored before, check again senders whose chat's members changed since
//! their room read them, refuse replies to other chats, advance each chat's `last_seq` and
//! `last_event_seq`, and store the new messages with their events in one statement.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use natter_shared::api::{EventKind, UploadState};

use super::messages::MessageRow;
use super::schema::messages;

/// A transaction whose sends were marked in flight longer ago than this rolls back instead
/// of committing. Readers treat marks older than twice this as left by a crashed process
/// (`chat_list::STALE_MARK`), so a mark they clear can no longer become a commit.
pub const COMMIT_DEADLINE: Duration = Duration::from_secs(15);
/// A persisted send.
#[derive(Debug, Clone)]
pub enum Persisted {
    /// Stored now with the next seq.
    New(MessageRow),
    /// This `request_id` was stored before: the original message.
    Existing(MessageRow),
}

impl Persisted {
    pub fn message(&self) -> &MessageRow {
        match self {
            Persisted::New(m) | Persisted::Existing(m) => m,
        }
    }
}

/// Why a send was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendRejected {
    #[error("the message replied to is not in this chat")]
    ReplyNotFound,
    #[error("this request_id was already used for a message in another chat")]
    RequestIdReused,
    #[error("the server is overloaded; try again")]
    Overloaded,
    #[error("the database is unavailable")]
    Unavailable,
    #[error("no such chat")]
    NotMember,
    #[error("you are muted in this group")]
    Muted,
    #[error("one of you blocks the other")]
    Blocked,
    #[error("no such file (upload it first)")]
    FileNotFound,
    #[error("a file is still uploading or being scanned")]
    FileNotReady,
    #[error("a file was found to carry malware and cannot be shared")]
    FileBlocked,
}

/// One item's answer: what was stored and the chat's `members_version` at the commit.
pub type ItemResult = Result<(Persisted, i64), SendRejected>;

/// The part of a command the transaction needs.
pub struct Item<'a> {
    pub chat_id: Uuid,
    pub sender_id: Uuid,
    pub request_id: Uuid,
    pub text: &'a str,
    pub reply_to: Option<Uuid>,
    pub forwarded: Option<(Uuid, DateTime<Utc>)>,
    pub mentions: &'a [Uuid],
    /// Files to carry, in order (already at most `MAX_ATTACHMENTS`, no repeats).
    pub attachments: &'a [Uuid],
    pub members_version: i64,
    pub marked_at: Option<Instant>,
}

#[derive(QueryableByName)]
struct Advanced {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = BigInt)]
    last_seq: i64,
    #[diesel(sql_type = BigInt)]
    last_event_seq: i64,
}

/// The next seq and event seq of a chat within a batch.
#[derive(Debug, Clone, Copy)]
struct Next {
    seq: i64,
    event_seq: i64,
}

/// The answer for each item of a batch, filled in step by step.
type Outcomes = Vec<Option<Result<Persisted, SendRejected>>>;

/// A later item of a batch with the same `(sender_id, request_id)` as an earlier one.
struct Duplicate {
    item: usize,
    first: usize,
}

/// One transaction's work: results in the order of `items`.
pub fn write(conn: &mut PgConnection, items: &[Item<'_>]) -> QueryResult<Vec<ItemResult>> {
    let mut outcomes: Outcomes = vec![None; items.len()];
    let versions = lock_chats(conn, items)?;
    let duplicates = answer_stored_request_ids(conn, items, &mut outcomes)?;
    refuse_former_members(conn, items, &versions, &mut outcomes)?;
    refuse_foreign_replies(conn, items, &mut outcomes)?;
    let attached = check_attachments(conn, items, &mut outcomes)?;
    let fresh = fresh_items(&outcomes, &duplicates);
    // PostgreSQL keeps microseconds: so must the answer, or a resend would not match it
    let now = Utc::now().trunc_subsecs(6);
    let mut next_seq = advance_chats(conn, items, &fresh, now)?;
    let rows = new_messages(items, &fresh, &attached, &mut next_seq, now, &mut outcomes);
    store_new_messages(conn, &rows)?;
    answer_duplicates(&duplicates, &mut outcomes);
    refuse_to_commit_late(items)?;
    Ok(outcomes
        .into_iter()
        .zip(items)
        .map(|(r, item)| {
            let version = versions.get(&item.chat_id).map_or(0, |v| v.0);
            r.unwrap_or(Err(SendRejected::Unavailable))
                .map(|p| (p, version))
        })
        .collect())
}

/// Locks the batch's chats in id order (so writers of several processes never deadlock,
/// and no membership change interleaves) and answers their `members_version`.
fn lock_chats(
    conn: &mut PgConnection,
    items: &[Item<'_>],
) -> QueryResult<HashMap<Uuid, (i64, bool)>> {
    use super::schema::chats;
    let ids: BTreeSet<Uuid> = items.iter().map(|i| i.chat_id).collect();
    let ids: Vec<Uuid> = ids.into_iter().collect();
    Ok(chats::table
        .filter(chats::id.eq_any(&ids))
        .order(chats::id)
        .select((chats::id, chats::members_version, chats::blocked))
        .for_update()
        .load::<(Uuid, i64, bool)>(conn)?
        .into_iter()
        .map(|(id, version, blocked)| (id, (version, blocked)))
        .collect())
}

/// A send the room checked against members that have changed since (someone left, was
/// removed or muted meanwhile) is checked again against the locked chat's members.
fn refuse_former_members(
    conn: &mut PgConnection,
    items: &[Item<'_>],
    versions: &HashMap<Uuid, (i64, bool)>,
    outcomes: &mut Outcomes,
) -> QueryResult<()> {
    use super::schema::chat_members;
    let stale: Vec<usize> = (0..items.len())
        .filter(|&i| outcomes[i].is_none())
        .filter(|&i| versions.get(&items[i].chat_id).map(|v| v.0) != Some(items[i].members_version))
        .collect();
    // a blocked direct chat takes nothing, whatever the room knew
    for (i, item) in items.iter().enumerate() {
        if outcomes[i].is_none() && versions.get(&item.chat_id).is_some_and(|v| v.1) {
            outcomes[i] = Some(Err(SendRejected::Blocked));
        }
    }
    if stale.is_empty() {
        return Ok(());
    }
    let chats: Vec<Uuid> = stale.iter().map(|&i| items[i].chat_id).collect();
    let senders: Vec<Uuid> = stale.iter().map(|&i| items[i].sender_id).collect();
    let found: HashMap<(Uuid, Uuid), bool> = chat_members::table
        .filter(chat_members::chat_id.eq_any(&chats))
        .filter(chat_members::user_id.eq_any(&senders))
        .select((
            chat_members::chat_id,
            chat_members::user_id,
            chat_members::muted,
        ))
        .load::<(Uuid, Uuid, bool)>(conn)?
        .into_iter()
        .map(|(c, u, muted)| ((c, u), muted))
        .collect();
    for i in stale {
        match found.get(&(items[i].chat_id, items[i].sender_id)) {
            None => outcomes[i] = Some(Err(SendRejected::NotMember)),
            Some(true) => outcomes[i] = Some(Err(SendRejected::Muted)),
            Some(false) => {}
        }
    }
    Ok(())
}

/// Request ids stored before answer with the original message (or `RequestIdReused` when it
/// was another chat's); a request id twice in this batch is a duplicate of its first item.
/// Looked up by `(sender_id, request_id)`: the unique index answers it, however long the
/// history.
fn answer_stored_request_ids(
    conn: &mut PgConnection,
    items: &[Item<'_>],
    outcomes: &mut Outcomes,
) -> QueryResult<Vec<Duplicate>> {
    let senders: Vec<Uuid> = items.iter().map(|i| i.sender_id).collect();
    let request_ids: Vec<Uuid> = items.iter().map(|i| i.request_id).collect();
    let existing: Vec<MessageRow> = diesel::sql_query(
        "SELECT m.* FROM messages m \
         JOIN unnest($1, $2) AS v(sender_id, request_id) \
         ON m.sender_id = v.sender_id AND m.request_id = v.request_id",
    )
    .bind::<Array<SqlUuid>, _>(&senders)
    .bind::<Array<SqlUuid>, _>(&request_ids)
    .load(conn)?;
    let existing: HashMap<(Uuid, Uuid), MessageRow> = existing
        .into_iter()
        .map(|m| ((m.sender_id, m.request_id), m))
        .collect();
    let mut first_in_batch: HashMap<(Uuid, Uuid), usize> = HashMap::new();
    let mut duplicates = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = (item.sender_id, item.request_id);
        if let Some(m) = existing.get(&key) {
            outcomes[i] = Some(if m.chat_id == item.chat_id {
                Ok(Persisted::Existing(m.clone()))
            } else {
                Err(SendRejected::RequestIdReused)
            });
        } else if let Some(&first) = first_in_batch.get(&key) {
            duplicates.push(Duplicate { item: i, first });
        } else {
            first_in_batch.insert(key, i);
        }
    }
    Ok(duplicates)
}

/// The answer for a send whose insert broke the unique index of request ids (another
/// process stored the same resend meanwhile): the stored message when it is of the same chat,
/// `RequestIdReused` when of another; `None` when nothing is stored after all.
pub fn answer_stored(conn: &mut PgConnection, item: &Item<'_>) -> QueryResult<Option<ItemResult>> {
    use super::schema::chats;
    let stored: Option<MessageRow> =
        diesel::sql_query("SELECT * FROM messages WHERE sender_id = $1 AND request_id = $2")
            .bind::<SqlUuid, _>(item.sender_id)
            .bind::<SqlUuid, _>(item.request_id)
            .get_result(conn)
            .optional()?;
    let Some(stored) = stored else {
        return Ok(None);
    };
    if stored.chat_id != item.chat_id {
        return Ok(Some(Err(SendRejected::RequestIdReused)));
    }
    let version: i64 = chats::table
        .find(item.chat_id)
        .select(chats::members_version)
        .first(conn)?;
    Ok(Some(Ok((Persisted::Existing(stored), version))))
}

/// A reply must point at a message of the same chat.
fn refuse_foreign_replies(
    conn: &mut PgConnection,
    items: &[Item<'_>],
    outcomes: &mut Outcomes,
) -> QueryResult<()> {
    let reply_ids: Vec<Uuid> = items.iter().filter_map(|i| i.reply_to).collect();
    if reply_ids.is_empty() {
        return Ok(());
    }
    let found: HashMap<Uuid, Uuid> = messages::table
        .filter(messages::id.eq_any(&reply_ids))
        .select((messages::id, messages::chat_id))
        .load::<(Uuid, Uuid)>(conn)?
        .into_iter()
        .collect();
    for (i, item) in items.iter().enumerate() {
        if let Some(r) = item.reply_to
            && outcomes[i].is_none()
            && found.get(&r) != Some(&item.chat_id)
        {
            outcomes[i] = Some(Err(SendRejected::ReplyNotFound));
        }
    }
    Ok(())
}

/// Each item's files must be ready and the sender's to share (their upload, or carried by a
/// message of a chat they are in: a forward); answers the `[FileInfo]` JSON of each item
/// with files. The files are locked against erasure until the commit.
fn check_attachments(
    conn: &mut PgConnection,
    items: &[Item<'_>],
    outcomes: &mut Outcomes,
) -> QueryResult<HashMap<usize, String>> {
    let mut out = HashMap::new();
    let ids: Vec<Uuid> = items
        .iter()
        .enumerate()
        .filter(|(i, _)| outcomes[*i].is_none())
        .flat_map(|(_, item)| item.attachments.iter().copied())
        .collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let found: HashMap<Uuid, super::files::FileRow> = super::files::attachable(conn, &ids)?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    for (i, item) in items.iter().enumerate() {
        if item.attachments.is_empty() || outcomes[i].is_some() {
            continue;
        }
        let mut infos = Vec::with_capacity(item.attachments.len());
        let mut refused = None;
        for id in item.attachments {
            let Some(file) = found.get(id) else {
                refused = Some(SendRejected::FileNotFound);
                break;
            };
            if file.uploader_id != item.sender_id
                && super::files::readable(conn, *id, item.sender_id)?.is_none()
            {
                refused = Some(SendRejected::FileNotFound);
                break;
            }
            match file.state() {
                UploadState::Ready => {}
                UploadState::Blocked => refused = Some(SendRejected::FileBlocked),
                UploadState::Rejected => refused = Some(SendRejected::FileNotFound),
                _ => refused = Some(SendRejected::FileNotReady),
            }
            match file.info() {
                Some(info) if refused.is_none() => infos.push(info),
                _ => break,
            }
        }
        match refused {
            Some(r) => outcomes[i] = Some(Err(r)),
            None => {
                let json = serde_json::to_string(&infos).unwrap_or_else(|_| "[]".to_owned());
                out.insert(i, json);
            }
        }
    }
    Ok(out)
}

/// The items that become new messages: not answered yet and not duplicates.
fn fresh_items(outcomes: &Outcomes, duplicates: &[Duplicate]) -> Vec<usize> {
    let duplicate: HashSet<usize> = duplicates.iter().map(|d| d.item).collect();
    (0..outcomes.len())
        .filter(|&i| outcomes[i].is_none() && !duplicate.contains(&i))
        .collect()
}

/// Locks the chats in id order and advances their `last_seq` and `last_event_seq` by the
/// number of new messages; answers each chat's first new seq and event seq. A chat missing
/// from the answer is gone.
fn advance_chats(
    conn: &mut PgConnection,
    items: &[Item<'_>],
    fresh: &[usize],
    now: DateTime<Utc>,
) -> QueryResult<HashMap<Uuid, Next>> {
    // new messages per chat, in id order: the order the rows are locked in
    let mut per_chat: BTreeMap<Uuid, i64> = BTreeMap::new();
    for &i in fresh {
        *per_chat.entry(items[i].chat_id).or_insert(0) += 1;
    }
    let mut next_seq = HashMap::new();
    if per_chat.is_empty() {
        return Ok(next_seq);
    }
    let ids: Vec<Uuid> = per_chat.keys().copied().collect();
    let counts: Vec<i64> = per_chat.values().copied().collect();
    let advanced: Vec<Advanced> = diesel::sql_query(
        "WITH locked AS (SELECT id FROM chats WHERE id = ANY($1) ORDER BY id FOR UPDATE) \
         UPDATE chats c SET last_seq = c.last_seq + v.n, \
         last_event_seq = c.last_event_seq + v.n, updated_at = $3 \
         FROM unnest($1, $2) AS v(id, n), locked l \
         WHERE c.id = v.id AND l.id = v.id \
         RETURNING c.id, c.last_seq, c.last_event_seq",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Array<BigInt>, _>(&counts)
    .bind::<Timestamptz, _>(now)
    .load(conn)?;
    for a in advanced {
        let n = per_chat.get(&a.id).copied().unwrap_or(0);
        next_seq.insert(
            a.id,
            Next {
                seq: a.last_seq - n + 1,
                event_seq: a.last_event_seq - n + 1,
            },
        );
    }
    Ok(next_seq)
}

/// The new messages, with consecutive seqs and event seqs from `next_seq`.
fn new_messages(
    items: &[Item<'_>],
    fresh: &[usize],
    attached: &HashMap<usize, String>,
    next_seq: &mut HashMap<Uuid, Next>,
    now: DateTime<Utc>,
    outcomes: &mut Outcomes,
) -> Vec<MessageRow> {
    let mut rows = Vec::with_capacity(fresh.len());
    for &i in fresh {
        let item = &items[i];
        let Some(next) = next_seq.get_mut(&item.chat_id) else {
            // the chat is gone (deleted meanwhile)
            outcomes[i] = Some(Err(SendRejected::ReplyNotFound));
            continue;
        };
        let row = MessageRow {
            id: Uuid::new_v4(),
            chat_id: item.chat_id,
            seq: next.seq,
            sender_id: item.sender_id,
            text: item.text.to_owned(),
            reply_to: item.reply_to,
            request_id: item.request_id,
            created_at: now,
            edited_at: None,
            event_seq: Some(next.event_seq),
            deleted_at: None,
            forwarded_sender: item.forwarded.map(|f| f.0),
            forwarded_at: item.forwarded.map(|f| f.1),
            pinned_at: None,
            pinned_by: None,
            service: None,
            mentions: item.mentions.to_vec(),
            attachments: attached.get(&i).cloned(),
            file_ids: item.attachments.to_vec(),
        };
        next.seq += 1;
        next.event_seq += 1;
        outcomes[i] = Some(Ok(Persisted::New(row.clone())));
        rows.push(row);
    }
    rows
}

/// Stores the new messages, their `message_created` events, and moves each sender's read
/// cursor up to their own newest message (one's own message is read), in one statement: the
/// batch costs one round trip however many messages it holds, and arrays bind as a few
/// parameters rather than one per value.
fn store_new_messages(conn: &mut PgConnection, rows: &[MessageRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let col = |f: fn(&MessageRow) -> Uuid| rows.iter().map(f).collect::<Vec<Uuid>>();
    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    let event_seqs: Vec<i64> = rows.iter().map(|r| r.event_seq.unwrap_or(r.seq)).collect();
    let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
    let replies: Vec<Option<Uuid>> = rows.iter().map(|r| r.reply_to).collect();
    let forwarded_senders: Vec<Option<Uuid>> = rows.iter().map(|r| r.forwarded_sender).collect();
    let forwarded_at: Vec<Option<DateTime<Utc>>> = rows.iter().map(|r| r.forwarded_at).collect();
    // mentions travel as comma-joined text: arrays of arrays do not unnest row by row
    let mentions: Vec<String> = rows
        .iter()
        .map(|r| {
            r.mentions
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    let attachments: Vec<Option<&str>> = rows.iter().map(|r| r.attachments.as_deref()).collect();
    let file_ids: Vec<String> = rows
        .iter()
        .map(|r| {
            r.file_ids
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    let created_at = rows.first().map_or_else(Utc::now, |r| r.created_at);
    diesel::sql_query(
        "WITH m AS ( \
           INSERT INTO messages (id, chat_id, seq, sender_id, text, reply_to, request_id, \
             created_at, event_seq, forwarded_sender, forwarded_at, mentions, attachments, \
             file_ids) \
           SELECT v.id, v.chat_id, v.seq, v.sender_id, v.text, v.reply_to, v.request_id, $8, \
             v.event_seq, v.fs, v.fa, string_to_array(v.mentions, ',')::uuid[], v.att, \
             string_to_array(v.files, ',')::uuid[] \
           FROM unnest($1, $2, $3, $4, $5, $6, $7, $9, $10, $11, $13, $14, $15) \
             AS v(id, chat_id, seq, sender_id, text, reply_to, request_id, event_seq, fs, fa, \
               mentions, att, files) \
           RETURNING id, chat_id, seq, sender_id, event_seq), \
         e AS ( \
           INSERT INTO chat_events (chat_id, event_seq, kind, actor_id, message_id, created_at) \
           SELECT chat_id, event_seq, $12, sender_id, id, $8 FROM m) \
         UPDATE chat_members cm SET read_seq = GREATEST(cm.read_seq, o.seq) \
         FROM (SELECT chat_id, sender_id, max(seq) AS seq FROM m GROUP BY chat_id, sender_id) o \
         WHERE cm.chat_id = o.chat_id AND cm.user_id = o.sender_id",
    )
    .bind::<Array<SqlUuid>, _>(col(|r| r.id))
    .bind::<Array<SqlUuid>, _>(col(|r| r.chat_id))
    .bind::<Array<BigInt>, _>(&seqs)
    .bind::<Array<SqlUuid>, _>(col(|r| r.sender_id))
    .bind::<Array<Text>, _>(&texts)
    .bind::<Array<Nullable<SqlUuid>>, _>(&replies)
    .bind::<Array<SqlUuid>, _>(col(|r| r.request_id))
    .bind::<Timestamptz, _>(created_at)
    .bind::<Array<BigInt>, _>(&event_seqs)
    .bind::<Array<Nullable<SqlUuid>>, _>(&forwarded_senders)
    .bind::<Array<Nullable<Timestamptz>>, _>(&forwarded_at)
    .bind::<Text, _>(EventKind::MessageCreated.as_str())
    .bind::<Array<Text>, _>(&mentions)
    .bind::<Array<Nullable<Text>>, _>(&attachments)
    .bind::<Array<Text>, _>(&file_ids)
    .execute(conn)?;
    Ok(())
}

/// A send marked in flight longer ago than [`COMMIT_DEADLINE`] must not commit: a reader may
/// already have taken its mark for a crashed writer's.
fn refuse_to_commit_late(items: &[Item<'_>]) -> QueryResult<()> {
    if items.iter().any(|i| {
        i.marked_at
            .is_some_and(|at| at.elapsed() >= COMMIT_DEADLINE)
    }) {
        metrics::counter!("natter_writer_refused_total", "why" => "deadline").increment(1);
        return Err(diesel::result::Error::RollbackTransaction);
    }
    Ok(())
}

/// A duplicate within the batch answers as its first item did.
fn answer_duplicates(duplicates: &[Duplicate], outcomes: &mut Outcomes) {
    for d in duplicates {
        outcomes[d.item] = Some(match &outcomes[d.first] {
            Some(Ok(p)) => Ok(Persisted::Existing(p.message().clone())),
            Some(Err(e)) => Err(*e),
            None => Err(SendRejected::Unavailable),
        });
    }
}
