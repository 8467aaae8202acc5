//! Putting a verified release in place of the running binary, and restarting into it.
//!
//! The new binary is unpacked next to the old one (same folder, so the final rename is
//! atomic), checked to run and report the offered version, then: the old binary is kept as
//! `natter.previous` (`natter.previous.exe`) for rollback, and the new one renamed over
//! `natter`. Any failure before the rename leaves the installed binary as it was.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::update::manifest::UpdateError;

/// The binary's name inside a release archive.
pub const BINARY: &str = if cfg!(windows) {
    "natter.exe"
} else {
    "natter"
};
/// The previous binary, kept beside the new one.
pub const PREVIOUS: &str = if cfg!(windows) {
    "natter.previous.exe"
} else {
    "natter.previous"
};

/// Replaces `exe` with the binary inside `archive` (verified already), which must report
/// `version`.
pub fn install(archive: &Path, exe: &Path, version: &str) -> Result<(), UpdateError> {
    let dir = exe
        .parent()
        .ok_or_else(|| UpdateError::Install(format!("{} has no folder", exe.display())))?;
    let staged = dir.join(format!(".natter-update-{}", std::process::id()));
    let unwritable = |e: std::io::Error| UpdateError::Unwritable {
        dir: dir.display().to_string(),
        reason: e.to_string(),
    };
    let mut out = File::create(&staged).map_err(unwritable)?;
    let written = extract(archive, &mut out)
        .and_then(|()| out.sync_all().map_err(|e| install_error("writing", &e)));
    drop(out); // closed before it runs: Linux will not execute a file open for writing
    let result = written
        .and_then(|()| make_executable(&staged))
        .and_then(|()| check_runs(&staged, version))
        .and_then(|()| swap(exe, &staged, &dir.join(PREVIOUS)));
    if result.is_err() {
        let _ = std::fs::remove_file(&staged);
    }
    result
}

fn install_error(what: &str, e: &dyn std::fmt::Display) -> UpdateError {
    UpdateError::Install(format!("{what}: {e}"))
}

/// Copies the archive's `natter` (or `natter.exe`) into `out`.
fn extract(archive: &Path, out: &mut File) -> Result<(), UpdateError> {
    let name = archive
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let file = File::open(archive).map_err(|e| install_error("the archive", &e))?;
    let missing = || install_error("the archive", &format!("it holds no {BINARY}"));
    if name.ends_with(".zip") {
        let mut zip = zip::ZipArchive::new(file).map_err(|e| install_error("the archive", &e))?;
        let index = (0..zip.len())
            .find(|&i| {
                zip.name_for_index(i)
                    .and_then(Result::ok)
                    .is_some_and(|n| n.rsplit('/').next() == Some(BINARY))
            })
            .ok_or_else(missing)?;
        let mut entry = zip
            .by_index(index)
            .map_err(|e| install_error("the archive", &e))?;
        std::io::copy(&mut entry, out).map_err(|e| install_error("unpacking", &e))?;
        return Ok(());
    }
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in tar
        .entries()
        .map_err(|e| install_error("the archive", &e))?
    {
        let mut entry = entry.map_err(|e| install_error("the archive", &e))?;
        let is_binary = entry.header().entry_type().is_file()
            && entry
                .path()
                .ok()
                .and_then(|p| p.file_name().map(|n| n == BINARY))
                .unwrap_or(false);
        if is_binary {
            std::io::copy(&mut entry, out).map_err(|e| install_error("unpacking", &e))?;
            return Ok(());
        }
        // skip this entry's bytes
        std::io::copy(&mut entry.by_ref().take(u64::MAX), &mut std::io::sink())
            .map_err(|e| install_error("the archive", &e))?;
    }
    Err(missing())
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), UpdateError> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| install_error("making it executable", &e))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), UpdateError> {
    Ok(())
}

/// The staged binary must start and say it is `version` (a build for another platform, or a
/// broken one, is refused here, before anything is replaced).
fn check_runs(staged: &Path, version: &str) -> Result<(), UpdateError> {
    let output = Command::new(staged)
        .arg("--version")
        .output()
        .map_err(|e| install_error("the new version does not start", &e))?;
    let said = String::from_utf8_lossy(&output.stdout);
    let reported = said.split_whitespace().nth(1).unwrap_or("");
    if output.status.success() && reported == version {
        Ok(())
    } else {
        Err(install_error(
            "the new binary",
            &format!("it reports {:?}, not {version}", said.trim()),
        ))
    }
}

/// Keeps `exe` as `previous` and moves `staged` to `exe`.
#[cfg(unix)]
fn swap(exe: &Path, staged: &Path, previous: &Path) -> Result<(), UpdateError> {
    match std::fs::remove_file(previous) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(install_error("removing the older previous version", &e)),
    }
    if std::fs::hard_link(exe, previous).is_err() {
        std::fs::copy(exe, previous).map_err(|e| install_error("keeping the old version", &e))?;
    }
    // atomic: at every moment `exe` is either the old or the new binary
    std::fs::rename(staged, exe).map_err(|e| install_error("replacing the binary", &e))
}

/// Windows cannot replace a running .exe but can rename it: old → previous, new → exe.
#[cfg(not(unix))]
fn swap(exe: &Path, staged: &Path, previous: &Path) -> Result<(), UpdateError> {
    let _ = std::fs::remove_file(previous);
    std::fs::rename(exe, previous).map_err(|e| install_error("moving the old version", &e))?;
    if let Err(e) = std::fs::rename(staged, exe) {
        let _ = std::fs::rename(previous, exe);
        return Err(install_error("replacing the binary", &e));
    }
    Ok(())
}

/// The running binary's path (resolved, so a symlink's target is what gets replaced).
pub fn current_exe() -> Result<PathBuf, UpdateError> {
    let exe = std::env::current_exe().map_err(|e| install_error("finding this binary", &e))?;
    Ok(std::fs::canonicalize(&exe).unwrap_or(exe))
}

/// Starts `exe` with this process's arguments in this process's place (Unix: exec; elsewhere
/// the new process starts and this one exits). Returns only on failure.
pub fn restart(exe: &Path, from_version: &str) -> UpdateError {
    let mut command = Command::new(exe);
    command
        .args(std::env::args_os().skip(1))
        .env("NATTER_UPDATED_FROM", from_version);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        install_error("restarting", &command.exec())
    }
    #[cfg(not(unix))]
    {
        match command.spawn() {
            Ok(_) => std::process::exit(0),
            Err(e) => install_error("restarting", &e),
        }
    }
}
