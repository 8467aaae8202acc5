//! What a member asks to change, from a WebSocket frame or a REST request alike: the input is
//! validated and rate limited here once, then handed to the chat's room. Forwarding copies
//! messages from one chat into another as ordinary sends.

use actix_web::web;
use natter_shared::api::{ForwardRequest, Message};
use natter_shared::{ChatId, Emoji, ErrorCode, Field, MessageId, MessageText, RequestId, UserId};

use super::commands::{ApplyChange, PostMessage};
use super::events::ConnId;
use super::room::room_for;
use crate::db::{self, changes::Applied, changes::Change};
use crate::error::ApiError;
use crate::limits;
use crate::state::AppState;

/// A change as asked for, before validation.
pub enum Asked {
    Edit { text: String, request_id: RequestId },
    Delete { for_everyone: bool },
    React { emoji: String, remove: bool },
    Pin { unpin: bool },
}

/// Validates and applies a change of `message` in `chat` by `actor`.
pub async fn change(
    state: &web::Data<AppState>,
    actor: UserId,
    conn: Option<ConnId>,
    chat: ChatId,
    message: MessageId,
    asked: Asked,
) -> Result<Applied, ApiError> {
    let message_id = message.0;
    let change = match asked {
        Asked::Edit { text, request_id } => Change::Edit {
            message_id,
            text: MessageText::parse(&text)?.into_inner(),
            request_id: request_id.0,
        },
        Asked::Delete { for_everyone } => Change::Delete {
            message_id,
            for_everyone,
        },
        Asked::React { emoji, remove } => Change::React {
            message_id,
            emoji: Emoji::parse(&emoji)?.into_inner(),
            remove,
        },
        Asked::Pin { unpin } => Change::Pin { message_id, unpin },
    };
    limits::check_messages(state, actor).await?;
    room_for(state, chat)
        .change
        .send(ApplyChange {
            actor,
            conn,
            change,
        })
        .await?
}

/// Forwards messages of `from` (a chat the actor belongs to) into `to`, in the order asked;
/// each copy is a send with an idempotency key derived from `request_id`, so a retry answers
/// the same copies. Answers each copy with its `message_created` event seq.
pub async fn forward(
    state: &web::Data<AppState>,
    actor: UserId,
    conn: Option<ConnId>,
    to: ChatId,
    body: ForwardRequest,
) -> Result<Vec<(Message, i64)>, ApiError> {
    let ids: Vec<uuid::Uuid> = body.message_ids.iter().map(|m| m.0).collect();
    if ids.is_empty() || ids.len() > ForwardRequest::MAX {
        return Err(ApiError::invalid_field(
            Field::MessageIds,
            format!("message_ids: 1 to {} messages", ForwardRequest::MAX),
        ));
    }
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    if distinct.len() != ids.len() {
        return Err(ApiError::invalid_field(
            Field::MessageIds,
            "message_ids: each message once",
        ));
    }
    limits::check_messages(state, actor).await?;
    let from = body.from_chat_id;
    let originals = db::run(&state.db, move |conn| {
        db::chats::membership(conn, from.0, actor.0)?.ok_or_else(|| ApiError::not_found("chat"))?;
        let rows = db::messages::find_many(conn, from.0, &ids)?;
        if rows.len() != ids.len() {
            return Err(ApiError::not_found("message"));
        }
        Ok(db::messages::to_api_for(conn, &rows, actor.0)?)
    })
    .await?;
    if originals.iter().any(Message::is_gone) {
        return Err(ApiError::conflict(
            ErrorCode::MessageDeleted,
            "a deleted message cannot be forwarded",
        ));
    }
    let room = room_for(state, to).post.clone();
    let mut copies = Vec::with_capacity(originals.len());
    for (i, original) in originals.into_iter().enumerate() {
        // a forward of a forward names the first author
        let source = original
            .forwarded_from
            .map_or((original.sender_id, original.created_at), |f| {
                (f.sender_id, f.created_at)
            });
        let files: Vec<natter_shared::FileId> = original.attachments.iter().map(|f| f.id).collect();
        let persisted = room
            .send(PostMessage {
                sender: actor,
                conn,
                request_id: ForwardRequest::copy_request_id(body.request_id, i),
                text: natter_shared::validation::message_body(&original.text, &files)?,
                reply_to: None,
                forwarded: Some(source),
                attachments: files,
                received: std::time::Instant::now(),
                pass: None,
            })
            .await??;
        let row = persisted.message();
        copies.push((row.to_api(), row.event_seq.unwrap_or(row.seq)));
    }
    Ok(copies)
}
