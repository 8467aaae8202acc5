//! Settings → Security: two-factor authentication, the password, other devices, exporting
//! and deleting the account. One form is open at a time; every change asks for the
//! password again (and a code while two-factor authentication is on).

use std::fmt;
use std::path::PathBuf;

use natter_shared::api::{TwoFactorSetup, TwoFactorStatus};
use natter_shared::{RecoveryCode, TwoFactorCode, ValidationError};

use super::UiError;

/// The form open in the Security section.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SecurityPanel {
    #[default]
    None,
    /// Turn two-factor authentication on: the password, then the QR code and a code.
    SetUp,
    /// Turn it off: password and code.
    Disable,
    /// New recovery codes (the old ones stop working): password and code.
    NewCodes,
    /// Change the password: current, new, repeated (and a code).
    Password,
    /// Delete the account: password (and a code) and a confirmation.
    Delete,
}

/// A field of the Security forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityField {
    Password,
    Code,
    NewPassword,
    Repeat,
}

/// What the last finished change was, said once under the section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityDone {
    Enabled,
    Disabled,
    PasswordChanged,
    OthersSignedOut,
    Exported(PathBuf),
}

/// The state of the Security section.
#[derive(Clone, Default, PartialEq)]
pub struct SecurityState {
    /// `GET /account/2fa`, once loaded.
    pub status: Option<TwoFactorStatus>,
    pub loading: bool,
    pub panel: SecurityPanel,
    pub password: String,
    /// A six-digit code or a recovery code.
    pub code: String,
    pub new_password: String,
    pub repeat: String,
    /// "I understand this cannot be undone" (deleting).
    pub delete_confirmed: bool,
    /// The set-up under way: the secret and the otpauth URL for the QR code.
    pub setup: Option<TwoFactorSetup>,
    /// Recovery codes shown this once, until "I saved them".
    pub recovery_codes: Option<Vec<String>>,
    /// A call is in flight.
    pub busy: bool,
    /// Set on a submit attempt, so invalid fields show their errors.
    pub show_errors: bool,
    pub error: Option<UiError>,
    pub done: Option<SecurityDone>,
}

/// Never prints passwords, codes or the secret.
impl fmt::Debug for SecurityState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityState")
            .field("status", &self.status)
            .field("panel", &self.panel)
            .field("setting_up", &self.setup.is_some())
            .field("codes_shown", &self.recovery_codes.is_some())
            .field("busy", &self.busy)
            .field("error", &self.error)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// A code as typed: `(code, recovery_code)`, exactly one set.
pub type CheckedCode = (Option<String>, Option<String>);

impl SecurityState {
    pub fn two_factor_on(&self) -> bool {
        self.status.is_some_and(|s| s.enabled)
    }

    /// The code field read as an authenticator code, or else as a recovery code.
    pub fn checked_code(&self) -> Result<CheckedCode, ValidationError> {
        match TwoFactorCode::parse(&self.code) {
            Ok(code) => Ok((Some(code.expose().to_owned()), None)),
            Err(e) => match RecoveryCode::parse(&self.code) {
                Ok(code) => Ok((None, Some(code.expose().to_owned()))),
                Err(_) => Err(e),
            },
        }
    }

    /// Whether the open form asks for a code: the set-up's second step, and every change
    /// while two-factor authentication is on.
    pub fn asks_code(&self) -> bool {
        match self.panel {
            SecurityPanel::SetUp => self.setup.is_some(),
            SecurityPanel::Disable | SecurityPanel::NewCodes => true,
            SecurityPanel::Password | SecurityPanel::Delete => self.two_factor_on(),
            SecurityPanel::None => false,
        }
    }

    /// The error to show under `field` once a submit was tried.
    pub fn field_error(&self, field: SecurityField) -> Option<UiError> {
        if !self.show_errors {
            return None;
        }
        let error = match field {
            SecurityField::Password => {
                let needed = !(self.panel == SecurityPanel::SetUp && self.setup.is_some());
                needed
                    .then(|| natter_shared::Password::parse(&self.password).err())
                    .flatten()
            }
            SecurityField::Code => self.asks_code().then(|| self.checked_code().err())?,
            SecurityField::NewPassword => (self.panel == SecurityPanel::Password)
                .then(|| natter_shared::Password::parse(&self.new_password).err())?,
            SecurityField::Repeat => {
                return (self.panel == SecurityPanel::Password && self.repeat != self.new_password)
                    .then_some(UiError::PasswordsDiffer);
            }
        };
        error.map(UiError::Validation)
    }
}
