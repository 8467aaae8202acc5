//! The operator's files under `deploy/`: the Prometheus configuration and alert rules pass
//! `promtool` (its unit tests make every alert fire on the series that should fire it), and
//! every Natter metric they query is one the server exports, so a renamed metric cannot leave
//! an alert silently watching nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use regex::Regex;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn promtool(args: &[&str]) -> String {
    let out = Command::new("promtool")
        .args(args)
        .current_dir(root())
        .output()
        .expect("promtool is missing: scripts/test installs it (Debian's prometheus package)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?}:\n{text}");
    text
}

/// The metrics the server defines: every `counter!`, `gauge!` and `histogram!` name in its
/// source (histograms also as their `_bucket`, `_sum` and `_count` series).
fn exported() -> BTreeSet<String> {
    let defined = Regex::new(r#"(counter|gauge|histogram)!\(\s*"(natter_[a-z_]+)""#).unwrap();
    let mut names = BTreeSet::new();
    let mut stack = vec![root().join("server/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let src = std::fs::read_to_string(&path).unwrap();
                for c in defined.captures_iter(&src) {
                    let name = c[2].to_owned();
                    if &c[1] == "histogram" {
                        for suffix in ["_bucket", "_sum", "_count"] {
                            names.insert(format!("{name}{suffix}"));
                        }
                    }
                    names.insert(name);
                }
            }
        }
    }
    assert!(
        names.contains("natter_http_request_seconds_count"),
        "{names:?}"
    );
    names
}

/// The `natter_*` series a file queries.
fn queried(path: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let metric = Regex::new(r"\bnatter_[a-z_]+\b").unwrap();
    metric
        .find_iter(&text)
        .map(|m| m.as_str().to_owned())
        .collect()
}

#[test]
fn the_prometheus_configuration_is_valid() {
    let out = promtool(&["check", "config", "deploy/prometheus/prometheus.yml"]);
    assert!(out.contains("SUCCESS"), "{out}");
}

#[test]
fn every_alert_fires_on_what_should_fire_it() {
    let out = promtool(&["test", "rules", "deploy/prometheus/alerts_test.yml"]);
    assert!(out.contains("SUCCESS"), "{out}");
    // and every alert has a test
    let rules = std::fs::read_to_string(root().join("deploy/prometheus/alerts.yml")).unwrap();
    let tests = std::fs::read_to_string(root().join("deploy/prometheus/alerts_test.yml")).unwrap();
    let alert = Regex::new(r"- alert: (\w+)").unwrap();
    for name in alert.captures_iter(&rules).map(|c| c[1].to_owned()) {
        assert!(
            tests.contains(&format!("alertname: {name}")),
            "{name} has no test in alerts_test.yml"
        );
    }
}

#[test]
fn every_metric_the_alerts_query_is_one_the_server_exports() {
    let exported = exported();
    let missing: Vec<String> = queried("deploy/prometheus/alerts.yml")
        .into_iter()
        .filter(|m| !exported.contains(m))
        .collect();
    assert!(
        missing.is_empty(),
        "not exported by the server: {missing:?}"
    );
}
