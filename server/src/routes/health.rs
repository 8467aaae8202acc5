//! `GET /healthz` (the process is alive) and `GET /readyz` (its dependencies answer).

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use crate::state::AppState;

/// How long `/readyz` waits for each dependency.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Liveness: answers as long as the process serves HTTP.
#[utoipa::path(tag = "ops", responses((status = 200, description = "alive", body = String)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The state of each dependency.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ok` or `down`
    pub postgres: &'static str,
    /// `ok` or `down`
    pub redis: &'static str,
    /// `ok` while this process receives the other processes' events over Redis pub/sub.
    pub bus: &'static str,
}

/// Readiness: 200 when PostgreSQL and Redis answer and the bus is subscribed, else 503
/// naming what is down.
#[utoipa::path(tag = "ops", responses(
    (status = 200, description = "ready", body = Readiness),
    (status = 503, description = "a dependency is down", body = Readiness),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.db.clone();
    let pg = tokio::time::timeout(
        READY_TIMEOUT,
        web::block(move || -> anyhow::Result<()> {
            use diesel::RunQueryDsl;
            let mut conn = pool.get_timeout(READY_TIMEOUT)?;
            diesel::sql_query("SELECT 1").execute(&mut conn)?;
            Ok(())
        }),
    );
    let redis = tokio::time::timeout(READY_TIMEOUT, state.redis.ping());
    let (pg, redis) = tokio::join!(pg, redis);
    let pg_ok = matches!(pg, Ok(Ok(Ok(()))));
    let redis_ok = matches!(redis, Ok(Ok(())));
    if let Ok(Ok(Err(e))) = &pg {
        tracing::warn!(error = %format!("{e:#}"), "readyz: PostgreSQL down");
    }
    if let Ok(Err(e)) = &redis {
        tracing::warn!(error = %format!("{e:#}"), "readyz: Redis down");
    }
    let bus_ok = state.bus.is_subscribed();
    let body = Readiness {
        postgres: if pg_ok { "ok" } else { "down" },
        redis: if redis_ok { "ok" } else { "down" },
        bus: if bus_ok { "ok" } else { "down" },
    };
    if pg_ok && redis_ok && bus_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
