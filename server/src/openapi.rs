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
