//! Files: attaching them (each starts uploading at once, and the composer holds it until
//! the message is sent), what the transfer worker reports, downloads, the images views
//! fetch, the full-size viewer and one's own photo.
//!
//! A message with files waits in the outbox until every one of them is a file on the server
//! (`outbox::send` checks); an upload that becomes ready flushes the outbox. Uploads survive
//! a restart by their server URL, and resume there (`resume_all` at start).

use std::path::PathBuf;

use natter_shared::ChatId;
use natter_shared::api::{FileInfo, MAX_ATTACHMENTS};

use super::{calls, outbox};
use crate::action::FileAction;
use crate::api::{ApiCall, GroupCall};
use crate::effect::{DialogRequest, Effect};
use crate::state::{
    AppState, Download, DownloadPhase, ImageState, UiError, Upload, UploadPhase, UploadPurpose,
};
use crate::transfers::{
    ImageKey, TransferCommand, TransferEvent, TransferFailure, TransferKey, UploadKey,
};

pub(super) fn act(state: &mut AppState, action: FileAction) -> Vec<Effect> {
    if state.session.is_none() {
        return Vec::new();
    }
    match action {
        FileAction::AttachAsked(chat_id) => {
            vec![Effect::Dialog(DialogRequest::AttachFiles { chat_id })]
        }
        FileAction::UploadCancelled(key) => cancel(state, key),
        FileAction::UploadRetried(key) => retry(state, key),
        FileAction::DownloadAsked(file) => vec![Effect::Dialog(DialogRequest::SaveFile { file })],
        FileAction::DownloadCancelled(file) => {
            state.chats.transfers.downloads.remove(&file);
            vec![Effect::Transfer(TransferCommand::CancelDownload(file))]
        }
        FileAction::OpenAsked { file, folder } => {
            let Some(download) = state.chats.transfers.downloads.get(&file) else {
                return Vec::new();
            };
            let path = if folder {
                download.path.parent().map(PathBuf::from)
            } else {
                Some(download.path.clone())
            };
            path.map(|p| Effect::Dialog(DialogRequest::Open(p)))
                .into_iter()
                .collect()
        }
        FileAction::ImageWanted(key) => image_wanted(state, key),
        FileAction::ImageOpened(file) => {
            // the name's last part only: a name is the server's word, not a path
            let name = std::path::Path::new(&file.name)
                .file_name()
                .map_or_else(|| "file".into(), std::ffi::OsStr::to_os_string);
            let to = state.files_dir.join(file.id.0.to_string()).join(name);
            state.chats.transfers.viewer = Some(file.clone());
            download(state, file, to)
        }
        FileAction::ViewerClosed => {
            state.chats.transfers.viewer = None;
            Vec::new()
        }
        FileAction::ImagePasted {
            chat_id,
            key,
            image,
        } => vec![Effect::Dialog(DialogRequest::SavePasted {
            chat_id,
            key,
            image,
            dir: state.files_dir.join("pasted"),
        })],
        FileAction::PhotoAsked(chat) => vec![Effect::Dialog(DialogRequest::ChoosePhoto { chat })],
        FileAction::PhotoRemoved(None) => calls::authed(state, ApiCall::SetPhoto(None)),
        FileAction::PhotoRemoved(Some(chat_id)) => calls::authed(
            state,
            ApiCall::Group(GroupCall::SetPhoto {
                chat_id,
                photo: None,
            }),
        ),
    }
}

/// Files picked or dropped: each uploads at once and waits in the composer.
pub(super) fn chosen(
    state: &mut AppState,
    chat_id: ChatId,
    files: Vec<(UploadKey, PathBuf)>,
) -> Vec<Effect> {
    if state.session.is_none() || !state.chats.by_id.contains_key(&chat_id) {
        return Vec::new();
    }
    let draft = state.drafts.entry(chat_id).or_default();
    let room = MAX_ATTACHMENTS.saturating_sub(draft.attachments.len());
    state.chats.transfers.too_many = (files.len() > room).then_some(chat_id);
    let fresh: Vec<(UploadKey, PathBuf)> = files
        .into_iter()
        .filter(|(key, _)| !draft.attachments.contains(key))
        .take(room)
        .collect();
    draft.attachments.extend(fresh.iter().map(|(key, _)| *key));
    let mut effects = Vec::new();
    for (key, path) in fresh {
        let upload = Upload::new(key, UploadPurpose::Attachment(chat_id), path);
        effects.extend(start(state, upload));
    }
    effects
}

/// An image picked for one's photo (or a group's): uploaded, then set.
pub(super) fn photo_chosen(
    state: &mut AppState,
    key: UploadKey,
    path: PathBuf,
    chat: Option<ChatId>,
) -> Vec<Effect> {
    if state.session.is_none() {
        return Vec::new();
    }
    let purpose = chat.map_or(UploadPurpose::Photo, UploadPurpose::GroupPhoto);
    // a photo chosen while another one uploads replaces it
    let replaced: Vec<UploadKey> = state
        .chats
        .transfers
        .uploads
        .iter()
        .filter(|u| u.purpose == purpose)
        .map(|u| u.key)
        .collect();
    let mut effects: Vec<Effect> = replaced
        .iter()
        .map(|k| Effect::Transfer(TransferCommand::CancelUpload(*k)))
        .collect();
    state
        .chats
        .transfers
        .uploads
        .retain(|u| !replaced.contains(&u.key));
    effects.extend(start(state, Upload::new(key, purpose, path)));
    effects
}

fn start(state: &mut AppState, upload: Upload) -> Vec<Effect> {
    let command = upload_command(state, &upload);
    state.chats.transfers.uploads.push(upload);
    command.map(Effect::Transfer).into_iter().collect()
}

fn upload_command(state: &AppState, upload: &Upload) -> Option<TransferCommand> {
    Some(TransferCommand::Upload {
        key: upload.key,
        server_url: state.session.as_ref()?.server_url.clone(),
        path: upload.path.clone(),
        resume: upload.location.clone(),
    })
}

/// At start: uploads that were under way when the app closed carry on from the server's
/// offset; attachments whose upload is gone leave their drafts.
pub(super) fn resume_all(state: &mut AppState) -> Vec<Effect> {
    let known: Vec<UploadKey> = state
        .chats
        .transfers
        .uploads
        .iter()
        .map(|u| u.key)
        .collect();
    for draft in state.drafts.values_mut() {
        draft.attachments.retain(|k| known.contains(k));
    }
    let mut effects = Vec::new();
    for index in 0..state.chats.transfers.uploads.len() {
        let upload = &state.chats.transfers.uploads[index];
        if upload.file().is_none() {
            effects.extend(upload_command(state, upload).map(Effect::Transfer));
        }
    }
    effects
}

/// × in the composer or Cancel on a message still uploading: the upload stops and is
/// cancelled on the server; a message left with neither text nor files goes too.
fn cancel(state: &mut AppState, key: UploadKey) -> Vec<Effect> {
    state.chats.transfers.uploads.retain(|u| u.key != key);
    for draft in state.drafts.values_mut() {
        draft.attachments.retain(|k| *k != key);
    }
    for item in &mut state.chats.outbox {
        item.uploads.retain(|k| *k != key);
    }
    state
        .chats
        .outbox
        .retain(|o| !o.uploads.is_empty() || !o.text.is_empty());
    let mut effects = vec![Effect::Transfer(TransferCommand::CancelUpload(key))];
    effects.extend(outbox::flush(state, state.clock.now));
    effects
}

fn retry(state: &mut AppState, key: UploadKey) -> Vec<Effect> {
    let Some(upload) = state.chats.transfers.upload_mut(key) else {
        return Vec::new();
    };
    if !matches!(upload.phase, UploadPhase::Failed(_)) {
        return Vec::new();
    }
    upload.phase = UploadPhase::Moving;
    let upload = upload.clone();
    upload_command(state, &upload)
        .map(Effect::Transfer)
        .into_iter()
        .collect()
}

/// "Download" answered with a place: it comes down there.
pub(super) fn save_target(state: &mut AppState, file: FileInfo, path: PathBuf) -> Vec<Effect> {
    if state.session.is_none() {
        return Vec::new();
    }
    download(state, file, path)
}

fn download(state: &mut AppState, file: FileInfo, to: PathBuf) -> Vec<Effect> {
    let Some(server_url) = state.session.as_ref().map(|s| s.server_url.clone()) else {
        return Vec::new();
    };
    let downloads = &mut state.chats.transfers.downloads;
    if let Some(d) = downloads.get(&file.id)
        && d.path == to
        && matches!(d.phase, DownloadPhase::Done | DownloadPhase::Moving)
    {
        return Vec::new(); // there, or on its way
    }
    downloads.insert(
        file.id,
        Download {
            file: file.clone(),
            path: to.clone(),
            done: 0,
            per_second: 0,
            phase: DownloadPhase::Moving,
        },
    );
    vec![Effect::Transfer(TransferCommand::Download {
        server_url,
        file,
        to,
    })]
}

/// A view shows an image: fetched once.
fn image_wanted(state: &mut AppState, key: ImageKey) -> Vec<Effect> {
    let Some(server_url) = state.session.as_ref().map(|s| s.server_url.clone()) else {
        return Vec::new();
    };
    if state.chats.transfers.images.contains_key(&key) {
        return Vec::new();
    }
    state
        .chats
        .transfers
        .images
        .insert(key, ImageState::Loading);
    vec![Effect::Transfer(TransferCommand::Image { server_url, key })]
}

/// What the transfer worker reported.
pub(super) fn event(state: &mut AppState, event: TransferEvent) -> Vec<Effect> {
    if state.session.is_none() {
        return Vec::new();
    }
    let transfers = &mut state.chats.transfers;
    match event {
        TransferEvent::UploadCreated {
            key,
            location,
            size,
        } => {
            if let Some(upload) = transfers.upload_mut(key) {
                upload.location = Some(location);
                upload.size = Some(size);
            }
        }
        TransferEvent::Progress {
            key,
            done,
            total,
            per_second,
        } => match key {
            TransferKey::Upload(key) => {
                if let Some(upload) = transfers.upload_mut(key) {
                    (upload.done, upload.size, upload.per_second) = (done, Some(total), per_second);
                    if matches!(upload.phase, UploadPhase::Waiting(_)) {
                        upload.phase = UploadPhase::Moving;
                    }
                }
            }
            TransferKey::Download(file) => {
                if let Some(download) = transfers.downloads.get_mut(&file) {
                    (download.done, download.per_second) = (done, per_second);
                    if download.phase == DownloadPhase::Waiting {
                        download.phase = DownloadPhase::Moving;
                    }
                }
            }
        },
        TransferEvent::Waiting { key, why } => match key {
            TransferKey::Upload(key) => {
                if let Some(upload) = transfers.upload_mut(key) {
                    upload.phase = UploadPhase::Waiting(why);
                }
            }
            TransferKey::Download(file) => {
                if let Some(download) = transfers.downloads.get_mut(&file) {
                    download.phase = DownloadPhase::Waiting;
                }
            }
        },
        TransferEvent::Uploaded { key, file } => return uploaded(state, key, file),
        TransferEvent::Downloaded { file, path } => {
            if let Some(download) = transfers.downloads.get_mut(&file) {
                download.phase = DownloadPhase::Done;
                download.path = path;
                download.done = u64::try_from(download.file.size).unwrap_or(0);
            }
        }
        TransferEvent::Failed { key, failure } => {
            let error = error_of(&failure);
            match key {
                TransferKey::Upload(key) => {
                    if let Some(upload) = transfers.upload_mut(key) {
                        upload.phase = UploadPhase::Failed(error);
                    }
                }
                TransferKey::Download(file) => {
                    if let Some(download) = transfers.downloads.get_mut(&file) {
                        download.phase = DownloadPhase::Failed(error);
                    }
                }
            }
        }
        TransferEvent::Unauthorized => return calls::start_refresh(state),
        TransferEvent::Image { key, bytes } => {
            let image = bytes.map_or(ImageState::Missing, ImageState::Loaded);
            transfers.images.insert(key, image);
        }
    }
    Vec::new()
}

fn uploaded(state: &mut AppState, key: UploadKey, file: FileInfo) -> Vec<Effect> {
    let Some(upload) = state.chats.transfers.upload_mut(key) else {
        return Vec::new(); // cancelled meanwhile
    };
    upload.done = upload.size.unwrap_or(upload.done);
    let purpose = upload.purpose;
    upload.phase = UploadPhase::Ready(file.clone());
    let set = match purpose {
        UploadPurpose::Attachment(_) => return outbox::flush(state, state.clock.now),
        UploadPurpose::Photo => ApiCall::SetPhoto(Some(file.id)),
        UploadPurpose::GroupPhoto(chat_id) => ApiCall::Group(GroupCall::SetPhoto {
            chat_id,
            photo: Some(file.id),
        }),
    };
    state.chats.transfers.uploads.retain(|u| u.key != key);
    calls::authed(state, set)
}

/// Signed out: every transfer stops.
pub(super) fn stop_all() -> Effect {
    Effect::Transfer(TransferCommand::StopAll)
}

/// The error of a failure, for the views.
fn error_of(failure: &TransferFailure) -> UiError {
    match failure {
        TransferFailure::Refused(failure) => calls::ui_error(failure),
        TransferFailure::Rejected(why) => UiError::FileRejected(why.clone()),
        TransferFailure::Local(why) => UiError::LocalFile(why.clone()),
        TransferFailure::Corrupt => UiError::Corrupt,
    }
}
