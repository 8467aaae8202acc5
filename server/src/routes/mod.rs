//! HTTP handlers, one file per resource.

pub mod auth;
pub mod extractor_errors;
pub mod health;
pub mod users;

use actix_web::HttpRequest;
use natter_shared::API_PREFIX;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::error::ApiError;

/// Registers every documented route: a route registered here is in the OpenAPI document by
/// construction (utoipa-actix-web collects them from `service(...)`).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(
            scope::scope(API_PREFIX)
                .service(auth::register_user)
                .service(auth::login)
                .service(auth::refresh_tokens)
                .service(auth::logout)
                .service(auth::list_sessions)
                .service(auth::revoke_session)
                .service(users::get_me)
                .service(users::update_me)
                .service(users::search_users)
                .service(users::get_user),
        );
}

/// Any path no route matches.
pub async fn not_found(req: HttpRequest) -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::client(
        actix_web::http::StatusCode::NOT_FOUND,
        natter_shared::ErrorCode::NotFound,
        format!("no route for {} {}", req.method(), req.path()),
    ))
}
