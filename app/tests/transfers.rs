//! End to end: the app's own upload and download code (tus client, ranged downloads) and
//! its reducer, against the real server (PostgreSQL, Redis, the local file store), through
//! a proxy that cuts the network in the middle. What arrives must be the very bytes sent.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod support;

use natter::action::{Action, FileAction};
use natter::effect::Effect;
use natter::state::{DownloadPhase, UploadPhase};
use natter::transfers::{TransferCommand, UploadKey, Waiting};
use natter_shared::ChatId;
use natter_tests::TestApp;
use natter_tests::files::samples;
use support::client::{Client, wait_until};
use support::proxy::Proxy;

const PASSWORD: &str = "correct horse";

/// A server, Alice (behind `proxy`) and Bob, their direct chat, both clients signed in.
async fn two_people(app: &TestApp, alice_url: &str) -> (Client, Client, ChatId, String) {
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (alice_name, bob_name) = (format!("alice{suffix}"), format!("bob{suffix}"));
    app.register(&alice_name, PASSWORD).await;
    let bob = app.register(&bob_name, PASSWORD).await;
    let alice_tokens = app.login(&alice_name, PASSWORD).await;
    let chat = app.direct_chat(&alice_tokens.token, bob.id).await.id;
    let mut alice = Client::new("alice", alice_url);
    let mut bob = Client::new("bob", &app.address);
    alice.sign_in(&alice_name, PASSWORD);
    bob.sign_in(&bob_name, PASSWORD);
    wait_until(&mut [&mut alice, &mut bob], "both see the chat", |c| {
        c.iter()
            .all(|c| c.state.connection.is_online() && c.state.chats.by_id.contains_key(&chat))
    })
    .await;
    (alice, bob, chat, alice_tokens.token)
}

fn upload_phase(client: &Client, key: UploadKey) -> Option<UploadPhase> {
    client
        .state
        .chats
        .transfers
        .upload(key)
        .map(|u| u.phase.clone())
}

#[actix_web::test]
async fn a_file_sent_through_a_cut_network_arrives_whole_and_comes_down_whole() {
    let app = TestApp::spawn().await;
    let proxy = Proxy::start(app.port);
    let (mut alice, mut bob, chat, _) = two_people(&app, &proxy.url()).await;
    // 6 MiB of noise: six PATCHes, so a cut lands between them
    let bytes = samples::noise(6 << 20, 7);
    let path = alice.dir().join("holiday.bin");
    std::fs::write(&path, &bytes).unwrap();
    let key = UploadKey(uuid::Uuid::new_v4());

    // Alice attaches the file and sends a caption with it while it uploads
    alice.dispatch(Action::FilesChosen {
        chat_id: chat,
        files: vec![(key, path.clone())],
    });
    // the network breaks by itself in the middle of the third chunk
    proxy.cut_after(5 << 19);
    alice.send(chat, "the photos");
    assert!(
        alice.state.chats.outbox.iter().any(|o| o.uploads == [key]),
        "the message waits for its file"
    );
    wait_until(&mut [&mut alice], "the upload waits for the network", |c| {
        upload_phase(c[0], key) == Some(UploadPhase::Waiting(Waiting::Network))
    })
    .await;
    proxy.restore();

    // it resumes from the server's offset, the message goes out, Bob receives it
    wait_until(
        &mut [&mut alice, &mut bob],
        "Bob has the message with the file",
        |c| {
            c[1].state.chats.by_id[&chat]
                .messages
                .values()
                .any(|m| m.text == "the photos" && m.attachments.len() == 1)
        },
    )
    .await;
    let file = bob.state.chats.by_id[&chat]
        .messages
        .values()
        .find_map(|m| m.attachments.first().cloned())
        .unwrap();
    assert_eq!(
        file.sha256,
        samples::sha256(&bytes),
        "the server has the very bytes"
    );
    assert_eq!(file.size, bytes.len() as i64);
    assert_eq!(file.name, "holiday.bin");
    wait_until(
        &mut [&mut alice],
        "Alice's outbox and uploads are empty",
        |c| c[0].state.chats.outbox.is_empty() && c[0].state.chats.transfers.uploads.is_empty(),
    )
    .await;

    // Alice downloads it back through the proxy, which cuts again half way
    let target = alice.dir().join("downloads").join("copy.bin");
    proxy.cut_after(5 << 20); // in the middle of the second range
    alice.dispatch(Action::SaveTargetChosen {
        file: file.clone(),
        path: target.clone(),
    });
    wait_until(&mut [&mut alice], "the download waits", |c| {
        c[0].state.chats.transfers.downloads[&file.id].phase == DownloadPhase::Waiting
    })
    .await;
    assert!(
        natter::net::download::part_path(&target).exists(),
        "what came is kept"
    );
    proxy.restore();
    wait_until(&mut [&mut alice], "the download is done", |c| {
        c[0].state.chats.transfers.downloads[&file.id].phase == DownloadPhase::Done
    })
    .await;
    assert_eq!(std::fs::read(&target).unwrap(), bytes, "the very bytes");
    assert!(
        !natter::net::download::part_path(&target).exists(),
        "the part became the file"
    );
}

#[actix_web::test]
async fn an_upload_begun_before_a_restart_resumes_at_the_servers_offset() {
    let app = TestApp::spawn().await;
    let (mut alice, _bob, _chat, token) = two_people(&app, &app.address.clone()).await;
    let bytes = samples::noise(3 << 20, 11);
    let path = alice.dir().join("report.bin");
    std::fs::write(&path, &bytes).unwrap();
    // the app that was stopped had created the upload and sent the first 1.5 MiB
    let id = app.tus_created(&token, bytes.len(), "report.bin").await;
    let half = 3 << 19;
    let patched = app.tus_patch(&token, id, 0, bytes[..half].to_vec()).await;
    assert_eq!(patched.status(), 204);

    // the new app resumes it with the URL it kept (and sends only the rest)
    let key = UploadKey(uuid::Uuid::new_v4());
    let server_url = alice.state.server_url.clone();
    alice.run(Effect::Transfer(TransferCommand::Upload {
        key,
        server_url,
        path: path.clone(),
        resume: Some(format!("/api/v1/uploads/{id}")),
    }));
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let started = std::time::Instant::now();
    let mut saw_progress = false;
    loop {
        alice.pump_with(|action| {
            if let Action::Transfer(event) = action {
                let _ = done_tx.send(event.clone());
            }
        });
        let events: Vec<_> = done_rx.try_iter().collect();
        if let Some(first) = events.iter().find_map(|e| match e {
            natter::transfers::TransferEvent::Progress { done, .. } => Some(*done),
            _ => None,
        }) {
            assert!(
                first >= half as u64,
                "it started at the server's offset, not at 0"
            );
            saw_progress = true;
        }
        if events
            .iter()
            .any(|e| matches!(e, natter::transfers::TransferEvent::Uploaded { .. }))
        {
            break;
        }
        assert!(
            started.elapsed() < support::client::PATIENCE,
            "the upload did not finish"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(
        saw_progress,
        "its progress was reported, so where it began was seen"
    );
    let status = app.upload_status(&token, id).await;
    assert_eq!(status.file.unwrap().sha256, samples::sha256(&bytes));
}

#[actix_web::test]
async fn a_refused_upload_fails_with_the_reason_and_retry_tries_again() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_UPLOAD_MAX_BYTES".into(), "1000".into());
    })
    .await;
    let (mut alice, _bob, chat, _) = two_people(&app, &app.address.clone()).await;
    let path = alice.dir().join("big.bin");
    std::fs::write(&path, samples::noise(5000, 3)).unwrap();
    let key = UploadKey(uuid::Uuid::new_v4());
    alice.dispatch(Action::FilesChosen {
        chat_id: chat,
        files: vec![(key, path)],
    });
    wait_until(&mut [&mut alice], "the upload failed", |c| {
        matches!(upload_phase(c[0], key), Some(UploadPhase::Failed(_)))
    })
    .await;
    let Some(UploadPhase::Failed(natter::state::UiError::Server { code, .. })) =
        upload_phase(&alice, key)
    else {
        panic!("a server refusal");
    };
    assert_eq!(code, natter_shared::ErrorCode::PayloadTooLarge);
    alice.dispatch(Action::File(FileAction::UploadRetried(key)));
    assert_eq!(upload_phase(&alice, key), Some(UploadPhase::Moving));
    wait_until(
        &mut [&mut alice],
        "it failed again, for the same reason",
        |c| matches!(upload_phase(c[0], key), Some(UploadPhase::Failed(_))),
    )
    .await;
}
