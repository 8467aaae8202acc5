//! The chat list and single summaries straight from PostgreSQL.

use std::collections::HashMap;

use natter_shared::api::{ChatKind, ChatList, ChatPartner, ChatSummary, Message, User};
use natter_shared::{ChatId, UserId};

use super::keys::partner_of;
use crate::db::{self, chats::ChatRow};
use crate::error::ApiError;
use crate::presence;
use crate::state::AppState;

/// The list straight from PostgreSQL.
pub(super) async fn from_db(
    state: &AppState,
    user: UserId,
    limit: i64,
    offset: i64,
    unread_only: bool,
) -> Result<ChatList, ApiError> {
    let (chats, total, partners, counts, lasts, mentions) = db::run(&state.db, move |conn| {
        let (chats, total) = db::chats::list_for_user(conn, user.0, limit, offset, unread_only)?;
        let direct: Vec<uuid::Uuid> = chats
            .iter()
            .filter(|c| c.0.kind == ChatKind::Direct)
            .map(|c| c.0.id)
            .collect();
        let all: Vec<uuid::Uuid> = chats.iter().map(|c| c.0.id).collect();
        let partners = db::chats::partners(conn, &direct, user.0)?;
        let counts = db::chats::member_counts(conn, &all)?;
        let lasts = db::messages::last_messages(conn, chats.iter().map(|c| &c.0))?;
        let mentions = db::messages::mention_seqs(conn, user.0, &all)?;
        Ok((chats, total, partners, counts, lasts, mentions))
    })
    .await?;
    let partner_ids: Vec<UserId> = partners.iter().map(|p| UserId(p.1.id)).collect();
    let online = presence::online(state, &partner_ids).await;
    let partners: HashMap<uuid::Uuid, User> = partners
        .into_iter()
        .map(|(c, u)| (c, u.to_api_own()))
        .collect();
    let counts: HashMap<uuid::Uuid, i64> = counts.into_iter().collect();
    let mentions: HashMap<uuid::Uuid, i64> = mentions.into_iter().collect();
    let lasts: HashMap<uuid::Uuid, Message> =
        lasts.into_iter().map(|m| (m.chat_id, m.to_api())).collect();
    let n = chats.len() as i64;
    let chats: Vec<ChatSummary> = chats
        .into_iter()
        .map(|(chat, read_seq)| {
            let partner = partners
                .get(&chat.id)
                .map(|u| partner_of(u, online.get(&u.id).copied().unwrap_or(false)));
            summary(
                &chat,
                read_seq,
                counts.get(&chat.id).copied().unwrap_or(0),
                partner,
                lasts.get(&chat.id).cloned(),
                mentions.get(&chat.id).copied().unwrap_or(0),
            )
        })
        .collect();
    Ok(ChatList {
        chats: chats.into_iter().map(|c| shown_to(c, user)).collect(),
        total,
        has_more: offset + n < total,
    })
}

/// One chat as `read_seq`'s owner sees it.
pub fn summary(
    chat: &ChatRow,
    read_seq: i64,
    member_count: i64,
    partner: Option<ChatPartner>,
    last_message: Option<Message>,
    mention_seq: i64,
) -> ChatSummary {
    ChatSummary {
        id: ChatId(chat.id),
        kind: chat.kind,
        title: chat.title.clone(),
        partner,
        last_message,
        last_seq: chat.last_seq,
        last_event_seq: chat.last_event_seq,
        read_seq,
        unread_count: (chat.last_seq - read_seq).max(0),
        unread_mention: mention_seq > read_seq,
        member_count,
        request_from: chat.request_from.map(UserId),
        blocked: chat.blocked,
        photo: chat.photo_id.map(natter_shared::FileId),
        created_at: chat.created_at,
        updated_at: chat.updated_at,
    }
}

/// A summary as `viewer` may see it: while a message request from `viewer` is pending, or
/// when one blocks the other, the partner's presence is hidden.
pub fn shown_to(mut summary: ChatSummary, viewer: UserId) -> ChatSummary {
    if let Some(p) = &mut summary.partner {
        partner_shown_to(p, summary.request_from, summary.blocked, viewer);
    }
    summary
}

/// The partner of a direct chat as `viewer` may see them: no presence while a message
/// request from `viewer` is pending, nor when one blocks the other.
pub fn partner_shown_to(
    partner: &mut ChatPartner,
    request_from: Option<UserId>,
    blocked: bool,
    viewer: UserId,
) {
    if request_from == Some(viewer) || blocked {
        partner.online = false;
        partner.last_seen_at = None;
    }
}

/// The summary of one chat for `user`, from PostgreSQL (`GET /chats/{id}`, `chat_updated`).
pub async fn summary_for(
    state: &AppState,
    chat: ChatId,
    user: UserId,
) -> Result<Option<ChatSummary>, ApiError> {
    let found = db::run(&state.db, move |conn| {
        let Some((row, read_seq)) = db::chats::membership(conn, chat.0, user.0)? else {
            return Ok(None);
        };
        let partner = if row.kind == ChatKind::Direct {
            db::chats::partners(conn, &[row.id], user.0)?
                .pop()
                .map(|p| p.1)
        } else {
            None
        };
        let count = db::chats::member_counts(conn, &[row.id])?
            .pop()
            .map_or(0, |c| c.1);
        let last = db::messages::last_messages(conn, [&row])?.pop();
        let mention = db::messages::mention_seqs(conn, user.0, &[row.id])?
            .pop()
            .map_or(0, |m| m.1);
        Ok(Some((row, read_seq, partner, count, last, mention)))
    })
    .await?;
    let Some((row, read_seq, partner, count, last, mention)) = found else {
        return Ok(None);
    };
    let partner = match partner {
        Some(p) => {
            let online = presence::online(state, &[UserId(p.id)]).await;
            let u = p.to_api_own();
            Some(partner_of(&u, online.get(&u.id).copied().unwrap_or(false)))
        }
        None => None,
    };
    Ok(Some(shown_to(
        summary(
            &row,
            read_seq,
            count,
            partner,
            last.map(|m| m.to_api()),
            mention,
        ),
        user,
    )))
}
