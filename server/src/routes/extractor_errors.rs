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

/// A JSON body that must be an object: `web::Json<JsonObject<T>>`. serde's derived structs
/// also take an array of the fields' values in order, so where every field has a default a
/// body of `[]` was taken as "every field absent" (schemathesis: `POST /chats/{id}/links`
/// with `[]` made a link). For the bodies whose fields are all optional.
pub struct JsonObject<T>(pub T);

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for JsonObject<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let fields = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        T::deserialize(serde_json::Value::Object(fields))
            .map(JsonObject)
            .map_err(D::Error::custom)
    }
}
