//! Request and response bodies of the REST API, one module per resource.

pub mod auth;
pub mod users;

pub use auth::*;
pub use users::*;
