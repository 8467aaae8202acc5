//! `/auth/*`: registration, login, token refresh, sign-out and devices.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::users::User;
use crate::ids::SessionId;

/// `POST /auth/register`. Fields are raw strings: the server validates each and names the
/// offending one in its error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    pub username: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `POST /auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// Shown in the devices list ("Natter on Linux"); the User-Agent is used when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
}

/// `POST /auth/refresh`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// The answer of login and refresh: a short-lived access token and a refresh token that is
/// good for one use (each refresh returns a new one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthTokens {
    /// Access token (JWT), sent as `Authorization: Bearer …`.
    pub token: String,
    /// Seconds until `token` expires.
    pub expires_in: u64,
    pub refresh_token: String,
    /// The session (device) these tokens belong to.
    pub session_id: SessionId,
    pub user: User,
}

/// One signed-in device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: SessionId,
    pub device_name: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// True for the session making this request.
    pub current: bool,
}

/// `GET /auth/sessions`: the caller's active sessions, most recently seen first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionList {
    pub sessions: Vec<SessionInfo>,
}

/// What `POST /auth/login` answers: the tokens, or — for an account with two-factor
/// authentication on — a ticket to finish signing in with at `POST /auth/login/2fa`.
/// Untagged, so a client that knows only [`AuthTokens`] reads the usual answer unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LoginAnswer {
    Tokens(AuthTokens),
    TwoFactor(TwoFactorChallenge),
}

/// The password was right and the account has two-factor authentication on: send a code
/// (or a recovery code) with this ticket to `POST /auth/login/2fa` within `expires_in`
/// seconds. The ticket works once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorChallenge {
    /// Always `true`: tells this answer from [`AuthTokens`].
    pub two_factor_required: bool,
    pub ticket: String,
    pub expires_in: u64,
}

/// `POST /auth/login/2fa`: the ticket of the login and exactly one of `code` (six digits of
/// the authenticator app) or `recovery_code` (one of the ten handed out, each good once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginTwoFactorRequest {
    pub ticket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
}

/// `POST /auth/sessions/revoke-others`: how many other devices were signed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevokedSessions {
    pub revoked: u64,
}

#[cfg(test)]
mod two_factor_golden {
    use super::*;

    #[test]
    fn a_challenge_has_a_stable_json_and_reads_as_a_login_answer() {
        let challenge = TwoFactorChallenge {
            two_factor_required: true,
            ticket: "t".into(),
            expires_in: 300,
        };
        let json = serde_json::to_string(&challenge).unwrap();
        assert_eq!(
            json,
            r#"{"two_factor_required":true,"ticket":"t","expires_in":300}"#
        );
        let answer: LoginAnswer = serde_json::from_str(&json).unwrap();
        assert_eq!(answer, LoginAnswer::TwoFactor(challenge));
    }

    #[test]
    fn the_usual_tokens_still_read_as_a_login_answer() {
        let json = r#"{"token":"jwt","expires_in":900,"refresh_token":"r","session_id":"00000000-0000-0000-0000-000000000002","user":{"id":"00000000-0000-0000-0000-000000000001","username":"alice","bio":"","created_at":"2026-01-02T03:04:05Z"}}"#;
        let answer: LoginAnswer = serde_json::from_str(json).unwrap();
        assert!(matches!(answer, LoginAnswer::Tokens(t) if t.token == "jwt"));
    }

    #[test]
    fn a_second_step_request_has_a_stable_json() {
        let r = LoginTwoFactorRequest {
            ticket: "t".into(),
            code: Some("123456".into()),
            recovery_code: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"ticket":"t","code":"123456"}"#
        );
        assert!(
            serde_json::from_str::<LoginTwoFactorRequest>(r#"{"ticket":"t","otp":"1"}"#).is_err()
        );
    }
}
