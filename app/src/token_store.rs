//! Where the session survives a restart: the OS keyring, or, where no keyring service runs
//! (no D-Bus session, as on CI), a file only the user can read.
//!
//! Only the refresh token and what is needed to use it are stored; the access token lives in
//! memory. The whole [`StoredSession`] is one JSON secret under service `natter`,
//! account `session`.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use natter_shared::{SessionId, UserId};
use serde::{Deserialize, Serialize};

/// The keyring service name.
pub const KEYRING_SERVICE: &str = "natter";
/// The keyring account the session is stored under.
pub const KEYRING_ACCOUNT: &str = "session";
/// The name of the fallback file, in the data dir. "insecure": it is protected only by
/// file permissions, not encrypted.
pub const SESSION_FILE_NAME: &str = "natter-session.insecure.json";

/// What is kept of a session between runs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    pub server_url: String,
    pub user_id: UserId,
    pub username: String,
    pub session_id: SessionId,
    pub refresh_token: String,
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSession")
            .field("server_url", &self.server_url)
            .field("user_id", &self.user_id)
            .field("username", &self.username)
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("keyring: {0}")]
    Keyring(#[from] keyring_core::Error),
    #[error("session file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("stored session is not valid JSON: {0}")]
    Format(#[from] serde_json::Error),
}

/// A place to keep the session.
pub enum TokenStore {
    Keyring(KeyringStore),
    File(FileStore),
}

impl TokenStore {
    /// The OS keyring if it works, else the file in `data_dir`. Logs which one is used.
    pub fn open(data_dir: &Path, use_keyring: bool) -> TokenStore {
        let file = FileStore::new(data_dir);
        if !use_keyring {
            tracing::info!(path = %file.path().display(), "token store: file (NATTER_KEYRING=off)");
            return TokenStore::File(file);
        }
        match KeyringStore::open_os() {
            Ok(keyring) => {
                tracing::info!("token store: OS keyring");
                keyring.adopt_file(&file);
                TokenStore::Keyring(keyring)
            }
            Err(error) => {
                tracing::warn!(
                    path = %file.path().display(),
                    %error,
                    "token store: file readable only by this user (no OS keyring available)"
                );
                TokenStore::File(file)
            }
        }
    }

    pub fn load(&self) -> Result<Option<StoredSession>, StoreError> {
        match self {
            TokenStore::Keyring(k) => k.load(),
            TokenStore::File(f) => f.load(),
        }
    }

    pub fn save(&self, session: &StoredSession) -> Result<(), StoreError> {
        match self {
            TokenStore::Keyring(k) => k.save(session),
            TokenStore::File(f) => f.save(session),
        }
    }

    pub fn clear(&self) -> Result<(), StoreError> {
        match self {
            TokenStore::Keyring(k) => k.clear(),
            TokenStore::File(f) => f.clear(),
        }
    }
}

/// The session in a keyring-core credential store.
pub struct KeyringStore {
    store: Arc<keyring_core::CredentialStore>,
}

impl KeyringStore {
    /// Uses the given store (tests pass `keyring_core::mock::Store`).
    pub fn new(store: Arc<keyring_core::CredentialStore>) -> Self {
        Self { store }
    }

    /// The platform's store (Secret Service, Keychain, Credential Manager), checked by a read.
    fn open_os() -> Result<Self, String> {
        if let Err(error) = keyring::Entry::store_status() {
            return Err(error.to_string());
        }
        let store = keyring_core::get_default_store()
            .ok_or_else(|| keyring_core::Error::NoDefaultStore.to_string())?;
        let keyring = Self::new(store);
        match keyring.entry().and_then(|e| e.get_password()) {
            Ok(_) | Err(keyring_core::Error::NoEntry) => Ok(keyring),
            Err(error) => Err(error.to_string()),
        }
    }

    fn entry(&self) -> Result<keyring_core::Entry, keyring_core::Error> {
        self.store.build(KEYRING_SERVICE, KEYRING_ACCOUNT, None)
    }

    pub fn load(&self) -> Result<Option<StoredSession>, StoreError> {
        match self.entry()?.get_password() {
            Ok(json) => Ok(Some(serde_json::from_str(&json)?)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    pub fn save(&self, session: &StoredSession) -> Result<(), StoreError> {
        let json = serde_json::to_string(session)?;
        self.entry()?.set_password(&json)?;
        Ok(())
    }

    pub fn clear(&self) -> Result<(), StoreError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Moves a session left in the fallback file (from a run without keyring) into the
    /// keyring, so no token stays in plain text once the keyring works.
    fn adopt_file(&self, file: &FileStore) {
        let Ok(Some(session)) = file.load() else {
            return;
        };
        let moved = match self.load() {
            Ok(Some(_)) => Ok(()), // the keyring's own session wins
            _ => self.save(&session),
        };
        match moved.and_then(|()| file.clear()) {
            Ok(()) => tracing::info!("moved the stored session from the file into the keyring"),
            Err(error) => {
                tracing::warn!(%error, "could not move the session file into the keyring")
            }
        }
    }
}

/// The session as JSON in a file with mode 0600.
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(SESSION_FILE_NAME),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io_error(&self, source: std::io::Error) -> StoreError {
        StoreError::File {
            path: self.path.clone(),
            source,
        }
    }

    pub fn load(&self) -> Result<Option<StoredSession>, StoreError> {
        match std::fs::read_to_string(&self.path) {
            Ok(json) => Ok(Some(serde_json::from_str(&json)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io_error(e)),
        }
    }

    /// Writes a temporary file created with mode 0600 and renames it over the old one, so a
    /// crash never leaves a half-written session and the token is never world-readable.
    pub fn save(&self, session: &StoredSession) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(session)?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.io_error(e))?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(|e| self.io_error(e))?;
        file.write_all(&json)
            .and_then(|()| file.sync_all())
            .map_err(|e| self.io_error(e))?;
        drop(file);
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io_error(e))
    }

    pub fn clear(&self) -> Result<(), StoreError> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io_error(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn session(token: &str) -> StoredSession {
        StoredSession {
            server_url: "http://127.0.0.1:8080".into(),
            user_id: UserId(Uuid::from_u128(1)),
            username: "alice".into(),
            session_id: SessionId(Uuid::from_u128(2)),
            refresh_token: token.into(),
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("natter-test-{name}-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn file_store_round_trips_and_clears() {
        let dir = temp_dir("roundtrip");
        let store = FileStore::new(&dir);
        assert_eq!(store.load().unwrap(), None);
        store.save(&session("r1")).unwrap();
        store.save(&session("r2")).unwrap();
        assert_eq!(store.load().unwrap(), Some(session("r2")));
        store.clear().unwrap();
        assert_eq!(store.load().unwrap(), None);
        store.clear().unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn file_store_is_readable_only_by_the_user() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = temp_dir("perms");
        let store = FileStore::new(&dir.join("nested"));
        store.save(&session("r1")).unwrap();
        let mode = std::fs::metadata(store.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(store.path().ends_with(SESSION_FILE_NAME));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn keyring_off_forces_the_file_store() {
        let dir = temp_dir("off");
        assert!(matches!(TokenStore::open(&dir, false), TokenStore::File(_)));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn keyring_store_round_trips_through_the_mock_store() {
        let store = KeyringStore::new(keyring_core::mock::Store::new().unwrap());
        assert_eq!(store.load().unwrap(), None);
        store.save(&session("r1")).unwrap();
        store.save(&session("r2")).unwrap();
        assert_eq!(store.load().unwrap(), Some(session("r2")));
        store.clear().unwrap();
        assert_eq!(store.load().unwrap(), None);
        store.clear().unwrap();
    }

    #[test]
    fn keyring_store_reports_platform_failures() {
        let mock = keyring_core::mock::Store::new().unwrap();
        let store = KeyringStore::new(mock);
        let entry = store.entry().unwrap();
        let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(keyring_core::Error::NoStorageAccess("locked".into()));
        assert!(matches!(store.load(), Err(StoreError::Keyring(_))));
    }

    #[test]
    fn a_session_left_in_the_file_moves_into_the_keyring() {
        let dir = temp_dir("adopt");
        let file = FileStore::new(&dir);
        file.save(&session("from-file")).unwrap();
        let keyring = KeyringStore::new(keyring_core::mock::Store::new().unwrap());
        keyring.adopt_file(&file);
        assert_eq!(keyring.load().unwrap(), Some(session("from-file")));
        assert_eq!(file.load().unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn debug_output_hides_the_refresh_token() {
        assert!(!format!("{:?}", session("secret-token")).contains("secret-token"));
    }
}
