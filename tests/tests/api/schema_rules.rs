//! The OpenAPI document states the contract's validation rules (issue 14, finding 13): the
//! numbers written as literals in the schema attributes are the newtypes' and queries'
//! constants, enums are spelled as on the wire, and every text rule found its property.

use natter_shared::api::{
    ChatListQuery, ChatRole, CreateLinkRequest, EventsQuery, ForwardRequest, HistoryQuery,
    InvitePolicy, MembersQuery, MessageSearchQuery, PinPolicy, UserSearchQuery,
};
use natter_shared::validation::patterns;
use natter_tests::TestApp;
use serde_json::Value;

async fn document(app: &TestApp) -> Value {
    app.client
        .get(format!("{}/api/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn query_param<'a>(doc: &'a Value, path: &str, name: &str) -> &'a Value {
    doc["paths"][format!("/api/v1{path}")]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .map(|p| &p["schema"])
        .unwrap_or_else(|| panic!("{path} has no parameter {name}"))
}

#[actix_web::test]
async fn limits_and_ranges_are_the_contracts_constants() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    for (path, max) in [
        ("/chats", ChatListQuery::MAX_LIMIT),
        ("/chats/{id}/messages", HistoryQuery::MAX_LIMIT),
        ("/chats/{id}/events", EventsQuery::MAX_LIMIT),
        ("/chats/{id}/members", MembersQuery::MAX_LIMIT),
        ("/users", UserSearchQuery::MAX_LIMIT),
        ("/search/messages", MessageSearchQuery::MAX_LIMIT),
    ] {
        let limit = query_param(&doc, path, "limit");
        assert_eq!(limit["minimum"], 1, "{path}");
        assert_eq!(limit["maximum"], max, "{path}");
    }
    let q = query_param(&doc, "/search/messages", "q");
    assert_eq!(q["maxLength"], MessageSearchQuery::MAX_QUERY);
    assert_eq!(
        query_param(&doc, "/users", "query")["pattern"],
        patterns::USER_QUERY
    );
    let schemas = &doc["components"]["schemas"];
    let link = &schemas["CreateLinkRequest"]["properties"];
    assert_eq!(
        link["expires_in_secs"]["minimum"],
        CreateLinkRequest::EXPIRY_MIN_SECS
    );
    assert_eq!(
        link["expires_in_secs"]["maximum"],
        CreateLinkRequest::EXPIRY_MAX_SECS
    );
    assert_eq!(link["max_uses"]["maximum"], CreateLinkRequest::MAX_USES);
    let forward = &schemas["ForwardRequest"]["properties"]["message_ids"];
    assert_eq!(forward["minItems"], 1);
    assert_eq!(forward["maxItems"], ForwardRequest::MAX);
    assert_eq!(
        schemas["SendMessageRequest"]["properties"]["attachments"]["maxItems"],
        natter_shared::api::files::MAX_ATTACHMENTS
    );
    assert_eq!(schemas["ReadRequest"]["properties"]["seq"]["minimum"], 0);
}

#[actix_web::test]
async fn enums_are_spelled_as_on_the_wire_and_text_rules_are_in_place() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let names = |name: &str| -> Vec<String> {
        schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is not an enum"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let wire = |all: &[&str]| all.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        names("ChatRole"),
        wire(&ChatRole::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>())
    );
    assert_eq!(
        names("InvitePolicy"),
        wire(
            &InvitePolicy::ALL
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
        )
    );
    assert_eq!(
        names("PinPolicy"),
        wire(
            &PinPolicy::ALL
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
        )
    );
    for (schema, property, pattern) in [
        ("RegisterRequest", "username", patterns::USERNAME),
        ("RegisterRequest", "password", patterns::PASSWORD),
        ("LoginRequest", "username", patterns::USERNAME),
        (
            "UpdateProfileRequest",
            "display_name",
            patterns::DISPLAY_NAME_OR_BLANK,
        ),
        ("UpdateProfileRequest", "bio", patterns::BIO),
        ("UpdateChatRequest", "title", patterns::TITLE),
        ("UpdateChatRequest", "description", patterns::DESCRIPTION),
        ("SendMessageRequest", "text", patterns::TEXT),
        ("EditMessageRequest", "text", patterns::TEXT),
        ("EnableTwoFactorRequest", "code", patterns::CODE),
        (
            "Reauthenticate",
            "recovery_code",
            patterns::RECOVERY_CODE_OR_BLANK,
        ),
    ] {
        assert_eq!(
            schemas[schema]["properties"][property]["pattern"], pattern,
            "{schema}.{property}"
        );
    }
    // the group shape of POST /chats, closed like the direct one
    let shapes = schemas["CreateChatRequest"]["oneOf"].as_array().unwrap();
    assert!(shapes.iter().all(|s| s["additionalProperties"] == false));
    assert!(
        shapes
            .iter()
            .any(|s| s["properties"]["title"]["pattern"] == patterns::TITLE)
    );
}
