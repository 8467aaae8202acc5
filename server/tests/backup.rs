//! `scripts/backup` and `scripts/restore` as an operator runs them: a server with history is
//! backed up, the backup restored into a new database, a server started on it, and both
//! servers answer the same history, chat lists and files' metadata.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use natter_shared::api::{EditMessageRequest, Message, SendMessageRequest};
use natter_shared::{API_PREFIX, ChatId, RequestId};
use natter_tests::{
    ServerProcess, TestDatabase, db_url, json_with_status, open_direct_chat, sign_up,
};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_natter-server");

/// A backup of `database` into `dir`; answers its path.
fn backup(database: &str, dir: &std::path::Path, keep: Option<&str>) -> String {
    let url = db_url(database);
    let mut cmd = Command::new(script("backup"));
    cmd.arg(url).env("NATTER_BACKUP_DIR", dir);
    if let Some(keep) = keep {
        cmd.env("NATTER_BACKUP_KEEP", keep);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("scripts")
        .join(name)
}

async fn send(
    client: &reqwest::Client,
    server: &ServerProcess,
    token: &str,
    chat: ChatId,
    text: &str,
    files: Vec<natter_shared::FileId>,
) -> Message {
    let resp = client
        .post(server.api(&format!("/chats/{chat}/messages")))
        .bearer_auth(token)
        .json(&SendMessageRequest {
            text: text.into(),
            request_id: RequestId::new_random(),
            reply_to: None,
            attachments: files,
        })
        .send()
        .await
        .unwrap();
    json_with_status(resp, 201).await
}

/// A small text file uploaded the tus way; answers its id once ready.
async fn upload(
    client: &reqwest::Client,
    server: &ServerProcess,
    token: &str,
) -> natter_shared::FileId {
    let bytes = b"minutes of the meeting".to_vec();
    let resp = client
        .post(server.api("/uploads"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header(
            "Upload-Metadata",
            natter_tests::files::metadata("minutes.txt", "text/plain"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let location = resp.headers()["Location"].to_str().unwrap().to_owned();
    let id: natter_shared::FileId = location
        .strip_prefix(&format!("{API_PREFIX}/uploads/"))
        .unwrap()
        .parse()
        .unwrap();
    let resp = client
        .patch(format!("{}{location}", server.address))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    id
}

async fn get(client: &reqwest::Client, server: &ServerProcess, token: &str, path: &str) -> Value {
    let resp = client
        .get(server.api(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    json_with_status(resp, 200).await
}

#[tokio::test]
async fn a_backup_restores_into_a_new_database_with_the_same_history_lists_and_files() {
    let db = TestDatabase::create();
    let server = ServerProcess::start(BIN, &db.name, &db.redis_prefix, &[]).await;
    let client = reqwest::Client::new();
    let alice = sign_up(&client, |p| server.api(p)).await;
    let bob = sign_up(&client, |p| server.api(p)).await;
    let chat = open_direct_chat(&client, &server.api("/chats"), &alice.token, bob.user.id)
        .await
        .id;
    let first = send(
        &client,
        &server,
        &alice.token,
        chat,
        "see you at six",
        Vec::new(),
    )
    .await;
    send(
        &client,
        &server,
        &bob.token,
        chat,
        "Привіт, до зустрічі",
        Vec::new(),
    )
    .await;
    let file = upload(&client, &server, &alice.token).await;
    send(
        &client,
        &server,
        &alice.token,
        chat,
        "the minutes",
        vec![file],
    )
    .await;
    let resp = client
        .patch(server.api(&format!("/chats/{chat}/messages/{}", first.id)))
        .bearer_auth(&alice.token)
        .json(&EditMessageRequest {
            text: "see you at seven".into(),
            request_id: RequestId::new_random(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let dir = std::env::temp_dir().join(format!("natter-backup-{}", db.name));
    let backup = backup(&db.name, &dir, None);
    assert!(
        backup.ends_with(".dump") && std::path::Path::new(&backup).exists(),
        "{backup}"
    );

    let restored = TestDatabase::create();
    let out = Command::new(script("restore"))
        .arg(&backup)
        .arg(db_url(&restored.name))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = ServerProcess::start(BIN, &restored.name, &restored.redis_prefix, &[]).await;

    for token in [&alice.token, &bob.token] {
        for path in [
            "/chats".to_owned(),
            format!("/chats/{chat}"),
            format!("/chats/{chat}/messages"),
            format!("/chats/{chat}/events?after=0"),
            "/users/me".to_owned(),
        ] {
            let before = get(&client, &server, token, &path).await;
            let after = get(&client, &again, token, &path).await;
            assert_eq!(before, after, "{path}");
        }
    }
    let before = get(&client, &server, &alice.token, &format!("/uploads/{file}")).await;
    let after = get(&client, &again, &alice.token, &format!("/uploads/{file}")).await;
    assert_eq!(before, after, "the file's metadata");
    assert_eq!(after["state"], "ready");
    // the restored server finds what was written before the backup, and search still works
    let found = get(&client, &again, &bob.token, "/search/messages?q=seven").await;
    assert_eq!(found["hits"].as_array().map(Vec::len), Some(1), "{found}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn backups_beyond_the_kept_number_are_removed_oldest_first() {
    let db = TestDatabase::create();
    // a migrated database is not needed to dump: an empty one will do
    let dir = std::env::temp_dir().join(format!("natter-backup-keep-{}", db.name));
    let made: Vec<String> = (0..3).map(|_| backup(&db.name, &dir, Some("2"))).collect();
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    left.sort();
    assert_eq!(left, made[1..].to_vec(), "the two newest stay");
    let bad = Command::new(script("backup"))
        .arg(db_url(&db.name))
        .env("NATTER_BACKUP_DIR", &dir)
        .env("NATTER_BACKUP_KEEP", "many")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
