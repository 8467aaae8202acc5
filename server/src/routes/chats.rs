//! `/chats`: create (direct or group), list, details.

use std::collections::{BTreeSet, HashMap};

use actix_web::{HttpResponse, get, post, web};
use natter_shared::api::{
    ChatDetails, ChatKind, ChatList, ChatListQuery, ChatMember, ChatPartner, ChatSummary,
    CreateChatRequest,
};
use natter_shared::ws::ServerFrame;
use natter_shared::{ChatId, ChatTitle, ErrorBody, ErrorCode, Field, UserId};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::chat_list;
use crate::db::{self, chats::ChatRow};
use crate::error::ApiError;
use crate::presence;
use crate::realtime::deliver::fan_out;
use crate::routes::extractor_errors::Body;
use crate::state::AppState;

/// Opens a direct chat (`{partner_id}`: the same chat every time, for either side) or creates
/// a group (`{title, member_ids}`: the caller becomes its admin).
#[utoipa::path(tag = "chats", security(("bearer" = [])), request_body = CreateChatRequest,
    responses(
        (status = 201, description = "created", body = ChatSummary),
        (status = 200, description = "the direct chat already existed", body = ChatSummary),
        (status = 400, description = "neither or both forms, oneself as partner, bad title or members", body = ErrorBody),
        (status = 404, description = "partner or a member not found", body = ErrorBody),
    ))]
#[post("/chats")]
pub async fn create_chat(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Body<CreateChatRequest>,
) -> Result<HttpResponse, ApiError> {
    let me = auth.user_id;
    let (chat, created, members) = match body.into_inner() {
        CreateChatRequest::Direct { partner_id } => open_direct(&state, me, partner_id).await?,
        CreateChatRequest::Group { title, member_ids } => {
            create_group(&state, me, &title, member_ids).await?
        }
    };
    let summary = if created {
        chat_list::on_chat_created(&state, &chat, &members).await;
        announce(&state, &chat, &members, me).await?
    } else {
        chat_list::summary_for(&state, ChatId(chat.id), me)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a direct chat has no membership")))?
    };
    Ok(if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
    .json(summary))
}

/// A chat, whether it was created now, and its members.
type Opened = (ChatRow, bool, Vec<UserId>);

/// The direct chat of `me` and `partner`, created the first time.
async fn open_direct(state: &AppState, me: UserId, partner: UserId) -> Result<Opened, ApiError> {
    if partner == me {
        return Err(ApiError::invalid_field(
            Field::PartnerId,
            "partner_id: a direct chat needs another person",
        ));
    }
    let (chat, created) = db::run(&state.db, move |conn| {
        if db::users::find(conn, partner.0)?.is_none() {
            return Err(ApiError::not_found("user"));
        }
        if db::chats::blocked_between(conn, me.0, partner.0)? {
            return Err(crate::members::rejected(
                db::members::GroupRejected::Blocked,
            ));
        }
        Ok(db::chats::open_direct(conn, me.0, partner.0)?)
    })
    .await?;
    Ok((chat, created, vec![me, partner]))
}

/// A new group titled `title` with `me` as admin and `member_ids` (others; duplicates and
/// `me` ignored) as members.
async fn create_group(
    state: &AppState,
    me: UserId,
    title: &str,
    member_ids: Vec<UserId>,
) -> Result<Opened, ApiError> {
    let title = ChatTitle::parse(title)?;
    let others: BTreeSet<Uuid> = member_ids
        .into_iter()
        .map(|u| u.0)
        .filter(|u| *u != me.0)
        .collect();
    if others.len() + 1 > CreateChatRequest::MEMBERS_MAX {
        return Err(ApiError::invalid_field(
            Field::MemberIds,
            format!(
                "member_ids: at most {} members",
                CreateChatRequest::MEMBERS_MAX
            ),
        ));
    }
    let others: Vec<Uuid> = others.into_iter().collect();
    let (chat, others) = db::run(&state.db, move |conn| {
        let found = db::chats::existing_users(conn, &others)?;
        // nobody is put into a group with someone who blocks them, or whom they block
        if !db::requests::blocked_among(conn, me.0, &others)?.is_empty() {
            return Err(crate::members::rejected(
                db::members::GroupRejected::Blocked,
            ));
        }
        if let Some(missing) = others.iter().find(|o| !found.contains(o)) {
            // as for an unknown partner: the id names nobody
            return Err(ApiError::client(
                actix_web::http::StatusCode::NOT_FOUND,
                natter_shared::ErrorCode::NotFound,
                format!("member_ids: no user {missing}"),
            ));
        }
        let chat = db::chats::create_group(conn, me.0, title.as_str(), &others)?;
        Ok((chat, others))
    })
    .await?;
    let mut members = vec![me];
    members.extend(others.into_iter().map(UserId));
    Ok((chat, true, members))
}

/// `chat_updated` to each member of a chat just created, as that member sees it, and the
/// creator's view. Everything is known already (no messages, nothing read), so nothing is
/// read back per member; a direct chat's two profiles are one query.
async fn announce(
    state: &AppState,
    chat: &ChatRow,
    members: &[UserId],
    creator: UserId,
) -> Result<ChatSummary, ApiError> {
    let partners: HashMap<UserId, ChatPartner> = if chat.kind == ChatKind::Direct {
        let ids: Vec<Uuid> = members.iter().map(|m| m.0).collect();
        let rows = db::run(&state.db, move |conn| Ok(db::users::find_many(conn, &ids)?)).await?;
        let online = presence::online(state, members).await;
        rows.iter()
            .map(|row| {
                let user = row.to_api_own();
                let is_online = online.get(&user.id).copied().unwrap_or(false);
                (user.id, chat_list::partner_of(&user, is_online))
            })
            .collect()
    } else {
        HashMap::new()
    };
    let mut creators_view = None;
    for member in members {
        let partner = members
            .iter()
            .find(|other| *other != member)
            .and_then(|other| partners.get(other))
            .cloned();
        let summary = chat_list::shown_to(
            chat_list::summary(chat, 0, members.len() as i64, partner, None, 0),
            *member,
        );
        if *member == creator {
            creators_view = Some(summary.clone());
        }
        let frame = ServerFrame::ChatUpdated { chat: summary };
        fan_out(state, Some(ChatId(chat.id)), [*member], &frame, None);
    }
    creators_view.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the creator is not a member")))
}

/// The caller's chats, most recent activity first.
#[utoipa::path(tag = "chats", security(("bearer" = [])), params(ChatListQuery), responses(
    (status = 200, body = ChatList),
    (status = 400, description = "bad limit/offset", body = ErrorBody),
))]
#[get("/chats")]
pub async fn list_chats(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<ChatListQuery>,
) -> Result<web::Json<ChatList>, ApiError> {
    let query = query.into_inner();
    if let Some(limit) = query.limit
        && !(1..=ChatListQuery::MAX_LIMIT).contains(&limit)
    {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            format!("limit: must be from 1 to {}", ChatListQuery::MAX_LIMIT),
        ));
    }
    Ok(web::Json(
        chat_list::list(&state, auth.user_id, &query).await?,
    ))
}

/// One chat and its members. Chats the caller is not in answer 404.
#[utoipa::path(tag = "chats", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 200, body = ChatDetails),
        (status = 404, description = "no such chat, or not a member", body = ErrorBody),
    ))]
#[get("/chats/{id}")]
pub async fn get_chat(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<ChatDetails>, ApiError> {
    Ok(web::Json(
        details(&state, ChatId(path.into_inner()), auth.user_id).await?,
    ))
}

/// A chat as `user` sees it, with its members and (for groups) its info.
pub async fn details(
    state: &AppState,
    chat: ChatId,
    user: UserId,
) -> Result<ChatDetails, ApiError> {
    let summary = chat_list::summary_for(state, chat, user)
        .await?
        .ok_or_else(|| ApiError::not_found("chat"))?;
    let (rows, row) = db::run(&state.db, move |conn| {
        let rows = db::chats::members(conn, chat.0)?;
        let row = db::chats::membership(conn, chat.0, user.0)?.map(|r| r.0);
        Ok((rows, row))
    })
    .await?;
    let count = rows.len() as i64;
    // while my request is pending, I do not see whether they read it
    let hide_reads = summary.request_from == Some(user);
    let members = rows
        .into_iter()
        .map(|(u, role, muted, read_seq)| {
            let user_api = u.to_api();
            let read_seq = if hide_reads && user_api.id != user {
                0
            } else {
                read_seq
            };
            ChatMember {
                id: user_api.id,
                username: user_api.username,
                display_name: user_api.display_name,
                role,
                muted,
                read_seq,
            }
        })
        .collect();
    let group = row
        .filter(|r| r.kind == ChatKind::Group)
        .map(|r| db::members::group_info(&r, count, state.settings.member_limit));
    Ok(ChatDetails {
        chat: summary,
        members,
        group,
    })
}
