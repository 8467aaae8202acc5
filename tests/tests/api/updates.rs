//! `GET /updates/{name}`: the app's releases from `NATTER_UPDATES_DIR` — the manifest and
//! an archive served, a range answered 206, nothing outside the folder reachable, and no
//! folder set meaning 404.

use std::path::PathBuf;

use natter_tests::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MANIFEST: &str = r#"{"version":"9.9.9","platforms":{}}"#;
const SECRET: &str = "NATTER_JWT_SECRET=beside-the-updates-folder";

/// A folder with `updates/` (a manifest and an archive) and a secret beside it.
fn release_folder() -> (PathBuf, Vec<u8>) {
    let root = std::env::temp_dir().join(format!("natter-updates-{}", uuid::Uuid::new_v4()));
    let updates = root.join("updates");
    std::fs::create_dir_all(&updates).expect("updates folder");
    std::fs::write(updates.join("manifest.json"), MANIFEST).expect("manifest");
    let archive: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(updates.join("natter-9.9.9-linux-x86_64.tar.gz"), &archive).expect("archive");
    std::fs::write(root.join("secret.env"), SECRET).expect("secret");
    (root, archive)
}

async fn server_with_updates(root: &std::path::Path) -> TestApp {
    let dir = root.join("updates").display().to_string();
    TestApp::spawn_with(|v| {
        v.insert("NATTER_UPDATES_DIR".into(), dir);
    })
    .await
}

/// The status line and body of `GET <path>` sent as written (an HTTP client would
/// normalise `..` and `%2e%2e` away before sending).
async fn raw_get(port: u16, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("request");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("answer");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {answer}"));
    (status, answer)
}

#[actix_web::test]
async fn the_manifest_and_an_archive_are_served_from_the_folder() {
    let (root, archive) = release_folder();
    let app = server_with_updates(&root).await;

    let manifest = app
        .client
        .get(format!("{}/updates/manifest.json", app.address))
        .send()
        .await
        .expect("manifest");
    assert_eq!(manifest.status(), 200);
    assert_eq!(
        manifest.headers()["content-type"].to_str().ok(),
        Some("application/json")
    );
    assert_eq!(manifest.text().await.expect("body"), MANIFEST);

    let whole = app
        .client
        .get(format!(
            "{}/updates/natter-9.9.9-linux-x86_64.tar.gz",
            app.address
        ))
        .send()
        .await
        .expect("archive");
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(
        whole.bytes().await.expect("body").as_ref(),
        archive.as_slice()
    );
    std::fs::remove_dir_all(&root).expect("clean up");
}

#[actix_web::test]
async fn a_range_of_an_archive_is_answered_206_so_a_download_resumes() {
    let (root, archive) = release_folder();
    let app = server_with_updates(&root).await;
    let url = format!("{}/updates/natter-9.9.9-linux-x86_64.tar.gz", app.address);

    let rest = app
        .client
        .get(&url)
        .header("Range", "bytes=60000-")
        .send()
        .await
        .expect("range");
    assert_eq!(rest.status(), 206);
    assert_eq!(
        rest.headers()["content-range"],
        format!("bytes 60000-99999/{}", archive.len()).as_str()
    );
    assert_eq!(
        rest.bytes().await.expect("body").as_ref(),
        &archive[60_000..]
    );

    let outside = app
        .client
        .get(&url)
        .header("Range", "bytes=200000-")
        .send()
        .await
        .expect("range");
    assert_eq!(outside.status(), 416);
    assert_eq!(outside.headers()["content-range"], "bytes */100000");
    std::fs::remove_dir_all(&root).expect("clean up");
}

#[actix_web::test]
async fn nothing_outside_the_folder_is_reachable() {
    let (root, _) = release_folder();
    let app = server_with_updates(&root).await;
    let secret_path = root.join("secret.env").display().to_string();
    let cases = [
        ("/updates/../secret.env".to_owned(), "a parent segment"),
        (
            "/updates/..%2Fsecret.env".to_owned(),
            "an encoded separator",
        ),
        (
            "/updates/%2e%2e%2fsecret.env".to_owned(),
            "encoded dots and separator",
        ),
        ("/updates/%2e%2e/secret.env".to_owned(), "encoded dots"),
        ("/updates/..%5Csecret.env".to_owned(), "a Windows separator"),
        (
            format!("/updates/{}", secret_path.replace('/', "%2F")),
            "an absolute path",
        ),
        ("/updates/.".to_owned(), "the folder itself"),
        ("/updates/".to_owned(), "no name"),
    ];
    for (path, reason) in cases {
        let (status, answer) = raw_get(app.port, &path).await;
        assert_eq!(status, 404, "{reason}: {path}\n{answer}");
        assert!(!answer.contains(SECRET), "{reason}: {path} leaked the file");
    }
    std::fs::remove_dir_all(&root).expect("clean up");
}

#[actix_web::test]
async fn without_an_updates_folder_there_is_nothing_to_serve() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(format!("{}/updates/manifest.json", app.address))
        .send()
        .await
        .expect("manifest");
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.expect("error body");
    assert_eq!(body["error"]["code"], "not_found");
}
