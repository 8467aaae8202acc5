//! The settings of files: where they are kept (a local folder or S3), the limits on uploads,
//! and the malware scanner. Part of [`crate::config::Settings`].

use std::path::PathBuf;
use std::time::Duration;

use crate::setting_parse::{ConfigError, invalid, number};

/// Where finished files are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// A folder on this machine (`NATTER_FILES_DIR`).
    Local,
    /// An S3-compatible bucket (`NATTER_S3_*`).
    S3,
}

/// `NATTER_S3_*`: the bucket of the S3 backend.
#[derive(Clone)]
pub struct S3Settings {
    /// `NATTER_S3_BUCKET`
    pub bucket: String,
    /// `NATTER_S3_ENDPOINT`: e.g. `http://127.0.0.1:9000` for MinIO; empty for AWS.
    pub endpoint: Option<String>,
    /// `NATTER_S3_REGION` (default `us-east-1`).
    pub region: String,
    /// `NATTER_S3_ACCESS_KEY`
    pub access_key: String,
    /// `NATTER_S3_SECRET_KEY`
    pub secret_key: String,
    /// `NATTER_S3_PATH_STYLE`: `true` (default; MinIO and most self-hosted servers) or `false`.
    pub path_style: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("path_style", &self.path_style)
            .finish_non_exhaustive()
    }
}

/// Uploads, storage, limits and scanning.
#[derive(Debug, Clone)]
pub struct FileSettings {
    /// `NATTER_STORAGE`: `local` (default) or `s3`.
    pub storage: Storage,
    /// `NATTER_FILES_DIR`: the local backend's folder (default `data/files`).
    pub dir: PathBuf,
    /// `NATTER_UPLOADS_DIR`: where unfinished uploads are written while their bytes arrive,
    /// whatever the backend (default `data/uploads`).
    pub uploads_dir: PathBuf,
    pub s3: Option<S3Settings>,
    /// `NATTER_UPLOAD_MAX_BYTES`: the largest file (default 100 MiB).
    pub max_bytes: i64,
    /// `NATTER_UPLOAD_DAILY_BYTES`: what one person may upload in 24 hours (default 2 GiB).
    pub daily_quota_bytes: i64,
    /// `NATTER_UPLOAD_ALLOWED_TYPES`: comma-separated MIME types (`image/*` for a family);
    /// empty allows every type.
    pub allowed_types: Vec<String>,
    /// `NATTER_UPLOAD_DENIED_TYPES`: comma-separated MIME types refused even when allowed.
    pub denied_types: Vec<String>,
    /// `NATTER_IMAGE_MAX_PIXELS`: larger images are refused before decoding (default 40 MP).
    pub max_image_pixels: u64,
    /// `NATTER_CLAMAV_ADDR`: clamd's `host:port`; unset, files are stored unscanned.
    pub clamav_addr: Option<String>,
    /// `NATTER_CLAMAV_TIMEOUT_SECS`: a scan taking longer stays pending and is retried.
    pub clamav_timeout: Duration,
    /// `NATTER_UPLOAD_TTL_SECS`: unfinished and never-attached uploads are removed after
    /// this long (default 24 h).
    pub unfinished_ttl: Duration,
    /// `NATTER_FILES_SWEEP_SECS`: how often scans are retried and old uploads removed
    /// (default 30 s).
    pub sweep_every: Duration,
    /// `NATTER_UPDATES_DIR`: a folder of app releases (the signed `manifest.json`, its
    /// `manifest.json.minisig` and the archives) served at `/updates/`; unset, none are.
    pub updates_dir: Option<PathBuf>,
}

impl FileSettings {
    /// `var(name, default)` reads a setting with its default, `get(name)` one without.
    pub(crate) fn from_lookup(
        var: &impl Fn(&'static str, &str) -> String,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let storage = match var("NATTER_STORAGE", "local").as_str() {
            "local" => Storage::Local,
            "s3" => Storage::S3,
            other => return Err(invalid("NATTER_STORAGE", other, "expected local or s3")),
        };
        let s3 = match storage {
            Storage::Local => None,
            Storage::S3 => Some(S3Settings {
                bucket: required(&get, "NATTER_S3_BUCKET")?,
                endpoint: get("NATTER_S3_ENDPOINT"),
                region: var("NATTER_S3_REGION", "us-east-1"),
                access_key: required(&get, "NATTER_S3_ACCESS_KEY")?,
                secret_key: required(&get, "NATTER_S3_SECRET_KEY")?,
                path_style: match var("NATTER_S3_PATH_STYLE", "true").as_str() {
                    "true" => true,
                    "false" => false,
                    other => {
                        return Err(invalid(
                            "NATTER_S3_PATH_STYLE",
                            other,
                            "expected true or false",
                        ));
                    }
                },
            }),
        };
        let clamav_addr = get("NATTER_CLAMAV_ADDR");
        if let Some(addr) = &clamav_addr
            && !addr.contains(':')
        {
            return Err(invalid(
                "NATTER_CLAMAV_ADDR",
                addr,
                "expected host:port, e.g. 127.0.0.1:3310",
            ));
        }
        Ok(Self {
            storage,
            dir: PathBuf::from(var("NATTER_FILES_DIR", "data/files")),
            uploads_dir: PathBuf::from(var("NATTER_UPLOADS_DIR", "data/uploads")),
            s3,
            max_bytes: number(
                "NATTER_UPLOAD_MAX_BYTES",
                &var("NATTER_UPLOAD_MAX_BYTES", "104857600"),
                1,
                1 << 40,
            )?,
            daily_quota_bytes: number(
                "NATTER_UPLOAD_DAILY_BYTES",
                &var("NATTER_UPLOAD_DAILY_BYTES", "2147483648"),
                1,
                1 << 50,
            )?,
            allowed_types: list(&var("NATTER_UPLOAD_ALLOWED_TYPES", "")),
            denied_types: list(&var("NATTER_UPLOAD_DENIED_TYPES", "")),
            max_image_pixels: number(
                "NATTER_IMAGE_MAX_PIXELS",
                &var("NATTER_IMAGE_MAX_PIXELS", "40000000"),
                1,
                1 << 40,
            )?,
            clamav_addr,
            updates_dir: get("NATTER_UPDATES_DIR").map(|d| PathBuf::from(d.trim())),
            clamav_timeout: Duration::from_secs(number(
                "NATTER_CLAMAV_TIMEOUT_SECS",
                &var("NATTER_CLAMAV_TIMEOUT_SECS", "60"),
                1,
                3600,
            )?),
            unfinished_ttl: Duration::from_secs(number(
                "NATTER_UPLOAD_TTL_SECS",
                &var("NATTER_UPLOAD_TTL_SECS", "86400"),
                60,
                365 * 86_400,
            )?),
            sweep_every: Duration::from_secs(number(
                "NATTER_FILES_SWEEP_SECS",
                &var("NATTER_FILES_SWEEP_SECS", "30"),
                1,
                86_400,
            )?),
        })
    }

    /// Whether files of `mime` may be uploaded.
    pub fn type_allowed(&self, mime: &str) -> bool {
        let matches = |pattern: &String| match pattern.strip_suffix("/*") {
            Some(family) => mime.split('/').next() == Some(family),
            None => pattern == mime,
        };
        (self.allowed_types.is_empty() || self.allowed_types.iter().any(matches))
            && !self.denied_types.iter().any(matches)
    }
}

fn required(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<String, ConfigError> {
    get(var).ok_or_else(|| invalid(var, "", "required when NATTER_STORAGE=s3"))
}

fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::config::Settings;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, crate::setting_parse::ConfigError> {
        let vars: HashMap<String, String> = [("NATTER_DEV", "1")]
            .iter()
            .chain(pairs)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_map(&vars)
    }

    #[test]
    fn local_storage_and_100_mib_by_default() {
        let f = settings(&[]).unwrap().files;
        assert_eq!(f.storage, super::Storage::Local);
        assert_eq!(f.max_bytes, 100 * 1024 * 1024);
        assert!(f.clamav_addr.is_none());
        assert!(f.type_allowed("application/x-executable"));
    }

    #[test]
    fn s3_needs_its_bucket_and_keys() {
        let err = settings(&[("NATTER_STORAGE", "s3")]).unwrap_err();
        assert_eq!(err.var, "NATTER_S3_BUCKET");
        let s = settings(&[
            ("NATTER_STORAGE", "s3"),
            ("NATTER_S3_BUCKET", "b"),
            ("NATTER_S3_ACCESS_KEY", "k"),
            ("NATTER_S3_SECRET_KEY", "very-secret"),
        ])
        .unwrap();
        assert!(!format!("{:?}", s.files).contains("very-secret"));
    }

    #[test]
    fn type_lists_take_families_and_deny_wins() {
        let f = settings(&[
            ("NATTER_UPLOAD_ALLOWED_TYPES", "image/*, application/pdf"),
            ("NATTER_UPLOAD_DENIED_TYPES", "image/gif"),
        ])
        .unwrap()
        .files;
        assert!(f.type_allowed("image/png"));
        assert!(f.type_allowed("application/pdf"));
        assert!(!f.type_allowed("image/gif"));
        assert!(!f.type_allowed("application/zip"));
    }
}
