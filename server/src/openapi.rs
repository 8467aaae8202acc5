//! The OpenAPI document's frame: info and the bearer scheme. Paths and schemas are collected
//! from the registered routes (see `routes::configure`).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Natter API", description = "REST API of the Natter messenger server."),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "registration, sign-in, tokens, devices"),
        (name = "account", description = "two-factor authentication, password, export, deletion"),
        (name = "users", description = "profiles and search"),
        (name = "chats", description = "direct and group chats, the chat list"),
        (name = "messages", description = "history, sending, read cursors"),
        (name = "realtime", description = "the WebSocket"),
        (name = "ops", description = "health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The answers every operation under `/api/v1` may give besides its own, added where a
/// route's annotation does not name them: a malformed request (400), not signed in (401, all
/// but sign-up), the rate limit (429, with `Retry-After`) and a dependency that is down (503).
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{
        ContentBuilder, Ref, RefOr, ResponseBuilder, header::HeaderBuilder, schema,
    };
    let error = |description: &str, retry: bool| {
        let mut response = ResponseBuilder::new().description(description).content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        );
        if retry {
            response = response.header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(Some(schema::Object::with_type(schema::Type::Integer)))
                    .description(Some("seconds until a retry may succeed"))
                    .build(),
            );
        }
        RefOr::T(response.build())
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.starts_with(natter_shared::API_PREFIX) {
            continue;
        }
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
        ];
        for operation in operations.into_iter().flatten() {
            let takes_input = operation.request_body.is_some()
                || operation.parameters.as_ref().is_some_and(|p| !p.is_empty())
                || path.contains('{');
            let public = operation.operation_id.as_deref() == Some("register_user");
            let answers = &mut operation.responses.responses;
            if takes_input {
                answers
                    .entry("400".into())
                    .or_insert_with(|| error("malformed or invalid input", false));
            }
            if !public {
                answers.entry("401".into()).or_insert_with(|| {
                    error(
                        "not signed in: token missing, invalid or expired, or session revoked",
                        false,
                    )
                });
            }
            answers
                .entry("429".into())
                .or_insert_with(|| error("rate limited: retry after `Retry-After` seconds", true));
            answers
                .entry("503".into())
                .or_insert_with(|| error("a dependency (PostgreSQL, Redis) is unavailable", true));
        }
    }
}
