//! Request and response bodies of the REST API, one module per resource.

pub mod account;
pub mod auth;
pub mod chats;
pub mod events;
pub mod files;
pub mod groups;
pub mod messages;
pub mod search;
pub mod users;

pub use account::*;
pub use auth::*;
pub use chats::*;
pub use events::*;
pub use files::*;
pub use groups::*;
pub use messages::*;
pub use search::*;
pub use users::*;
