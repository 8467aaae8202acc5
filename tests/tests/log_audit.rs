//! The secret audit: no log line of a whole test run holds a password, a token or a message's
//! text. `scripts/test` runs the suite with `NATTER_TEST_LOG_DIR` set (every test server logs
//! JSON there at `info,natter_server=debug`, and the test support writes down each secret it
//! handles), then runs this test over what the run left. Outside that it is ignored.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use aho_corasick::AhoCorasick;
use regex::Regex;

/// What must never be in a log line: each secret the tests handled, and the shapes of
/// credentials in general.
struct Detector {
    secrets: AhoCorasick,
    shapes: Vec<(&'static str, Regex)>,
}

impl Detector {
    fn new(secrets: &BTreeSet<String>) -> Self {
        Self {
            secrets: AhoCorasick::new(secrets).expect("secret patterns"),
            shapes: vec![
                (
                    "a JWT",
                    Regex::new(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.").unwrap(),
                ),
                (
                    "a bearer token",
                    Regex::new(r"(?i)bearer\s+[A-Za-z0-9]").unwrap(),
                ),
                (
                    "a token in a URL",
                    Regex::new(r#"[?&](token|ticket)=[^\s"&\\]"#).unwrap(),
                ),
                (
                    "a password field",
                    Regex::new(r#"(?i)"password"\s*:"#).unwrap(),
                ),
            ],
        }
    }

    /// What `line` gives away, if anything.
    fn find(&self, line: &str) -> Option<String> {
        if let Some(m) = self.secrets.find(line) {
            return Some(format!(
                "a secret of the tests ({} characters)",
                m.end() - m.start()
            ));
        }
        self.shapes
            .iter()
            .find(|(_, shape)| shape.is_match(line))
            .map(|(what, _)| (*what).to_owned())
    }
}

fn files(dir: &PathBuf, prefix: &str, suffix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(prefix) && name.ends_with(suffix)
        })
        .collect();
    found.sort();
    found
}

#[test]
#[ignore = "scripts/test runs it after the whole suite, over that run's logs"]
fn no_log_line_of_the_test_run_gives_away_a_secret() {
    let dir = natter_tests::logs::dir().expect("NATTER_TEST_LOG_DIR: the logged run's folder");
    let mut secrets = BTreeSet::new();
    for file in files(&dir, "secrets-", ".txt") {
        let text = std::fs::read_to_string(file).unwrap();
        secrets.extend(
            text.lines()
                .filter(|s| natter_tests::logs::worth_looking_for(s))
                .map(str::to_owned),
        );
    }
    assert!(
        secrets.len() > 100,
        "the run wrote down its passwords, tokens and texts: {}",
        secrets.len()
    );
    let detector = Detector::new(&secrets);
    // the detector sees what it should: a planted secret and a planted token
    let planted = secrets.iter().next_back().unwrap();
    assert!(
        detector
            .find(&format!(r#"{{"message":"x {planted} y"}}"#))
            .is_some()
    );
    assert!(
        detector
            .find(r#"{"http.target":"/api/v1/ws?token=abc"}"#)
            .is_some()
    );
    // an error message naming the parameter is no token
    assert!(
        detector
            .find(r#"{"message":"in Authorization or ?token=\" }"#)
            .is_none()
    );

    // a token in the app's socket address, as a failed reconnect once logged it
    assert!(
        detector
            .find("WARN natter::net::ws: lost url=ws://127.0.0.1:4000/api/v1/ws?token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln")
            .is_some()
    );

    let mut logs = files(&dir, "", ".jsonl");
    // the desktop app's process tests (portable, update, kill and restart) keep its logs too
    let app_logs = files(&dir, "app-", ".log");
    assert!(
        !app_logs.is_empty(),
        "the app's process tests left their logs in {}",
        dir.display()
    );
    logs.extend(app_logs);
    let in_process = logs
        .iter()
        .filter(|p| p.to_string_lossy().contains("in-process-"))
        .count();
    let processes = logs
        .iter()
        .filter(|p| p.to_string_lossy().contains("process-"))
        .count();
    assert!(
        in_process > 50 && processes > 5,
        "{in_process} in-process and {processes} process logs"
    );
    let mut lines = 0usize;
    let mut leaks = Vec::new();
    let mut fields: BTreeSet<&str> = BTreeSet::new();
    let followed = ["request_id", "user_id", "chat_id", "client_ip"];
    for path in &logs {
        let text = std::fs::read_to_string(path).unwrap();
        for line in text.lines() {
            lines += 1;
            for field in followed {
                if line.contains(&format!("\"{field}\":")) {
                    fields.insert(field);
                }
            }
            if let Some(what) = detector.find(line) {
                let shown: String = line.chars().take(300).collect();
                leaks.push(format!("{}: {what}: {shown}", path.display()));
            }
        }
    }
    assert!(
        lines > 10_000,
        "only {lines} log lines: was the run logged?"
    );
    assert!(
        leaks.is_empty(),
        "{} log lines give away secrets, e.g.:\n{}",
        leaks.len(),
        leaks
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        fields,
        followed.into_iter().collect(),
        "the fields a log stack follows a request by"
    );
}
