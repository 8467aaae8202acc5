//! Files on the move: uploads (from attaching a file until a message carries it), downloads,
//! the thumbnails and avatars fetched for the views, and the full-size image viewer.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use natter_shared::ChatId;
use natter_shared::FileId;
use natter_shared::api::FileInfo;

use super::UiError;
use crate::transfers::{ImageKey, UploadKey, Waiting};

/// Everything being transferred for the signed-in person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TransfersState {
    /// In the order attached.
    pub uploads: Vec<Upload>,
    pub downloads: HashMap<FileId, Download>,
    pub images: HashMap<ImageKey, ImageState>,
    /// The image shown full size, if any.
    pub viewer: Option<FileInfo>,
    /// Too many files were attached to one message (the extra ones were left out).
    pub too_many: Option<ChatId>,
}

impl TransfersState {
    pub fn upload(&self, key: UploadKey) -> Option<&Upload> {
        self.uploads.iter().find(|u| u.key == key)
    }

    /// The files of these uploads, if every one is ready.
    pub fn files_of(&self, uploads: &[UploadKey]) -> Option<Vec<FileInfo>> {
        uploads
            .iter()
            .map(|key| self.upload(*key)?.file().cloned())
            .collect()
    }

    pub fn upload_mut(&mut self, key: UploadKey) -> Option<&mut Upload> {
        self.uploads.iter_mut().find(|u| u.key == key)
    }
}

/// What an upload is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadPurpose {
    /// Attached to a message in this chat (in the composer, then in the outbox).
    Attachment(ChatId),
    /// One's own photo.
    Photo,
    /// A group's photo.
    GroupPhoto(ChatId),
}

/// One file going up.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub key: UploadKey,
    pub purpose: UploadPurpose,
    pub path: PathBuf,
    /// The file's name as shown (the server keeps a cleaned copy of it).
    pub name: String,
    /// Known once the worker opened the file.
    pub size: Option<u64>,
    /// The upload's URL on the server, once created (a restart resumes there).
    pub location: Option<String>,
    /// Bytes the server has.
    pub done: u64,
    pub per_second: u64,
    pub phase: UploadPhase,
}

impl Upload {
    pub fn new(key: UploadKey, purpose: UploadPurpose, path: PathBuf) -> Self {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self {
            key,
            purpose,
            path,
            name,
            size: None,
            location: None,
            done: 0,
            per_second: 0,
            phase: UploadPhase::Moving,
        }
    }

    /// The file it became, once ready.
    pub fn file(&self) -> Option<&FileInfo> {
        match &self.phase {
            UploadPhase::Ready(file) => Some(file),
            _ => None,
        }
    }

    /// Between 0 and 1.
    pub fn fraction(&self) -> f32 {
        fraction(self.done, self.size)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum UploadPhase {
    /// Bytes are going up.
    Moving,
    /// Stuck, and trying again by itself.
    Waiting(Waiting),
    /// Given up; Retry starts it again.
    Failed(UiError),
    Ready(FileInfo),
}

/// One file coming down.
#[derive(Debug, Clone, PartialEq)]
pub struct Download {
    pub file: FileInfo,
    pub path: PathBuf,
    pub done: u64,
    pub per_second: u64,
    pub phase: DownloadPhase,
}

impl Download {
    pub fn fraction(&self) -> f32 {
        fraction(self.done, u64::try_from(self.file.size).ok())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum DownloadPhase {
    Moving,
    Waiting,
    Failed(UiError),
    Done,
}

/// A thumbnail or avatar.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageState {
    Loading,
    Loaded(Arc<[u8]>),
    /// There is none, or it could not be fetched: the view draws its stand-in.
    Missing,
}

#[allow(clippy::cast_precision_loss)] // a progress bar needs no more than f32
fn fraction(done: u64, total: Option<u64>) -> f32 {
    match total {
        Some(0) => 1.0,
        Some(total) => (done as f32 / total as f32).clamp(0.0, 1.0),
        None => 0.0,
    }
}
