//! A screenshot of the real app under Xvfb, measured: a signed-in person (a stored session,
//! as after a restart) opens a short conversation with Bob against the real server, the
//! window is captured (`import`, ImageMagick) and the bubbles are found by their fill
//! colours. Each bubble must be as wide as its text (a one-word bubble is narrow, a long
//! message stops at two thirds of the pane), own bubbles end at the right edge, Bob's start
//! at the left, and the short chat sits at the bottom of the pane, above the composer.
//! The image is kept in `target/conversation-screenshot.png` to look at.
//!
//! `scripts/test` installs Xvfb, xdotool and ImageMagick (`ensure_xvfb`); without them this
//! fails.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use natter_tests::TestApp;
use support::client::PATIENCE;
use support::desktop::Xvfb;

const PASSWORD: &str = "correct horse";

/// Own bubbles and others', light and dark theme (`ui/theme.rs`).
const OWN: [[u8; 3]; 2] = [[0xDD, 0xF3, 0xC8], [0x2B, 0x52, 0x78]];
const OTHER: [[u8; 3]; 2] = [[0xFF, 0xFF, 0xFF], [0x2E, 0x33, 0x3A]];

/// A filled area of one colour: the rows it spans and, per row, its leftmost and rightmost
/// pixel of that colour.
#[derive(Debug, Clone, Copy)]
struct Blob {
    top: u32,
    bottom: u32,
    left: u32,
    right: u32,
}

impl Blob {
    fn width(&self) -> u32 {
        self.right - self.left + 1
    }
}

/// The bubbles of `colour` right of `from_x`: runs of rows that hold at least a few pixels
/// of it, each with the span of those pixels (a run of rows is one bubble; bubbles of one
/// side are apart by a gap of other rows).
fn blobs(image: &image::RgbImage, colour: [u8; 3], from_x: u32) -> Vec<Blob> {
    let mut found: Vec<Blob> = Vec::new();
    let mut open: Option<Blob> = None;
    for y in 0..image.height() {
        let xs: Vec<u32> = (from_x..image.width())
            .filter(|&x| image.get_pixel(x, y).0 == colour)
            .collect();
        match (xs.len() >= 6, open.as_mut()) {
            (true, Some(blob)) => {
                blob.bottom = y;
                blob.left = blob.left.min(xs[0]);
                blob.right = blob.right.max(xs[xs.len() - 1]);
            }
            (true, None) => {
                open = Some(Blob {
                    top: y,
                    bottom: y,
                    left: xs[0],
                    right: xs[xs.len() - 1],
                });
            }
            (false, _) => {
                if let Some(blob) = open.take()
                    && blob.bottom - blob.top >= 12
                {
                    found.push(blob);
                }
            }
        }
    }
    found
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn the_conversation_draws_bubbles_sized_to_their_text_at_the_bottom() {
    // Arrange: Alice and Bob, a short talk; Alice's session stored as after a restart.
    let app = TestApp::spawn().await;
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let (alice_name, bob_name) = (format!("alice{suffix}"), format!("bob{suffix}"));
    app.register(&alice_name, PASSWORD).await;
    let bob_user = app.register(&bob_name, PASSWORD).await;
    let alice = app.login(&alice_name, PASSWORD).await;
    let bob = app.login(&bob_name, PASSWORD).await;
    let chat = app.direct_chat(&alice.token, bob_user.id).await.id;
    app.send_text(&alice.token, chat, "Hello Bob").await;
    app.send_text(
        &bob.token,
        chat,
        "Are you coming to the tea party at six? It is the maddest tea party you will ever \
         see, with a hare, a hatter and a dormouse asleep between them, and the riddle.",
    )
    .await;
    app.send_text(&bob.token, chat, "Bring a hat").await;
    app.send_text(&alice.token, chat, "Yes").await;
    let root = std::env::temp_dir().join(format!("natter-shot-{}", uuid::Uuid::new_v4()));
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(root.join("run")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::fs::set_permissions(root.join("run"), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let session = serde_json::json!({
        "server_url": app.address,
        "user_id": alice.user.id,
        "username": alice_name,
        "session_id": alice.session_id,
        "refresh_token": alice.refresh_token,
    });
    std::fs::write(
        data.join("natter-session.insecure.json"),
        session.to_string(),
    )
    .unwrap();
    let xvfb = Xvfb::start();

    // Act: the app starts signed in; Alt+Down opens the first (only) chat; a capture.
    let log = std::fs::File::create(root.join("app.log")).unwrap();
    let mut natter = Command::new(env!("CARGO_BIN_EXE_natter"))
        .env("DISPLAY", &xvfb.display)
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env("MESA_SHADER_CACHE_DISABLE", "true")
        .env("NATTER_DATA_DIR", &data)
        .env("NATTER_KEYRING", "off")
        .env("NATTER_SERVER_URL", &app.address)
        .env("XDG_RUNTIME_DIR", root.join("run"))
        .env("LANG", "en_US.UTF-8")
        .env("LC_ALL", "en_US.UTF-8")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("the app runs");
    let mut window = String::new();
    wait_for("the window is up", || {
        window = xvfb.run("xdotool", &["search", "--onlyvisible", "--name", "Natter"]);
        !window.trim().is_empty()
    })
    .await;
    let window = window.lines().next().unwrap_or_default().to_owned();
    xvfb.run("xdotool", &["windowfocus", "--sync", &window]);
    let shot = root.join("shot.png");
    let shot_text = shot.to_string_lossy().into_owned();
    // signed in and listed, the chat opened, its history loaded and laid out: the capture
    // is retried until both sides' bubbles are there
    let mut found = None;
    let deadline = Instant::now() + PATIENCE;
    while found.is_none() {
        let log = std::fs::read_to_string(root.join("app.log")).unwrap_or_default();
        assert!(Instant::now() < deadline, "no bubbles on screen\n{log}");
        xvfb.run("xdotool", &["key", "alt+Down"]);
        actix_web::rt::time::sleep(Duration::from_millis(700)).await;
        xvfb.run("import", &["-window", &window, &shot_text]);
        let Ok(image) = image::open(&shot) else {
            continue;
        };
        let image = image.to_rgb8();
        let theme = usize::from(image.get_pixel(image.width() / 2, 4).0[0] < 128);
        let from_x = image.width() / 3;
        let own = blobs(&image, OWN[theme], from_x);
        let other = blobs(&image, OTHER[theme], from_x);
        if own.len() >= 2 && other.len() >= 2 {
            found = Some((image, own, other));
        }
    }
    let _ = natter.kill();
    let _ = natter.wait();
    let (image, own, other) = found.unwrap();
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conversation-screenshot.png");
    image.save(&keep).unwrap();

    // Assert
    let width = image.width();
    let pane_left = other.iter().map(|b| b.left).min().unwrap();
    let pane = width - pane_left;
    let context = format!("own {own:?}\nother {other:?}\nsee {}", keep.display());
    // own bubbles end at the right edge, Bob's start at the left, each side aligned
    for b in &own {
        assert!(b.right + 30 > width, "own bubble at the right: {context}");
    }
    for b in &other {
        assert!(
            b.left < pane_left + 4,
            "Bob's bubbles aligned left: {context}"
        );
    }
    // sized to their text: "Yes" and "Hello Bob" are narrow, the long one wraps at ~2/3
    let narrowest_own = own.iter().map(Blob::width).min().unwrap();
    assert!(
        narrowest_own < pane / 4,
        "a one-word bubble is narrow: {context}"
    );
    let widest_other = other.iter().map(Blob::width).max().unwrap();
    assert!(
        widest_other < pane * 7 / 10 && widest_other > pane / 3,
        "a long message wraps at two thirds of the pane ({pane}): {context}"
    );
    assert!(
        other.iter().map(Blob::width).min().unwrap() < widest_other / 2,
        "\"Bring a hat\" is narrower than the long one: {context}"
    );
    // the short chat sits at the bottom: the newest bubble is in the lower part of the
    // window, and the first one is not at the top
    let lowest = own.iter().chain(&other).map(|b| b.bottom).max().unwrap();
    let highest = own.iter().chain(&other).map(|b| b.top).min().unwrap();
    assert!(
        lowest > image.height() * 3 / 5 && highest > image.height() / 4,
        "anchored at the bottom: {context}"
    );
    drop(xvfb);
    std::fs::remove_dir_all(&root).unwrap();
}
