//! `GET /metrics` (Prometheus text) and the middleware that times every HTTP request. The
//! recorder itself is set up in [`crate::telemetry`].

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, get, web};

use crate::state::AppState;
use crate::telemetry;

/// Prometheus text exposition of this process's metrics. With `NATTER_METRICS_TOKEN` set it
/// asks for `Authorization: Bearer <token>`.
#[utoipa::path(tag = "ops", responses(
    (status = 200, description = "Prometheus text format", body = String),
    (status = 401, description = "`NATTER_METRICS_TOKEN` is set and the request does not carry it"),
))]
#[get("/metrics")]
pub async fn metrics_text(req: actix_web::HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Some(token) = &state.settings.metrics_token
        && !bearer_matches(&req, &token.0)
    {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Bearer"))
            .finish();
    }
    let pool = state.db.state();
    metrics::gauge!("natter_db_pool_connections").set(f64::from(pool.connections));
    metrics::gauge!("natter_db_pool_idle").set(f64::from(pool.idle_connections));
    metrics::gauge!("natter_db_pool_in_use")
        .set(f64::from(pool.connections - pool.idle_connections));
    metrics::gauge!("natter_ws_connections").set(state.registry.connection_count() as f64);
    metrics::gauge!("natter_chat_rooms").set(state.registry.room_count() as f64);
    let body = telemetry::render();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}

/// Whether the request carries `Authorization: Bearer <token>`, compared in constant time
/// so the answer's timing says nothing about how much of a guess was right.
fn bearer_matches(req: &actix_web::HttpRequest, token: &str) -> bool {
    use subtle::ConstantTimeEq;
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    bool::from(given.as_bytes().ct_eq(token.as_bytes()))
}

/// The `route` label of a request no route matched.
const UNMATCHED: &str = "unmatched";

/// The `method` label: the methods the API speaks, and `other` for any other, so made-up
/// methods cannot add series without bound.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Records `natter_http_request_seconds{method, route, status}` and answers with the
/// request id (`x-request-id`) that tags the request's log lines.
pub async fn time_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let request_id = telemetry::logged_request_id(&req);
    let mut res = next.call(req).await?;
    // the id in every log line of this request, so a report can be matched to the logs
    if let Some(id) = request_id
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&id)
    {
        res.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-request-id"),
            value,
        );
    }
    // a matched route is one of the registered patterns (a fixed set); anything else, one label
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| UNMATCHED.into());
    metrics::histogram!(
        "natter_http_request_seconds",
        "method" => method,
        "route" => route,
        "status" => res.status().as_u16().to_string()
    )
    .record(started.elapsed().as_secs_f64());
    Ok(res)
}
