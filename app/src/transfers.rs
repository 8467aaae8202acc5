//! The file-transfer vocabulary: what the reducer asks the transfer worker to do
//! ([`TransferCommand`]), what comes back ([`TransferEvent`]), and the images views fetch
//! ([`ImageKey`]). Below the state (which keeps uploads by [`UploadKey`]) and the actions.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use natter_shared::api::FileInfo;
use natter_shared::{ChatId, FileId, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::ApiFailure;

/// Names one upload on this device, from the moment a file is attached (made by the caller,
/// like a request id, so the reducer needs no randomness). Kept across restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UploadKey(pub Uuid);

/// An image a view shows that must be fetched with the bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageKey {
    /// `GET /files/{id}/thumbnail`.
    Thumbnail(FileId),
    /// `GET /users/{id}/avatar`; the photo's file id, so a new photo is fetched anew.
    Avatar(UserId, FileId),
    /// `GET /chats/{id}/photo`: a group's photo, by its file id likewise.
    ChatPhoto(ChatId, FileId),
}

impl ImageKey {
    /// The path under `/api/v1`.
    pub fn path(&self) -> String {
        match self {
            ImageKey::Thumbnail(file) => format!("/files/{}/thumbnail", file.0),
            ImageKey::Avatar(user, _) => format!("/users/{}/avatar", user.0),
            ImageKey::ChatPhoto(chat, _) => format!("/chats/{}/photo", chat.0),
        }
    }

    /// The egui image URI it is cached under.
    pub fn uri(&self) -> String {
        match self {
            ImageKey::Thumbnail(file) => format!("bytes://thumbnail/{}", file.0),
            ImageKey::Avatar(user, file) => format!("bytes://avatar/{}/{}", user.0, file.0),
            ImageKey::ChatPhoto(chat, file) => format!("bytes://chat-photo/{}/{}", chat.0, file.0),
        }
    }
}

/// What to move, with everything needed to move it. The bearer token is not here: the
/// worker reads the current one from the executor's token cell, so an upload that outlives
/// an access token carries on with the refreshed one.
#[derive(Clone, PartialEq)]
pub enum TransferCommand {
    /// Upload the file at `path` (tus): `resume` is the upload's URL from an earlier start
    /// (after a restart), whose offset is asked for first.
    Upload {
        key: UploadKey,
        server_url: String,
        path: PathBuf,
        resume: Option<String>,
    },
    /// Stop an upload and cancel it on the server (tus termination).
    CancelUpload(UploadKey),
    /// Download `file` to `to` (through `to` + `.part`, resumable, checked by SHA-256).
    Download {
        server_url: String,
        file: FileInfo,
        to: PathBuf,
    },
    CancelDownload(FileId),
    /// Fetch a thumbnail or avatar.
    Image {
        server_url: String,
        key: ImageKey,
    },
    /// Signed out: stop everything.
    StopAll,
}

impl fmt::Debug for TransferCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferCommand::Upload {
                key, path, resume, ..
            } => write!(f, "Upload {{ {key:?}, {path:?}, resume: {resume:?} }}"),
            TransferCommand::CancelUpload(key) => write!(f, "CancelUpload({key:?})"),
            TransferCommand::Download { file, to, .. } => {
                write!(f, "Download {{ {:?}, {to:?} }}", file.id)
            }
            TransferCommand::CancelDownload(file) => write!(f, "CancelDownload({file:?})"),
            TransferCommand::Image { key, .. } => write!(f, "Image({key:?})"),
            TransferCommand::StopAll => write!(f, "StopAll"),
        }
    }
}

/// Which transfer an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferKey {
    Upload(UploadKey),
    Download(FileId),
}

/// What the transfer worker reports.
#[derive(Debug, Clone, PartialEq)]
pub enum TransferEvent {
    /// The server created the upload at `location`: kept, so a restart resumes it.
    UploadCreated {
        key: UploadKey,
        location: String,
        size: u64,
    },
    /// `done` of `total` bytes are on the other side; `per_second` is the recent speed.
    Progress {
        key: TransferKey,
        done: u64,
        total: u64,
        per_second: u64,
    },
    /// Stuck, not failed: the worker keeps trying by itself.
    Waiting { key: TransferKey, why: Waiting },
    /// All bytes are in and the server made a file that messages may carry.
    Uploaded { key: UploadKey, file: FileInfo },
    /// Downloaded, checked and in place.
    Downloaded { file: FileId, path: PathBuf },
    /// Given up: only Retry starts it again.
    Failed {
        key: TransferKey,
        failure: TransferFailure,
    },
    /// The access token was refused: the reducer refreshes it; the worker waits for the new
    /// one.
    Unauthorized,
    Image {
        key: ImageKey,
        bytes: Option<Arc<[u8]>>,
    },
}

/// Why a transfer is waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// The server cannot be reached or the connection broke; resumed from the server's
    /// offset when it can.
    Network,
    /// All bytes are in; the server is checking or scanning the file.
    Scanning,
}

/// Why a transfer gave up.
#[derive(Debug, Clone, PartialEq)]
pub enum TransferFailure {
    /// The server refused (too large, type not allowed, malware found, gone …).
    Refused(ApiFailure),
    /// The server's verdict on an upload after its bytes arrived, for people.
    Rejected(String),
    /// The local file could not be read or written.
    Local(String),
    /// The downloaded bytes are not the file (SHA-256 differs).
    Corrupt,
}
