//! What the reducer asks the outside world to do; [`crate::net::Executor`] does it.

use crate::action::ApiCall;
use crate::token_store::StoredSession;

/// A side effect requested by [`crate::reduce::reduce`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Make an HTTP call; the answer comes back as [`crate::action::Action::ApiFinished`].
    Api(ApiRequest),
    /// Write the session (with its newest refresh token) to the token store.
    SaveSession(StoredSession),
    /// Remove the stored session.
    ClearSession,
}

/// One HTTP call with everything needed to make it.
#[derive(Clone, PartialEq)]
pub struct ApiRequest {
    pub epoch: u64,
    /// Normalised server URL, without `/api/v1`.
    pub server_url: String,
    pub call: ApiCall,
    /// The bearer token, for calls that need one.
    pub access_token: Option<String>,
    pub token_generation: u64,
}

impl std::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiRequest")
            .field("epoch", &self.epoch)
            .field("server_url", &self.server_url)
            .field("call", &self.call)
            .field("authorized", &self.access_token.is_some())
            .field("token_generation", &self.token_generation)
            .finish()
    }
}
