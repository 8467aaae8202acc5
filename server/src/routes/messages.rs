//! `/chats/{id}/messages` (history, send) and `/chats/{id}/read`.

use actix_web::{HttpResponse, get, post, web};
use natter_shared::api::{HistoryQuery, MessagePage, ReadRequest, ReadState, SendMessageRequest};
use natter_shared::{ChatId, ErrorBody, ErrorCode, Field};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::batch::Persisted;
use crate::db::{self, messages::Window};
use crate::error::ApiError;
use crate::limits;
use crate::realtime::commands::{MarkRead, PostMessage};
use crate::realtime::room::room_for;
use crate::routes::extractor_errors::Body;
use crate::state::AppState;

/// History in ascending `seq`: the newest page, the page before `before`, the page after
/// `after`, or the page around `around` (a search hit, a quoted message) or around the
/// message `around_id` (a reply's original whose seq the client does not know). Seqs have
/// no gaps, so a client that saw up to N asks `after=N` to catch up.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id"), HistoryQuery),
    responses(
        (status = 200, body = MessagePage),
        (status = 400, description = "bad limit/before/after/around/around_id, or around or around_id with another of them, before or after", body = ErrorBody),
        (status = 404, description = "no such chat, or not a member; around_id: no such message of the chat that the caller may read (unknown, deleted, or after they left)", body = ErrorBody),
    ))]
#[get("/chats/{id}/messages")]
pub async fn list_messages(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<HistoryQuery>,
) -> Result<web::Json<MessagePage>, ApiError> {
    let chat = path.into_inner();
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(HistoryQuery::DEFAULT_LIMIT);
    if !(1..=HistoryQuery::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!("limit: must be from 1 to {}", HistoryQuery::MAX_LIMIT),
        ));
    }
    if q.before.is_some_and(|b| b < 1)
        || q.after.is_some_and(|a| a < 0)
        || q.around.is_some_and(|a| a < 1)
    {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            "before and around must be at least 1 and after at least 0",
        ));
    }
    if q.around.is_some() && (q.before.is_some() || q.after.is_some()) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            "around: not with before or after",
        ));
    }
    if q.around_id.is_some() && (q.around.is_some() || q.before.is_some() || q.after.is_some()) {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            "around_id: not with around, before or after",
        ));
    }
    let user = auth.user_id.0;
    let window = Window {
        limit: i64::from(limit),
        before: q.before,
        after: q.after,
    };
    let (last_seq, rows) = db::run(&state.db, move |conn| {
        let (last_seq, window) = match db::chats::membership(conn, chat, user)? {
            Some((chat, _)) => (chat.last_seq, window),
            // a former member reads up to their departure, nothing newer
            None => {
                let d = db::members::departure(conn, chat, user)?
                    .filter(|d| window.after.is_none_or(|a| a < d.last_seq))
                    .ok_or_else(|| ApiError::not_found("chat"))?;
                let before = window
                    .before
                    .map_or(d.last_seq + 1, |b| b.min(d.last_seq + 1));
                (
                    d.last_seq,
                    Window {
                        before: Some(before),
                        ..window
                    },
                )
            }
        };
        // a message id stands for its seq, if the caller may read it there: anything else
        // is the same 404, so an id of another chat tells nothing about that chat
        let around = match q.around_id {
            Some(id) => Some(
                db::messages::readable_seq(conn, chat, id.0, user)?
                    .filter(|seq| *seq <= last_seq)
                    .ok_or_else(|| ApiError::not_found("message"))?,
            ),
            None => q.around,
        };
        let window = match around {
            // the page holding `around`, half before it, as full as the history allows
            Some(around) => Window {
                after: Some(
                    (around - 1 - (window.limit - 1) / 2)
                        .min(last_seq - window.limit)
                        .max(0),
                ),
                ..window
            },
            None => window,
        };
        let mut rows = db::messages::page(conn, chat, window)?;
        rows.retain(|r| r.seq <= last_seq);
        let shown = db::messages::to_api_for(conn, &rows, user)?;
        Ok((last_seq, shown))
    })
    .await?;
    // seqs run 1..=last_seq with no gaps, so the edges tell what lies beyond the page
    let (has_previous, has_next) = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) => (first.seq > 1, last.seq < last_seq),
        _ => (
            q.after.unwrap_or(0).min(last_seq) >= 1,
            q.before.is_some_and(|b| b <= last_seq) && q.after.is_none_or(|a| a < last_seq),
        ),
    };
    Ok(web::Json(MessagePage {
        messages: rows,
        has_previous,
        has_next,
    }))
}

/// Sends a message without a WebSocket: the same validation, rate limit, idempotency and
/// delivery as the `message` frame.
#[utoipa::path(tag = "messages", security(("bearer" = [])), request_body = SendMessageRequest,
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 201, description = "stored", body = natter_shared::api::Message),
        (status = 200, description = "this request_id was stored before: the original", body = natter_shared::api::Message),
        (status = 400, description = "empty or over-long text, more than 10 files or one twice", body = ErrorBody),
        (status = 404, description = "no such chat (or not a member), or reply_to not in it", body = ErrorBody),
        (status = 404, description = "an attachment is not a file of yours (or one you can read)", body = ErrorBody),
        (status = 409, description = "request_id used in another chat, or a file still uploading or being scanned", body = ErrorBody),
        (status = 422, description = "a file was found to carry malware", body = ErrorBody),
        (status = 429, description = "rate limited; see Retry-After", body = ErrorBody),
        (status = 503, description = "overloaded: it could not be stored within NATTER_SEND_ADMIT_MS, nothing was stored; send it again with the same request_id after Retry-After", body = ErrorBody),
    ))]
#[post("/chats/{id}/messages")]
pub async fn send_message(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Body<SendMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let text = natter_shared::validation::message_body(&body.text, &body.attachments)?;
    limits::check_messages(&state, auth.user_id).await?;
    let persisted = room_for(&state, ChatId(path.into_inner()))
        .post
        .send(PostMessage {
            sender: auth.user_id,
            conn: None,
            request_id: body.request_id,
            text,
            reply_to: body.reply_to,
            forwarded: None,
            attachments: body.attachments,
            received: std::time::Instant::now(),
            pass: None,
        })
        .await??;
    Ok(match &persisted {
        Persisted::New(m) => HttpResponse::Created().json(m.to_api()),
        Persisted::Existing(m) => HttpResponse::Ok().json(m.to_api()),
    })
}

/// Moves the caller's read cursor forward (never back) and tells the other members.
#[utoipa::path(tag = "messages", security(("bearer" = [])), request_body = ReadRequest,
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 200, body = ReadState),
        (status = 400, description = "negative seq", body = ErrorBody),
        (status = 404, description = "no such chat, or not a member", body = ErrorBody),
    ))]
#[post("/chats/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Body<ReadRequest>,
) -> Result<web::Json<ReadState>, ApiError> {
    if body.seq < 0 {
        return Err(ApiError::invalid_field(
            Field::Seq,
            "seq: must not be negative",
        ));
    }
    let state_now = room_for(&state, ChatId(path.into_inner()))
        .read
        .send(MarkRead {
            user: auth.user_id,
            conn: None,
            seq: body.seq,
        })
        .await??;
    Ok(web::Json(state_now))
}
