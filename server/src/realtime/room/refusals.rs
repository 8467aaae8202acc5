//! The API errors of a room's refusals (a send the writer refused, a change refused).

use natter_shared::ErrorCode;

use crate::db::batch::SendRejected;
use crate::db::changes::ChangeRejected;
use crate::error::ApiError;

/// The API error of a refused change.
pub(super) fn change_rejected(r: ChangeRejected) -> ApiError {
    use actix_web::http::StatusCode;
    let message = r.to_string();
    match r {
        ChangeRejected::NotFound => ApiError::not_found("message"),
        ChangeRejected::NotYours => {
            ApiError::client(StatusCode::FORBIDDEN, ErrorCode::NotYourMessage, message)
        }
        ChangeRejected::WindowExpired => {
            ApiError::client(StatusCode::FORBIDDEN, ErrorCode::EditWindowExpired, message)
        }
        ChangeRejected::Deleted => ApiError::conflict(ErrorCode::MessageDeleted, message),
        ChangeRejected::TooManyReactions => {
            ApiError::conflict(ErrorCode::TooManyReactions, message)
        }
        ChangeRejected::Late => ApiError::Overloaded,
        ChangeRejected::NotMember => ApiError::not_found("chat"),
        ChangeRejected::Muted => ApiError::refused(natter_shared::api::Refusal::Muted),
        ChangeRejected::Refused(r) => ApiError::refused(r),
        ChangeRejected::Blocked => blocked(),
        ChangeRejected::Service => {
            ApiError::client(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
        }
    }
}

pub(super) fn blocked() -> ApiError {
    ApiError::client(
        actix_web::http::StatusCode::FORBIDDEN,
        ErrorCode::Blocked,
        "one of you blocks the other",
    )
}

pub(super) fn rejected(r: SendRejected) -> ApiError {
    use actix_web::http::StatusCode;
    match r {
        SendRejected::ReplyNotFound => {
            ApiError::client(StatusCode::NOT_FOUND, ErrorCode::NotFound, r.to_string())
        }
        SendRejected::RequestIdReused => {
            ApiError::conflict(ErrorCode::RequestIdReused, r.to_string())
        }
        SendRejected::Overloaded => ApiError::Overloaded,
        SendRejected::Unavailable => ApiError::Unavailable(anyhow::anyhow!(r)),
        SendRejected::NotMember => ApiError::not_found("chat"),
        SendRejected::Blocked => blocked(),
        SendRejected::Muted => ApiError::refused(natter_shared::api::Refusal::Muted),
        SendRejected::FileNotFound => {
            ApiError::client(StatusCode::NOT_FOUND, ErrorCode::NotFound, r.to_string())
        }
        SendRejected::FileNotReady => ApiError::conflict(ErrorCode::FileNotReady, r.to_string()),
        SendRejected::FileBlocked => ApiError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::FileBlocked,
            r.to_string(),
        ),
    }
}
