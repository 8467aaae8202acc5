//! What this build is: its version, the commit it was built from, its licence, the platform
//! name its release archives carry, and the key its updates must be signed with.
//!
//! `NATTER_BUILD_VERSION` and `NATTER_UPDATE_PUBLIC_KEY` in the *build's* environment override
//! the version and the key (the update test builds two versions signed with a throwaway key);
//! nothing at run time can change either.

/// The version, e.g. "0.1.0".
pub const VERSION: &str = match option_env!("NATTER_BUILD_VERSION") {
    Some(version) => version,
    None => env!("CARGO_PKG_VERSION"),
};

/// The short commit hash (from build.rs), or "unknown".
pub const COMMIT: &str = env!("NATTER_COMMIT");

/// The licence, as Cargo.toml states it.
pub const LICENCE: &str = env!("CARGO_PKG_LICENSE");

/// The minisign public key release manifests are signed with (the base64 line of a
/// minisign `.pub` file). The secret half is kept by whoever releases, never in the
/// repository; see README "Releasing".
pub const UPDATE_PUBLIC_KEY: &str = match option_env!("NATTER_UPDATE_PUBLIC_KEY") {
    Some(key) => key,
    None => "RWQIEjvaN5I0X2qsXKBlvQWNiJOLKg9ho97fzBONSjnhFJtWat4+3tqM",
};

/// Where the manifest is when no address is set: on the Natter server itself, which serves
/// `NATTER_UPDATES_DIR` there, so a self-hosted team ships its own builds.
pub const SERVER_MANIFEST_PATH: &str = "/updates/manifest.json";

/// The manifest's address: `configured` when set, else on the server at `server_url`.
pub fn manifest_url(configured: &str, server_url: &str) -> String {
    let configured = configured.trim();
    if configured.is_empty() {
        format!(
            "{}{SERVER_MANIFEST_PATH}",
            server_url.trim().trim_end_matches('/')
        )
    } else {
        configured.to_owned()
    }
}

/// "linux-x86_64", "windows-x86_64", "macos-aarch64" …: names this platform's archive in a
/// release manifest.
pub fn platform() -> String {
    format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH)
}

/// "natter 0.1.0 (commit 1a2b3c4d5e6f)", what `--version` prints.
pub fn version_line() -> String {
    format!("natter {VERSION} (commit {COMMIT})")
}
