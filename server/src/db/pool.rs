//! The r2d2 pool, migrations, and `run`: the one way handlers reach the database.

use std::time::Duration;

use anyhow::Context;
use diesel::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::ApiError;

pub type DbPool = Pool<ConnectionManager<PgConnection>>;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

/// Opens the pool; fails (with the reason) when PostgreSQL cannot be reached.
pub fn connect(database_url: &str, size: u32, min_idle: u32) -> anyhow::Result<DbPool> {
    Pool::builder()
        .max_size(size)
        .min_idle(Some(min_idle.min(size)))
        .connection_timeout(Duration::from_secs(5))
        .build(ConnectionManager::<PgConnection>::new(database_url))
        .context("cannot connect to PostgreSQL (DATABASE_URL)")
}

/// The PostgreSQL advisory lock migrations run under ("natter" in ASCII): processes started
/// together on a fresh database take turns, and the later ones find nothing pending, where
/// they used to race to create the same types and all but one exit.
const MIGRATION_LOCK: i64 = 0x6e61_7474_6572;

/// Applies pending migrations, one process at a time; blocking.
pub fn migrate(pool: &DbPool) -> anyhow::Result<()> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::BigInt;
    let mut conn = pool.get().context("cannot get a PostgreSQL connection")?;
    // a session lock: released by the unlock below, or by PostgreSQL if this process dies
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut conn)
        .context("waiting for the migration lock")?;
    let applied: anyhow::Result<Vec<String>> = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|done| done.iter().map(ToString::to_string).collect())
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("applying migrations");
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut conn)
        .context("releasing the migration lock")?;
    for m in applied? {
        tracing::info!(migration = %m, "migration applied");
    }
    Ok(())
}

/// Runs `f` with a pooled connection on actix's blocking threads, never on an async worker.
/// A pool timeout or a broken connection becomes a 503; other database errors a 500.
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut PgConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool
            .get()
            .map_err(|e| ApiError::Unavailable(anyhow::Error::new(e).context("PostgreSQL pool")))?;
        f(&mut conn)
    })
    .await?
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                ApiError::Unavailable(anyhow::Error::new(e).context("PostgreSQL connection"))
            }
            other => ApiError::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}
