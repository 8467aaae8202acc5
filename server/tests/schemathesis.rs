//! Schemathesis (from PyPI, pinned by `scripts/lib.sh::ensure_schemathesis`) against a real
//! server and its own OpenAPI document: every check, a fixed seed and a time bound, 0
//! failures. A request the document calls valid must be accepted, one it calls invalid
//! refused, every answer documented. The few checks turned off for an operation whose rule
//! JSON Schema cannot say are listed, with the reason, in `schemathesis.toml` beside this.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use natter_tests::{ServerProcess, TestDatabase, sign_up};

const BIN: &str = env!("CARGO_BIN_EXE_natter-server");

/// Seconds of generated requests; the whole test stays near two minutes.
const MAX_TIME_SECS: &str = "100";

/// Operations that would end the test's own session (or account) midway, so that every
/// later request would only test "signed out".
const ENDS_THE_SESSION: [&str; 5] = [
    "logout",
    "revoke_session",
    "revoke_other_sessions",
    "change_password",
    "delete_account",
];

/// `GET /api/v1/ws` is a WebSocket handshake, not a request/answer schemathesis can make.
const NOT_HTTP: [&str; 1] = ["connect_ws"];

fn schemathesis() -> String {
    std::env::var("NATTER_TEST_SCHEMATHESIS").unwrap_or_else(|_| "st".into())
}

#[actix_web::test]
async fn schemathesis_finds_nothing_the_openapi_document_does_not_say() {
    let db = TestDatabase::create();
    let totp_key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 32]>());
    let server = ServerProcess::start(
        BIN,
        &db.name,
        &db.redis_prefix,
        &[
            ("NATTER_RATE_REST_PER_MIN", "1000000"),
            ("NATTER_RATE_MESSAGES_PER_MIN", "1000000"),
            ("NATTER_RATE_LOGIN_FAILURES_PER_MIN", "1000000"),
            ("NATTER_WORKERS", "2"),
            // so the two-factor operations answer rather than 503 feature_unavailable
            ("NATTER_TOTP_KEY", &totp_key),
        ],
    )
    .await;
    let me = sign_up(&reqwest::Client::new(), |p| server.api(p)).await;
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemathesis.toml");
    let mut st = std::process::Command::new(schemathesis());
    st.args(["--config-file", config, "run"])
        .arg(format!("{}/api/openapi.json", server.address))
        .arg("-H")
        .arg(format!("Authorization: Bearer {}", me.token))
        .args(["--seed", "1", "--max-examples", "30", "--workers", "2"])
        .args(["--phases", "examples,fuzzing", "--max-time", MAX_TIME_SECS])
        // nothing remembered between runs (nor written into the tree): the seed alone decides
        .args(["--generation-database", "none", "--no-color"])
        // its cache folder goes there, not into the tree
        .current_dir(std::env::temp_dir())
        .env("NO_COLOR", "1");
    for id in ENDS_THE_SESSION.iter().chain(&NOT_HTTP) {
        st.args(["--exclude-operation-id", id]);
    }
    let out = tokio::task::spawn_blocking(move || st.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run schemathesis ({}): {e}; scripts/test installs it (ensure_schemathesis)",
                schemathesis()
            )
        });
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "schemathesis found failures (exit {:?}):\n{report}",
        out.status.code()
    );
    assert!(
        report.contains("Tested:"),
        "schemathesis tested nothing:\n{report}"
    );
}
