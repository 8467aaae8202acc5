//! The one error shape every failing request answers with:
//! `{"error": {"code": "username_taken", "message": "…", "field": "username"}}`.

use serde::{Deserialize, Serialize};

use crate::validation::Field;

/// Stable, machine-readable error codes. Clients branch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// 400: a field failed validation; `field` names it.
    ValidationFailed,
    /// 400: the body is not JSON, has wrong types, unknown or missing fields, or is empty.
    InvalidJson,
    /// 400: a path segment (e.g. an id) is malformed.
    InvalidPath,
    /// 400: a query-string parameter is malformed.
    InvalidQuery,
    /// 400: a request header is missing or malformed (`Upload-Length`, `Upload-Offset` …).
    InvalidHeader,
    /// 401: no bearer token was sent.
    MissingToken,
    /// 401: the token is garbled, forged or of the wrong kind.
    InvalidToken,
    /// 401: the access token has expired; refresh it.
    TokenExpired,
    /// 401: the session was signed out; sign in again.
    SessionRevoked,
    /// 401: wrong username or password.
    InvalidCredentials,
    /// 401: the refresh token is unknown or expired.
    InvalidRefreshToken,
    /// 401: an already-rotated refresh token was presented; the session is now revoked.
    RefreshTokenReused,
    /// 401: the sign-in ticket of a two-factor login is unknown, expired, used, or spent by
    /// too many wrong codes; sign in with the password again.
    InvalidLoginTicket,
    /// 401 at `/auth/login/2fa`, 403 elsewhere: the two-factor or recovery code is wrong,
    /// already used, or its time step was used already.
    InvalidTwoFactorCode,
    /// 403: the password given to confirm an account change is wrong.
    WrongPassword,
    /// 403: two-factor authentication is on, so this change needs a code too.
    TwoFactorCodeRequired,
    /// 409: two-factor authentication is already on (disable it first).
    TwoFactorAlreadyEnabled,
    /// 409: two-factor authentication is off (or its set-up was not started).
    TwoFactorNotEnabled,
    /// 403: authenticated but not allowed.
    Forbidden,
    /// 403: the message is someone else's (edit), or deleting it for everyone is not yours to do.
    NotYourMessage,
    /// 403: the edit window of the message has passed.
    EditWindowExpired,
    /// 403: your role in the group does not allow this.
    RoleTooLow,
    /// 403: the member's role is equal to or above yours.
    TargetRoleTooHigh,
    /// 403: the role asked for is above yours, or is `owner` (hand ownership over instead).
    RoleAboveYours,
    /// 403: you are muted in this group: you can read, not send, react or pin.
    Muted,
    /// 403: the person is banned from this group.
    Banned,
    /// 403: one of you blocks the other.
    Blocked,
    /// 409: the owner must hand the group over before leaving it.
    OwnerMustHandOver,
    /// 409: only groups have members to manage, info to edit and invitations.
    NotAGroup,
    /// 409: the person is already a member.
    AlreadyMember,
    /// 409: the group has as many members as it may.
    MemberLimitReached,
    /// 410: the invitation expired or was withdrawn.
    InviteExpired,
    /// 409: the chat is not a message request to you (accepted already, or yours).
    NotARequest,
    /// 410: the join link expired, was used up or revoked.
    LinkExpired,
    /// 409: the message was deleted; it cannot be edited, reacted to, pinned or forwarded.
    MessageDeleted,
    /// 409: the message already has the most distinct reactions it can.
    TooManyReactions,
    /// 410: the events asked for are older than the retained log; reload the history.
    EventsExpired,
    /// 404: no such resource (or not visible to the caller).
    NotFound,
    /// 405
    MethodNotAllowed,
    /// 409: the username is already registered.
    UsernameTaken,
    /// 409: this `request_id` was already used for a message in another chat.
    RequestIdReused,
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge,
    /// 413: this upload would pass your daily upload quota.
    QuotaExceeded,
    /// 415: files of this (sniffed) type are not accepted here.
    FileTypeNotAllowed,
    /// 422: the image has more pixels than the server decodes.
    ImageTooLarge,
    /// 422: the file is not an image (avatars and photos must be).
    NotAnImage,
    /// 422: the malware scanner found something in this file; it cannot be shared.
    FileBlocked,
    /// 409: the file is still uploading or being scanned; try again when it is ready.
    FileNotReady,
    /// 409: `Upload-Offset` is not where the upload stands; `HEAD` it and resume from there.
    OffsetMismatch,
    /// 409: another request is appending to this upload right now.
    UploadBusy,
    /// 412: the `Tus-Resumable` version is missing or not one the server speaks.
    TusVersionUnsupported,
    /// 416: the `Range` asked for lies outside the file.
    RangeNotSatisfiable,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 429: too many requests; see `Retry-After`.
    RateLimited,
    /// 503: a dependency (PostgreSQL, Redis) is unavailable.
    ServiceUnavailable,
    /// 503 (REST, with `Retry-After`) or a WebSocket error frame: the server cannot persist
    /// this send within its admission budget (`NATTER_SEND_ADMIT_MS`); nothing was stored.
    /// Back off and resend with the same `request_id`.
    Overloaded,
    /// 503: this server is not configured for the feature (two-factor authentication without
    /// `NATTER_TOTP_KEY`).
    FeatureUnavailable,
    /// 500: a bug; the details are in the server log.
    Internal,
    /// A code this build does not know yet (a newer server).
    #[serde(other)]
    Unknown,
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for machines (`code`, `field`) and people (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// The input field the error concerns, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<Field>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message: message.into(),
                field: None,
            },
        }
    }

    pub fn with_field(mut self, field: Field) -> Self {
        self.error.field = Some(field);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_error_body() {
        let body = ErrorBody::new(ErrorCode::ValidationFailed, "username: too short")
            .with_field(Field::Username);
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"code":"validation_failed","message":"username: too short","field":"username"}}"#
        );
        let body = ErrorBody::new(ErrorCode::Overloaded, "busy");
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"code":"overloaded","message":"busy"}}"#
        );
        let body = ErrorBody::new(ErrorCode::UsernameTaken, "taken");
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"code":"username_taken","message":"taken"}}"#
        );
    }

    #[test]
    fn unknown_codes_from_a_newer_server_still_parse() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":{"code":"brand_new_code","message":"m"}}"#).unwrap();
        assert_eq!(body.error.code, ErrorCode::Unknown);
    }
}
