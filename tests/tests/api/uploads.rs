//! Resumable uploads the tus 1.0.0 way: the protocol, resuming after a cut connection, the
//! limits, and types sniffed from the bytes.

use natter_shared::ErrorCode;
use natter_shared::api::UploadState;
use natter_tests::files::samples;
use natter_tests::{TestApp, assert_error};

#[actix_web::test]
async fn options_advertise_version_extensions_and_the_limit() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_UPLOAD_MAX_BYTES".into(), "12345".into());
    })
    .await;
    let resp = app
        .client
        .request(reqwest::Method::OPTIONS, app.api("/uploads"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let h = resp.headers();
    assert_eq!(h["Tus-Resumable"], "1.0.0");
    assert_eq!(h["Tus-Version"], "1.0.0");
    assert_eq!(h["Tus-Extension"], "creation,termination");
    assert_eq!(h["Tus-Max-Size"], "12345");
}

#[actix_web::test]
async fn a_file_uploaded_in_chunks_downloads_identical() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let bytes = samples::noise(3 * 1024 * 1024 + 17, 7);
    let id = app.tus_created(&token, bytes.len(), "report.bin").await;
    let mut offset = 0;
    for chunk in bytes.chunks(700 * 1024) {
        let resp = app.tus_patch(&token, id, offset, chunk.to_vec()).await;
        assert_eq!(resp.status(), 204, "{:?}", resp.text().await);
        offset += chunk.len();
        assert_eq!(resp.headers()["Upload-Offset"], offset.to_string().as_str());
        assert_eq!(app.tus_offset(&token, id).await, offset);
    }
    let status = app.upload_status(&token, id).await;
    assert_eq!(status.state, UploadState::Ready);
    let file = status.file.unwrap();
    assert_eq!(file.sha256, samples::sha256(&bytes));
    assert_eq!(file.size, bytes.len() as i64);
    assert_eq!(file.name, "report.bin");
    let resp = app.download(&token, id, &[]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[actix_web::test]
async fn an_upload_cut_at_random_offsets_resumes_to_the_same_bytes() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let bytes = samples::noise(5 * 1024 * 1024, 11);
    let id = app.tus_created(&token, bytes.len(), "big.bin").await;
    let mut seed = 0x9e37_79b9_u64;
    for _ in 0..4 {
        let offset = app.tus_offset(&token, id).await;
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let rest = bytes.len() - offset;
        let cut = 1 + (seed >> 33) as usize % (rest / 2);
        app.tus_patch_cut(&token, id, offset, &bytes[offset..], cut)
            .await;
    }
    let resp = app.tus_resume(&token, id, &bytes).await;
    assert_eq!(resp.status(), 204, "{:?}", resp.text().await);
    let file = app.upload_status(&token, id).await.file.unwrap();
    assert_eq!(file.sha256, samples::sha256(&bytes));
    let resp = app.download(&token, id, &[]).await;
    assert_eq!(resp.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[actix_web::test]
async fn a_wrong_offset_is_409_and_says_where_the_upload_stands() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let id = app.tus_created(&token, 10, "a.txt").await;
    assert_eq!(
        app.tus_patch(&token, id, 0, b"hello".to_vec())
            .await
            .status(),
        204
    );
    let body = assert_error(
        app.tus_patch(&token, id, 3, b"lo".to_vec()).await,
        409,
        ErrorCode::OffsetMismatch,
    )
    .await;
    assert!(body.error.message.contains("offset 5"), "{body:?}");
    // the upload is unharmed: it goes on from 5
    assert_eq!(
        app.tus_patch(&token, id, 5, b"world".to_vec())
            .await
            .status(),
        204
    );
    let file = app.upload_status(&token, id).await.file.unwrap();
    assert_eq!(file.sha256, samples::sha256(b"helloworld"));
    assert_eq!(file.mime, "text/plain");
}

#[actix_web::test]
async fn the_size_limit_is_413_with_the_limit_and_bytes_past_the_length_are_refused() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_UPLOAD_MAX_BYTES".into(), "1000".into());
    })
    .await;
    let token = app.signed_in_user().await.token;
    let body = assert_error(
        app.tus_create(&token, 1001, "x").await,
        413,
        ErrorCode::PayloadTooLarge,
    )
    .await;
    assert!(body.error.message.contains("1000"), "{body:?}");
    let id = app.tus_created(&token, 10, "x").await;
    assert_error(
        app.tus_patch(&token, id, 0, vec![b'a'; 11]).await,
        413,
        ErrorCode::PayloadTooLarge,
    )
    .await;
    assert_eq!(app.tus_offset(&token, id).await, 0);
}

#[actix_web::test]
async fn the_daily_quota_counts_what_was_uploaded() {
    let app = TestApp::spawn_with(|v| {
        v.insert("NATTER_UPLOAD_DAILY_BYTES".into(), "100".into());
    })
    .await;
    let token = app.signed_in_user().await.token;
    app.tus_created(&token, 60, "a").await;
    assert_error(
        app.tus_create(&token, 41, "b").await,
        413,
        ErrorCode::QuotaExceeded,
    )
    .await;
    // another person has their own quota
    let other = app.signed_in_user().await.token;
    app.tus_created(&other, 60, "a").await;
}

#[actix_web::test]
async fn tus_headers_are_required_and_checked() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let resp = app
        .client
        .post(app.api("/uploads"))
        .bearer_auth(&token)
        .header("Upload-Length", "5")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["Tus-Version"], "1.0.0");
    assert_error(resp, 412, ErrorCode::TusVersionUnsupported).await;
    let no_length = app
        .client
        .post(app.api("/uploads"))
        .bearer_auth(&token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_error(no_length, 400, ErrorCode::InvalidHeader).await;
    let id = app.tus_created(&token, 5, "a").await;
    let wrong_type = app
        .client
        .patch(app.api(&format!("/uploads/{id}")))
        .bearer_auth(&token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_error(wrong_type, 415, ErrorCode::UnsupportedMediaType).await;
    // no token at all
    let anonymous = app
        .client
        .post(app.api("/uploads"))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "5")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[actix_web::test]
async fn another_persons_upload_is_404_for_every_verb() {
    let app = TestApp::spawn().await;
    let owner = app.signed_in_user().await.token;
    let stranger = app.signed_in_user().await.token;
    let id = app.tus_created(&owner, 5, "a").await;
    assert_error(
        app.tus_patch(&stranger, id, 0, b"hello".to_vec()).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
    let head = app
        .client
        .head(app.api(&format!("/uploads/{id}")))
        .bearer_auth(&stranger)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 404);
    assert_eq!(
        app.get_authed(&format!("/uploads/{id}"), &stranger)
            .await
            .status(),
        404
    );
    let cancel = app
        .client
        .delete(app.api(&format!("/uploads/{id}")))
        .bearer_auth(&stranger)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 404);
    assert_eq!(app.tus_offset(&owner, id).await, 0);
}

#[actix_web::test]
async fn a_cancelled_upload_is_gone_with_its_bytes() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let id = app.tus_created(&token, 10, "a").await;
    assert_eq!(
        app.tus_patch(&token, id, 0, b"hello".to_vec())
            .await
            .status(),
        204
    );
    let staged = natter_tests::files_dirs(&app.db_name)
        .1
        .join(id.to_string());
    assert!(staged.exists());
    let cancel = app
        .client
        .delete(app.api(&format!("/uploads/{id}")))
        .bearer_auth(&token)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), 204);
    assert!(!staged.exists());
    assert_eq!(
        app.get_authed(&format!("/uploads/{id}"), &token)
            .await
            .status(),
        404
    );
}

#[actix_web::test]
async fn an_executable_named_png_is_sniffed_and_denied_types_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let file = app.upload(&token, "cat.png", &samples::elf()).await;
    assert_eq!(file.mime, "application/x-executable");
    assert!(!file.has_thumbnail);

    let strict = TestApp::spawn_with(|v| {
        v.insert(
            "NATTER_UPLOAD_DENIED_TYPES".into(),
            "application/x-executable".into(),
        );
    })
    .await;
    let token = strict.signed_in_user().await.token;
    let (id, resp) = strict
        .upload_raw(&token, "cat.png", &samples::elf(), 1 << 20)
        .await;
    let body = assert_error(resp, 415, ErrorCode::FileTypeNotAllowed).await;
    assert!(body.error.message.contains("application/x-executable"));
    assert_eq!(
        strict.upload_status(&token, id).await.state,
        UploadState::Rejected
    );
}

#[actix_web::test]
async fn a_50000_by_50000_png_header_is_refused_before_decoding() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let (id, resp) = app
        .upload_raw(
            &token,
            "bomb.png",
            &samples::png_header(50_000, 50_000),
            1 << 20,
        )
        .await;
    let body = assert_error(resp, 422, ErrorCode::ImageTooLarge).await;
    assert!(body.error.message.contains("50000"), "{body:?}");
    let status = app.upload_status(&token, id).await;
    assert_eq!(status.state, UploadState::Rejected);
    assert!(status.problem.is_some());
}

#[actix_web::test]
async fn an_empty_file_is_finished_at_creation() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let id = app.tus_created(&token, 0, "empty.txt").await;
    let status = app.upload_status(&token, id).await;
    assert_eq!(status.state, UploadState::Ready);
    assert_eq!(status.file.unwrap().size, 0);
}

#[actix_web::test]
async fn names_are_made_safe() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await.token;
    let file = app
        .upload(&token, "../../etc/pass\"wd\n.txt", b"hello")
        .await;
    assert_eq!(file.name, "pass_wd_.txt");
}
