//! Everything the app knows, as plain data: the screen being shown, the form contents, the
//! signed-in session. Only [`crate::reduce::reduce`] changes it; views only read it.

use std::collections::HashMap;
use std::fmt;

use natter_shared::api::{SessionInfo, User};
use natter_shared::{
    Bio, ChatId, DisplayName, ErrorCode, Field, Password, SessionId, UserId, Username,
    ValidationError,
};

use crate::api::ApiCall;
use crate::i18n::Language;

pub mod chats;
pub mod compose;
pub mod connection;
pub mod groups;
pub mod kept;
pub mod prefs;
pub mod search;
pub mod second_factor;
pub mod security;
pub mod transfers;
pub mod update;

pub use chats::{
    Around, ChatEntry, ChatsState, HistoryState, Outgoing, OutgoingState, PendingChange,
    ReadCursor, SendFailure,
};
pub use compose::{Draft, ForwardPicker, MessageActions, NewChat};
pub use connection::{Connection, LinkStatus};
pub use groups::{GroupPanel, GroupsState};
pub use prefs::{Clock, Notified, Preference, Settings, Theme};
pub use search::{DateProblem, FOCUS_SHOWN, Focus, SearchPanel};
pub use second_factor::SecondFactorStep;
pub use security::{SecurityDone, SecurityField, SecurityPanel, SecurityState};
pub use transfers::{
    Download, DownloadPhase, ImageState, TransfersState, Upload, UploadPhase, UploadPurpose,
};

/// The server URL used when nothing else is configured.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8080";

/// The whole state of the app.
#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub language: Language,
    /// The server address as typed on the sign-in screen (persisted).
    pub server_url: String,
    /// Sent at login so the devices list can tell this device apart.
    pub device_name: String,
    pub screen: Screen,
    /// The signed-in session, also present while it is being restored.
    pub session: Option<Session>,
    /// A one-line banner (e.g. "your session ended"), until dismissed or replaced.
    pub notice: Option<Notice>,
    /// Bumped whenever a session begins or ends, so answers meant for an earlier session
    /// are recognised and dropped.
    pub epoch: u64,
    /// The signed-in user's chats and unsent messages (empty when signed out).
    pub chats: ChatsState,
    /// The WebSocket link (idle when signed out).
    pub connection: Connection,
    /// Persisted preferences (settings screen).
    pub settings: Settings,
    /// Unsent text per chat (persisted).
    pub drafts: HashMap<ChatId, Draft>,
    /// The chat-list search box.
    pub chat_filter: String,
    /// The "new chat" / "new group" dialog, when open.
    pub new_chat: Option<NewChat>,
    /// The message search panel, when open.
    pub search: Option<SearchPanel>,
    /// The delete confirmation, forward picker and selection of message actions.
    pub message_actions: MessageActions,
    /// Whether the window has keyboard focus (notifications for the open chat only when not).
    pub window_focused: bool,
    /// The wall clock as of this frame.
    pub clock: Clock,
    /// The chat that was open when the app last closed; opened once the list has it.
    pub reopen: Option<ChatId>,
    /// The last notification per chat (coalescing).
    pub notified: HashMap<ChatId, Notified>,
    /// The chat and moment a `typing: true` was last sent (at most one per few seconds).
    pub typing_sent: Option<(ChatId, chrono::DateTime<chrono::Utc>)>,
    /// Where opened images are downloaded to (the app's data folder).
    pub files_dir: std::path::PathBuf,
    /// The app's own updates.
    pub update: update::UpdateState,
    /// In portable mode, the folder everything is kept in (shown in About).
    pub portable_dir: Option<std::path::PathBuf>,
    /// The extra CA file the connections trust beside the system's roots.
    pub extra_ca: crate::config::ExtraCa,
    /// What the local store was last given (`reduce/kept.rs` compares with it after every
    /// action); a cache, equal in every state.
    pub kept_marks: kept::KeptMarks,
}

impl AppState {
    pub fn new(language: Language, server_url: String, device_name: String) -> Self {
        Self {
            language,
            server_url,
            device_name,
            screen: Screen::SignIn(AuthForm::default()),
            session: None,
            notice: None,
            epoch: 0,
            chats: ChatsState::default(),
            connection: Connection::default(),
            settings: Settings::default(),
            drafts: HashMap::new(),
            chat_filter: String::new(),
            new_chat: None,
            search: None,
            message_actions: MessageActions::default(),
            window_focused: true,
            clock: Clock::default(),
            reopen: None,
            notified: HashMap::new(),
            typing_sent: None,
            files_dir: std::path::PathBuf::from("files"),
            update: update::UpdateState::default(),
            portable_dir: None,
            extra_ca: crate::config::ExtraCa::None,
            kept_marks: kept::KeptMarks::default(),
        }
    }
}

/// What the window shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    SignIn(AuthForm),
    Register(AuthForm),
    /// A stored session is being brought back (`POST /auth/refresh`) at start.
    Restoring {
        failure: Option<UiError>,
    },
    Shell(Box<ShellState>),
}

/// The sign-in and registration forms (registration also uses `display_name`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthForm {
    pub username: String,
    pub password: String,
    pub display_name: String,
    /// A request is in flight: the spinner shows and submitting again does nothing.
    pub busy: bool,
    /// Set on a submit attempt, so empty fields show their errors too.
    pub show_all_errors: bool,
    /// Errors the server attributed to a field, cleared when that field is edited.
    pub field_errors: Vec<(Field, UiError)>,
    /// An error that concerns no single field (wrong password, server unreachable).
    pub general_error: Option<UiError>,
    /// The password was right and the account has two-factor authentication on: the
    /// second step (sign-in only).
    pub second_factor: Option<SecondFactorStep>,
}

impl AuthForm {
    /// The server's error for `field`, if any.
    pub fn field_error(&self, field: Field) -> Option<&UiError> {
        field_error(&self.field_errors, field)
    }
}

/// The signed-in view.
#[derive(Debug, Clone, PartialEq)]
pub struct ShellState {
    pub user: User,
    pub tab: ShellTab,
    pub profile: ProfileForm,
    pub devices: DevicesState,
    /// `POST /auth/logout` is in flight.
    pub signing_out: bool,
    /// Settings → Security.
    pub security: SecurityState,
    /// Settings → Privacy.
    pub privacy: PrivacyState,
}

/// Settings → Privacy: the setting itself is `ShellState::user.presence_visibility`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrivacyState {
    /// The choice being sent (`PATCH /users/me`).
    pub saving: Option<natter_shared::api::PresenceVisibility>,
    pub error: Option<UiError>,
}

impl ShellState {
    pub fn new(user: User) -> Self {
        Self {
            profile: ProfileForm::from_user(&user),
            user,
            tab: ShellTab::Chats,
            devices: DevicesState::default(),
            signing_out: false,
            security: SecurityState::default(),
            privacy: PrivacyState::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellTab {
    /// The chat list and the open conversation.
    Chats,
    Profile,
    Devices,
    Settings,
}

/// The profile editor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileForm {
    pub display_name: String,
    pub bio: String,
    pub saving: bool,
    pub field_errors: Vec<(Field, UiError)>,
    pub general_error: Option<UiError>,
}

impl ProfileForm {
    pub fn from_user(user: &User) -> Self {
        Self {
            display_name: user
                .display_name
                .as_ref()
                .map(|d| d.as_str().to_owned())
                .unwrap_or_default(),
            bio: user.bio.clone(),
            ..Self::default()
        }
    }

    pub fn field_error(&self, field: Field) -> Option<&UiError> {
        field_error(&self.field_errors, field)
    }

    /// The display name as typed, checked: `Ok(None)` means "no display name".
    pub fn parsed_display_name(&self) -> Result<Option<DisplayName>, ValidationError> {
        if self.display_name.trim().is_empty() {
            Ok(None)
        } else {
            DisplayName::parse(&self.display_name).map(Some)
        }
    }

    pub fn parsed_bio(&self) -> Result<Bio, ValidationError> {
        Bio::parse(&self.bio)
    }
}

/// The list of signed-in devices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DevicesState {
    /// `None` until the first answer arrives.
    pub sessions: Option<Vec<SessionInfo>>,
    pub loading: bool,
    /// Sessions whose sign-out request is in flight.
    pub revoking: Vec<SessionId>,
    pub error: Option<UiError>,
}

/// The signed-in session: what is needed to make authenticated calls.
#[derive(Clone, PartialEq)]
pub struct Session {
    /// Normalised base URL (no trailing slash) of the server this session lives on.
    pub server_url: String,
    pub user_id: UserId,
    pub username: String,
    pub session_id: SessionId,
    /// In memory only; `None` until the first refresh after a restore, or after a 401.
    pub access_token: Option<String>,
    /// Bumped with every new access token, so a 401 caused by an older token is retried
    /// with the new one instead of triggering another refresh.
    pub token_generation: u64,
    /// One-use: every refresh returns a new one, which is persisted at once.
    pub refresh_token: String,
    /// A `POST /auth/refresh` is in flight; at most one ever is.
    pub refreshing: bool,
    /// Calls waiting for the refresh to finish.
    pub pending: Vec<ApiCall>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("server_url", &self.server_url)
            .field("user_id", &self.user_id)
            .field("session_id", &self.session_id)
            .field("has_access_token", &self.access_token.is_some())
            .field("token_generation", &self.token_generation)
            .field("refreshing", &self.refreshing)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

/// An error kept in the state, language-neutral; views translate it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiError {
    Validation(ValidationError),
    /// The server answered with its error body.
    Server {
        code: ErrorCode,
        message: String,
    },
    Network(crate::api::NetErrorKind),
    /// An error status without the usual error body (e.g. a proxy's 502 page).
    UnexpectedStatus(u16),
    /// A success status whose body could not be understood.
    BadResponse,
    InvalidServerUrl,
    /// `http://` to a host other than this machine: passwords and tokens would cross the
    /// network in plain text.
    PlainHttpRemote,
    /// The server refused a file after it arrived (type, size of the image, malware).
    FileRejected(String),
    /// A file here could not be read or written.
    LocalFile(String),
    /// A download's bytes did not match the file's checksum.
    Corrupt,
    /// The new password and its repetition differ.
    PasswordsDiffer,
}

/// A banner message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The server ended the session (revoked elsewhere, refresh token reused or expired).
    SessionEnded,
    SignedOut,
    /// The account was deleted; this device is signed out.
    AccountDeleted,
    /// Signed out here, but the server could not be told.
    SignedOutOffline,
    ProfileSaved,
    /// The session could not be written to the token store; it will not survive a restart.
    SessionNotSaved,
    /// The local store could not be written: what was typed may be lost if the app closes
    /// (the writes are tried again; the notice goes once they are made).
    NotSavedLocally(kept::StoreProblem),
    /// A search hit could not be opened (its page failed to load) after the search panel
    /// was closed, or a reply's original could not be (gone, or the server unreachable).
    MessageNotOpened(UiError),
}

/// Validation results of an [`AuthForm`], computed from its text.
pub struct AuthFormCheck {
    pub username: Result<Username, ValidationError>,
    pub password: Result<Password, ValidationError>,
    /// `Ok(None)` when left empty (it is optional).
    pub display_name: Result<Option<DisplayName>, ValidationError>,
}

impl AuthForm {
    /// The error to show next to `field`: the server's, else the local check's (once the
    /// field has text, or after a submit attempt).
    pub fn shown_error(&self, field: Field) -> Option<UiError> {
        if let Some(error) = self.field_error(field) {
            return Some(error.clone());
        }
        let check = self.check();
        let (text, result) = match field {
            Field::Username => (&self.username, check.username.err()),
            Field::Password => (&self.password, check.password.err()),
            Field::DisplayName => (&self.display_name, check.display_name.err()),
            _ => return None,
        };
        if self.show_all_errors || !text.is_empty() {
            result.map(UiError::Validation)
        } else {
            None
        }
    }

    pub fn check(&self) -> AuthFormCheck {
        AuthFormCheck {
            username: Username::parse(&self.username),
            password: Password::parse(&self.password),
            display_name: if self.display_name.trim().is_empty() {
                Ok(None)
            } else {
                DisplayName::parse(&self.display_name).map(Some)
            },
        }
    }
}

/// Checks and normalises a server address: `http(s)://host[:port]`, no trailing slash.
pub fn normalize_server_url(input: &str) -> Result<String, UiError> {
    let trimmed = input.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"))
        .ok_or(UiError::InvalidServerUrl)?;
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err(UiError::InvalidServerUrl);
    }
    if trimmed.starts_with("http://") && !is_loopback(rest) {
        return Err(UiError::PlainHttpRemote);
    }
    Ok(trimmed.to_owned())
}

/// Whether the authority at the start of `rest` (host, optional port, path) is this machine:
/// `localhost`, `127.0.0.0/8` or `[::1]`.
pub fn is_loopback(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn field_error(errors: &[(Field, UiError)], field: Field) -> Option<&UiError> {
    errors.iter().find(|(f, _)| *f == field).map(|(_, e)| e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_are_checked_and_normalised() {
        let cases = [
            (
                "default",
                "http://127.0.0.1:8080",
                Ok("http://127.0.0.1:8080"),
            ),
            (
                "plain http only to this machine",
                "http://chat.example",
                Err(UiError::PlainHttpRemote),
            ),
            ("loopback v6", "http://[::1]:8080", Ok("http://[::1]:8080")),
            (
                "localhost",
                "http://localhost:8080/",
                Ok("http://localhost:8080"),
            ),
            (
                "a loopback-looking name is not loopback",
                "http://127.0.0.1.evil.example",
                Err(UiError::PlainHttpRemote),
            ),
            (
                "trailing slash dropped",
                " https://chat.example/ ",
                Ok("https://chat.example"),
            ),
            (
                "scheme required",
                "127.0.0.1:8080",
                Err(UiError::InvalidServerUrl),
            ),
            ("host required", "http://", Err(UiError::InvalidServerUrl)),
            ("no spaces", "http://a b", Err(UiError::InvalidServerUrl)),
        ];
        for (reason, input, want) in cases {
            assert_eq!(
                normalize_server_url(input),
                want.map(str::to_owned),
                "{reason}"
            );
        }
    }
}
