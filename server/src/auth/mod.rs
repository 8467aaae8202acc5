//! Authentication: access tokens (JWT), refresh tokens, password hashing, the `AuthUser`
//! extractor.

pub mod extractor;
pub mod password;
pub mod second_factor;
pub mod sign_in;
pub mod tokens;
pub mod totp;

pub use extractor::AuthUser;
pub use tokens::{Claims, JwtKeys, TokenError};
