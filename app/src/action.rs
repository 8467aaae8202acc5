//! Everything that can happen: what the person did in a view, and what came back from the
//! network or the token store. Actions are the only input of [`crate::reduce::reduce`].

use chrono::{DateTime, FixedOffset, Utc};
use std::path::PathBuf;

use natter_shared::api::{FileInfo, PresenceVisibility, User};
use natter_shared::ws::ServerFrame;
use natter_shared::{ChatId, Field, FileId, MessageId, RequestId, SessionId, UserId};

use crate::api::ApiResponse;
use crate::i18n::Language;
use crate::state::{Preference, SecurityField, SecurityPanel, ShellTab};
use crate::token_store::StoredSession;
use crate::transfers::{ImageKey, TransferEvent, UploadKey};

/// An event for the reducer.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The app started; `stored` is the session found in the token store, if any.
    Started {
        stored: Option<StoredSession>,
    },
    /// What the local store kept of the stored session's account, loaded before
    /// [`Action::Started`].
    KeptLoaded(Box<crate::state::kept::Kept>),
    LanguageChosen(Language),
    ServerUrlEdited(String),
    /// A field of the sign-in or registration form changed.
    AuthFieldEdited {
        field: Field,
        value: String,
    },
    SignInSubmitted,
    /// The code of the sign-in's second step changed.
    SecondFactorEdited(String),
    /// "Use a recovery code" / "Use the authenticator app" on the second step.
    SecondFactorRecoveryToggled,
    SecondFactorSubmitted,
    /// Back from the second step to the password.
    SecondFactorCancelled,
    /// Settings → Security.
    Security(SecurityAction),
    RegisterSubmitted,
    ShowRegister,
    ShowSignIn,
    /// Try the stored session again after restoring it failed.
    RestoreRetried,
    /// Give up on the stored session and sign in afresh.
    RestoreAbandoned,
    TabChosen(ShellTab),
    ProfileFieldEdited {
        field: Field,
        value: String,
    },
    ProfileSubmitted,
    ProfileReverted,
    /// Settings → Privacy: who sees my last seen and online state.
    PresenceVisibilityChosen(PresenceVisibility),
    DevicesReloadRequested,
    /// "Sign out" next to a device; for this device it is the same as [`Action::SignOutRequested`].
    DeviceSignOutRequested(SessionId),
    SignOutRequested,
    NoticeDismissed,
    /// An HTTP call finished (after any retries).
    ApiFinished(ApiResponse),
    /// Writing or clearing the stored session failed.
    SessionStoreFailed(String),
    /// Writing to the local store started failing (what was typed may not survive the app
    /// closing); the write is kept and tried again.
    StoreWriteFailed(crate::state::kept::StoreProblem),
    /// The local store is written again: everything that waited is on disk.
    StoreWriteRecovered,
    /// Something happened on the WebSocket.
    Socket(SocketEvent),
    /// A moment the reducer asked to be woken at (a retry, a timeout) has come.
    Tick {
        now: DateTime<Utc>,
    },
    /// "Retry now" on the offline banner.
    ReconnectRequested {
        now: DateTime<Utc>,
    },
    /// A chat was picked in the chat list: it shows its newest messages (its latest page is
    /// loaded if it is not yet; a window left at a search hit goes back to the end).
    ChatOpened(ChatId),
    /// The chat on screen was closed.
    ChatClosed,
    /// Scrolled to the top of a chat: load the page before the oldest loaded message.
    OlderMessagesWanted(ChatId),
    /// Scrolled to the bottom of a chat whose window does not reach the newest message:
    /// load the page after the newest loaded one. Also Retry after a newer or gap page failed.
    NewerMessagesWanted(ChatId),
    /// "Jump to the latest" in a chat: back to its newest messages (reloaded if far away).
    LatestWanted(ChatId),
    /// Message search: the panel, its query and filters, its hits.
    Search(SearchAction),
    /// A reply's quote was clicked at `now`: its chat opens at the quoted message,
    /// highlighted, as at a search hit.
    QuoteOpened {
        chat_id: ChatId,
        message: MessageId,
        now: DateTime<Utc>,
    },
    /// Message `seq` of `chat_id` has been on screen: the read cursor may move up to it.
    MessageSeen {
        chat_id: ChatId,
        seq: i64,
    },
    /// The composer sent a message. `request_id` is fresh (made by the caller, so that the
    /// reducer needs no randomness); `now` is when it was written.
    MessageSubmitted {
        chat_id: ChatId,
        text: String,
        reply_to: Option<MessageId>,
        request_id: RequestId,
        now: DateTime<Utc>,
    },
    /// "Retry" on a failed message: sent again with its original request id.
    MessageRetried {
        request_id: RequestId,
        now: DateTime<Utc>,
    },
    /// "Delete" on a failed message: it leaves the outbox.
    MessageDiscarded(RequestId),
    /// The composer started or stopped typing in a chat.
    TypingChanged {
        chat_id: ChatId,
        is_typing: bool,
    },
    /// The wall clock, once per frame (the views show times relative to it).
    ClockSet {
        now: DateTime<Utc>,
        offset: FixedOffset,
    },
    /// The window gained or lost keyboard focus.
    WindowFocused(bool),
    /// The chat-list search box changed.
    ChatFilterEdited(String),
    /// The composer's text changed (the draft is kept; "typing" goes out, throttled).
    ComposerEdited {
        chat_id: ChatId,
        text: String,
        now: DateTime<Utc>,
    },
    /// "Reply" on a message, or `None` to cancel the reply.
    ReplyChosen {
        chat_id: ChatId,
        message_id: Option<MessageId>,
    },
    /// "New chat" (`group: false`) or "New group" was chosen.
    NewChatOpened {
        group: bool,
    },
    NewChatClosed,
    /// The user search of the new-chat dialog changed; searched after a short pause.
    UserSearchEdited {
        query: String,
        now: DateTime<Utc>,
    },
    GroupTitleEdited(String),
    /// A search result was picked for (or removed from) the new group.
    GroupMemberToggled(User),
    /// A search result was picked in "new chat": open the direct chat with them.
    DirectChatRequested(UserId),
    GroupCreateRequested,
    /// "Edit" on an own message (or Up in an empty composer): the composer edits it;
    /// `None` cancels the edit.
    EditStarted {
        chat_id: ChatId,
        message_id: Option<MessageId>,
    },
    /// The composer, editing, was submitted.
    EditSubmitted {
        chat_id: ChatId,
        message_id: MessageId,
        text: String,
        request_id: RequestId,
        now: DateTime<Utc>,
    },
    /// "Delete" on a message: asks for confirmation.
    DeleteAsked {
        chat_id: ChatId,
        message_id: MessageId,
    },
    DeleteCancelled,
    /// The confirmation answered: for everyone, or for me only.
    DeleteConfirmed {
        for_everyone: bool,
        request_id: RequestId,
    },
    /// A reaction clicked (in the quick row or a chip): given, or taken back if mine.
    ReactionToggled {
        chat_id: ChatId,
        message_id: MessageId,
        emoji: String,
        request_id: RequestId,
    },
    /// "Pin" / "Unpin".
    PinToggled {
        chat_id: ChatId,
        message_id: MessageId,
        request_id: RequestId,
    },
    /// Ctrl+click on a message: into or out of the selection.
    SelectionToggled(MessageId),
    SelectionCleared,
    /// "Forward" on a message, or on the selection: the picker opens.
    ForwardOpened {
        chat_id: ChatId,
        message_ids: Vec<MessageId>,
    },
    ForwardTargetToggled(ChatId),
    ForwardClosed,
    /// "Send" in the picker; each target's request id is derived from `request_id`.
    ForwardSubmitted {
        request_id: RequestId,
    },
    PreferenceSet(Preference),
    ChatMuteSet {
        chat_id: ChatId,
        muted: bool,
    },
    /// Groups: the info panel, members, invitations.
    Group(GroupAction),
    /// Files, images and avatars.
    File(FileAction),
    /// The transfer worker reports.
    Transfer(TransferEvent),
    /// Files picked in the attach dialog or dropped on the conversation, each with a fresh
    /// upload key.
    FilesChosen {
        chat_id: ChatId,
        files: Vec<(UploadKey, PathBuf)>,
    },
    /// Where to save a download (the save dialog answered).
    SaveTargetChosen {
        file: FileInfo,
        path: PathBuf,
    },
    /// An image picked for one's photo, or a group's (`chat`).
    PhotoChosen {
        key: UploadKey,
        path: PathBuf,
        chat: Option<ChatId>,
    },
    /// The window is up: update checks start as the settings say.
    UpdatesStarted,
    /// What the update worker found or did.
    Update(crate::state::update::UpdateEvent),
    /// "Check for updates now" in Settings.
    UpdateCheckNow,
    /// "Download and install" on an offered version.
    UpdateInstall,
    /// "Restart now" once the new version is in place.
    UpdateRestart,
    /// The manifest address in Settings changed.
    UpdateUrlEdited(String),
}

/// What a person does in the message search panel.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchAction {
    /// Ctrl+F (`chat`: the open chat) or Ctrl+Shift+F (`None`: every chat).
    Opened {
        chat: Option<ChatId>,
    },
    /// Esc or ×.
    Closed,
    /// The query changed; searched after a short pause.
    QueryEdited {
        text: String,
        now: DateTime<Utc>,
    },
    /// Enter in the query: searched now.
    Submitted,
    /// Search every chat instead of the one it was opened in.
    ScopeCleared,
    SenderChosen(Option<UserId>),
    FromEdited(String),
    ToEdited(String),
    HasChosen(Option<natter_shared::api::SearchHas>),
    /// "Load more", or scrolled to the end of the hits: the next page.
    MoreWanted,
    /// A hit was clicked: its chat opens at that message, highlighted from `now`.
    HitOpened {
        chat_id: ChatId,
        seq: i64,
        now: DateTime<Utc>,
    },
}

/// What a person does with files.
#[derive(Debug, Clone, PartialEq)]
pub enum FileAction {
    /// The attach button: the file dialog opens.
    AttachAsked(ChatId),
    /// × on an attachment in the composer, or Cancel on an upload in progress.
    UploadCancelled(UploadKey),
    /// Retry on a failed upload.
    UploadRetried(UploadKey),
    /// Download on a file card: the save dialog opens.
    DownloadAsked(FileInfo),
    DownloadCancelled(FileId),
    /// Open a downloaded file, or the folder it is in (`folder: true`).
    OpenAsked {
        file: FileId,
        folder: bool,
    },
    /// An image or avatar is on screen: fetched once, if not yet.
    ImageWanted(ImageKey),
    /// Click on an inline image: it opens full size (downloaded to the cache first).
    ImageOpened(FileInfo),
    ViewerClosed,
    /// An image pasted from the clipboard into the composer of `chat_id`.
    ImagePasted {
        chat_id: ChatId,
        key: UploadKey,
        image: std::sync::Arc<egui::ColorImage>,
    },
    /// "Change photo" in the profile, or in a group's info (`Some(chat)`).
    PhotoAsked(Option<ChatId>),
    PhotoRemoved(Option<ChatId>),
}

/// An event of WebSocket attempt `conn`, made in session `epoch`.
#[derive(Debug, Clone, PartialEq)]
pub struct SocketEvent {
    pub epoch: u64,
    pub conn: u64,
    /// When it happened (the reducer has no clock).
    pub at: DateTime<Utc>,
    pub kind: SocketEventKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SocketEventKind {
    /// The upgrade succeeded: frames can flow.
    Opened,
    /// A frame from the server.
    Frame(Box<ServerFrame>),
    /// A ping or pong: the link is alive.
    Heard,
    /// The server answered the upgrade with 401: the token is expired or revoked.
    Unauthorized,
    /// The attempt failed or the link broke (or the server closed it).
    Lost(String),
}

/// What a person does to a group or in its info panel.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupAction {
    PanelOpened(natter_shared::ChatId),
    PanelClosed,
    TitleEdited(String),
    DescriptionEdited(String),
    InfoSaved,
    /// Something done to a member from their menu.
    MemberActed {
        user_id: natter_shared::UserId,
        act: crate::state::groups::MemberAct,
    },
    LeaveAsked,
    LeaveCancelled,
    LeaveConfirmed,
    InviteQueryEdited(String),
    InviteSent(natter_shared::UserId),
    InviteAnswered {
        invite: natter_shared::InviteId,
        accept: bool,
    },
    /// A message request accepted or declined.
    RequestAnswered {
        chat_id: natter_shared::ChatId,
        accept: bool,
    },
    /// Someone blocked (`on`) or unblocked.
    BlockSet {
        user_id: natter_shared::UserId,
        on: bool,
    },
    /// A chat I am no longer in leaves my list.
    EndedDismissed(natter_shared::ChatId),
    LinkCreated,
    LinkRevoked(String),
    JoinTokenEdited(String),
    JoinSubmitted,
}

/// What can happen in Settings → Security.
#[derive(Clone, PartialEq)]
pub enum SecurityAction {
    /// Open a form (closing any other; `SecurityPanel::None` closes).
    Open(SecurityPanel),
    Edited(SecurityField, String),
    /// "I understand that this cannot be undone" (deleting).
    DeleteConfirmed(bool),
    /// The open form's button.
    Submitted,
    /// "I saved them": the recovery codes are not shown again.
    CodesSaved,
    /// "Sign out all other devices".
    SignOutOthers,
    /// "Export my data".
    Export,
    /// The export was written to the chosen file, or not (`None`: the dialog was closed).
    ExportSaved(Option<Result<PathBuf, String>>),
}

/// Never prints what is typed.
impl std::fmt::Debug for SecurityAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecurityAction::Open(panel) => write!(f, "Open({panel:?})"),
            SecurityAction::Edited(field, _) => write!(f, "Edited({field:?})"),
            SecurityAction::DeleteConfirmed(on) => write!(f, "DeleteConfirmed({on})"),
            SecurityAction::Submitted => f.write_str("Submitted"),
            SecurityAction::CodesSaved => f.write_str("CodesSaved"),
            SecurityAction::SignOutOthers => f.write_str("SignOutOthers"),
            SecurityAction::Export => f.write_str("Export"),
            SecurityAction::ExportSaved(result) => write!(f, "ExportSaved({result:?})"),
        }
    }
}
