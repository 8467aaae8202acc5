//! PostgreSQL through diesel: the pool, the blocking helper, and one module per table.

pub mod pool;
#[rustfmt::skip]
pub mod schema;
pub mod sessions;
pub mod users;

pub use pool::{DbPool, run};
