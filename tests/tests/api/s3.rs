//! The S3 backend against a real S3-compatible server (s3s-fs, started by scripts/test):
//! multipart for large files, ranged reads, erasure.

use natter_shared::ErrorCode;
use natter_shared::api::Message;
use natter_tests::files::samples;
use natter_tests::{TestApp, assert_error, json_with_status};

async fn s3_app() -> TestApp {
    let var = |k: &str| {
        std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set: scripts/test starts s3s-fs"))
    };
    let (endpoint, key, secret) = (
        var("NATTER_TEST_S3_ENDPOINT"),
        var("NATTER_TEST_S3_ACCESS_KEY"),
        var("NATTER_TEST_S3_SECRET_KEY"),
    );
    let bucket = format!(
        "natter-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..20]
    );
    TestApp::spawn_with(move |v| {
        for (k, val) in [
            ("NATTER_STORAGE", "s3".to_owned()),
            ("NATTER_S3_BUCKET", bucket),
            ("NATTER_S3_ENDPOINT", endpoint),
            ("NATTER_S3_ACCESS_KEY", key),
            ("NATTER_S3_SECRET_KEY", secret),
        ] {
            v.insert(k.into(), val);
        }
    })
    .await
}

#[actix_web::test]
async fn a_large_file_goes_to_s3_in_parts_and_comes_back_in_ranges() {
    let app = s3_app().await;
    let token = app.signed_in_user().await.token;
    // over one 8 MiB part: a multipart upload
    let bytes = samples::noise(9 * 1024 * 1024 + 5, 5);
    let file = app.upload(&token, "big.bin", &bytes).await;
    assert_eq!(file.sha256, samples::sha256(&bytes));
    assert!(app.stored(&format!("files/{}", file.id)).await);
    // nothing stays on the server's own disk
    assert!(!app.files_dir.join(format!("files/{}", file.id)).exists());
    let full = app.download(&token, file.id, &[]).await;
    assert_eq!(full.status(), 200);
    assert_eq!(full.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let range = app
        .download(&token, file.id, &[("Range", "bytes=8388000-8389000")])
        .await;
    assert_eq!(range.status(), 206);
    assert_eq!(
        range.bytes().await.unwrap().as_ref(),
        &bytes[8_388_000..=8_389_000]
    );
}

#[actix_web::test]
async fn images_thumbnails_and_erasure_work_on_s3() {
    let app = s3_app().await;
    let token = app.signed_in_user().await.token;
    let file = app.upload(&token, "p.png", &samples::png(800, 600)).await;
    assert!(file.has_thumbnail);
    let thumb = app
        .get_authed(&format!("/files/{}/thumbnail", file.id), &token)
        .await;
    assert_eq!(thumb.status(), 200);
    let img = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (320, 240));
    let chat = app.group_chat(&token, "G", &[]).await;
    let sent: Message =
        json_with_status(app.send_files(&token, chat.id, "", &[file.id]).await, 201).await;
    let deleted = app
        .client
        .delete(app.api(&format!(
            "/chats/{}/messages/{}?for_everyone=true",
            chat.id, sent.id
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    assert!(!app.stored(&format!("files/{}", file.id)).await);
    assert!(!app.stored(&format!("thumbnails/{}", file.id)).await);
    assert_error(
        app.download(&token, file.id, &[]).await,
        404,
        ErrorCode::NotFound,
    )
    .await;
}
