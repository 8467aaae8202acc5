//! Where the app's own update stands: checking, a newer version offered (with its notes),
//! downloading, ready to restart, or why not.

/// A newer release, as its signed manifest describes it for this platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateOffer {
    pub version: String,
    /// The release notes (plain text).
    pub notes: String,
    /// The archive's address (made absolute against the manifest's).
    pub url: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

/// What the update worker reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateEvent {
    /// A check ended: `Ok(None)` is "up to date", `Err` says why it failed or was refused.
    Checked(Result<Option<UpdateOffer>, String>),
    /// The manifest's address answered 404: this server publishes no releases.
    NothingPublished,
    /// Bytes of the archive downloaded so far.
    Progress { done: u64, total: u64 },
    /// The new binary is in place (`Ok(version)`), or why nothing was changed.
    Installed(Result<String, String>),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum UpdateStatus {
    #[default]
    Idle,
    Checking,
    UpToDate,
    /// No releases are published where the app looks (a server without
    /// `NATTER_UPDATES_DIR`): nothing is wrong.
    NothingPublished,
    Available(UpdateOffer),
    Downloading {
        offer: UpdateOffer,
        done: u64,
    },
    /// Installed; takes effect on restart.
    Ready {
        version: String,
    },
    /// A check or an install failed; the running app is unchanged.
    Failed(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateState {
    pub status: UpdateStatus,
    /// `--no-update` was given: no checks in this run, whatever the setting says.
    pub off_for_this_run: bool,
    /// The person asked to restart into the installed version.
    pub restart_requested: bool,
}
