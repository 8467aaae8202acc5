//! The calls of Settings → Security.

use std::fmt;

use natter_shared::api::{ChangePasswordRequest, EnableTwoFactorRequest, Reauthenticate};

use super::Method;

/// The calls of Settings → Security (`/account/*`, `POST /auth/sessions/revoke-others`).
#[derive(Clone, PartialEq)]
pub enum AccountCall {
    /// `GET /account/2fa`.
    Status,
    /// `POST /account/2fa/setup`.
    SetUp(Reauthenticate),
    /// `POST /account/2fa/enable`.
    Enable(EnableTwoFactorRequest),
    /// `POST /account/2fa/disable`.
    Disable(Reauthenticate),
    /// `POST /account/2fa/recovery-codes`.
    NewCodes(Reauthenticate),
    /// `POST /account/password`.
    ChangePassword(ChangePasswordRequest),
    /// `POST /auth/sessions/revoke-others`.
    SignOutOthers,
    /// `GET /account/export`: the JSON document as it comes.
    Export,
    /// `DELETE /account`.
    Delete(Reauthenticate),
}

impl AccountCall {
    pub(super) fn method(&self) -> Method {
        match self {
            AccountCall::Status | AccountCall::Export => Method::Get,
            AccountCall::Delete(_) => Method::Delete,
            _ => Method::Post,
        }
    }

    pub(super) fn path(&self) -> &'static str {
        match self {
            AccountCall::Status => "/account/2fa",
            AccountCall::SetUp(_) => "/account/2fa/setup",
            AccountCall::Enable(_) => "/account/2fa/enable",
            AccountCall::Disable(_) => "/account/2fa/disable",
            AccountCall::NewCodes(_) => "/account/2fa/recovery-codes",
            AccountCall::ChangePassword(_) => "/account/password",
            AccountCall::SignOutOthers => "/auth/sessions/revoke-others",
            AccountCall::Export => "/account/export",
            AccountCall::Delete(_) => "/account",
        }
    }

    pub(super) fn body(&self) -> Option<Result<Vec<u8>, serde_json::Error>> {
        match self {
            AccountCall::SetUp(r)
            | AccountCall::Disable(r)
            | AccountCall::NewCodes(r)
            | AccountCall::Delete(r) => Some(serde_json::to_vec(r)),
            AccountCall::Enable(r) => Some(serde_json::to_vec(r)),
            AccountCall::ChangePassword(r) => Some(serde_json::to_vec(r)),
            AccountCall::Status | AccountCall::SignOutOthers | AccountCall::Export => None,
        }
    }
}

/// Never prints passwords or codes.
impl fmt::Debug for AccountCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AccountCall::Status => "Status",
            AccountCall::SetUp(_) => "SetUp",
            AccountCall::Enable(_) => "Enable",
            AccountCall::Disable(_) => "Disable",
            AccountCall::NewCodes(_) => "NewCodes",
            AccountCall::ChangePassword(_) => "ChangePassword",
            AccountCall::SignOutOthers => "SignOutOthers",
            AccountCall::Export => "Export",
            AccountCall::Delete(_) => "Delete",
        })
    }
}
