//! Changes of existing messages: edit, delete (for everyone or for oneself), reactions and
//! pins. Each runs in one transaction that locks the chat row (as sends do), checks the
//! rules, applies the change and appends its event, so the log and the state cannot disagree.
//! A change that changes nothing (a retried edit, a reaction already given, a message already
//! deleted) appends no event and answers the message as it is.

use std::time::Instant;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use diesel::prelude::*;
use natter_shared::api::{ChatKind, EventKind, GroupAction, GroupRules, Message, Refusal, may};
use uuid::Uuid;

use super::batch::COMMIT_DEADLINE;
use super::events::{self, EventRow};
use super::members::{self, MemberRow};
use super::messages::{self, MessageRow};
use super::schema::{hidden_messages, message_edits, message_reactions};

/// One change, validated (the text and emoji are already parsed).
#[derive(Debug, Clone)]
pub enum Change {
    Edit {
        message_id: Uuid,
        text: String,
        request_id: Uuid,
    },
    Delete {
        message_id: Uuid,
        for_everyone: bool,
    },
    React {
        message_id: Uuid,
        emoji: String,
        remove: bool,
    },
    Pin {
        message_id: Uuid,
        unpin: bool,
    },
}

impl Change {
    pub fn message_id(&self) -> Uuid {
        match self {
            Change::Edit { message_id, .. }
            | Change::Delete { message_id, .. }
            | Change::React { message_id, .. }
            | Change::Pin { message_id, .. } => *message_id,
        }
    }
}

/// Why a change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChangeRejected {
    #[error("no such message in this chat")]
    NotFound,
    #[error(
        "only the sender can edit a message; only the sender or a group admin can delete it for everyone"
    )]
    NotYours,
    #[error("this message can no longer be edited")]
    WindowExpired,
    #[error("this message was deleted")]
    Deleted,
    #[error("this message already has the most different reactions it can have")]
    TooManyReactions,
    #[error("the server is overloaded; try again")]
    Late,
    #[error("no such chat")]
    NotMember,
    #[error("you are muted in this group")]
    Muted,
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("service messages cannot be changed")]
    Service,
    #[error("one of you blocks the other")]
    Blocked,
}

/// The rules from settings.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub edit_window: Duration,
}

/// A change made: the message as the actor sees it now and as everyone sees it, and the
/// event (none when nothing changed or for a delete for oneself).
#[derive(Debug, Clone)]
pub struct Applied {
    pub message: Message,
    pub public: Message,
    pub event: Option<EventRow>,
    /// The chat's `members_version` at the commit.
    pub members_version: i64,
    /// Files now marked for erasure (to remove from storage once committed).
    pub erased: Vec<Uuid>,
}

/// Applies `change` by `actor` (a member: the room checked) to a message of `chat_id`.
pub fn apply(
    conn: &mut PgConnection,
    chat_id: Uuid,
    actor: Uuid,
    change: &Change,
    rules: Rules,
    marked_at: Option<Instant>,
) -> QueryResult<Result<Applied, ChangeRejected>> {
    conn.transaction(|conn| {
        let Some(chat) = members::lock_chat(conn, chat_id)? else {
            return Ok(Err(ChangeRejected::NotMember));
        };
        let Some(me) = members::member(conn, chat_id, actor)? else {
            return Ok(Err(ChangeRejected::NotMember));
        };
        let Some(row) = messages::find(conn, chat_id, change.message_id())? else {
            return Ok(Err(ChangeRejected::NotFound));
        };
        let for_me_only = matches!(
            change,
            Change::Delete {
                for_everyone: false,
                ..
            }
        );
        if chat.blocked && !for_me_only {
            return Ok(Err(ChangeRejected::Blocked));
        }
        if let Err(r) = allowed(chat.kind, &me, &row, change, members::rules_of(&chat)) {
            return Ok(Err(r));
        }
        let kind = chat.kind;
        // PostgreSQL keeps microseconds: so must the answer
        let now = Utc::now().trunc_subsecs(6);
        let outcome = match change {
            Change::Edit {
                text, request_id, ..
            } => edit(conn, &row, actor, text, *request_id, rules, now)?,
            Change::Delete {
                for_everyone: true, ..
            } => delete_for_everyone(conn, &row, actor, kind, now)?,
            Change::Delete {
                for_everyone: false,
                ..
            } => {
                diesel::insert_into(hidden_messages::table)
                    .values((
                        hidden_messages::user_id.eq(actor),
                        hidden_messages::message_id.eq(row.id),
                        hidden_messages::chat_id.eq(chat_id),
                    ))
                    .on_conflict_do_nothing()
                    .execute(conn)?;
                Ok(None)
            }
            Change::React { emoji, remove, .. } => react(conn, &row, actor, emoji, *remove, now)?,
            Change::Pin { unpin, .. } => pin(conn, &row, actor, *unpin, now)?,
        };
        let event = match outcome {
            Ok(e) => e,
            Err(rejected) => return Ok(Err(rejected)),
        };
        if marked_at.is_some_and(|at| at.elapsed() >= COMMIT_DEADLINE) {
            return Err(diesel::result::Error::RollbackTransaction);
        }
        // a message deleted for everyone takes its files along, unless another message (a
        // forward) still carries them
        let erased = match change {
            Change::Delete {
                for_everyone: true, ..
            } if event.is_some() => super::files::erase_unreferenced(conn, &row.file_ids)?,
            _ => Vec::new(),
        };
        let current = messages::find(conn, chat_id, row.id)?.unwrap_or(row);
        let mut public = current.to_api();
        public.reactions = messages::reactions_of(conn, &[current.id])?
            .remove(&current.id)
            .unwrap_or_default();
        let mut message = public.clone();
        if messages::is_hidden(conn, actor, current.id)? {
            messages::hide(&mut message);
        }
        Ok(Ok(Applied {
            message,
            public,
            event,
            members_version: chat.members_version,
            erased,
        }))
    })
}

type Outcome = Result<Option<EventRow>, ChangeRejected>;

/// What the actor's role and muting allow, before the change's own rules (the sender's
/// window for edits, the reaction limit …). Direct chats have no roles: both may pin.
fn allowed(
    kind: ChatKind,
    me: &MemberRow,
    row: &MessageRow,
    change: &Change,
    rules: GroupRules,
) -> Result<(), ChangeRejected> {
    if row.service.is_some()
        && !matches!(
            change,
            Change::Delete {
                for_everyone: false,
                ..
            }
        )
    {
        return Err(ChangeRejected::Service);
    }
    let muting = matches!(
        change,
        Change::Edit { .. } | Change::React { .. } | Change::Pin { .. }
    );
    if me.muted && muting {
        return Err(ChangeRejected::Muted);
    }
    if kind != ChatKind::Group {
        return Ok(());
    }
    match change {
        Change::Pin { .. } => may(me.role, me.muted, GroupAction::Pin, None, rules)?,
        Change::Delete {
            for_everyone: true, ..
        } if row.sender_id != me.user_id => {
            may(me.role, me.muted, GroupAction::DeleteOthers, None, rules)?;
        }
        _ => {}
    }
    Ok(())
}

fn edit(
    conn: &mut PgConnection,
    row: &MessageRow,
    actor: Uuid,
    text: &str,
    request_id: Uuid,
    rules: Rules,
    now: DateTime<Utc>,
) -> QueryResult<Outcome> {
    use super::schema::messages;
    if row.sender_id != actor {
        return Ok(Err(ChangeRejected::NotYours));
    }
    if row.deleted_at.is_some() {
        return Ok(Err(ChangeRejected::Deleted));
    }
    let seen = diesel::insert_into(message_edits::table)
        .values((
            message_edits::message_id.eq(row.id),
            message_edits::request_id.eq(request_id),
            message_edits::edited_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?
        == 0;
    if seen || row.text == text {
        return Ok(Ok(None));
    }
    if now - row.created_at > rules.edit_window {
        return Ok(Err(ChangeRejected::WindowExpired));
    }
    diesel::update(messages::table.find(row.id))
        .set((messages::text.eq(text), messages::edited_at.eq(now)))
        .execute(conn)?;
    let e = events::append(
        conn,
        row.chat_id,
        EventKind::MessageEdited,
        actor,
        Some(row.id),
        None,
        now,
    )?;
    Ok(Ok(Some(e)))
}

fn delete_for_everyone(
    conn: &mut PgConnection,
    row: &MessageRow,
    actor: Uuid,
    kind: ChatKind,
    now: DateTime<Utc>,
) -> QueryResult<Outcome> {
    use super::schema::messages;
    if row.deleted_at.is_some() {
        return Ok(Ok(None));
    }
    // in a group, `allowed` checked the role of one deleting someone else's message
    if row.sender_id != actor && kind != ChatKind::Group {
        return Ok(Err(ChangeRejected::NotYours));
    }
    // erased, not hidden: only the seq (and who sent it, when) stays
    diesel::update(messages::table.find(row.id))
        .set((
            messages::text.eq(""),
            messages::deleted_at.eq(Some(now)),
            messages::edited_at.eq(None::<DateTime<Utc>>),
            messages::reply_to.eq(None::<Uuid>),
            messages::forwarded_sender.eq(None::<Uuid>),
            messages::forwarded_at.eq(None::<DateTime<Utc>>),
            messages::pinned_at.eq(None::<DateTime<Utc>>),
            messages::pinned_by.eq(None::<Uuid>),
            messages::attachments.eq(None::<String>),
            messages::file_ids.eq(Vec::<Uuid>::new()),
        ))
        .execute(conn)?;
    diesel::delete(message_reactions::table.filter(message_reactions::message_id.eq(row.id)))
        .execute(conn)?;
    diesel::delete(message_edits::table.filter(message_edits::message_id.eq(row.id)))
        .execute(conn)?;
    let e = events::append(
        conn,
        row.chat_id,
        EventKind::MessageDeleted,
        actor,
        Some(row.id),
        None,
        now,
    )?;
    Ok(Ok(Some(e)))
}

fn react(
    conn: &mut PgConnection,
    row: &MessageRow,
    actor: Uuid,
    emoji: &str,
    remove: bool,
    now: DateTime<Utc>,
) -> QueryResult<Outcome> {
    if row.deleted_at.is_some() {
        return Ok(Err(ChangeRejected::Deleted));
    }
    let mine = message_reactions::table
        .filter(message_reactions::message_id.eq(row.id))
        .filter(message_reactions::emoji.eq(emoji))
        .filter(message_reactions::user_id.eq(actor));
    let kind = if remove {
        if diesel::delete(mine).execute(conn)? == 0 {
            return Ok(Ok(None));
        }
        EventKind::ReactionRemoved
    } else {
        let distinct: Vec<String> = message_reactions::table
            .filter(message_reactions::message_id.eq(row.id))
            .select(message_reactions::emoji)
            .distinct()
            .load(conn)?;
        if distinct.len() >= Message::REACTIONS_MAX && !distinct.iter().any(|e| e == emoji) {
            return Ok(Err(ChangeRejected::TooManyReactions));
        }
        let added = diesel::insert_into(message_reactions::table)
            .values((
                message_reactions::message_id.eq(row.id),
                message_reactions::emoji.eq(emoji),
                message_reactions::user_id.eq(actor),
                message_reactions::created_at.eq(now),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        if added == 0 {
            return Ok(Ok(None));
        }
        EventKind::ReactionAdded
    };
    let e = events::append(
        conn,
        row.chat_id,
        kind,
        actor,
        Some(row.id),
        Some(emoji),
        now,
    )?;
    Ok(Ok(Some(e)))
}

fn pin(
    conn: &mut PgConnection,
    row: &MessageRow,
    actor: Uuid,
    unpin: bool,
    now: DateTime<Utc>,
) -> QueryResult<Outcome> {
    use super::schema::messages;
    if row.deleted_at.is_some() {
        return Ok(Err(ChangeRejected::Deleted));
    }
    if row.pinned_at.is_some() != unpin {
        return Ok(Ok(None));
    }
    let (at, by, kind) = if unpin {
        (None, None, EventKind::MessageUnpinned)
    } else {
        (Some(now), Some(actor), EventKind::MessagePinned)
    };
    diesel::update(messages::table.find(row.id))
        .set((messages::pinned_at.eq(at), messages::pinned_by.eq(by)))
        .execute(conn)?;
    let e = events::append(conn, row.chat_id, kind, actor, Some(row.id), None, now)?;
    Ok(Ok(Some(e)))
}
