//! Files in the reducer: attaching starts uploads, a message waits for its files and goes
//! with their ids, cancelling, failures and Retry, downloads, images asked for once.

use std::path::PathBuf;

use natter_shared::api::FileInfo;
use natter_shared::ws::ClientFrame;
use natter_shared::{ErrorCode, FileId};
use uuid::Uuid;

use super::support::*;
use crate::action::{Action, FileAction};
use crate::api::{ApiCall, ApiFailure, ApiReply};
use crate::effect::{DialogRequest, Effect};
use crate::reduce::reduce;
use crate::state::{AppState, DownloadPhase, ImageState, UiError, UploadPhase};
use crate::transfers::{
    ImageKey, TransferCommand, TransferEvent, TransferFailure, TransferKey, UploadKey, Waiting,
};

fn key(n: u128) -> UploadKey {
    UploadKey(Uuid::from_u128(7_000 + n))
}

fn file(n: u128) -> FileInfo {
    FileInfo {
        id: FileId(Uuid::from_u128(8_000 + n)),
        name: format!("f{n}.bin"),
        size: 10,
        mime: "application/octet-stream".into(),
        sha256: "ab".into(),
        width: None,
        height: None,
        has_thumbnail: false,
    }
}

fn attach(state: &mut AppState, keys: &[u128]) -> Vec<Effect> {
    reduce(
        state,
        Action::FilesChosen {
            chat_id: chat(1),
            files: keys
                .iter()
                .map(|n| (key(*n), PathBuf::from(format!("/tmp/f{n}.bin"))))
                .collect(),
        },
    )
}

fn uploads_started(effects: &[Effect]) -> Vec<(UploadKey, Option<String>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Transfer(TransferCommand::Upload { key, resume, .. }) => {
                Some((*key, resume.clone()))
            }
            _ => None,
        })
        .collect()
}

fn event(state: &mut AppState, event: TransferEvent) -> Vec<Effect> {
    reduce(state, Action::Transfer(event))
}

/// The composer's send in chat 1 (the outbox tests' own helper).
fn send(state: &mut AppState, text: &str) -> Vec<Effect> {
    submit(state, 999, text, 10)
}

#[test]
fn attached_files_upload_at_once_and_wait_in_the_draft() {
    let mut state = with_open_chat(2);
    let effects = attach(&mut state, &[1, 2]);
    assert_eq!(uploads_started(&effects), [(key(1), None), (key(2), None)]);
    assert_eq!(state.drafts[&chat(1)].attachments, [key(1), key(2)]);
    assert!(
        attach(&mut state, &[1]).is_empty(),
        "the same file key twice is one upload"
    );
}

#[test]
fn a_message_with_files_goes_out_only_when_every_file_is_ready_and_carries_their_ids() {
    let mut state = with_open_chat(2);
    attach(&mut state, &[1, 2]);
    let effects = send(&mut state, "");
    assert!(sent_frames(&effects).is_empty(), "no file is ready yet");
    assert_eq!(state.chats.outbox[0].uploads, [key(1), key(2)]);
    assert!(
        !state.drafts.contains_key(&chat(1)),
        "the files left the composer with the message"
    );
    let first = event(
        &mut state,
        TransferEvent::Uploaded {
            key: key(1),
            file: file(1),
        },
    );
    assert!(sent_frames(&first).is_empty(), "one of two ready");
    let second = event(
        &mut state,
        TransferEvent::Uploaded {
            key: key(2),
            file: file(2),
        },
    );
    let frames = sent_frames(&second);
    assert!(
        matches!(&frames[..], [ClientFrame::Message { attachments, text, .. }]
            if *attachments == [file(1).id, file(2).id] && text.is_empty()),
        "{frames:?}"
    );
}

#[test]
fn an_empty_message_without_files_is_not_sent() {
    let mut state = with_open_chat(2);
    assert!(send(&mut state, "   ").is_empty());
    assert!(state.chats.outbox.is_empty());
}

#[test]
fn at_most_ten_files_go_in_one_message_and_the_rest_are_named() {
    let mut state = with_open_chat(2);
    let effects = attach(&mut state, &(1..=12).collect::<Vec<_>>());
    assert_eq!(uploads_started(&effects).len(), 10);
    assert_eq!(state.chats.transfers.too_many, Some(chat(1)));
}

#[test]
fn cancelling_stops_the_upload_and_a_message_left_empty_goes() {
    let mut state = with_open_chat(2);
    attach(&mut state, &[1]);
    send(&mut state, "");
    let effects = reduce(
        &mut state,
        Action::File(FileAction::UploadCancelled(key(1))),
    );
    assert!(effects.contains(&Effect::Transfer(TransferCommand::CancelUpload(key(1)))));
    assert!(state.chats.outbox.is_empty(), "nothing left to send");
    assert!(state.chats.transfers.uploads.is_empty());
}

#[test]
fn a_stuck_upload_is_waiting_and_a_refused_one_failed_with_retry_resuming_its_url() {
    let mut state = with_open_chat(2);
    attach(&mut state, &[1]);
    event(
        &mut state,
        TransferEvent::UploadCreated {
            key: key(1),
            location: "/api/v1/uploads/x".into(),
            size: 10,
        },
    );
    let id = TransferKey::Upload(key(1));
    event(
        &mut state,
        TransferEvent::Waiting {
            key: id,
            why: Waiting::Network,
        },
    );
    let phase = |s: &AppState| s.chats.transfers.upload(key(1)).map(|u| u.phase.clone());
    assert_eq!(phase(&state), Some(UploadPhase::Waiting(Waiting::Network)));
    assert!(
        reduce(&mut state, Action::File(FileAction::UploadRetried(key(1)))).is_empty(),
        "a waiting upload retries by itself"
    );
    event(
        &mut state,
        TransferEvent::Progress {
            key: id,
            done: 4,
            total: 10,
            per_second: 100,
        },
    );
    assert_eq!(phase(&state), Some(UploadPhase::Moving), "moving again");
    let refused = ApiFailure::Server {
        status: 413,
        body: natter_shared::ErrorBody::new(ErrorCode::PayloadTooLarge, "at most 5 bytes"),
    };
    event(
        &mut state,
        TransferEvent::Failed {
            key: id,
            failure: TransferFailure::Refused(refused),
        },
    );
    assert!(matches!(
        phase(&state),
        Some(UploadPhase::Failed(UiError::Server {
            code: ErrorCode::PayloadTooLarge,
            ..
        }))
    ));
    let retried = reduce(&mut state, Action::File(FileAction::UploadRetried(key(1))));
    assert_eq!(
        uploads_started(&retried),
        [(key(1), Some("/api/v1/uploads/x".into()))],
        "retry resumes where the server has it"
    );
}

#[test]
fn a_refused_token_refreshes_once() {
    let (mut state, _) = signed_in();
    let first = event(&mut state, TransferEvent::Unauthorized);
    assert!(matches!(only_api(&first).call, ApiCall::Refresh(_)));
    assert!(
        event(&mut state, TransferEvent::Unauthorized).is_empty(),
        "one refresh in flight"
    );
}

#[test]
fn images_are_fetched_once_and_a_missing_one_stays_missing() {
    let mut state = with_open_chat(2);
    let thumb = ImageKey::Thumbnail(file(1).id);
    let wanted = Action::File(FileAction::ImageWanted(thumb));
    assert_eq!(reduce(&mut state, wanted.clone()).len(), 1);
    assert!(reduce(&mut state, wanted.clone()).is_empty(), "in flight");
    event(
        &mut state,
        TransferEvent::Image {
            key: thumb,
            bytes: None,
        },
    );
    assert_eq!(
        state.chats.transfers.images.get(&thumb),
        Some(&ImageState::Missing)
    );
    assert!(reduce(&mut state, wanted).is_empty(), "not asked again");
}

#[test]
fn a_download_goes_where_the_dialog_said_and_opens_from_there() {
    let mut state = with_open_chat(2);
    let asked = reduce(&mut state, Action::File(FileAction::DownloadAsked(file(1))));
    assert_eq!(
        asked,
        [Effect::Dialog(DialogRequest::SaveFile { file: file(1) })]
    );
    let to = PathBuf::from("/home/a/Downloads/f1.bin");
    let started = reduce(
        &mut state,
        Action::SaveTargetChosen {
            file: file(1),
            path: to.clone(),
        },
    );
    assert!(matches!(&started[..],
        [Effect::Transfer(TransferCommand::Download { to: t, .. })] if *t == to));
    event(
        &mut state,
        TransferEvent::Downloaded {
            file: file(1).id,
            path: to.clone(),
        },
    );
    assert_eq!(
        state.chats.transfers.downloads[&file(1).id].phase,
        DownloadPhase::Done
    );
    let open = reduce(
        &mut state,
        Action::File(FileAction::OpenAsked {
            file: file(1).id,
            folder: true,
        }),
    );
    assert_eq!(
        open,
        [Effect::Dialog(DialogRequest::Open(
            "/home/a/Downloads".into()
        ))]
    );
}

#[test]
fn a_photo_is_set_once_its_upload_is_ready() {
    let (mut state, _) = signed_in();
    let started = reduce(
        &mut state,
        Action::PhotoChosen {
            key: key(5),
            path: "/tmp/me.png".into(),
            chat: None,
        },
    );
    assert_eq!(uploads_started(&started), [(key(5), None)]);
    let mut image = file(5);
    image.mime = "image/png".into();
    let set = event(
        &mut state,
        TransferEvent::Uploaded {
            key: key(5),
            file: image.clone(),
        },
    );
    assert_eq!(only_api(&set).call, ApiCall::SetPhoto(Some(image.id)));
    let mut me = alice();
    me.avatar = Some(image.id);
    let reply = answer(only_api(&set), Ok(ApiReply::User(Box::new(me))));
    reduce(&mut state, reply);
    let crate::state::Screen::Shell(shell) = &state.screen else {
        panic!("signed in")
    };
    assert_eq!(shell.user.avatar, Some(image.id));
}

#[test]
fn a_group_photo_is_uploaded_then_set_on_the_group() {
    let mut state = with_open_chat(2);
    let started = reduce(
        &mut state,
        Action::PhotoChosen {
            key: key(6),
            path: "/tmp/group.png".into(),
            chat: Some(chat(1)),
        },
    );
    assert_eq!(uploads_started(&started), [(key(6), None)]);
    let set = event(
        &mut state,
        TransferEvent::Uploaded {
            key: key(6),
            file: file(6),
        },
    );
    assert_eq!(
        only_api(&set).call,
        ApiCall::Group(crate::api::GroupCall::SetPhoto {
            chat_id: chat(1),
            photo: Some(file(6).id),
        })
    );
    assert!(state.chats.transfers.uploads.is_empty(), "done with");
    let removed = reduce(
        &mut state,
        Action::File(FileAction::PhotoRemoved(Some(chat(1)))),
    );
    assert_eq!(
        only_api(&removed).call,
        ApiCall::Group(crate::api::GroupCall::SetPhoto {
            chat_id: chat(1),
            photo: None,
        })
    );
}
