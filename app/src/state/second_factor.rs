//! The second step of signing in to an account with two-factor authentication.

use natter_shared::ValidationError;

use super::UiError;

/// The second step of signing in to an account with two-factor authentication.
#[derive(Clone, Default, PartialEq)]
pub struct SecondFactorStep {
    /// The one-use ticket `POST /auth/login` answered.
    pub ticket: String,
    /// What is typed: six digits, or a recovery code when `recovery`.
    pub code: String,
    pub recovery: bool,
    /// `POST /auth/login/2fa` is in flight.
    pub busy: bool,
    /// Set on a submit attempt, so an invalid code shows its error.
    pub show_error: bool,
    /// The server's answer (a wrong code, too many attempts, unreachable).
    pub error: Option<UiError>,
}

/// Never prints the ticket or the code.
impl std::fmt::Debug for SecondFactorStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecondFactorStep")
            .field("recovery", &self.recovery)
            .field("busy", &self.busy)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl SecondFactorStep {
    /// The code as typed, checked: `Ok((code, recovery_code))` with exactly one set.
    pub fn check(&self) -> Result<(Option<String>, Option<String>), ValidationError> {
        if self.recovery {
            natter_shared::RecoveryCode::parse(&self.code)
                .map(|c| (None, Some(c.expose().to_owned())))
        } else {
            natter_shared::TwoFactorCode::parse(&self.code)
                .map(|c| (Some(c.expose().to_owned()), None))
        }
    }

    /// The error to show: the typed code's once submitted, else the server's.
    pub fn shown_error(&self) -> Option<UiError> {
        match self.check() {
            Err(e) if self.show_error => Some(UiError::Validation(e)),
            _ => self.error.clone(),
        }
    }
}
