//! The state in words: validation and server errors, notices, the connection banner and
//! the state of an unsent message, in the person's language. Only views call these.

use chrono::{DateTime, Utc};
use natter_shared::{ErrorCode, Field, ValidationError, ValidationErrorKind};

use crate::api::NetErrorKind;
use crate::i18n::{Language, tr, tr_args};
use crate::state::kept::StoreProblem;
use crate::state::{Connection, LinkStatus, Notice, OutgoingState, SendFailure, UiError};

/// A validation error in words, e.g. "Must be at least 3 characters".
pub fn validation_message(lang: Language, error: &ValidationError) -> String {
    let bytes = error.field == Field::Password;
    match (&error.kind, bytes) {
        (ValidationErrorKind::TooShort { min: 1 }, _) => tr(lang, "validation.empty"),
        (ValidationErrorKind::TooShort { min }, false) => tr_args(
            lang,
            "validation.too_short_chars",
            &[("n", min.to_string())],
        ),
        (ValidationErrorKind::TooShort { min }, true) => tr_args(
            lang,
            "validation.too_short_bytes",
            &[("n", min.to_string())],
        ),
        (ValidationErrorKind::TooLong { max }, false) => {
            tr_args(lang, "validation.too_long_chars", &[("n", max.to_string())])
        }
        (ValidationErrorKind::TooLong { max }, true) => {
            tr_args(lang, "validation.too_long_bytes", &[("n", max.to_string())])
        }
        (ValidationErrorKind::InvalidCharacters, _) if error.field == Field::Username => {
            tr(lang, "validation.username_characters")
        }
        (ValidationErrorKind::InvalidCharacters, _) => tr(lang, "validation.invalid_characters"),
        (ValidationErrorKind::NotAnEmoji, _) => tr(lang, "validation.not_an_emoji"),
        (ValidationErrorKind::TooMany { max }, _) => {
            tr_args(lang, "validation.too_many", &[("n", max.to_string())])
        }
        (ValidationErrorKind::Repeated, _) => tr(lang, "validation.repeated"),
    }
}

/// A server error code in words. Codes with no sentence of their own fall back to the
/// server's (English) message, prefixed so the person knows where it came from.
pub fn server_error_message(lang: Language, code: ErrorCode, message: &str) -> String {
    let key = match code {
        ErrorCode::UsernameTaken => "server_error.username_taken",
        ErrorCode::InvalidCredentials => "server_error.invalid_credentials",
        ErrorCode::RateLimited => "server_error.rate_limited",
        ErrorCode::ServiceUnavailable | ErrorCode::Overloaded => "server_error.service_unavailable",
        ErrorCode::Internal => "server_error.internal",
        ErrorCode::NotFound => "server_error.not_found",
        ErrorCode::Forbidden => "server_error.forbidden",
        ErrorCode::PayloadTooLarge => "server_error.payload_too_large",
        ErrorCode::NotYourMessage => "server_error.not_your_message",
        ErrorCode::EditWindowExpired => "server_error.edit_window_expired",
        ErrorCode::MessageDeleted => "server_error.message_deleted",
        ErrorCode::TooManyReactions => "server_error.too_many_reactions",
        ErrorCode::EventsExpired => "server_error.events_expired",
        ErrorCode::RoleTooLow => "server_error.role_too_low",
        ErrorCode::TargetRoleTooHigh => "server_error.target_role_too_high",
        ErrorCode::RoleAboveYours => "server_error.role_above_yours",
        ErrorCode::Muted => "server_error.muted",
        ErrorCode::Banned => "server_error.banned",
        ErrorCode::OwnerMustHandOver => "server_error.owner_must_hand_over",
        ErrorCode::NotAGroup => "server_error.not_a_group",
        ErrorCode::AlreadyMember => "server_error.already_member",
        ErrorCode::MemberLimitReached => "server_error.member_limit_reached",
        ErrorCode::InviteExpired => "server_error.invite_expired",
        ErrorCode::Blocked => "server_error.blocked",
        ErrorCode::NotARequest => "server_error.not_a_request",
        ErrorCode::LinkExpired => "server_error.link_expired",
        ErrorCode::QuotaExceeded => "server_error.quota_exceeded",
        ErrorCode::FileTypeNotAllowed => "server_error.file_type_not_allowed",
        ErrorCode::ImageTooLarge => "server_error.image_too_large",
        ErrorCode::NotAnImage => "server_error.not_an_image",
        ErrorCode::FileBlocked => "server_error.file_blocked",
        ErrorCode::FileNotReady => "server_error.file_not_ready",
        ErrorCode::OffsetMismatch => "server_error.offset_mismatch",
        ErrorCode::UploadBusy => "server_error.upload_busy",
        ErrorCode::RangeNotSatisfiable => "server_error.range_not_satisfiable",
        ErrorCode::InvalidLoginTicket => "server_error.invalid_login_ticket",
        ErrorCode::InvalidTwoFactorCode => "server_error.invalid_two_factor_code",
        ErrorCode::WrongPassword => "server_error.wrong_password",
        ErrorCode::TwoFactorCodeRequired => "server_error.two_factor_code_required",
        ErrorCode::TwoFactorAlreadyEnabled => "server_error.two_factor_already_enabled",
        ErrorCode::TwoFactorNotEnabled => "server_error.two_factor_not_enabled",
        ErrorCode::FeatureUnavailable => "server_error.feature_unavailable",
        ErrorCode::TokenExpired
        | ErrorCode::SessionRevoked
        | ErrorCode::InvalidRefreshToken
        | ErrorCode::RefreshTokenReused
        | ErrorCode::InvalidToken
        | ErrorCode::MissingToken => "server_error.session_ended",
        ErrorCode::ValidationFailed
        | ErrorCode::InvalidJson
        | ErrorCode::InvalidPath
        | ErrorCode::InvalidQuery
        | ErrorCode::InvalidHeader
        | ErrorCode::TusVersionUnsupported
        | ErrorCode::MethodNotAllowed
        | ErrorCode::UnsupportedMediaType
        | ErrorCode::RequestIdReused
        | ErrorCode::Unknown => {
            return tr_args(
                lang,
                "server_error.other",
                &[("message", message.to_owned())],
            );
        }
    };
    tr(lang, key)
}

/// Any error the state holds, in words.
pub fn error_message(lang: Language, error: &UiError) -> String {
    match error {
        UiError::Validation(e) => validation_message(lang, e),
        UiError::Server { code, message } => server_error_message(lang, *code, message),
        UiError::Network(NetErrorKind::Unreachable) => tr(lang, "net_error.unreachable"),
        UiError::Network(NetErrorKind::Interrupted) => tr(lang, "net_error.interrupted"),
        UiError::Network(NetErrorKind::Untrusted) => tr(lang, "net_error.untrusted"),
        UiError::UnexpectedStatus(status) => tr_args(
            lang,
            "net_error.unexpected_status",
            &[("status", status.to_string())],
        ),
        UiError::BadResponse => tr(lang, "net_error.bad_response"),
        UiError::InvalidServerUrl => tr(lang, "validation.server_url"),
        UiError::PlainHttpRemote => tr(lang, "validation.plain_http"),
        UiError::FileRejected(why) => tr_args(lang, "files.rejected", &[("why", why.clone())]),
        UiError::LocalFile(why) => tr_args(lang, "files.local", &[("why", why.clone())]),
        UiError::Corrupt => tr(lang, "files.corrupt"),
        UiError::PasswordsDiffer => tr(lang, "security.passwords_differ"),
    }
}

/// A banner notice in words.
pub fn notice_message(lang: Language, notice: &Notice) -> String {
    match notice {
        Notice::SessionEnded => tr(lang, "notice.session_ended"),
        Notice::SignedOut => tr(lang, "notice.signed_out"),
        Notice::AccountDeleted => tr(lang, "notice.account_deleted"),
        Notice::SignedOutOffline => tr(lang, "notice.signed_out_offline"),
        Notice::ProfileSaved => tr(lang, "notice.profile_saved"),
        Notice::SessionNotSaved => tr(lang, "notice.session_not_saved"),
        Notice::NotSavedLocally(problem) => tr_args(
            lang,
            "notice.not_saved_locally",
            &[("why", store_problem(lang, problem))],
        ),
        Notice::MessageNotOpened(error) => tr_args(
            lang,
            "notice.message_not_opened",
            &[("why", error_message(lang, error))],
        ),
    }
}

/// Why the local store could not be written, in words.
fn store_problem(lang: Language, problem: &StoreProblem) -> String {
    match problem {
        StoreProblem::DiskFull => tr(lang, "notice.store_disk_full"),
        StoreProblem::ReadOnly => tr(lang, "notice.store_read_only"),
        StoreProblem::Busy => tr(lang, "notice.store_busy"),
        StoreProblem::Other(detail) => detail.clone(),
    }
}

/// The connection banner at `now`, or `None` when there is nothing to say (online, or
/// signed out).
pub fn connection_message(lang: Language, link: &Connection, now: DateTime<Utc>) -> Option<String> {
    match &link.status {
        LinkStatus::Idle
        | LinkStatus::Online {
            back_online_until: None,
            ..
        } => None,
        LinkStatus::Online { .. } => Some(tr(lang, "connection.back_online")),
        LinkStatus::Connecting { .. } => Some(tr(lang, "connection.connecting")),
        LinkStatus::Offline { retry_at } => {
            // rounded up: "in 0 s" would be odd while still waiting
            let seconds = (*retry_at - now).num_milliseconds().saturating_add(999) / 1000;
            Some(if seconds > 0 {
                tr_args(
                    lang,
                    "connection.offline_retrying_in",
                    &[("seconds", seconds.to_string())],
                )
            } else {
                tr(lang, "connection.offline_retrying")
            })
        }
    }
}

/// The state of one's own message that the server has not acknowledged yet.
pub fn outgoing_message(lang: Language, state: &OutgoingState) -> String {
    match state {
        OutgoingState::Queued => tr(lang, "outgoing.queued"),
        OutgoingState::Sending { .. } => tr(lang, "outgoing.sending"),
        OutgoingState::Failed(SendFailure::Timeout) => tr(lang, "outgoing.failed_timeout"),
        OutgoingState::Failed(SendFailure::Refused { code, message }) => tr_args(
            lang,
            "outgoing.failed",
            &[("reason", server_error_message(lang, *code, message))],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_that_cannot_be_written_is_told_with_its_reason() {
        let full = Notice::NotSavedLocally(StoreProblem::DiskFull);
        let text = notice_message(Language::English, &full);
        assert!(
            text.starts_with("Could not save on this computer: the disk is full."),
            "{text}"
        );
        assert!(text.contains("may be lost"), "{text}");
        let other = Notice::NotSavedLocally(StoreProblem::Other("disk I/O error".into()));
        assert!(notice_message(Language::Russian, &other).contains("disk I/O error"));
    }

    #[test]
    fn the_connection_banner_counts_down_and_says_back_online() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        let link = |status| Connection {
            status,
            ..Connection::default()
        };
        let cases = [
            (LinkStatus::Idle, None, "signed out: nothing"),
            (
                LinkStatus::Online {
                    since: now,
                    back_online_until: None,
                },
                None,
                "online: nothing",
            ),
            (
                LinkStatus::Online {
                    since: now,
                    back_online_until: Some(now),
                },
                Some("Back online"),
                "just recovered",
            ),
            (
                LinkStatus::Connecting { since: now },
                Some("Connecting…"),
                "connecting",
            ),
            (
                LinkStatus::Offline {
                    retry_at: now + chrono::TimeDelta::milliseconds(4_200),
                },
                Some("Offline — retrying in 5 s"),
                "countdown rounds up",
            ),
            (
                LinkStatus::Offline { retry_at: now },
                Some("Offline — retrying…"),
                "due now",
            ),
        ];
        for (status, want, reason) in cases {
            let got = connection_message(Language::English, &link(status), now);
            assert_eq!(got.as_deref(), want, "{reason}");
        }
        let russian = connection_message(
            Language::Russian,
            &link(LinkStatus::Offline {
                retry_at: now + chrono::TimeDelta::seconds(3),
            }),
            now,
        );
        assert_eq!(russian.as_deref(), Some("Нет связи — повтор через 3 с"));
    }

    #[test]
    fn outgoing_states_are_translated() {
        let refused = OutgoingState::Failed(SendFailure::Refused {
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
        });
        assert_eq!(
            outgoing_message(Language::English, &refused),
            "Not sent: Too many attempts. Wait a moment and try again"
        );
        assert_eq!(
            outgoing_message(Language::Ukrainian, &OutgoingState::Queued),
            "Чекає на з’єднання…"
        );
    }

    #[test]
    fn validation_errors_are_translated() {
        let error = natter_shared::Username::parse("ab").unwrap_err();
        assert_eq!(
            validation_message(Language::English, &error),
            "Must be at least 3 characters"
        );
        assert_eq!(
            validation_message(Language::Russian, &error),
            "Должно быть не короче 3 символов"
        );
        let error = natter_shared::Password::parse("").unwrap_err();
        assert_eq!(
            validation_message(Language::Ukrainian, &error),
            "Має бути щонайменше 8 байтів"
        );
    }
}
