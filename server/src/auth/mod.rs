//! Authentication: access tokens (JWT), refresh tokens, password hashing, the `AuthUser`
//! extractor.

pub mod extractor;
pub mod password;
pub mod tokens;

pub use extractor::AuthUser;
pub use tokens::{Claims, JwtKeys, TokenError};
