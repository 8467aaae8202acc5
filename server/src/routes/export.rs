//! `GET /account/export`: everything of an account as its owner sees it, as one JSON
//! document (`AccountExport`) streamed a page at a time, so a long history never sits in
//! memory whole.

use actix_web::{HttpResponse, get, web};
use bytes::Bytes;
use chrono::Utc;
use futures_util::stream;
use natter_shared::api::{AccountExport, ChatSummary, Message};
use natter_shared::{ChatId, ErrorBody};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::chat_list::summary_for;
use crate::db;
use crate::db::messages::Window;
use crate::error::ApiError;
use crate::state::AppState;

/// Messages read (and written out) at a time.
const PAGE: i64 = 500;

/// The caller's data: the profile, each chat they are in with its history as they see it
/// (messages they deleted for themselves are emptied, as in the app), and the metadata of
/// the files they uploaded (not their bytes). Streamed; the body is one JSON document.
#[utoipa::path(tag = "account", security(("bearer" = [])), responses(
    (status = 200, description = "the export, streamed", body = AccountExport),
    (status = 401, description = "not signed in", body = ErrorBody),
))]
#[get("/account/export")]
pub async fn export_account(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    let user = auth.user_id.0;
    let (profile, chats) = db::run(&state.db, move |conn| {
        let profile = db::users::find(conn, user)?.ok_or_else(|| ApiError::not_found("user"))?;
        let mut chats = db::chats::ids_of_member(conn, user)?;
        chats.sort();
        Ok((profile.to_api(), chats))
    })
    .await?;
    let head = format!(
        r#"{{"exported_at":{},"profile":{},"chats":["#,
        json(&Utc::now())?,
        json(&profile)?
    );
    let start = Writer {
        state,
        user,
        chats,
        step: Step::Head(head),
    };
    let body = stream::unfold(start, |mut w| async move {
        let chunk = w.next_chunk().await.transpose()?;
        Some((chunk, w))
    });
    tracing::info!(user_id = %user, "account exported");
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"natter-export.json\"",
        ))
        .streaming(body))
}

/// Where the document stands.
enum Step {
    Head(String),
    /// The next chat to open (index into `chats`).
    Chat(usize),
    /// Inside chat `index`, messages after `after` to come; `first` until one is written.
    Messages {
        index: usize,
        after: i64,
        first: bool,
    },
    Files,
    Done,
}

struct Writer {
    state: web::Data<AppState>,
    user: Uuid,
    chats: Vec<Uuid>,
    step: Step,
}

impl Writer {
    /// The next piece of the document; `None` after the last.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>, ApiError> {
        loop {
            match std::mem::replace(&mut self.step, Step::Done) {
                Step::Head(head) => {
                    self.step = Step::Chat(0);
                    return Ok(Some(Bytes::from(head)));
                }
                Step::Chat(index) => {
                    let Some(&chat) = self.chats.get(index) else {
                        self.step = Step::Files;
                        continue;
                    };
                    let Some(summary) =
                        summary_for(&self.state, ChatId(chat), natter_shared::UserId(self.user))
                            .await?
                    else {
                        // left the chat meanwhile
                        self.step = Step::Chat(index + 1);
                        continue;
                    };
                    self.step = Step::Messages {
                        index,
                        after: 0,
                        first: true,
                    };
                    let comma = if index > 0 { "," } else { "" };
                    return Ok(Some(Bytes::from(format!(
                        r#"{comma}{{"chat":{},"messages":["#,
                        json::<ChatSummary>(&summary)?
                    ))));
                }
                Step::Messages {
                    index,
                    after,
                    first,
                } => {
                    let chat = self.chats.get(index).copied().unwrap_or_default();
                    let page = self.page(chat, after).await?;
                    let Some(last) = page.last().map(|m| m.seq) else {
                        self.step = Step::Chat(index + 1);
                        return Ok(Some(Bytes::from_static(b"]}")));
                    };
                    let mut out = String::new();
                    for (i, m) in page.iter().enumerate() {
                        if !(first && i == 0) {
                            out.push(',');
                        }
                        out.push_str(&json(m)?);
                    }
                    self.step = Step::Messages {
                        index,
                        after: last,
                        first: false,
                    };
                    return Ok(Some(Bytes::from(out)));
                }
                Step::Files => {
                    let user = self.user;
                    let files = db::run(&self.state.db, move |conn| {
                        Ok(db::export::files_of(conn, user)?)
                    })
                    .await?;
                    self.step = Step::Done;
                    return Ok(Some(Bytes::from(format!(
                        r#"],"files":{}}}"#,
                        json(&files)?
                    ))));
                }
                Step::Done => return Ok(None),
            }
        }
    }

    /// The messages of `chat` after `after` as the owner sees them, as `list_messages`
    /// reads them; empty when the owner is no longer a member.
    async fn page(&self, chat: Uuid, after: i64) -> Result<Vec<Message>, ApiError> {
        let user = self.user;
        db::run(&self.state.db, move |conn| {
            let Some((row, _)) = db::chats::membership(conn, chat, user)? else {
                return Ok(Vec::new());
            };
            let window = Window {
                limit: PAGE,
                before: None,
                after: Some(after),
            };
            let mut rows = db::messages::page(conn, chat, window)?;
            rows.retain(|r| r.seq <= row.last_seq);
            Ok(db::messages::to_api_for(conn, &rows, user)?)
        })
        .await
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value).map_err(|e| ApiError::Internal(e.into()))
}
