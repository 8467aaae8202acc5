//! egui_kittest: the files a person attaches, sends and receives, as they see them —
//! attaching, progress with speed, a stuck upload (waiting, no Retry) against a failed one
//! (the reason, Retry), the message waiting for its file, inline images fetched as drawn,
//! file cards with Download, then Open and Show in folder.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod support;

use egui_kittest::kittest::Queryable as _;
use natter::action::Action;
use natter::api::ApiFailure;
use natter::effect::{DialogRequest, Effect};
use natter::reduce::reduce;
use natter::state::AppState;
use natter::testing::bob_id;
use natter::transfers::{
    ImageKey, TransferCommand, TransferEvent, TransferFailure, TransferKey, UploadKey, Waiting,
};
use natter_shared::api::FileInfo;
use natter_shared::{ChatId, ErrorBody, ErrorCode, FileId};
use support::ui::*;
use uuid::Uuid;

const KEY: UploadKey = UploadKey(Uuid::from_u128(77));

fn chat_one() -> ChatId {
    natter::testing::chat(1)
}

fn open_chat() -> AppState {
    let mut state = with_chats(vec![direct(1, None, 0)]);
    open(&mut state, 1, Vec::new());
    state
}

/// `holiday.bin` attached to chat 1, 1 MiB of 4 up at 512 KiB/s.
fn uploading() -> AppState {
    let mut state = open_chat();
    reduce(
        &mut state,
        Action::FilesChosen {
            chat_id: chat_one(),
            files: vec![(KEY, "/tmp/holiday.bin".into())],
        },
    );
    let progress = TransferEvent::Progress {
        key: TransferKey::Upload(KEY),
        done: 1 << 20,
        total: 4 << 20,
        per_second: 512 << 10,
    };
    reduce(&mut state, Action::Transfer(progress));
    state
}

fn transfer(state: &mut AppState, event: TransferEvent) {
    reduce(state, Action::Transfer(event));
}

fn file(n: u128, name: &str, image: bool) -> FileInfo {
    FileInfo {
        id: FileId(Uuid::from_u128(500 + n)),
        name: name.into(),
        size: 3 << 20,
        mime: if image {
            "image/png"
        } else {
            "application/zip"
        }
        .into(),
        sha256: "00".into(),
        width: image.then_some(640),
        height: image.then_some(480),
        has_thumbnail: image,
    }
}

#[test]
fn the_attach_button_opens_the_file_dialog_for_the_open_chat() {
    let mut harness = harness(open_chat());
    harness.run_steps(2);
    harness.get_by_label("📎").click();
    harness.run_steps(2);
    assert!(
        harness
            .state()
            .effects
            .contains(&Effect::Dialog(DialogRequest::AttachFiles {
                chat_id: chat_one()
            }))
    );
}

#[test]
fn an_attached_file_shows_its_progress_and_speed_and_can_be_cancelled() {
    let mut harness = harness(uploading());
    harness.run_steps(3);
    harness.get_by_label("holiday.bin");
    harness.get_by_label("1.0 MB of 4.0 MB · 512 KB/s");
    harness.get_by_label("×").click();
    harness.run_steps(2);
    assert!(
        harness
            .state()
            .effects
            .contains(&Effect::Transfer(TransferCommand::CancelUpload(KEY)))
    );
    assert!(
        harness.query_by_label("holiday.bin").is_none(),
        "gone from the composer"
    );
}

#[test]
fn a_stuck_upload_says_what_it_waits_for_and_a_failed_one_why_with_retry() {
    let mut state = uploading();
    let key = TransferKey::Upload(KEY);
    transfer(
        &mut state,
        TransferEvent::Waiting {
            key,
            why: Waiting::Network,
        },
    );
    let mut harness = harness(state);
    harness.run_steps(3);
    harness.get_by_label("Waiting for the connection, will resume");
    assert!(
        harness.query_by_label("Retry").is_none(),
        "it retries by itself"
    );

    let refused = ApiFailure::Server {
        status: 415,
        body: ErrorBody::new(ErrorCode::FileTypeNotAllowed, "no"),
    };
    transfer(
        &mut harness.state_mut().state,
        TransferEvent::Failed {
            key,
            failure: TransferFailure::Refused(refused),
        },
    );
    harness.run_steps(3);
    assert!(
        harness
            .query_by_label("Waiting for the connection, will resume")
            .is_none()
    );
    harness.get_by_label("Files of this type are not accepted");
    harness.get_by_label("Retry").click();
    harness.run_steps(2);
    assert!(harness.state().effects.iter().any(|e| matches!(
        e,
        Effect::Transfer(TransferCommand::Upload { key, .. }) if *key == KEY
    )));
}

#[test]
fn a_message_sent_with_a_file_shows_at_once_with_the_files_progress() {
    let mut state = uploading();
    reduce(
        &mut state,
        Action::MessageSubmitted {
            chat_id: chat_one(),
            text: "the photos".into(),
            reply_to: None,
            request_id: natter_shared::RequestId(Uuid::from_u128(3)),
            now: at(0),
        },
    );
    assert_eq!(state.chats.outbox.len(), 1, "waiting for its file");
    let mut harness = harness(state);
    harness.run_steps(3);
    harness.get_by_label("the photos");
    harness.get_by_label("holiday.bin");
    harness.get_by_label("1.0 MB of 4.0 MB · 512 KB/s");
}

#[test]
fn an_inline_image_is_fetched_when_drawn_and_opens_full_size_on_click() {
    let image = file(1, "beach.png", true);
    let mut with_image = message(1, 1, bob_id(), "", at(-60));
    with_image.attachments = vec![image.clone()];
    let mut state = with_chats(vec![direct(1, Some(with_image.clone()), 1)]);
    open(&mut state, 1, vec![with_image]);
    let mut harness = harness(state);
    harness.run_steps(3);
    let key = ImageKey::Thumbnail(image.id);
    let asked = |h: &egui_kittest::Harness<'_, natter::testing::TestApp>| {
        h.state()
            .effects
            .iter()
            .filter(|e| matches!(e, Effect::Transfer(TransferCommand::Image { key: k, .. }) if *k == key))
            .count()
    };
    assert_eq!(asked(&harness), 1, "asked for once, however many frames");
    let png: std::sync::Arc<[u8]> = natter_tests::files::samples::png(64, 48).into();
    transfer(
        &mut harness.state_mut().state,
        TransferEvent::Image {
            key,
            bytes: Some(png),
        },
    );
    harness.run_steps(3);
    harness.get_by_label("beach.png").click();
    harness.run_steps(2);
    let app = harness.state();
    assert_eq!(app.state.chats.transfers.viewer.as_ref(), Some(&image));
    assert!(app.effects.iter().any(|e| matches!(
        e,
        Effect::Transfer(TransferCommand::Download { file, .. }) if file.id == image.id
    )));
}

#[test]
fn a_file_card_downloads_then_offers_open_and_show_in_folder() {
    let zip = file(2, "sources.zip", false);
    let mut with_zip = message(1, 1, bob_id(), "", at(-60));
    with_zip.attachments = vec![zip.clone()];
    let mut state = with_chats(vec![direct(1, Some(with_zip.clone()), 1)]);
    open(&mut state, 1, vec![with_zip]);
    let mut harness = harness(state);
    harness.run_steps(3);
    harness.get_by_label("📦");
    harness.get_by_label("3.0 MB");
    harness.get_by_label("Download").click();
    harness.run_steps(2);
    assert!(
        harness
            .state()
            .effects
            .contains(&Effect::Dialog(DialogRequest::SaveFile {
                file: zip.clone()
            }))
    );
    let to = std::path::PathBuf::from("/tmp/dl/sources.zip");
    let state = &mut harness.state_mut().state;
    reduce(
        state,
        Action::SaveTargetChosen {
            file: zip.clone(),
            path: to.clone(),
        },
    );
    transfer(
        state,
        TransferEvent::Progress {
            key: TransferKey::Download(zip.id),
            done: 1 << 20,
            total: 3 << 20,
            per_second: 1 << 20,
        },
    );
    harness.run_steps(3);
    harness.get_by_label("1.0 MB of 3.0 MB · 1.0 MB/s");
    transfer(
        &mut harness.state_mut().state,
        TransferEvent::Downloaded {
            file: zip.id,
            path: to.clone(),
        },
    );
    harness.run_steps(3);
    harness.get_by_label("Show in folder").click();
    harness.run_steps(2);
    assert!(
        harness
            .state()
            .effects
            .contains(&Effect::Dialog(DialogRequest::Open("/tmp/dl".into())))
    );
}

#[test]
fn every_file_type_icon_has_a_glyph() {
    // kittest refuses to draw a character no font has (the app would draw a box)
    let mut harness = egui_kittest::Harness::new_ui(|ui| {
        for icon in natter::ui::attachments::TYPE_ICONS {
            ui.label(icon);
        }
    });
    harness.run();
    for icon in natter::ui::attachments::TYPE_ICONS {
        harness.get_by_label(icon);
    }
}

#[test]
fn an_image_pasted_into_the_composer_is_attached() {
    let mut harness = harness(open_chat());
    harness.run_steps(2);
    let image = std::sync::Arc::new(egui::ColorImage::filled([4, 4], egui::Color32::RED));
    harness.event(egui::Event::PasteImage(image.clone()));
    harness.run_steps(2);
    assert!(harness.state().effects.iter().any(|e| matches!(
        e,
        Effect::Dialog(DialogRequest::SavePasted { chat_id, image: i, .. })
            if *chat_id == chat_one() && **i == *image
    )));
}

/// A file as the window system hands over a drop.
#[derive(Debug)]
struct Dropped(std::path::PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn files_dropped_on_the_conversation_are_attached_to_it() {
    let mut harness = harness(open_chat());
    harness.run_steps(2);
    for name in ["/tmp/a.pdf", "/tmp/b.png"] {
        harness
            .input_mut()
            .dropped_files
            .push(std::sync::Arc::new(Dropped(name.into())));
    }
    harness.run_steps(2);
    let draft = &harness.state().state.drafts[&chat_one()];
    assert_eq!(draft.attachments.len(), 2, "both wait in the composer");
    let started = harness
        .state()
        .effects
        .iter()
        .filter(|e| matches!(e, Effect::Transfer(TransferCommand::Upload { .. })))
        .count();
    assert_eq!(started, 2, "and both start uploading");
    harness.get_by_label("a.pdf");
    harness.get_by_label("b.png");
}
