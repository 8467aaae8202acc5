//! PostgreSQL through diesel: the pool, the blocking helper, and one module per table.

pub mod accounts;
pub mod admission;
pub mod batch;
pub mod changes;
pub mod chat_list_stale;
pub mod chats;
pub mod events;
pub mod export;
pub mod files;
pub mod invites;
pub mod links;
pub mod members;
pub mod membership;
pub mod messages;
pub mod names;
pub mod pool;
pub mod requests;
pub mod rosters;
#[rustfmt::skip]
pub mod schema;
pub mod search;
pub mod search_terms;
pub mod sessions;
pub mod two_factor;
pub mod users;
pub mod writer;

pub use pool::{DbPool, run};
