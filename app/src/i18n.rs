//! The one translation layer: every string a person sees goes through [`tr`] / [`tr_args`].
//!
//! Translations live in `app/locales/{en,ru,uk}.yml` and are compiled in by `rust-i18n`.
//! The language is explicit (it is part of [`crate::state::AppState`]) rather than the
//! crate's global locale, so views stay pure functions of the state and tests can render
//! several languages side by side.

use std::fmt;

use natter_shared::{ErrorCode, Field, ValidationError, ValidationErrorKind};
use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::state::{
    Connection, LinkStatus, NetErrorKind, Notice, OutgoingState, SendFailure, UiError,
};

/// The languages the app is translated into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "en")]
    English,
    #[serde(rename = "ru")]
    Russian,
    #[serde(rename = "uk")]
    Ukrainian,
}

impl Language {
    /// Every supported language, in the order the picker shows them.
    pub const ALL: [Language; 3] = [Language::English, Language::Russian, Language::Ukrainian];

    /// The locale code used for the translation files.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Russian => "ru",
            Language::Ukrainian => "uk",
        }
    }

    /// The language's own name for itself; shown untranslated in the picker, so a person can
    /// find their language whatever the current one is.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Russian => "Русский",
            Language::Ukrainian => "Українська",
        }
    }

    /// Picks the language for a BCP 47 / POSIX locale such as `uk-UA` or `ru_RU.UTF-8`;
    /// anything not translated falls back to English.
    pub fn from_locale(locale: &str) -> Language {
        let primary = locale
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "ru" => Language::Russian,
            "uk" => Language::Ukrainian,
            _ => Language::English,
        }
    }

    /// The language of the operating system's user locale.
    pub fn from_system() -> Language {
        sys_locale::get_locale()
            .map(|l| Language::from_locale(&l))
            .unwrap_or_default()
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.native_name())
    }
}

/// The translation of `key` in `lang`, falling back to English.
pub fn tr(lang: Language, key: &str) -> String {
    match crate::_rust_i18n_try_translate(lang.code(), key) {
        Some(text) => text.into_owned(),
        None => {
            debug_assert!(false, "missing translation key {key:?}");
            key.to_owned()
        }
    }
}

/// [`tr`] with `%{name}` placeholders replaced.
pub fn tr_args(lang: Language, key: &str, args: &[(&str, String)]) -> String {
    let patterns: Vec<&str> = args.iter().map(|(name, _)| *name).collect();
    let values: Vec<String> = args.iter().map(|(_, value)| value.clone()).collect();
    rust_i18n::replace_patterns(&tr(lang, key), &patterns, &values)
}

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
    }
}

/// A server error code in words. Codes with no sentence of their own fall back to the
/// server's (English) message, prefixed so the person knows where it came from.
pub fn server_error_message(lang: Language, code: ErrorCode, message: &str) -> String {
    let key = match code {
        ErrorCode::UsernameTaken => "server_error.username_taken",
        ErrorCode::InvalidCredentials => "server_error.invalid_credentials",
        ErrorCode::RateLimited => "server_error.rate_limited",
        ErrorCode::ServiceUnavailable => "server_error.service_unavailable",
        ErrorCode::Internal => "server_error.internal",
        ErrorCode::NotFound => "server_error.not_found",
        ErrorCode::Forbidden => "server_error.forbidden",
        ErrorCode::PayloadTooLarge => "server_error.payload_too_large",
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
        UiError::UnexpectedStatus(status) => tr_args(
            lang,
            "net_error.unexpected_status",
            &[("status", status.to_string())],
        ),
        UiError::BadResponse => tr(lang, "net_error.bad_response"),
        UiError::InvalidServerUrl => tr(lang, "validation.server_url"),
    }
}

/// A banner notice in words.
pub fn notice_message(lang: Language, notice: &Notice) -> String {
    match notice {
        Notice::SessionEnded => tr(lang, "notice.session_ended"),
        Notice::SignedOut => tr(lang, "notice.signed_out"),
        Notice::SignedOutOffline => tr(lang, "notice.signed_out_offline"),
        Notice::ProfileSaved => tr(lang, "notice.profile_saved"),
        Notice::SessionNotSaved => tr(lang, "notice.session_not_saved"),
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
    use std::collections::BTreeSet;

    use super::*;

    fn keys(lang: Language) -> BTreeSet<String> {
        crate::_rust_i18n_backend()
            .messages_for_locale(lang.code())
            .unwrap_or_default()
            .into_iter()
            .map(|(key, _)| key.into_owned())
            .collect()
    }

    #[test]
    fn all_three_locales_have_exactly_the_same_keys() {
        let english = keys(Language::English);
        assert!(english.len() > 40, "the English file should be loaded");
        for lang in [Language::Russian, Language::Ukrainian] {
            let other = keys(lang);
            let missing: Vec<_> = english.difference(&other).collect();
            let extra: Vec<_> = other.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, extra {extra:?}",
                lang.code()
            );
        }
    }

    #[test]
    fn no_translation_is_empty_and_placeholders_match_english() {
        let all: Vec<_> = Language::ALL
            .iter()
            .map(|l| {
                crate::_rust_i18n_backend()
                    .messages_for_locale(l.code())
                    .unwrap_or_default()
            })
            .collect();
        for (key, english) in &all[0] {
            let want = placeholders(english);
            for (lang, messages) in Language::ALL.iter().zip(&all).skip(1) {
                let Some((_, text)) = messages.iter().find(|(k, _)| k == key) else {
                    continue; // reported by the key test
                };
                assert!(!text.trim().is_empty(), "{}: {key} is empty", lang.code());
                assert_eq!(placeholders(text), want, "{}: {key}", lang.code());
            }
        }
    }

    fn placeholders(text: &str) -> BTreeSet<String> {
        text.split("%{")
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
            .collect()
    }

    /// Every string literal in the views and here that looks like a key (`area.name`) exists,
    /// so a typo in a key cannot ship as raw text.
    #[test]
    fn every_key_used_in_the_sources_exists() {
        let english = keys(Language::English);
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![src.join("i18n.rs")];
        for entry in std::fs::read_dir(src.join("ui")).unwrap().flatten() {
            files.push(entry.path());
        }
        let mut used = BTreeSet::new();
        for file in files {
            let source = std::fs::read_to_string(&file).unwrap();
            // odd pieces between quotes are (roughly) the string literals
            for literal in source.split('"').skip(1).step_by(2) {
                if looks_like_key(literal) {
                    used.insert(literal.to_owned());
                }
            }
        }
        assert!(used.len() > 40, "the scan should find the keys: {used:?}");
        let unknown: Vec<_> = used.difference(&english).collect();
        assert!(unknown.is_empty(), "unknown keys: {unknown:?}");
    }

    fn looks_like_key(literal: &str) -> bool {
        let mut parts = literal.split('.');
        literal.contains('.')
            && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
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
    fn system_locales_map_to_languages() {
        let cases = [
            ("ru-RU", Language::Russian),
            ("ru_RU.UTF-8", Language::Russian),
            ("uk-UA", Language::Ukrainian),
            ("UK", Language::Ukrainian),
            ("en-GB", Language::English),
            ("de-DE", Language::English),
            ("", Language::English),
        ];
        for (locale, want) in cases {
            assert_eq!(Language::from_locale(locale), want, "{locale}");
        }
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
