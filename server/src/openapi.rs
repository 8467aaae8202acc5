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
    text_rules(doc);
}

/// The object schema in `schema`, if that is what it is.
fn object(
    schema: Option<&mut utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
) -> Option<&mut utoipa::openapi::schema::Object> {
    use utoipa::openapi::{RefOr, schema::Schema};
    match schema {
        Some(RefOr::T(Schema::Object(o))) => Some(o),
        _ => None,
    }
}

/// Which request property a text rule of [`natter_shared::validation::patterns`] governs:
/// (schema, property, pattern). The patterns come from the contract, next to the parsers.
const TEXT_RULES: &[(&str, &str, &str)] = {
    use natter_shared::validation::patterns::*;
    &[
        ("RegisterRequest", "username", USERNAME),
        ("RegisterRequest", "password", PASSWORD),
        ("RegisterRequest", "display_name", DISPLAY_NAME_OR_BLANK),
        ("LoginRequest", "username", USERNAME),
        ("LoginRequest", "password", PASSWORD),
        ("LoginRequest", "device_name", DEVICE_NAME_OR_BLANK),
        ("LoginTwoFactorRequest", "code", CODE_OR_BLANK),
        (
            "LoginTwoFactorRequest",
            "recovery_code",
            RECOVERY_CODE_OR_BLANK,
        ),
        ("Reauthenticate", "password", PASSWORD),
        ("Reauthenticate", "code", CODE_OR_BLANK),
        ("Reauthenticate", "recovery_code", RECOVERY_CODE_OR_BLANK),
        ("ChangePasswordRequest", "current_password", PASSWORD),
        ("ChangePasswordRequest", "new_password", PASSWORD),
        ("ChangePasswordRequest", "code", CODE_OR_BLANK),
        (
            "ChangePasswordRequest",
            "recovery_code",
            RECOVERY_CODE_OR_BLANK,
        ),
        ("EnableTwoFactorRequest", "code", CODE),
        (
            "UpdateProfileRequest",
            "display_name",
            DISPLAY_NAME_OR_BLANK,
        ),
        ("UpdateProfileRequest", "bio", BIO),
        ("UpdateChatRequest", "title", TITLE),
        ("UpdateChatRequest", "description", DESCRIPTION),
        ("EditMessageRequest", "text", TEXT),
        ("SendMessageRequest", "text", TEXT),
    ]
};

/// Puts the contract's text rules into the request schemas, and closes the two shapes of
/// `CreateChatRequest` (the server refuses a field of the other shape or an unknown one).
/// A rule naming a schema or property the document lacks is a programming error: the
/// `schema_rules` test starts a server and finds every rule in the document.
fn text_rules(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{AdditionalProperties, Schema};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for (schema, property, pattern) in TEXT_RULES {
        if let Some(o) = object(components.schemas.get_mut(*schema))
            .and_then(|o| object(o.properties.get_mut(*property)))
        {
            o.pattern = Some((*pattern).to_owned());
        }
    }
    if let Some(query) = doc
        .paths
        .paths
        .get_mut(&format!("{}/users", natter_shared::API_PREFIX))
        .and_then(|item| item.get.as_mut())
        .and_then(|op| op.parameters.as_mut())
        .and_then(|params| {
            params.iter_mut().find_map(|p| match p {
                RefOr::T(p) if p.name == "query" => Some(p),
                _ => None,
            })
        })
        && let Some(RefOr::T(Schema::Object(o))) = query.schema.as_mut()
    {
        o.pattern = Some(natter_shared::validation::patterns::USER_QUERY.to_owned());
    }
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    if let Some(RefOr::T(Schema::OneOf(shapes))) = components.schemas.get_mut("CreateChatRequest") {
        for shape in &mut shapes.items {
            if let RefOr::T(Schema::Object(o)) = shape {
                o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
                if let Some(title) = object(o.properties.get_mut("title")) {
                    title.pattern = Some(natter_shared::validation::patterns::TITLE.to_owned());
                }
                if let Some(RefOr::T(Schema::Array(ids))) = o.properties.get_mut("member_ids") {
                    // the caller is one of the members
                    ids.max_items = Some(natter_shared::api::CreateChatRequest::MEMBERS_MAX - 1);
                }
            }
        }
    }
}
