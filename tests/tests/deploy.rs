//! The operator's files under `deploy/`: the Prometheus configuration and alert rules pass
//! `promtool` (its unit tests make every alert fire on the series that should fire it), the
//! Grafana dashboard is well formed and every query of it is valid PromQL, and every Natter
//! and process metric the alerts and the dashboard query is one the server exports, so a
//! renamed metric cannot leave an alert or a panel silently watching nothing.

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

/// The `natter_*` and `process_*` series a file queries.
fn queried(path: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let metric = Regex::new(r"\b(natter|process)_[a-z_]+\b").unwrap();
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

/// The series names a real server's `/metrics` shows once it has served some requests (the
/// process figures among them).
async fn scraped() -> BTreeSet<String> {
    let app = natter_tests::TestApp::spawn().await;
    app.signed_in_user().await;
    let text = app.metrics().await;
    let name = Regex::new(r"(?m)^([a-z_]+)[{ ]").unwrap();
    name.captures_iter(&text).map(|c| c[1].to_owned()).collect()
}

#[actix_web::test]
async fn every_metric_the_alerts_and_the_dashboard_query_is_one_the_server_exports() {
    let scraped = scraped().await;
    for process in ["process_cpu_seconds_total", "process_resident_memory_bytes"] {
        assert!(scraped.contains(process), "{process} missing: {scraped:?}");
    }
    // a metric appears on /metrics only once something counted it: the source names the rest
    let exported: BTreeSet<String> = exported().union(&scraped).cloned().collect();
    for file in [
        "deploy/prometheus/alerts.yml",
        "deploy/grafana/dashboards/natter.json",
    ] {
        let queried = queried(file);
        assert!(!queried.is_empty(), "{file} queries nothing");
        let missing: Vec<&String> = queried.iter().filter(|m| !exported.contains(*m)).collect();
        assert!(
            missing.is_empty(),
            "{file} queries what the server does not export: {missing:?}"
        );
    }
}

fn dashboard() -> serde_json::Value {
    let text =
        std::fs::read_to_string(root().join("deploy/grafana/dashboards/natter.json")).unwrap();
    serde_json::from_str(&text).expect("the dashboard is JSON")
}

#[test]
fn the_dashboard_is_laid_out_on_the_provisioned_data_source() {
    let sources = std::fs::read_to_string(
        root().join("deploy/grafana/provisioning/datasources/prometheus.yml"),
    )
    .unwrap();
    let uid = Regex::new(r"uid: (\S+)")
        .unwrap()
        .captures(&sources)
        .unwrap()[1]
        .to_owned();
    let providers =
        std::fs::read_to_string(root().join("deploy/grafana/provisioning/dashboards/natter.yml"))
            .unwrap();
    assert!(
        providers.contains("path: /var/lib/grafana/dashboards"),
        "{providers}"
    );
    let dashboard = dashboard();
    assert_eq!(dashboard["uid"], "natter-overview");
    let panels = dashboard["panels"].as_array().expect("panels");
    let mut ids = BTreeSet::new();
    let mut cells = BTreeSet::new();
    for panel in panels {
        let title = panel["title"].as_str().unwrap_or("");
        assert!(
            ids.insert(panel["id"].as_i64().expect("id")),
            "{title}: id used twice"
        );
        let pos = &panel["gridPos"];
        let (x, y, w, h) = (
            pos["x"].as_i64().unwrap(),
            pos["y"].as_i64().unwrap(),
            pos["w"].as_i64().unwrap(),
            pos["h"].as_i64().unwrap(),
        );
        assert!(
            x >= 0 && w > 0 && x + w <= 24,
            "{title}: outside the 24 columns"
        );
        for cx in x..x + w {
            for cy in y..y + h {
                assert!(cells.insert((cx, cy)), "{title} overlaps another panel");
            }
        }
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(panel["datasource"]["uid"], uid.as_str(), "{title}");
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title} shows nothing");
        for target in targets {
            assert_eq!(target["datasource"]["uid"], uid.as_str(), "{title}");
            assert!(
                target["expr"].as_str().is_some_and(|e| !e.is_empty()),
                "{title}"
            );
        }
    }
    assert!(
        panels.len() >= 10,
        "connections, messages, latency, HTTP, storage, process"
    );
}

#[test]
fn every_dashboard_query_is_valid_promql() {
    // promtool checks the PromQL of rule files: each query becomes a recording rule
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    let mut count = 0;
    for panel in dashboard()["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            let expr = target["expr"].as_str().unwrap();
            count += 1;
            rules.push_str(&format!(
                "      - record: natter:dashboard:{count}\n        expr: {}\n",
                serde_json::to_string(expr).unwrap()
            ));
        }
    }
    let path = std::env::temp_dir().join(format!("natter-dashboard-{}.yml", std::process::id()));
    std::fs::write(&path, rules).unwrap();
    let out = promtool(&["check", "rules", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert!(
        out.contains(&format!("SUCCESS: {count} rules found")),
        "{out}"
    );
}

#[test]
fn the_systemd_unit_sets_only_settings_the_server_reads() {
    let unit =
        std::fs::read_to_string(root().join("deploy/systemd/natter-server@.service")).unwrap();
    let config = std::fs::read_to_string(root().join("server/src/config.rs")).unwrap();
    let set = Regex::new(r"(?m)^Environment=([A-Z_]+)=").unwrap();
    let names: Vec<String> = set.captures_iter(&unit).map(|c| c[1].to_owned()).collect();
    assert!(names.contains(&"NATTER_ADDR".to_owned()), "{names:?}");
    for name in &names {
        assert!(
            config.contains(&format!("\"{name}\"")),
            "the server does not read {name}"
        );
    }
    // each instance listens on its own port, stopped by SIGTERM (which closes its sockets)
    assert!(unit.contains("NATTER_ADDR=127.0.0.1:%i") && unit.contains("KillSignal=SIGTERM"));
}
