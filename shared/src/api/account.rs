//! `/account/*`: two-factor authentication, the password, exporting and deleting the
//! account. Every change here asks for the password again, and for a code while two-factor
//! authentication is on.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::chats::ChatSummary;
use crate::api::files::FileInfo;
use crate::api::messages::Message;
use crate::api::users::User;

/// The confirmation a sensitive change asks for: the password, and while two-factor
/// authentication is on, a current `code` or a `recovery_code`. Used by
/// `POST /account/2fa/setup`, `POST /account/2fa/disable`,
/// `POST /account/2fa/recovery-codes` and `DELETE /account`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reauthenticate {
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
}

/// `GET /account/2fa`: whether two-factor authentication is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorStatus {
    pub enabled: bool,
    /// Recovery codes not used yet (0 while off).
    pub recovery_codes_left: u32,
}

/// `POST /account/2fa/setup`: the new secret, for an authenticator app. Nothing is on until
/// `POST /account/2fa/enable` gets a correct code; a new set-up replaces an unconfirmed one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TwoFactorSetup {
    /// Base32, for typing into an authenticator app.
    pub secret: String,
    /// `otpauth://totp/Natter:alice?secret=…&issuer=Natter`, for the QR code.
    pub otpauth_url: String,
}

/// `POST /account/2fa/enable`: a code from the authenticator app set up just now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnableTwoFactorRequest {
    pub code: String,
}

/// Ten single-use recovery codes (`abcde-fghij`), shown this once: the server keeps only
/// their hashes. Answered by enabling two-factor authentication and by regenerating codes
/// (which voids the old ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// `POST /account/password`. Every other device is signed out; this one stays.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
}

/// `GET /account/export`: everything of the account as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountExport {
    pub exported_at: DateTime<Utc>,
    pub profile: User,
    /// The chats the owner is in, each with its history as the owner can see it (what
    /// they deleted for themselves and what was before they joined left out).
    pub chats: Vec<ExportedChat>,
    /// The files the owner uploaded: their metadata, not their bytes.
    pub files: Vec<FileInfo>,
}

/// One chat of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedChat {
    pub chat: ChatSummary,
    /// Oldest first.
    pub messages: Vec<Message>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_confirmation_has_a_stable_json() {
        let r = Reauthenticate {
            password: "pw".into(),
            code: Some("123456".into()),
            recovery_code: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"password":"pw","code":"123456"}"#
        );
        let without: Reauthenticate = serde_json::from_str(r#"{"password":"pw"}"#).unwrap();
        assert_eq!(without.code, None);
        assert!(serde_json::from_str::<Reauthenticate>(r#"{"password":"pw","x":1}"#).is_err());
    }

    #[test]
    fn set_up_status_and_codes_have_a_stable_json() {
        let setup = TwoFactorSetup {
            secret: "ABC".into(),
            otpauth_url: "otpauth://totp/Natter:alice?secret=ABC&issuer=Natter".into(),
        };
        assert_eq!(
            serde_json::to_string(&setup).unwrap(),
            r#"{"secret":"ABC","otpauth_url":"otpauth://totp/Natter:alice?secret=ABC&issuer=Natter"}"#
        );
        let status = TwoFactorStatus {
            enabled: true,
            recovery_codes_left: 9,
        };
        assert_eq!(
            serde_json::to_string(&status).unwrap(),
            r#"{"enabled":true,"recovery_codes_left":9}"#
        );
        let codes = RecoveryCodes {
            recovery_codes: vec!["abcde-fghij".into()],
        };
        assert_eq!(
            serde_json::to_string(&codes).unwrap(),
            r#"{"recovery_codes":["abcde-fghij"]}"#
        );
    }

    #[test]
    fn a_password_change_has_a_stable_json() {
        let r = ChangePasswordRequest {
            current_password: "old password".into(),
            new_password: "new password".into(),
            code: None,
            recovery_code: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"current_password":"old password","new_password":"new password"}"#
        );
    }
}
