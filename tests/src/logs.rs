//! The logs of a whole test run, kept for the secret audit (`tests/tests/log_audit.rs`, run
//! by `scripts/test` after everything else).
//!
//! With `NATTER_TEST_LOG_DIR` set, every server the tests start logs JSON lines into that
//! folder at the most talkative level an operator would turn on (`info,natter_server=debug`):
//! in-process servers through one subscriber per test process, server processes through
//! their standard output. And the test support writes down the secrets it handles there
//! (passwords, access and refresh tokens, message texts), so the audit can look for each of
//! them in every log line.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

/// The filter of a logged test run: what an operator chasing one message would switch on.
pub const AUDITED_LEVEL: &str = "info,natter_server=debug";

/// `NATTER_TEST_LOG_DIR`, when the run keeps its logs.
pub fn dir() -> Option<PathBuf> {
    std::env::var_os("NATTER_TEST_LOG_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// Installs the JSON subscriber of this test process (once) when the run keeps its logs;
/// `natter_server::telemetry::init` then leaves it in place.
pub fn init_in_process() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let Some(dir) = dir() else {
            return;
        };
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("in-process-{}.jsonl", std::process::id()));
        let Ok(file) = std::fs::File::create(&path) else {
            return;
        };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(AUDITED_LEVEL))
            .with_writer(Mutex::new(file))
            .json()
            .flatten_event(true)
            .try_init();
    });
}

/// Where a server process started by a test writes its log lines, and the settings that
/// make them JSON at the audited level; `None` when the run keeps no logs.
pub fn for_process(port: u16) -> Option<(std::fs::File, [(&'static str, &'static str); 2])> {
    let dir = dir()?;
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("process-{}-{port}.jsonl", std::process::id()));
    let file = std::fs::File::create(path).ok()?;
    Some((
        file,
        [("NATTER_LOG_FORMAT", "json"), ("RUST_LOG", AUDITED_LEVEL)],
    ))
}

/// The app's filter in a logged run: its own debug lines too.
pub const APP_AUDITED_LEVEL: &str = "info,natter=debug";

/// Where a desktop app process started by a test writes its log (its standard error): a file
/// `app-<name>-<pid>-<n>.log` in the run's log folder, which the audit reads too, else
/// `fallback`. Answers the open file and its path.
pub fn app_log(name: &str, fallback: &std::path::Path) -> (std::fs::File, PathBuf) {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let path = match dir() {
        Some(dir) => {
            let _ = std::fs::create_dir_all(&dir);
            dir.join(format!("app-{name}-{}-{n}.log", std::process::id()))
        }
        None => fallback.to_path_buf(),
    };
    let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (file, path)
}

/// Keeps an app process's captured standard error in the run's log folder (for the audit).
pub fn keep_app_log(name: &str, stderr: &[u8]) {
    if dir().is_none() {
        return;
    }
    let (mut file, _) = app_log(name, std::path::Path::new("/dev/null"));
    let _ = file.write_all(stderr);
}

/// The shortest text the audit looks for: shorter texts of the tests are ordinary words, such
/// as "reconnect", that a log line may say for its own reasons.
pub const SECRET_MIN_CHARS: usize = 12;

/// Whether the audit looks for `secret`: one line of [`SECRET_MIN_CHARS`] or more, or a shorter
/// random-looking one (8+ characters without spaces, with letters and digits: a recovery code).
pub fn worth_looking_for(secret: &str) -> bool {
    let chars = secret.chars().count();
    let random_looking = chars >= 8
        && !secret.contains(char::is_whitespace)
        && secret.chars().any(|c| c.is_ascii_digit())
        && secret.chars().any(char::is_alphabetic);
    !secret.contains(['\n', '\r']) && (chars >= SECRET_MIN_CHARS || random_looking)
}

/// Notes a secret the tests handed to or got from a server, for the audit to look for in the
/// logs (see [`worth_looking_for`]).
pub fn remember_secret(secret: &str) {
    if !worth_looking_for(secret) {
        return;
    }
    let Some(dir) = dir() else {
        return;
    };
    static FILE: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();
    let file = FILE.get_or_init(|| {
        let _ = std::fs::create_dir_all(&dir);
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(format!("secrets-{}.txt", std::process::id())))
            .ok()
            .map(Mutex::new)
    });
    if let Some(file) = file {
        let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(file, "{secret}");
    }
}
