//! `docker-compose.yml` cannot be run here (no Docker engine), so it is checked with a YAML
//! parser: every service has an image or a build, healthchecks, known dependencies and
//! declared volumes; the server's environment names only settings the server reads (a typo
//! there is a setting silently left at its default); its published port is the one it
//! listens on; and the Dockerfile builds the same binary the scripts build.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use regex::Regex;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn compose() -> Value {
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    serde_saphyr::from_str(&text).expect("docker-compose.yml is valid YAML")
}

/// Every environment variable the server reads: the names in its settings code, plus the
/// log filter.
fn settings_the_server_reads() -> BTreeSet<String> {
    let names = Regex::new(r#""((?:NATTER_|DATABASE_|REDIS_)[A-Z0-9_]+)""#).unwrap();
    let mut known: BTreeSet<String> = ["RUST_LOG".to_owned()].into();
    for file in ["config.rs", "file_settings.rs", "telemetry.rs"] {
        let src = std::fs::read_to_string(root().join("server/src").join(file)).unwrap();
        known.extend(names.captures_iter(&src).map(|c| c[1].to_owned()));
    }
    assert!(known.contains("DATABASE_URL") && known.contains("NATTER_JWT_SECRET"));
    known
}

#[test]
fn every_service_has_an_image_or_a_build_and_a_healthcheck() {
    let doc = compose();
    let services = doc["services"].as_object().expect("services");
    for want in ["postgres", "redis", "minio", "server"] {
        assert!(services.contains_key(want), "no {want} service");
    }
    let volumes = doc["volumes"].as_object().cloned().unwrap_or_default();
    for (name, service) in services {
        assert!(
            service.get("image").is_some() || service.get("build").is_some(),
            "{name}: neither image nor build"
        );
        assert!(
            service.get("healthcheck").is_some(),
            "{name}: no healthcheck"
        );
        if let Some(deps) = service.get("depends_on").and_then(Value::as_object) {
            for dep in deps.keys() {
                assert!(
                    services.contains_key(dep),
                    "{name} depends on unknown {dep}"
                );
            }
        }
        for mount in service["volumes"].as_array().into_iter().flatten() {
            let source = mount.as_str().unwrap().split(':').next().unwrap();
            if !source.starts_with(['.', '/']) {
                assert!(
                    volumes.contains_key(source),
                    "{name}: volume {source} not declared"
                );
            }
        }
    }
}

#[test]
fn the_server_is_given_only_settings_it_reads_and_publishes_the_port_it_listens_on() {
    let doc = compose();
    let server = &doc["services"]["server"];
    let env = server["environment"]
        .as_object()
        .expect("server environment as a map");
    let known = settings_the_server_reads();
    let unknown: Vec<&String> = env.keys().filter(|k| !known.contains(*k)).collect();
    assert!(
        unknown.is_empty(),
        "settings the server does not read: {unknown:?}"
    );
    for needed in [
        "DATABASE_URL",
        "REDIS_URL",
        "NATTER_JWT_SECRET",
        "NATTER_ADDR",
    ] {
        assert!(
            env.contains_key(needed),
            "server environment lacks {needed}"
        );
    }
    let addr = env["NATTER_ADDR"].as_str().unwrap();
    let listens = addr.rsplit(':').next().unwrap();
    let ports: Vec<&str> = server["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(
        ports.iter().any(|p| p.rsplit(':').next() == Some(listens)),
        "published {ports:?}, listens on {listens}"
    );
    // the services the server is pointed at are services of this file
    let services = doc["services"].as_object().unwrap();
    for (var, host_of) in [("DATABASE_URL", "@"), ("REDIS_URL", "//")] {
        let url = env[var].as_str().unwrap();
        let host = url
            .split(host_of)
            .nth(1)
            .unwrap()
            .split([':', '/'])
            .next()
            .unwrap();
        assert!(
            services.contains_key(host),
            "{var} points at {host}, not a service"
        );
    }
}

#[test]
fn the_dockerfile_builds_the_binary_the_scripts_build() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("cargo build --release --locked -p natter-server"),
        "the Dockerfile builds natter-server as scripts/run does"
    );
    let run = std::fs::read_to_string(root().join("scripts/run")).unwrap();
    assert!(
        run.contains("natter-server"),
        "scripts/run builds natter-server"
    );
    let doc = compose();
    assert_eq!(
        doc["services"]["server"]["build"], ".",
        "compose builds the Dockerfile"
    );
}
