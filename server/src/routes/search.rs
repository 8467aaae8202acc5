//! `/search/messages`: messages across the caller's chats, newest first.

use std::collections::HashMap;

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use natter_shared::api::{
    ChatKind, MessageSearchQuery, SearchChat, SearchHit, SearchPage, SearchSender, in_calendar,
    parse_search_bound,
};
use natter_shared::{ChatId, ErrorBody, ErrorCode, UserId};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::chat_list::{self, partner_of};
use crate::db::{self, search::MessageSearch};
use crate::error::ApiError;
use crate::presence;
use crate::search::query::ParsedQuery;
use crate::search::snippet::snippet;
use crate::state::AppState;

/// Finds messages in the caller's chats (never another's; never a message deleted for
/// everyone or by the caller for themselves). Words match as word forms (English and
/// Russian), as prefixes and anywhere inside words, links and host names; `"…"` is a
/// phrase; `-word` leaves out what `word` would find. Case and `ё`/`е` do not matter.
#[utoipa::path(tag = "search", security(("bearer" = [])), params(MessageSearchQuery),
    responses(
        (status = 200, description = "hits, newest first", body = SearchPage),
        (status = 400, description = "no word to find, q too long, bad filter, limit or cursor", body = ErrorBody),
        (status = 404, description = "chat_id is not a chat of the caller's", body = ErrorBody),
    ))]
#[get("/search/messages")]
pub async fn search_messages(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<MessageSearchQuery>,
) -> Result<web::Json<SearchPage>, ApiError> {
    let q = query.into_inner();
    let parsed = ParsedQuery::parse(&q.q).map_err(|e| invalid(e.to_string()))?;
    let limit = q.limit.unwrap_or(MessageSearchQuery::DEFAULT_LIMIT);
    if !(1..=MessageSearchQuery::MAX_LIMIT).contains(&limit) {
        return Err(invalid(format!(
            "limit: must be from 1 to {}",
            MessageSearchQuery::MAX_LIMIT
        )));
    }
    let from = bound(q.from.as_deref(), "from", false)?;
    let to = bound(q.to.as_deref(), "to", true)?;
    let before = q.cursor.as_deref().map(parse_cursor).transpose()?;
    let viewer = auth.user_id.0;
    let wanted_chat = q.chat_id.map(|c| c.0);
    let mut search = MessageSearch {
        viewer,
        chats: Vec::new(),
        query: parsed.clone(),
        sender: q.sender_id.map(|s| s.0),
        from,
        to,
        has: q.has,
        before,
        limit: i64::from(limit),
    };
    let (messages, more, chats, partners, senders) = db::run(&state.db, move |conn| {
        search.chats = match wanted_chat {
            Some(chat) => {
                db::chats::membership(conn, chat, viewer)?
                    .ok_or_else(|| ApiError::not_found("chat"))?;
                vec![chat]
            }
            None => db::chats::ids_of_member(conn, viewer)?,
        };
        let (rows, more) = db::search::messages(conn, &search)?;
        let mut chat_ids: Vec<Uuid> = rows.iter().map(|r| r.chat_id).collect();
        chat_ids.sort_unstable();
        chat_ids.dedup();
        let chats = db::chats::find_many(conn, &chat_ids)?;
        let direct: Vec<Uuid> = chats
            .iter()
            .filter(|c| c.kind == ChatKind::Direct)
            .map(|c| c.id)
            .collect();
        let partners = db::chats::partners(conn, &direct, viewer)?;
        let mut sender_ids: Vec<Uuid> = rows.iter().map(|r| r.sender_id).collect();
        sender_ids.sort_unstable();
        sender_ids.dedup();
        let senders: HashMap<Uuid, SearchSender> = db::users::find_many(conn, &sender_ids)?
            .into_iter()
            .map(|u| {
                let u = u.to_api();
                let sender = SearchSender {
                    id: u.id,
                    username: u.username,
                    display_name: u.display_name,
                };
                (u.id.0, sender)
            })
            .collect();
        let messages = db::messages::to_api_for(conn, &rows, viewer)?;
        Ok((messages, more, chats, partners, senders))
    })
    .await?;
    let partner_ids: Vec<UserId> = partners.iter().map(|(_, u)| UserId(u.id)).collect();
    let online = presence::online(&state, &partner_ids).await;
    let partners: HashMap<Uuid, _> = partners
        .into_iter()
        .map(|(chat, u)| {
            let u = u.to_api_own();
            let on = online.get(&u.id).copied().unwrap_or(false);
            (chat, partner_of(&u, on))
        })
        .collect();
    let chats: HashMap<Uuid, SearchChat> = chats
        .into_iter()
        .map(|c| {
            let partner = partners.get(&c.id).cloned().map(|mut p| {
                let from = c.request_from.map(UserId);
                chat_list::partner_shown_to(&mut p, from, c.blocked, auth.user_id);
                p
            });
            let chat = SearchChat {
                id: ChatId(c.id),
                kind: c.kind,
                title: c.title,
                partner,
            };
            (c.id, chat)
        })
        .collect();
    let next_cursor = match messages.last() {
        Some(last) if more => Some(cursor_of(last.created_at, last.id.0)),
        _ => None,
    };
    let hits = messages
        .into_iter()
        .filter_map(|message| {
            let chat = chats.get(&message.chat_id.0)?.clone();
            Some(SearchHit {
                chat,
                sender: senders.get(&message.sender_id.0).cloned(),
                snippet: snippet(&message.text, &parsed),
                message,
            })
        })
        .collect();
    Ok(web::Json(SearchPage { hits, next_cursor }))
}

fn invalid(message: String) -> ApiError {
    ApiError::bad_request(ErrorCode::InvalidQuery, message)
}

fn bound(
    value: Option<&str>,
    name: &str,
    end_of_day: bool,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    value
        .map(|v| {
            parse_search_bound(v, end_of_day).ok_or_else(|| {
                invalid(format!(
                    "{name}: expected a date (YYYY-MM-DD) or an RFC 3339 time"
                ))
            })
        })
        .transpose()
}

/// A cursor is the last hit's time (µs) and id: the next page is what sorts after it.
fn cursor_of(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}_{}", at.timestamp_micros(), id.simple())
}

fn parse_cursor(s: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bad = || invalid("cursor: not one this server gave".to_owned());
    let (at, id) = s.split_once('_').ok_or_else(bad)?;
    let at = at
        .parse::<i64>()
        .ok()
        .and_then(DateTime::<Utc>::from_timestamp_micros)
        .filter(|t| in_calendar(*t))
        .ok_or_else(bad)?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_it_was_written() {
        let at = DateTime::<Utc>::from_timestamp_micros(1_765_000_000_123_456).unwrap();
        let id = Uuid::from_u128(42);
        let (a, i) = parse_cursor(&cursor_of(at, id)).unwrap();
        assert_eq!((a, i), (at, id));
        let far = format!("{}_{}", -8_000_000_000_000_000_000i64, Uuid::nil().simple());
        for bad in [
            "",
            "x_y",
            "123",
            "123_notauuid",
            "99999999999999999999_0",
            &far,
        ] {
            assert!(parse_cursor(bad).is_err(), "{bad}");
        }
    }
}
