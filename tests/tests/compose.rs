//! `docker-compose.yml` cannot be run here (no Docker engine), so it is checked with a YAML
//! parser: every service has an image or a build, healthchecks, known dependencies and
//! declared volumes; the server's environment names only settings the server reads (a typo
//! there is a setting silently left at its default); its published port is the one it
//! listens on; every secret comes from the operator's `.env` (no defaults) and only nginx is
//! published beyond the host; the files it mounts exist and the services point at each other
//! by names that exist; and the Dockerfile builds the same binary the scripts build.

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
    for want in [
        "postgres",
        "redis",
        "minio",
        "clamav",
        "server",
        "nginx",
        "prometheus",
        "node-exporter",
        "grafana",
    ] {
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

/// Every environment value of every service, as (service, variable, value).
fn environments(doc: &Value) -> Vec<(String, String, String)> {
    let mut all = Vec::new();
    for (name, service) in doc["services"].as_object().unwrap() {
        for (var, value) in service["environment"].as_object().into_iter().flatten() {
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            all.push((name.clone(), var.clone(), value));
        }
    }
    all
}

#[test]
fn every_secret_comes_from_the_operator_and_only_nginx_is_public() {
    let doc = compose();
    let text = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    // `${VAR:?message}` stops compose when VAR is unset; `${VAR:-default}` would ship a secret
    let defaulted = Regex::new(r"\$\{[A-Z_]*(SECRET|PASSWORD|KEY)[A-Z_]*:-").unwrap();
    assert!(!defaulted.is_match(&text), "a secret with a default value");
    let secret = Regex::new(r"SECRET|PASSWORD|TOTP_KEY").unwrap();
    let required = Regex::new(r"\$\{[A-Z_]+:\?[^}]+\}").unwrap();
    let mut secrets = 0;
    for (service, var, value) in environments(&doc) {
        if secret.is_match(&var) || var == "DATABASE_URL" {
            secrets += 1;
            assert!(
                required.is_match(&value),
                "{service}: {var} must come from .env as ${{VAR:?…}}, is {value:?}"
            );
        }
    }
    assert!(
        secrets >= 6,
        "JWT, TOTP key, PostgreSQL, MinIO (twice), Grafana"
    );
    for (name, service) in doc["services"].as_object().unwrap() {
        for port in service["ports"].as_array().into_iter().flatten() {
            let port = port.as_str().unwrap();
            if name == "nginx" {
                assert!(
                    port == "80:80" || port == "443:443",
                    "nginx publishes {port}"
                );
            } else {
                assert!(
                    port.starts_with("127.0.0.1:"),
                    "{name} publishes {port} beyond this host"
                );
            }
        }
    }
    assert!(
        doc["services"]["minio"].get("ports").is_none(),
        "MinIO published"
    );
}

#[test]
fn the_files_it_mounts_exist_and_services_name_each_other_correctly() {
    let doc = compose();
    let services = doc["services"].as_object().unwrap();
    for (name, service) in services {
        for mount in service["volumes"].as_array().into_iter().flatten() {
            let source = mount.as_str().unwrap().split(':').next().unwrap();
            if let Some(path) = source.strip_prefix("./") {
                assert!(root().join(path).exists(), "{name} mounts missing ./{path}");
            }
        }
    }
    let host_of = |url: &str| -> String {
        let rest = url.split("://").nth(1).unwrap_or(url);
        let rest = rest.rsplit('@').next().unwrap();
        rest.split([':', '/']).next().unwrap().to_owned()
    };
    let env = &doc["services"]["server"]["environment"];
    for var in ["NATTER_S3_ENDPOINT", "NATTER_CLAMAV_ADDR"] {
        let host = host_of(env[var].as_str().unwrap());
        assert!(services.contains_key(&host), "{var} points at {host}");
    }
    // the server believes X-Forwarded-For from exactly the compose network nginx is on
    let subnet = &doc["networks"]["default"]["ipam"]["config"][0]["subnet"];
    assert_eq!(env["NATTER_TRUSTED_PROXIES"], *subnet);
    // nginx runs deploy/nginx/natter.conf with its upstream line pointed at the server
    let nginx_conf = std::fs::read_to_string(root().join("deploy/nginx/natter.conf")).unwrap();
    let command = doc["services"]["nginx"]["command"].to_string();
    let swapped = Regex::new(r"s/(server [0-9.:]+;)/server (\w+):8080;/")
        .unwrap()
        .captures(&command)
        .expect("nginx's command swaps the upstream line");
    assert!(
        nginx_conf.contains(&swapped[1]),
        "natter.conf has no `{}`",
        &swapped[1]
    );
    assert!(
        services.contains_key(&swapped[2]),
        "upstream {}",
        &swapped[2]
    );
    // Prometheus scrapes services of this file, and Grafana reads that Prometheus
    let prometheus =
        std::fs::read_to_string(root().join("deploy/prometheus/prometheus.yml")).unwrap();
    let target = Regex::new(r#""([a-z-]+):\d+""#).unwrap();
    let targets: Vec<String> = target
        .captures_iter(&prometheus)
        .map(|c| c[1].to_owned())
        .collect();
    assert!(targets.contains(&"server".to_owned()), "{targets:?}");
    for host in &targets {
        assert!(
            services.contains_key(host),
            "Prometheus scrapes unknown {host}"
        );
    }
    let sources = std::fs::read_to_string(
        root().join("deploy/grafana/provisioning/datasources/prometheus.yml"),
    )
    .unwrap();
    let url = Regex::new(r"url: (\S+)")
        .unwrap()
        .captures(&sources)
        .unwrap()[1]
        .to_owned();
    assert!(services.contains_key(&host_of(&url)), "Grafana reads {url}");
}
