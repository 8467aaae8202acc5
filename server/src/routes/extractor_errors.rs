//! Turns actix's extractor failures (bad JSON, bad path ids, bad query strings) into the
//! shared error body with a clear message, instead of actix's plain-text defaults.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::web;
use natter_shared::ErrorCode;

use crate::error::ApiError;

/// Largest JSON body accepted.
pub const JSON_LIMIT_BYTES: usize = 64 * 1024;

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT_BYTES)
        .error_handler(|err, _req| json_error(&err).into())
}

fn json_error(err: &JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::client(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!("the body is larger than {JSON_LIMIT_BYTES} bytes"),
            )
        }
        JsonPayloadError::ContentType => ApiError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send the body as JSON with Content-Type: application/json",
        ),
        JsonPayloadError::Deserialize(e) if e.is_eof() && e.line() == 1 && e.column() == 0 => {
            ApiError::bad_request(ErrorCode::InvalidJson, "the request body is empty")
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::bad_request(ErrorCode::InvalidJson, format!("invalid JSON body: {e}"))
        }
        other => ApiError::bad_request(ErrorCode::InvalidJson, format!("invalid body: {other}")),
    }
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err, _req| {
        let message = match &err {
            PathError::Deserialize(e) => format!("invalid path: {e}"),
            other => format!("invalid path: {other}"),
        };
        ApiError::bad_request(ErrorCode::InvalidPath, message).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err, _req| {
        let message = match &err {
            QueryPayloadError::Deserialize(e) => format!("invalid query string: {e}"),
            other => format!("invalid query string: {other}"),
        };
        ApiError::bad_request(ErrorCode::InvalidQuery, message).into()
    })
}

/// A request's JSON body, which must be an object; derefs to `T`. Every handler that takes a
/// JSON body takes it as this, not as `web::Json<T>`: serde's derived structs also take an
/// array of the fields' values in order, so where every field has a default a body of `[]`
/// was taken as "every field absent" (schemathesis: `POST /chats/{id}/links` with `[]` made a
/// link, `[60]` one expiring in a minute), and `["name", "password"]` registered an account.
/// The body is read as `web::Json` reads it (size limit, content type, the errors above), kept
/// as raw text, and `T` is parsed from it only when it is an object.
pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Body<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(
        req: &actix_web::HttpRequest,
        payload: &mut actix_web::dev::Payload,
    ) -> Self::Future {
        let raw = web::Json::<Box<serde_json::value::RawValue>>::from_request(req, payload);
        Box::pin(async move {
            let raw = raw.await?.into_inner();
            let text = raw.get();
            if !text.trim_start().starts_with('{') {
                return Err(ApiError::bad_request(
                    ErrorCode::InvalidJson,
                    "invalid JSON body: expected a JSON object",
                )
                .into());
            }
            serde_json::from_str::<T>(text)
                .map(Body)
                .map_err(|e| json_error(&JsonPayloadError::Deserialize(e)).into())
        })
    }
}
