//! Portable mode on the real binary: a copy of `natter` with `natter-data/` beside it runs
//! under Xvfb with a fresh, empty home (every `XDG_*` folder inside it), a person signs in
//! with the keyboard and mouse (xdotool) against the real server, the app goes online, and
//! the system asks it to end (SIGTERM, as a logout does) so it saves its state and exits.
//! Then nothing in the home folder may have changed, and nothing beside the binary but
//! `natter-data/`: the session, the window state and everything else are in that folder.
//! (Mesa's own shader cache is switched off for the run: that is the GL driver's, not ours.)
//!
//! `scripts/test` installs Xvfb and xdotool (`ensure_xvfb`); without them this fails.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use natter_tests::TestApp;
use support::client::PATIENCE;
use support::desktop::{Probe, Xvfb};

const PASSWORD: &str = "correct horse";

/// Every path under `root` with its size and modification time.
fn tree(root: &Path) -> BTreeMap<PathBuf, (u64, Option<SystemTime>)> {
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable folder") {
            let entry = entry.expect("entry");
            let meta = entry.metadata().expect("metadata");
            if meta.is_dir() {
                pending.push(entry.path());
            }
            let relative = entry.path().strip_prefix(root).unwrap().to_path_buf();
            found.insert(relative, (meta.len(), meta.modified().ok()));
        }
    }
    found
}

/// Polls `done` (yielding to the in-process server between tries) until it holds.
async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn a_portable_copy_signs_in_and_writes_nothing_outside_its_folder() {
    // Arrange: a server; Alice, and Bob who will see her come online; a copied binary with
    // natter-data/ beside it; an empty home.
    let app = TestApp::spawn().await;
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (alice_name, bob_name) = (format!("alice{suffix}"), format!("bob{suffix}"));
    app.register(&alice_name, PASSWORD).await;
    let bob_user = app.register(&bob_name, PASSWORD).await;
    let bob = app.login(&bob_name, PASSWORD).await;
    // Alice wrote first, so Bob sees when she is online
    let alice = app.login(&alice_name, PASSWORD).await;
    app.direct_chat(&alice.token, bob_user.id).await;
    let root = std::env::temp_dir().join(format!("natter-portable-{}", uuid::Uuid::new_v4()));
    let (stick, home) = (root.join("stick"), root.join("home"));
    std::fs::create_dir_all(stick.join("natter-data")).unwrap();
    let binary = stick.join("natter");
    std::fs::copy(env!("CARGO_BIN_EXE_natter"), &binary).expect("copy of the binary");
    let xdg = |name: &str| home.join(name);
    std::fs::create_dir_all(xdg("run")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(xdg("run"), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let home_before = tree(&home);
    let xvfb = Xvfb::start();

    // Act: start it, sign in as a person would, wait until it is online, then end it.
    // into the run's log folder when it keeps one (the secret audit reads it)
    let (log, log_path) = natter_tests::logs::app_log("portable", &root.join("app.log"));
    // where the form's fields are, written by the app (outside the home and the stick)
    let probe = Probe::new(&root);
    let mut natter = Command::new(&binary)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", xdg(".config"))
        .env("XDG_DATA_HOME", xdg(".local/share"))
        .env("XDG_CACHE_HOME", xdg(".cache"))
        .env("XDG_STATE_HOME", xdg(".local/state"))
        .env("XDG_RUNTIME_DIR", xdg("run"))
        .env("DISPLAY", &xvfb.display)
        // Mesa (the GL driver, not the app) keeps compiled shaders in ~/.cache/mesa_shader_cache;
        // a driver's cache is the system's business, as the fonts' caches are
        .env("MESA_SHADER_CACHE_DISABLE", "true")
        .env("LANG", "en_US.UTF-8")
        .env("NATTER_SERVER_URL", &app.address)
        .env("RUST_LOG", natter_tests::logs::APP_AUDITED_LEVEL)
        .env("NATTER_UI_PROBE", &probe.path)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the copied binary runs");
    let mut window = String::new();
    wait_for("the window is up", || {
        window = xvfb.xdotool(&["search", "--onlyvisible", "--name", "Natter"]);
        !window.trim().is_empty()
    })
    .await;
    let window = window.lines().next().unwrap_or_default().to_owned();
    // no window manager: give the window the focus a person's click would
    xvfb.xdotool(&["windowfocus", "--sync", &window]);
    // each field clicked where the app says it is (the form may move as it changes)
    probe
        .click(&xvfb, &window, "TextInput", "Username", PATIENCE)
        .await;
    xvfb.xdotool(&["type", "--delay", "20", &alice_name]);
    probe
        .click(&xvfb, &window, "PasswordInput", "Password", PATIENCE)
        .await;
    xvfb.xdotool(&["type", "--delay", "20", PASSWORD]);
    xvfb.xdotool(&["key", "Return"]);
    let session_file = stick.join("natter-data/natter-session.insecure.json");
    wait_for("the session is kept in natter-data/", || {
        session_file.exists()
    })
    .await;
    let mut online = false;
    let mut chats = serde_json::Value::Null;
    let deadline = Instant::now() + PATIENCE;
    while !online {
        assert!(
            Instant::now() < deadline,
            "Alice never came online: {chats}\n{}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
        chats = app
            .client
            .get(format!("{}/api/v1/chats", app.address))
            .bearer_auth(&bob.token)
            .send()
            .await
            .expect("chat")
            .json()
            .await
            .expect("chat body");
        online = chats.to_string().contains(r#""online":true"#);
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    // SIGTERM, as a logout or shutdown sends: the window closes and the state is saved
    Command::new("kill")
        .args(["-TERM", &natter.id().to_string()])
        .status()
        .expect("kill");
    let mut status = None;
    wait_for("the app ends", || {
        status = natter.try_wait().expect("wait");
        status.is_some()
    })
    .await;

    // Assert
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    // the audit looks for the app's own refresh token in its log
    if let Ok(kept) = std::fs::read_to_string(&session_file) {
        let kept: serde_json::Value = serde_json::from_str(&kept).unwrap_or_default();
        if let Some(token) = kept["refresh_token"].as_str() {
            natter_tests::logs::remember_secret(token);
        }
    }
    assert!(status.is_some_and(|s| s.success()), "{status:?}\n{log}");
    assert_eq!(
        tree(&home),
        home_before,
        "nothing may be written in the home folder\n{log}"
    );
    let beside: Vec<PathBuf> = std::fs::read_dir(&stick)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        beside.len(),
        2,
        "only the binary and natter-data/: {beside:?}"
    );
    let data = tree(&stick.join("natter-data"));
    for kept in ["natter-session.insecure.json", "app.ron"] {
        assert!(
            data.contains_key(Path::new(kept)),
            "{kept} in natter-data/: {data:?}"
        );
    }
    drop(xvfb);
    std::fs::remove_dir_all(&root).unwrap();
}
