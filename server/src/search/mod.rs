//! Search: what a query asks for, and the snippets of what it found. The SQL is in
//! `db::search` and `db::users`; the routes in `routes::search` and `routes::users`.

pub mod query;
pub mod snippet;
