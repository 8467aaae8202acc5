//! Security headers on every answer: `X-Content-Type-Options: nosniff` (a browser never
//! guesses a type from the bytes, so an uploaded file cannot turn into a script), and a
//! Content Security Policy: nothing at all for the API's JSON and files, and for the Swagger UI
//! under `/api/docs` only its own scripts, styles and images.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    CONTENT_SECURITY_POLICY, HeaderValue, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use actix_web::middleware::Next;

/// The policy of the API's answers: they are data, never pages.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";
/// The policy of the Swagger UI (its initializer is an inline script).
const DOCS_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

/// Middleware: adds the security headers (keeping any a handler set itself).
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let docs = req.path().starts_with("/api/docs");
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    let policy = if docs { DOCS_POLICY } else { API_POLICY };
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    Ok(response)
}
