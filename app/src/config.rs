//! Settings from the environment, read once at start.
//!
//! | variable | effect |
//! |---|---|
//! | `NATTER_DATA_DIR` | where the app keeps its files (window state, fallback session file) |
//! | `NATTER_SERVER_URL` | pre-fills the server address on the sign-in screen |
//! | `NATTER_KEYRING=off` | never use the OS keyring; keep the session in the file |
//! | `NATTER_UPDATE_URL` | the release manifest's address (wins over the setting) |
//! | `NATTER_EXTRA_CA` | a PEM file of CA certificates trusted beside the system's roots |
//!
//! Without `NATTER_EXTRA_CA`, a file `extra-ca.pem` in the data dir is that file, so a
//! self-hosted server with a private certificate authority is trusted before anyone signs in
//! (and, in portable mode, wherever the folder goes).
//!
//! Portable mode: when a folder `natter-data/` sits beside the binary, or `--portable` is
//! given, that folder is the data dir whatever `NATTER_DATA_DIR` says, and the session is kept
//! in its file there, not in the OS keyring, so everything travels with the folder.

use std::path::{Path, PathBuf};

/// The app id: names the data dir and the window class.
pub const APP_ID: &str = "natter";
/// The folder beside the binary that turns portable mode on.
pub const PORTABLE_DIR: &str = "natter-data";
/// The extra CA file looked for in the data dir when `NATTER_EXTRA_CA` is not set.
pub const EXTRA_CA_FILE: &str = "extra-ca.pem";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub data_dir: PathBuf,
    /// `NATTER_SERVER_URL`, which wins over the remembered address.
    pub server_url: Option<String>,
    pub use_keyring: bool,
    /// Shown in the devices list, e.g. "Natter on Linux (laptop)".
    pub device_name: String,
    /// Everything is kept in `natter-data/` beside the binary.
    pub portable: bool,
    /// `NATTER_UPDATE_URL`, which wins over the manifest address in the settings.
    pub update_url: Option<String>,
    /// `NATTER_EXTRA_CA`, which wins over `extra-ca.pem` in the data dir.
    pub extra_ca: Option<PathBuf>,
}

impl Config {
    /// Reads the settings through `var` (`std::env::var` in the app, a map in tests).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Config {
        let non_empty = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let data_dir = non_empty("NATTER_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| eframe::storage_dir(APP_ID))
            .unwrap_or_else(|| PathBuf::from(".natter"));
        let use_keyring = !non_empty("NATTER_KEYRING").is_some_and(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "off" | "0" | "false" | "no"
            )
        });
        let host = non_empty("HOSTNAME")
            .or_else(|| non_empty("COMPUTERNAME"))
            .or_else(read_hostname);
        Config {
            data_dir,
            server_url: non_empty("NATTER_SERVER_URL").map(|v| v.trim().to_owned()),
            use_keyring,
            device_name: device_name(std::env::consts::OS, host.as_deref()),
            portable: false,
            update_url: non_empty("NATTER_UPDATE_URL").map(|v| v.trim().to_owned()),
            extra_ca: non_empty("NATTER_EXTRA_CA").map(|v| PathBuf::from(v.trim())),
        }
    }

    /// [`Config::from_env`], then portable mode: `natter-data/` beside the binary in
    /// `exe_dir` (when it exists or `portable` asks for it) becomes the data dir, and the
    /// session stays in its file there.
    pub fn with_portable(mut self, portable: bool, exe_dir: Option<&Path>) -> Config {
        let Some(dir) = exe_dir.map(|d| d.join(PORTABLE_DIR)) else {
            return self;
        };
        if portable || dir.is_dir() {
            self.data_dir = dir;
            self.portable = true;
            self.use_keyring = false;
        }
        self
    }
}

/// What the extra CA file gave (made by `net::tls`, shown in Settings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ExtraCa {
    /// None configured.
    #[default]
    None,
    Loaded {
        path: PathBuf,
        certificates: usize,
    },
    /// Configured but unusable: nothing from it is trusted.
    Failed {
        path: PathBuf,
        reason: String,
    },
}

impl Config {
    /// The extra CA file to trust: `NATTER_EXTRA_CA`, else `extra-ca.pem` in the data dir
    /// when there is one.
    pub fn extra_ca_file(&self) -> Option<PathBuf> {
        self.extra_ca.clone().or_else(|| {
            let file = self.data_dir.join(EXTRA_CA_FILE);
            file.is_file().then_some(file)
        })
    }
}

/// The folder the running binary is in (for portable mode and updates).
pub fn exe_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    exe.parent().map(Path::to_path_buf)
}

/// "Natter on Linux (laptop)", or without the parentheses when the host name is unknown.
pub fn device_name(os: &str, host: Option<&str>) -> String {
    let os = match os {
        "linux" => "Linux",
        "macos" => "macOS",
        "windows" => "Windows",
        "freebsd" => "FreeBSD",
        other => other,
    };
    match host.map(str::trim).filter(|h| !h.is_empty()) {
        Some(host) => format!("Natter on {os} ({host})"),
        None => format!("Natter on {os}"),
    }
}

fn read_hostname() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_env(|name| map.get(name).cloned())
    }

    #[test]
    fn environment_overrides_are_read() {
        let c = config(&[
            ("NATTER_DATA_DIR", "/tmp/natter-x"),
            ("NATTER_SERVER_URL", " http://10.0.0.1:9000 "),
            ("NATTER_KEYRING", "off"),
            ("HOSTNAME", "box"),
        ]);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/natter-x"));
        assert_eq!(c.server_url.as_deref(), Some("http://10.0.0.1:9000"));
        assert!(!c.use_keyring);
        assert!(c.device_name.ends_with("(box)"), "{}", c.device_name);
    }

    #[test]
    fn natter_data_beside_the_binary_or_the_flag_makes_it_portable() {
        let dir = std::env::temp_dir().join(format!("natter-portable-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let env = [("NATTER_DATA_DIR", "/tmp/elsewhere")];
        let c = config(&env).with_portable(false, Some(&dir));
        assert!(!c.portable, "no folder, no flag");
        assert_eq!(c.data_dir, PathBuf::from("/tmp/elsewhere"));
        let c = config(&env).with_portable(true, Some(&dir));
        assert!(c.portable && !c.use_keyring);
        assert_eq!(c.data_dir, dir.join(PORTABLE_DIR));
        std::fs::create_dir_all(dir.join(PORTABLE_DIR)).unwrap();
        let c = config(&env).with_portable(false, Some(&dir));
        assert!(c.portable, "the folder alone turns it on");
        assert_eq!(c.data_dir, dir.join(PORTABLE_DIR));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_extra_ca_is_the_variable_or_the_file_in_the_data_dir() {
        let dir = std::env::temp_dir().join(format!("natter-extra-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let data_dir = dir.to_str().unwrap();
        let c = config(&[("NATTER_DATA_DIR", data_dir)]);
        assert_eq!(c.extra_ca_file(), None, "no variable, no file");
        std::fs::write(dir.join(EXTRA_CA_FILE), "pem").unwrap();
        assert_eq!(c.extra_ca_file(), Some(dir.join(EXTRA_CA_FILE)));
        let c = config(&[
            ("NATTER_DATA_DIR", data_dir),
            ("NATTER_EXTRA_CA", "/etc/ca.pem"),
        ]);
        assert_eq!(c.extra_ca_file(), Some(PathBuf::from("/etc/ca.pem")));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn keyring_is_used_unless_switched_off() {
        assert!(config(&[]).use_keyring);
        assert!(config(&[("NATTER_KEYRING", "on")]).use_keyring);
        assert!(!config(&[("NATTER_KEYRING", "OFF")]).use_keyring);
        assert_eq!(config(&[("NATTER_SERVER_URL", "")]).server_url, None);
    }

    #[test]
    fn device_names_read_well() {
        assert_eq!(
            device_name("linux", Some("laptop")),
            "Natter on Linux (laptop)"
        );
        assert_eq!(device_name("macos", None), "Natter on macOS");
        assert_eq!(device_name("windows", Some(" ")), "Natter on Windows");
    }
}
