//! Settings from the environment, with local-development defaults (see `.env.example`).
//!
//! There is no global settings value: `Settings` is built once in `main` (or from a map in
//! tests) and passed in, so several servers can live in one test process.

use std::collections::HashMap;
use std::time::Duration;

pub use crate::file_settings::{FileSettings, S3Settings, Storage as StorageKind};
pub use crate::setting_parse::ConfigError;
use crate::setting_parse::{invalid, number, require_scheme};

/// Human-readable or JSON log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`
    pub database_url: String,
    /// `NATTER_DB_POOL_SIZE`: connections in the r2d2 pool.
    pub db_pool_size: u32,
    /// `NATTER_DB_MIN_IDLE`: connections the pool keeps open (and reopens in the background)
    /// even when idle.
    pub db_min_idle: u32,
    /// `REDIS_URL`
    pub redis_url: String,
    /// `NATTER_REDIS_PREFIX`: prepended to every Redis key and channel (tests use one each).
    pub redis_prefix: String,
    /// `NATTER_ADDR`: listen address; port 0 picks a free one.
    pub addr: String,
    /// `NATTER_WORKERS`: HTTP worker threads; default one per core.
    pub workers: Option<usize>,
    /// `NATTER_JWT_SECRET`: HS256 key for access tokens, at least 32 bytes. A secret known
    /// from this repository (the development one, the old compose fallback) is refused unless
    /// `NATTER_DEV=1`.
    pub jwt_secret: String,
    /// `NATTER_DEV`: `1` for local development: the built-in development secret is accepted
    /// (with a warning) when `NATTER_JWT_SECRET` is unset.
    pub dev_mode: bool,
    /// `NATTER_TRUSTED_PROXIES`: addresses or networks (`127.0.0.1, 10.0.0.0/8`) of reverse
    /// proxies whose `X-Forwarded-For` is believed; empty (the default) believes nobody's, so
    /// rate limits and logs use the connection's own address.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `NATTER_ACCESS_TTL_SECS`: lifetime of an access token.
    pub access_ttl: Duration,
    /// `NATTER_REFRESH_TTL_DAYS`: lifetime of an unused refresh token.
    pub refresh_ttl: Duration,
    /// `NATTER_BCRYPT_COST`: 4–31.
    pub bcrypt_cost: u32,
    /// `NATTER_RATE_REST_PER_MIN`: REST requests per user (or address) per minute.
    pub rest_rate_per_min: u32,
    /// `NATTER_RATE_MESSAGES_PER_MIN`: messages a user may send per minute.
    pub message_rate_per_min: u32,
    /// `NATTER_SEND_ADMIT_MS`: a send (or change) that cannot be persisted within this long
    /// is refused at once with `overloaded` instead of queued (default 1000).
    pub send_admit: Duration,
    /// `NATTER_RATE_LOGIN_FAILURES_PER_MIN`: failed sign-ins one username may have per minute
    /// (from any address); then 429 until the minute is over.
    pub login_failures_per_min: u32,
    /// `NATTER_EDIT_WINDOW_SECS`: how long after sending a message can be edited.
    pub edit_window: Duration,
    /// `NATTER_EVENTS_RETAINED`: events kept per chat for catch-up; a client further behind
    /// gets 410 `events_expired` and reloads its history.
    pub events_retained: i64,
    /// `NATTER_MEMBER_LIMIT`: most members a group can have (default 10,000).
    pub member_limit: i64,
    /// `NATTER_INVITE_TTL_SECS`: how long an invitation stays open (default 7 days).
    pub invite_ttl: Duration,
    /// `RUST_LOG`: tracing filter directives.
    pub log_filter: String,
    /// `NATTER_LOG_FORMAT`: `human` or `json`.
    pub log_format: LogFormat,
    /// Uploads, storage, limits and scanning (`NATTER_FILES_DIR`, `NATTER_S3_*`, …).
    pub files: FileSettings,
    /// The WebSocket's limits (`NATTER_WS_*`).
    pub ws: WsSettings,
    /// `NATTER_TOTP_KEY`: 32 bytes, base64, that encrypt the two-factor secrets at rest.
    /// Unset: two-factor authentication cannot be set up (503 `feature_unavailable`).
    pub totp_key: Option<TotpKey>,
    /// `NATTER_METRICS_TOKEN`: when set, `GET /metrics` asks for `Authorization: Bearer
    /// <it>` (401 otherwise); unset, it is open (hide it at the proxy).
    pub metrics_token: Option<MetricsToken>,
}

/// The bearer token `/metrics` asks for; its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(pub String);

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(***)")
    }
}

/// The key of the stored two-factor secrets; its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpKey(pub [u8; 32]);

impl std::fmt::Debug for TotpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpKey(***)")
    }
}

impl TotpKey {
    fn from_setting(value: Option<String>) -> Result<Option<Self>, ConfigError> {
        use base64::Engine;
        let Some(value) = value else {
            return Ok(None);
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        bytes.map(|b| Some(Self(b))).ok_or_else(|| ConfigError {
            var: "NATTER_TOTP_KEY",
            value: "<hidden>".to_owned(),
            problem: "expected 32 bytes in base64 (e.g. `openssl rand -base64 32`)".to_owned(),
        })
    }
}

/// Only for local development (`NATTER_DEV=1`); start-up warns when it is in use.
pub const DEV_JWT_SECRET: &str = "natter-local-development-secret-do-not-use-in-production";

/// Secrets that were ever written in this repository: anyone can read them, so a server
/// refuses them outside development.
const KNOWN_JWT_SECRETS: [&str; 2] = [
    DEV_JWT_SECRET,
    "change-me-to-48-random-bytes-change-me-please!!",
];

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Builds settings from a map of variables; missing ones take their defaults.
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        Self::from_lookup(|k| vars.get(k).cloned())
    }

    fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str, default: &str| {
            get(name)
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        let database_url = var("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/natter");
        require_scheme(
            "DATABASE_URL",
            &database_url,
            &["postgres://", "postgresql://"],
        )?;
        let redis_url = var("REDIS_URL", "redis://127.0.0.1:6379");
        require_scheme(
            "REDIS_URL",
            &redis_url,
            &["redis://", "rediss://", "unix://"],
        )?;
        let addr = var("NATTER_ADDR", "127.0.0.1:8080");
        if addr.parse::<std::net::SocketAddr>().is_err() {
            return Err(invalid(
                "NATTER_ADDR",
                &addr,
                "expected host:port, e.g. 127.0.0.1:8080",
            ));
        }
        let dev_mode = match var("NATTER_DEV", "0").trim() {
            "0" | "false" | "no" => false,
            "1" | "true" | "yes" => true,
            other => return Err(invalid("NATTER_DEV", other, "expected 1 or 0")),
        };
        let jwt_secret = var("NATTER_JWT_SECRET", DEV_JWT_SECRET);
        let secret_error = |problem: &str| ConfigError {
            var: "NATTER_JWT_SECRET",
            value: "<hidden>".to_owned(),
            problem: problem.to_owned(),
        };
        if jwt_secret.len() < 32 {
            return Err(secret_error("must be at least 32 bytes"));
        }
        if !dev_mode && KNOWN_JWT_SECRETS.contains(&jwt_secret.as_str()) {
            return Err(secret_error(
                "unset or a publicly known value: set it to 48 random bytes \
                 (e.g. `openssl rand -base64 48`), or NATTER_DEV=1 for local development",
            ));
        }
        let trusted_proxies = proxies(&var("NATTER_TRUSTED_PROXIES", ""))?;
        let log_format = match var("NATTER_LOG_FORMAT", "human").as_str() {
            "human" => LogFormat::Human,
            "json" => LogFormat::Json,
            other => {
                return Err(invalid(
                    "NATTER_LOG_FORMAT",
                    other,
                    "expected human or json",
                ));
            }
        };
        let workers = match get("NATTER_WORKERS").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(v) => Some(number("NATTER_WORKERS", &v, 1, 256)?),
        };
        Ok(Self {
            database_url,
            db_pool_size: number(
                "NATTER_DB_POOL_SIZE",
                &var("NATTER_DB_POOL_SIZE", "10"),
                1,
                500,
            )?,
            db_min_idle: number(
                "NATTER_DB_MIN_IDLE",
                &var("NATTER_DB_MIN_IDLE", "1"),
                0,
                500,
            )?,
            redis_url,
            redis_prefix: var("NATTER_REDIS_PREFIX", "natter:"),
            addr,
            workers,
            jwt_secret,
            dev_mode,
            trusted_proxies,
            access_ttl: Duration::from_secs(number(
                "NATTER_ACCESS_TTL_SECS",
                &var("NATTER_ACCESS_TTL_SECS", "900"),
                10,
                86_400,
            )?),
            refresh_ttl: Duration::from_secs(
                86_400
                    * number(
                        "NATTER_REFRESH_TTL_DAYS",
                        &var("NATTER_REFRESH_TTL_DAYS", "30"),
                        1,
                        365,
                    )?,
            ),
            bcrypt_cost: number(
                "NATTER_BCRYPT_COST",
                &var("NATTER_BCRYPT_COST", "12"),
                4,
                31,
            )? as u32,
            rest_rate_per_min: number(
                "NATTER_RATE_REST_PER_MIN",
                &var("NATTER_RATE_REST_PER_MIN", "100"),
                1,
                1_000_000,
            )?,
            message_rate_per_min: number(
                "NATTER_RATE_MESSAGES_PER_MIN",
                &var("NATTER_RATE_MESSAGES_PER_MIN", "300"),
                1,
                1_000_000,
            )?,
            send_admit: Duration::from_millis(number(
                "NATTER_SEND_ADMIT_MS",
                &var("NATTER_SEND_ADMIT_MS", "1000"),
                10,
                60_000,
            )?),
            login_failures_per_min: number(
                "NATTER_RATE_LOGIN_FAILURES_PER_MIN",
                &var("NATTER_RATE_LOGIN_FAILURES_PER_MIN", "10"),
                1,
                1_000_000,
            )?,
            edit_window: Duration::from_secs(number(
                "NATTER_EDIT_WINDOW_SECS",
                &var("NATTER_EDIT_WINDOW_SECS", "172800"),
                0,
                10 * 365 * 86_400,
            )?),
            events_retained: number(
                "NATTER_EVENTS_RETAINED",
                &var("NATTER_EVENTS_RETAINED", "100000"),
                1,
                1_000_000_000,
            )?,
            member_limit: number(
                "NATTER_MEMBER_LIMIT",
                &var("NATTER_MEMBER_LIMIT", "10000"),
                2,
                10_000_000,
            )?,
            invite_ttl: Duration::from_secs(number(
                "NATTER_INVITE_TTL_SECS",
                &var("NATTER_INVITE_TTL_SECS", "604800"),
                1,
                10 * 365 * 86_400,
            )?),
            log_filter: var("RUST_LOG", "info"),
            log_format,
            files: FileSettings::from_lookup(&var, |k| get(k).filter(|v| !v.trim().is_empty()))?,
            ws: WsSettings::from_lookup(&var)?,
            totp_key: TotpKey::from_setting(
                get("NATTER_TOTP_KEY").filter(|v| !v.trim().is_empty()),
            )?,
            metrics_token: get("NATTER_METRICS_TOKEN")
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(MetricsToken),
        })
    }

    /// True when the development JWT secret is in use (only possible with `NATTER_DEV=1`).
    pub fn uses_dev_secret(&self) -> bool {
        self.jwt_secret == DEV_JWT_SECRET
    }
}

/// What one WebSocket connection may cost the server (issue 14).
#[derive(Debug, Clone)]
pub struct WsSettings {
    /// `NATTER_WS_CONNECTIONS_PER_USER`: open sockets one user may have on one process
    /// (default 20); the next upgrade is refused with 429.
    pub connections_per_user: usize,
    /// `NATTER_WS_QUEUE_FRAMES`: frames waiting to be written to one connection (default
    /// 1024); a connection further behind is closed and its client resyncs by seq.
    pub queue_frames: usize,
    /// `NATTER_WS_QUEUE_BYTES`: bytes waiting to be written to one connection (default
    /// 4 MiB), the same way.
    pub queue_bytes: usize,
    /// `NATTER_WS_FRAMES_PER_SEC`: client frames without a request id (typing, read, auth;
    /// sends and changes have the per-user message limit) one connection may send per second
    /// on average (default 50) …
    pub frames_per_sec: u32,
    /// `NATTER_WS_FRAME_BURST`: … and at once (default 200). A frame over the budget gets an
    /// `error` frame (`rate_limited`); as many refused within ten seconds close the socket.
    pub frame_burst: u32,
    /// `NATTER_WS_MESSAGE_MAX_BYTES`: the largest client message, fragments reassembled
    /// (default 64 KiB); a larger one closes the socket with 1009.
    pub message_max_bytes: usize,
    /// `NATTER_WS_STALL_SECS`: a connection whose bytes cannot leave for this long (its client
    /// stopped reading, or vanished) is closed by the kernel (`TCP_USER_TIMEOUT`; default 60).
    pub stall: std::time::Duration,
    /// `NATTER_PRESENCE_TTL_SECS`: how long a process's "this user is connected here" lives in
    /// Redis without a refresh (default 60; refreshed every third of it), so the users of a
    /// process that died turn offline — and are announced so — within about this long.
    pub presence_ttl: std::time::Duration,
}

impl WsSettings {
    fn from_lookup(var: &impl Fn(&'static str, &str) -> String) -> Result<Self, ConfigError> {
        Ok(Self {
            connections_per_user: number(
                "NATTER_WS_CONNECTIONS_PER_USER",
                &var("NATTER_WS_CONNECTIONS_PER_USER", "20"),
                1,
                100_000,
            )?,
            queue_frames: number(
                "NATTER_WS_QUEUE_FRAMES",
                &var("NATTER_WS_QUEUE_FRAMES", "1024"),
                1,
                10_000_000,
            )?,
            queue_bytes: number(
                "NATTER_WS_QUEUE_BYTES",
                &var("NATTER_WS_QUEUE_BYTES", "4194304"),
                65_536,
                1 << 34,
            )?,
            frames_per_sec: number(
                "NATTER_WS_FRAMES_PER_SEC",
                &var("NATTER_WS_FRAMES_PER_SEC", "50"),
                1,
                10_000_000,
            )?,
            frame_burst: number(
                "NATTER_WS_FRAME_BURST",
                &var("NATTER_WS_FRAME_BURST", "200"),
                1,
                10_000_000,
            )?,
            message_max_bytes: number(
                "NATTER_WS_MESSAGE_MAX_BYTES",
                &var("NATTER_WS_MESSAGE_MAX_BYTES", "65536"),
                4096,
                16 << 20,
            )?,
            stall: std::time::Duration::from_secs(number(
                "NATTER_WS_STALL_SECS",
                &var("NATTER_WS_STALL_SECS", "60"),
                1,
                86_400,
            )?),
            presence_ttl: std::time::Duration::from_secs(number(
                "NATTER_PRESENCE_TTL_SECS",
                &var("NATTER_PRESENCE_TTL_SECS", "60"),
                3,
                3_600,
            )?),
        })
    }
}

/// `NATTER_TRUSTED_PROXIES`: comma- or space-separated addresses and networks.
fn proxies(value: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    value
        .split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    invalid(
                        "NATTER_TRUSTED_PROXIES",
                        p,
                        "expected addresses or networks, e.g. 127.0.0.1, 10.0.0.0/8",
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_suit_local_development() {
        let s = Settings::from_map(&map(&[("NATTER_DEV", "1")])).unwrap();
        assert_eq!(s.addr, "127.0.0.1:8080");
        assert_eq!(s.bcrypt_cost, 12);
        assert_eq!(s.access_ttl, Duration::from_secs(900));
        assert!(s.uses_dev_secret());
    }

    #[test]
    fn each_invalid_setting_is_named_in_the_error() {
        let cases = [
            ("NATTER_BCRYPT_COST", "abc"),
            ("NATTER_BCRYPT_COST", "3"),
            ("NATTER_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("REDIS_URL", "http://x"),
            ("NATTER_LOG_FORMAT", "xml"),
            ("NATTER_JWT_SECRET", "short"),
            ("NATTER_ACCESS_TTL_SECS", "-1"),
            ("NATTER_WORKERS", "0"),
            ("NATTER_DEV", "maybe"),
            ("NATTER_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("NATTER_TRUSTED_PROXIES", "127.0.0.1, proxy"),
        ];
        for (var, value) in cases {
            let dev = if var == "NATTER_DEV" { "0" } else { "1" };
            let err = Settings::from_map(&map(&[("NATTER_DEV", dev), (var, value)])).unwrap_err();
            assert_eq!(err.var, var, "{var}={value}");
            assert!(
                err.to_string()
                    .starts_with(&format!("invalid setting {var}="))
            );
        }
    }

    #[test]
    fn a_known_secret_is_refused_outside_development() {
        for known in KNOWN_JWT_SECRETS {
            let err = Settings::from_map(&map(&[("NATTER_JWT_SECRET", known)])).unwrap_err();
            assert_eq!(err.var, "NATTER_JWT_SECRET");
            assert!(!err.to_string().contains(known));
        }
        let unset = Settings::from_map(&HashMap::new()).unwrap_err();
        assert_eq!(unset.var, "NATTER_JWT_SECRET");
        assert!(unset.problem.contains("NATTER_DEV=1"), "{unset}");
        let own = "an-operators-own-secret-of-more-than-32-bytes";
        let s = Settings::from_map(&map(&[("NATTER_JWT_SECRET", own)])).unwrap();
        assert!(!s.dev_mode && !s.uses_dev_secret());
    }

    #[test]
    fn trusted_proxies_take_addresses_and_networks() {
        let s = Settings::from_map(&map(&[
            ("NATTER_DEV", "1"),
            ("NATTER_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8 ::1"),
        ]))
        .unwrap();
        let shown: Vec<String> = s.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]);
        let none = Settings::from_map(&map(&[("NATTER_DEV", "1")])).unwrap();
        assert!(none.trusted_proxies.is_empty());
    }

    #[test]
    fn the_jwt_secret_never_appears_in_the_error() {
        let err = Settings::from_map(&map(&[("NATTER_JWT_SECRET", "tooshort")])).unwrap_err();
        assert!(!err.to_string().contains("tooshort"));
    }

    #[test]
    fn the_totp_key_is_32_bytes_of_base64_and_optional() {
        let unset = Settings::from_map(&map(&[("NATTER_DEV", "1")])).unwrap();
        assert!(unset.totp_key.is_none());
        let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let set =
            Settings::from_map(&map(&[("NATTER_DEV", "1"), ("NATTER_TOTP_KEY", key)])).unwrap();
        assert_eq!(set.totp_key.as_ref().map(|k| k.0[31]), Some(31));
        assert!(!format!("{set:?}").contains(key));
        for (bad, why) in [("AAEC", "too short"), ("not base64!", "not base64")] {
            let err = Settings::from_map(&map(&[("NATTER_DEV", "1"), ("NATTER_TOTP_KEY", bad)]))
                .unwrap_err();
            assert_eq!(err.var, "NATTER_TOTP_KEY", "{why}");
            assert!(!err.to_string().contains(bad), "{why}");
        }
    }
}
