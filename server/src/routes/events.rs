//! `GET /chats/{id}/events`: the chat's event log, for catching up.

use actix_web::http::StatusCode;
use actix_web::{get, web};
use natter_shared::api::{EventPage, EventsQuery};
use natter_shared::{ErrorBody, ErrorCode, Field};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::{self, events::Page};
use crate::error::ApiError;
use crate::state::AppState;

/// The events after `after`, in order, with their messages as the caller sees them now.
/// Further behind than the retained log (`NATTER_EVENTS_RETAINED` per chat): 410
/// `events_expired`; reload the history instead.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), EventsQuery),
    responses(
        (status = 200, body = EventPage),
        (status = 400, description = "bad after/limit", body = ErrorBody),
        (status = 404, description = "no such chat, or not a member", body = ErrorBody),
        (status = 410, description = "events_expired: reload the history", body = ErrorBody),
    ))]
#[get("/chats/{id}/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<EventsQuery>,
) -> Result<web::Json<EventPage>, ApiError> {
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(EventsQuery::DEFAULT_LIMIT);
    if !(1..=EventsQuery::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!("limit: must be from 1 to {}", EventsQuery::MAX_LIMIT),
        ));
    }
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid_field(
            Field::After,
            "after: must not be negative",
        ));
    }
    let (chat, user) = (path.into_inner(), auth.user_id.0);
    let retained = state.settings.events_retained;
    let page = db::run(&state.db, move |conn| {
        // a former member reads the log up to their departure, nothing newer
        let cap = match db::chats::membership(conn, chat, user)? {
            Some(_) => None,
            None => match db::members::departure(conn, chat, user)? {
                Some(d) if after < d.last_event_seq => Some(d.last_event_seq),
                _ => return Err(ApiError::not_found("chat")),
            },
        };
        let page = db::events::after(conn, chat, after, i64::from(limit), retained, user)?;
        Ok(match (page, cap) {
            (Page::Events(mut events, has_more, last), Some(cap)) => {
                events.retain(|e| e.event_seq <= cap);
                let more = has_more && events.last().is_some_and(|e| e.event_seq < cap);
                Page::Events(events, more, last.min(cap))
            }
            (page, _) => page,
        })
    })
    .await?;
    match page {
        Page::Events(events, has_more, last_event_seq) => Ok(web::Json(EventPage {
            events,
            has_more,
            last_event_seq,
        })),
        Page::Expired { last_event_seq } => Err(ApiError::client(
            StatusCode::GONE,
            ErrorCode::EventsExpired,
            format!(
                "events after {after} are no longer kept (the chat is at {last_event_seq}); reload the history"
            ),
        )),
    }
}
