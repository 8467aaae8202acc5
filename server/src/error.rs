//! `ApiError`: every failure of a request, mapped to a status and the shared error body.
//!
//! Expected failures (4xx) carry their code and message. Unexpected ones are logged once,
//! here, where they turn into a 500 (or a 503 when a dependency is down); the client never
//! sees internals.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use natter_shared::api::Refusal;
use natter_shared::{ErrorBody, ErrorCode, Field, ValidationError};

/// The error type of every handler.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A 4xx the client can act on.
    #[error("{status}: {}", body.error.message)]
    Client {
        status: StatusCode,
        body: ErrorBody,
        /// Headers the answer carries besides the body (`Tus-Version`, `Content-Range` …).
        headers: Vec<(&'static str, String)>,
    },
    /// 429 with `Retry-After`.
    #[error("rate limited for {retry_after_secs}s")]
    RateLimited { retry_after_secs: u64 },
    /// 503 with `Retry-After`: the send (or change) could not be persisted within the
    /// admission budget (`NATTER_SEND_ADMIT_MS`); nothing was stored.
    #[error("overloaded: refused at admission")]
    Overloaded,
    /// 503: PostgreSQL or Redis is unreachable.
    #[error("service unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// 500: a bug.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn client(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client {
            status,
            body: ErrorBody::new(code, message),
            headers: Vec::new(),
        }
    }

    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::client(StatusCode::BAD_REQUEST, code, message)
    }

    /// 400 naming the field.
    pub fn invalid_field(field: Field, message: impl Into<String>) -> Self {
        Self::Client {
            status: StatusCode::BAD_REQUEST,
            body: ErrorBody::new(ErrorCode::ValidationFailed, message).with_field(field),
            headers: Vec::new(),
        }
    }

    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::client(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::client(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("{what} not found"),
        )
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::client(StatusCode::CONFLICT, code, message)
    }

    /// 403 for what the group's permission table refused, with the refusal's own code.
    pub fn refused(r: Refusal) -> Self {
        let code = match r {
            Refusal::RoleTooLow => ErrorCode::RoleTooLow,
            Refusal::TargetTooHigh => ErrorCode::TargetRoleTooHigh,
            Refusal::RoleAboveYours => ErrorCode::RoleAboveYours,
            Refusal::Muted => ErrorCode::Muted,
        };
        Self::client(StatusCode::FORBIDDEN, code, r.to_string())
    }

    /// Adds the field a client error concerns.
    pub fn with_field(self, field: Field) -> Self {
        match self {
            Self::Client {
                status,
                body,
                headers,
            } => Self::Client {
                status,
                body: body.with_field(field),
                headers,
            },
            other => other,
        }
    }

    /// Adds a header to a client error's answer.
    pub fn with_header(mut self, name: &'static str, value: String) -> Self {
        if let Self::Client { headers, .. } = &mut self {
            headers.push((name, value));
        }
        self
    }

    /// The code, for logs and tests.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Client { body, .. } => body.error.code,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Overloaded => ErrorCode::Overloaded,
            Self::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        Self::invalid_field(e.field, e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Client { status, .. } => *status,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Overloaded | Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Self::RateLimited { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let Self::Overloaded = self {
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        if let Self::Client { headers, .. } = self {
            for (name, value) in headers {
                response.insert_header((*name, value.as_str()));
            }
        }
        response.json(self.public_body())
    }
}

impl ApiError {
    /// What the client is told (over HTTP or in a WebSocket `error` frame). Unexpected errors
    /// are logged here, once, with their detail; the client never sees internals.
    pub fn public_body(&self) -> ErrorBody {
        match self {
            Self::Client { body, .. } => body.clone(),
            Self::RateLimited { retry_after_secs } => ErrorBody::new(
                ErrorCode::RateLimited,
                format!("too many requests; retry in {retry_after_secs} s"),
            ),
            Self::Overloaded => ErrorBody::new(
                ErrorCode::Overloaded,
                "the server is busy and did not store this; send it again shortly",
            ),
            Self::Unavailable(e) => {
                tracing::warn!(error = %format!("{e:#}"), "dependency unavailable");
                ErrorBody::new(
                    ErrorCode::ServiceUnavailable,
                    "a service the server depends on is unavailable; try again shortly",
                )
            }
            Self::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                ErrorBody::new(ErrorCode::Internal, "internal server error")
            }
        }
    }
}

impl From<actix::MailboxError> for ApiError {
    fn from(e: actix::MailboxError) -> Self {
        Self::Internal(anyhow::anyhow!("chat room unavailable: {e}"))
    }
}
