//! Malware scanning with a real clamd (started by scripts/test with a signature of our own
//! for the EICAR test file): a detection blocks the file; a scanner that is down keeps it
//! pending, never clean, and the scan is retried until it answers.

use std::time::Duration;

use natter_shared::ErrorCode;
use natter_shared::api::UploadState;
use natter_tests::files::samples;
use natter_tests::{TestApp, assert_error};

fn clamd_addr() -> String {
    std::env::var("NATTER_TEST_CLAMAV_ADDR").unwrap_or_else(|_| {
        panic!("NATTER_TEST_CLAMAV_ADDR is not set: scripts/test starts clamd and sets it")
    })
}

#[actix_web::test]
async fn eicar_is_blocked_and_a_clean_file_is_marked_scanned() {
    let addr = clamd_addr();
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_CLAMAV_ADDR".into(), addr);
    })
    .await;
    let token = app.signed_in_user().await.token;
    let (id, resp) = app
        .upload_raw(&token, "eicar.txt", samples::EICAR, 1 << 20)
        .await;
    let body = assert_error(resp, 422, ErrorCode::FileBlocked).await;
    assert!(body.error.message.contains("Natter-Test-EICAR"), "{body:?}");
    let status = app.upload_status(&token, id).await;
    assert_eq!(status.state, UploadState::Blocked);
    // nobody fetches it, not even the uploader, and no message carries it
    assert_error(
        app.download(&token, id, &[]).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    let chat = app.group_chat(&token, "G", &[]).await;
    assert_error(
        app.send_files(&token, chat.id, "", &[id]).await,
        422,
        ErrorCode::FileBlocked,
    )
    .await;
    assert!(!app.stored(&format!("files/{id}")).await);

    let clean = app
        .upload(&token, "notes.txt", b"nothing to see here")
        .await;
    assert_eq!(app.download(&token, clean.id, &[]).await.status(), 200);
}

/// Forwards connections on `port` to clamd, once started: the scanner "coming back".
async fn forward_to_clamd(listener: tokio::net::TcpListener, clamd: String) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            return;
        };
        let clamd = clamd.clone();
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(clamd).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

#[actix_web::test]
async fn a_scanner_that_is_down_keeps_the_file_pending_until_it_answers() {
    // a port nothing listens on yet
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_CLAMAV_ADDR".into(), format!("127.0.0.1:{port}"));
        v.insert("NATTER_CLAMAV_TIMEOUT_SECS".into(), "2".into());
        v.insert("NATTER_FILES_SWEEP_SECS".into(), "1".into());
    })
    .await;
    let token = app.signed_in_user().await.token;
    let (id, resp) = app
        .upload_raw(&token, "notes.txt", b"clean words", 1 << 20)
        .await;
    assert_eq!(resp.status(), 204);
    let status = app.upload_status(&token, id).await;
    assert_eq!(
        status.state,
        UploadState::PendingScan,
        "never clean without a verdict"
    );
    let chat = app.group_chat(&token, "G", &[]).await;
    assert_error(
        app.send_files(&token, chat.id, "", &[id]).await,
        409,
        ErrorCode::FileNotReady,
    )
    .await;
    assert_eq!(app.download(&token, id, &[]).await.status(), 404);

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(forward_to_clamd(listener, clamd_addr()));
    let ready = app
        .wait_upload(&token, id, UploadState::Ready, Duration::from_secs(30))
        .await;
    assert!(ready.file.is_some());
    assert_eq!(
        app.send_files(&token, chat.id, "", &[id]).await.status(),
        201
    );
}
