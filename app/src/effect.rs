//! What the reducer asks the outside world to do; [`crate::net::Executor`] does it.

use chrono::{DateTime, Utc};
use natter_shared::ChatId;
use natter_shared::ws::ClientFrame;

use crate::api::ApiCall;
use crate::token_store::StoredSession;
use crate::transfers::TransferCommand;

/// A side effect requested by [`crate::reduce::reduce`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Make an HTTP call; the answer comes back as [`crate::action::Action::ApiFinished`].
    Api(ApiRequest),
    /// Write the session (with its newest refresh token) to the token store.
    SaveSession(StoredSession),
    /// Remove the stored session.
    ClearSession,
    /// Open, use or close the WebSocket; its events come back as
    /// [`crate::action::Action::Socket`].
    Socket(SocketCommand),
    /// Send [`crate::action::Action::Tick`] at (or just after) this moment.
    WakeAt(DateTime<Utc>),
    /// Show a desktop notification (it replaces the one shown for the same chat).
    Notify(Notification),
    /// Take back the notification shown for a chat (its message was deleted), where the
    /// notification service allows it.
    Withdraw(ChatId),
    /// Upload, download or fetch an image; progress comes back as
    /// [`crate::action::Action::Transfer`].
    Transfer(TransferCommand),
    /// Show a native file dialog, or open a file with the system's program.
    Dialog(DialogRequest),
    /// Check for, download or install a new version of the app; what happens comes back as
    /// [`crate::action::Action::Update`].
    Update(UpdateCommand),
    /// Write to the local store of the signed-in account. Run on the UI thread before the
    /// next frame is drawn, so what the screen shows as queued is on disk.
    Store(StoreWrite),
}

/// One write to the local store (`crate::store`): each replaces what it names.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreWrite {
    /// The person's own profile.
    User(Box<natter_shared::api::User>),
    /// A chat: its summary, cursors, members and the tail of its history.
    Chat(Box<crate::state::kept::KeptChat>),
    /// A chat that is no longer in the list.
    ChatGone(ChatId),
    /// The whole outbox of sends, in order.
    Sends(Vec<crate::state::kept::KeptSend>),
    /// The unanswered changes, in order.
    Changes(Vec<crate::state::kept::KeptChange>),
    /// The attachments' uploads.
    Uploads(Vec<crate::state::kept::KeptUpload>),
    /// A chat's draft (`None`: there is none any more).
    Draft(ChatId, Option<crate::state::Draft>),
}

/// What the update worker is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateCommand {
    /// Check now and then every 6 hours from `url` (when `enabled`), or stop checking.
    Policy { enabled: bool, url: String },
    /// Check once now, whatever the policy.
    CheckNow { url: String },
    /// Download, verify and put the offered version in place of this binary.
    Install(crate::state::update::UpdateOffer),
}

/// A file dialog to show (its answer comes back as an action), or a file to open.
#[derive(Debug, Clone, PartialEq)]
pub enum DialogRequest {
    /// "Attach": files to send in `chat_id` ([`crate::action::Action::FilesChosen`]).
    AttachFiles { chat_id: ChatId },
    /// "Download": where to save `file` ([`crate::action::Action::SaveTargetChosen`]).
    SaveFile { file: natter_shared::api::FileInfo },
    /// "Change photo" of one's own, or of group `chat` ([`crate::action::Action::PhotoChosen`]).
    ChoosePhoto { chat: Option<ChatId> },
    /// "Open" or "Show in folder".
    Open(std::path::PathBuf),
    /// "Export my data": where to write the export, then written there
    /// ([`crate::action::SecurityAction::ExportSaved`]).
    SaveExport { json: std::sync::Arc<Vec<u8>> },
    /// An image pasted into the composer: written as a PNG into `dir`, then attached to
    /// `chat_id` under `key` ([`crate::action::Action::FilesChosen`]).
    SavePasted {
        chat_id: ChatId,
        key: crate::transfers::UploadKey,
        image: std::sync::Arc<egui::ColorImage>,
        dir: std::path::PathBuf,
    },
}

/// A desktop notification, already in the person's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub chat_id: ChatId,
    pub title: String,
    pub body: String,
    /// Ask the notification service to play its sound.
    pub sound: bool,
}

/// What to do with the WebSocket. Only one attempt is alive at a time: opening attempt
/// `conn` closes any earlier one.
#[derive(Clone, PartialEq)]
pub enum SocketCommand {
    /// Connect to `url`, with the access `token` in the upgrade's `Authorization` header.
    Open {
        epoch: u64,
        conn: u64,
        url: String,
        token: String,
    },
    /// Send a frame on attempt `conn` (dropped if that attempt is no longer alive).
    Send { conn: u64, frame: ClientFrame },
    /// Close attempt `conn`.
    Close { conn: u64 },
}

/// Never prints the token.
impl std::fmt::Debug for SocketCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SocketCommand::Open {
                epoch, conn, url, ..
            } => {
                let shown = url.split('?').next().unwrap_or_default();
                write!(f, "Open {{ epoch: {epoch}, conn: {conn}, url: {shown:?} }}")
            }
            SocketCommand::Send { conn, frame } => write!(f, "Send {{ conn: {conn}, {frame:?} }}"),
            SocketCommand::Close { conn } => write!(f, "Close {{ conn: {conn} }}"),
        }
    }
}

/// One HTTP call with everything needed to make it.
#[derive(Clone, PartialEq)]
pub struct ApiRequest {
    pub epoch: u64,
    /// Normalised server URL, without `/api/v1`.
    pub server_url: String,
    pub call: ApiCall,
    /// The bearer token, for calls that need one.
    pub access_token: Option<String>,
    pub token_generation: u64,
}

impl std::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiRequest")
            .field("epoch", &self.epoch)
            .field("server_url", &self.server_url)
            .field("call", &self.call)
            .field("authorized", &self.access_token.is_some())
            .field("token_generation", &self.token_generation)
            .finish()
    }
}
