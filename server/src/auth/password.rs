//! bcrypt hashing, always off the async workers.

use actix_web::web;
use anyhow::Context;
use natter_shared::Password;

use crate::error::ApiError;

/// Hashes a password at the configured cost on a blocking thread.
pub async fn hash(password: Password, cost: u32) -> Result<String, ApiError> {
    web::block(move || bcrypt::hash(password.expose(), cost).context("bcrypt hash"))
        .await?
        .map_err(ApiError::Internal)
}

/// Verifies a password against a stored hash on a blocking thread. A malformed stored hash
/// counts as a mismatch (and is logged): it must not let anyone in.
pub async fn verify(password: Password, stored_hash: String) -> Result<bool, ApiError> {
    Ok(web::block(move || {
        bcrypt::verify(password.expose(), &stored_hash).unwrap_or_else(|e| {
            tracing::error!(error = %e, "stored password hash is malformed");
            false
        })
    })
    .await?)
}
