// Included by `app/build.rs` and `server/build.rs` (one script, two binaries).
//
// Build identity: the commit this binary was built from, as `NATTER_COMMIT` (the short hash,
// or "unknown" when the source is not a git checkout or git is missing). An explicit
// `NATTER_COMMIT` in the build's environment wins (release builds from a source archive).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=NATTER_COMMIT");
    let commit = std::env::var("NATTER_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=NATTER_COMMIT={}", commit.trim());
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The short hash of HEAD; asks cargo to run again when HEAD moves.
fn git_commit() -> Option<String> {
    let git_dir = PathBuf::from(git(&["rev-parse", "--absolute-git-dir"])?);
    watch(&git_dir.join("HEAD"));
    watch(&git_dir.join("packed-refs"));
    if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watch(&git_dir.join(head_ref));
    }
    git(&["rev-parse", "--short=12", "HEAD"])
}

fn watch(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
