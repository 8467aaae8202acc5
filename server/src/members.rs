//! Membership changes as a service: marks the lists in flight, runs the change in
//! PostgreSQL (`db::members`, `db::invites`), then tells everyone. After the commit every
//! process's room of the chat reads its members again (through the bus), the service
//! messages go to the members (and to whoever just left, as the last thing they receive),
//! a former member gets `membership_ended`, a newcomer `chat_updated`, and the chat-list
//! cache follows.

use actix_web::http::StatusCode;
use actix_web::web;
use natter_shared::api::Message;
use natter_shared::ws::ServerFrame;
use natter_shared::{ChatId, ErrorCode, UserId};
use uuid::Uuid;

use crate::chat_list::{self, marks};
use crate::db::members::{Changed, GroupRejected};
use crate::db::membership::MemberOp;
use crate::db::{self, invites};
use crate::error::ApiError;
use crate::realtime::deliver::fan_out;
use crate::state::AppState;

/// The API error of a refused change.
pub fn rejected(r: GroupRejected) -> ApiError {
    let message = r.to_string();
    match r {
        GroupRejected::ChatNotFound => ApiError::not_found("chat"),
        GroupRejected::MemberNotFound => ApiError::not_found("member"),
        GroupRejected::UserNotFound => ApiError::not_found("user"),
        GroupRejected::NotAGroup => ApiError::conflict(ErrorCode::NotAGroup, message),
        GroupRejected::Refused(r) => ApiError::refused(r),
        GroupRejected::OwnerMustHandOver => {
            ApiError::conflict(ErrorCode::OwnerMustHandOver, message)
        }
        GroupRejected::AlreadyMember => ApiError::conflict(ErrorCode::AlreadyMember, message),
        GroupRejected::Banned => {
            ApiError::client(StatusCode::FORBIDDEN, ErrorCode::Banned, message)
        }
        GroupRejected::MemberLimit => ApiError::conflict(ErrorCode::MemberLimitReached, message),
        GroupRejected::InviteExpired => {
            ApiError::client(StatusCode::GONE, ErrorCode::InviteExpired, message)
        }
        GroupRejected::LinkNotFound => ApiError::not_found("join link"),
        GroupRejected::LinkExpired => {
            ApiError::client(StatusCode::GONE, ErrorCode::LinkExpired, message)
        }
        GroupRejected::NoRequest => ApiError::conflict(ErrorCode::NotARequest, message),
        GroupRejected::Blocked => {
            ApiError::client(StatusCode::FORBIDDEN, ErrorCode::Blocked, message)
        }
    }
}

/// The limits of invitations and joins, from settings.
pub fn limits(state: &AppState) -> invites::Limits {
    invites::Limits {
        ttl: chrono::Duration::from_std(state.settings.invite_ttl)
            .unwrap_or(chrono::Duration::days(7)),
        member_limit: state.settings.member_limit,
    }
}

/// Runs `op` by `actor` on group `chat` and announces it.
pub async fn change(
    state: &web::Data<AppState>,
    chat: ChatId,
    actor: UserId,
    op: MemberOp,
) -> Result<Changed, ApiError> {
    let target = match &op {
        MemberOp::Update { target, .. }
        | MemberOp::Remove { target }
        | MemberOp::Ban { target }
        | MemberOp::Unban { target }
        | MemberOp::HandOver { target } => Some(*target),
        MemberOp::EditInfo { .. } | MemberOp::SetPhoto { .. } => None,
    };
    let mark = mark_members(state, chat, actor, target).await?;
    let changed = db::run(&state.db, move |conn| {
        Ok(db::membership::apply(conn, chat.0, actor.0, &op)?)
    })
    .await?
    .map_err(rejected)?;
    announce(state, chat, &changed, mark).await;
    Ok(changed)
}

/// Marks the lists of the chat's members (and `extra`) in flight before a change by
/// `actor`, who must be a member (anyone else is a 404 before any work is done).
pub async fn mark_members(
    state: &AppState,
    chat: ChatId,
    actor: UserId,
    extra: Option<Uuid>,
) -> Result<marks::Mark, ApiError> {
    mark_chat(state, chat, Some(actor), extra).await
}

/// Marks the lists of the chat's members (and `extra`) in flight; with `actor`, only when
/// they are a member. Without, the caller has checked the right to change the chat (an
/// invitation's invitee, a link's holder).
pub async fn mark_chat(
    state: &AppState,
    chat: ChatId,
    actor: Option<UserId>,
    extra: Option<Uuid>,
) -> Result<marks::Mark, ApiError> {
    let mut users: Vec<UserId> = db::run(&state.db, move |conn| {
        let ids = db::chats::member_ids(conn, chat.0)?;
        if actor.is_some_and(|a| !ids.contains(&a.0)) {
            return Err(ApiError::not_found("chat"));
        }
        Ok(ids)
    })
    .await?
    .into_iter()
    .map(UserId)
    .collect();
    users.extend(extra.map(UserId).filter(|u| !users.contains(u)));
    Ok(marks::mark(&state.redis, &state.invalidations, &users).await)
}

/// Tells everyone about a committed change (see the module docs); the mark goes when the
/// cache has it.
pub async fn announce(
    state: &web::Data<AppState>,
    chat: ChatId,
    changed: &Changed,
    mark: marks::Mark,
) {
    // each service message as the API shows it (with its event seq), decoded once
    let service: Vec<(Message, i64)> = changed
        .service
        .iter()
        .map(|m| (m.to_api(), m.event_seq.unwrap_or(m.seq)))
        .collect();
    let members_changed = changed.members_changed
        || changed.departed.is_some()
        || changed.joined.is_some()
        || service
            .iter()
            .any(|(m, _)| m.service.as_ref().is_some_and(|s| s.changes_members()));
    if members_changed {
        state.bus.members_changed(chat);
    }
    let departed = changed.departed.map(|d| d.0);
    let mut recipients = changed.members.clone();
    recipients.extend(departed.filter(|d| !recipients.contains(d)));
    for (message, event_seq) in &service {
        fan_out(
            state,
            Some(chat),
            recipients.iter().copied(),
            &ServerFrame::NewMessage {
                message: message.clone(),
                event_seq: *event_seq,
            },
            None,
        );
    }
    if let Some((user, reason)) = changed.departed {
        fan_out(
            state,
            Some(chat),
            [user],
            &ServerFrame::MembershipEnded {
                chat_id: chat,
                reason,
            },
            None,
        );
    }
    let updated: Vec<UserId> = if changed.resummarize {
        changed.members.clone()
    } else {
        changed.joined.into_iter().collect()
    };
    for user in updated {
        if let Ok(Some(summary)) = chat_list::summary_for(state, chat, user).await {
            fan_out(
                state,
                Some(chat),
                [user],
                &ServerFrame::ChatUpdated { chat: summary },
                None,
            );
        }
    }
    metrics::counter!("natter_member_changes_total").increment(changed.service.len() as u64);
    let Some(row) = &changed.chat else {
        return;
    };
    chat_list::on_members_changed(
        state,
        row,
        &changed.members,
        service.last().map(|(m, e)| (m, *e)),
        changed.joined,
        departed,
        &mark,
    )
    .await;
    drop(mark);
}
