//! The real `natter` binary on an X server of the test's own (Xvfb), driven with xdotool as
//! a person would drive it. `scripts/test` installs both (`ensure_xvfb`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a failure is a failed test

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An X server of this test's own (`-displayfd` picks a free display).
pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (scripts/test installs it: ensure_xvfb)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("Xvfb's stdout"))
            .read_line(&mut line)
            .expect("Xvfb names its display");
        Xvfb {
            child,
            display: format!(":{}", line.trim()),
        }
    }

    /// `xdotool ARGS` on this display; its output.
    pub fn xdotool(&self, args: &[&str]) -> String {
        self.run("xdotool", args)
    }

    /// `PROGRAM ARGS` on this display (xdotool, ImageMagick's `import` …); its output.
    pub fn run(&self, program: &str, args: &[&str]) -> String {
        let out = Command::new(program)
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .unwrap_or_else(|e| panic!("{program} (scripts/test installs it: ensure_xvfb): {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A screenshot of the whole screen (imagemagick's `import`), for a failing test's output.
    pub fn screenshot(&self, to: &Path) {
        let _ = Command::new("import")
            .args(["-window", "root"])
            .arg(to)
            .env("DISPLAY", &self.display)
            .status();
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A portable copy of the binary: `<root>/stick/natter` with `natter-data/` beside it, so
/// everything it keeps is in that folder (and the home folder is a fresh one).
pub struct Portable {
    pub root: PathBuf,
    pub binary: PathBuf,
    pub data: PathBuf,
    pub home: PathBuf,
}

impl Portable {
    pub fn new(name: &str) -> Portable {
        let root = std::env::temp_dir().join(format!("natter-{name}-{}", uuid::Uuid::new_v4()));
        let stick = root.join("stick");
        let data = stick.join("natter-data");
        let home = root.join("home");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(home.join("run")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(home.join("run"), std::fs::Permissions::from_mode(0o700))
                .unwrap();
        }
        let binary = stick.join("natter");
        std::fs::copy(env!("CARGO_BIN_EXE_natter"), &binary).expect("copy of the binary");
        Portable {
            root,
            binary,
            data,
            home,
        }
    }

    /// Starts the copy on `xvfb` against `server_url`, its log (stderr) in `log`.
    pub fn start(&self, xvfb: &Xvfb, server_url: &str, log: std::fs::File) -> Child {
        let home = &self.home;
        Command::new(&self.binary)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .env("DISPLAY", &xvfb.display)
            .env("MESA_SHADER_CACHE_DISABLE", "true")
            .env("LANG", "en_US.UTF-8")
            .env("NATTER_SERVER_URL", server_url)
            .env("RUST_LOG", natter_tests::logs::APP_AUDITED_LEVEL)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the copied binary runs")
    }
}

impl Drop for Portable {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Polls `done` until it holds (yielding to an in-process server between tries); panics
/// with `what` and `context()` after `patience`.
pub async fn poll(
    what: &str,
    patience: Duration,
    mut context: impl FnMut() -> String,
    mut done: impl FnMut() -> bool,
) {
    let deadline = Instant::now() + patience;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting until {what}\n{}",
            context()
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The id of the visible window named Natter, once it is up.
pub async fn window(xvfb: &Xvfb, patience: Duration) -> String {
    let mut found = String::new();
    poll("the window is up", patience, String::new, || {
        found = xvfb.xdotool(&["search", "--onlyvisible", "--name", "Natter"]);
        !found.trim().is_empty()
    })
    .await;
    found.lines().next().unwrap_or_default().to_owned()
}

/// Where the app's named widgets are: the file it writes when started with
/// `NATTER_UI_PROBE=<file>` (app/src/app/probe.rs), so a test clicks a widget by its role
/// and name wherever the layout puts it, not at fixed coordinates.
pub struct Probe {
    pub path: PathBuf,
}

impl Probe {
    /// A probe file in `dir` (give its path to the app as `NATTER_UI_PROBE`).
    pub fn new(dir: &Path) -> Probe {
        Probe {
            path: dir.join("ui-probe.json"),
        }
    }

    /// The centre, in window pixels, of the first widget of `role` (an AccessKit role as
    /// written by the probe: "TextInput", "Button", "Label" …) named `name`, once one is on
    /// screen (its middle inside the window).
    pub async fn centre(&self, role: &str, name: &str, patience: Duration) -> (i32, i32) {
        let mut found = None;
        // the context reads the file again: the check's closure borrows `found`
        let context = || {
            format!(
                "probe: {}",
                std::fs::read_to_string(&self.path).unwrap_or_default()
            )
        };
        poll(
            &format!("a {role} named {name:?} is on screen"),
            patience,
            context,
            || {
                let text = std::fs::read_to_string(&self.path).unwrap_or_default();
                found = centre_in(&text, role, name);
                found.is_some()
            },
        )
        .await;
        found.unwrap()
    }

    /// Clicks (button 1) the widget of `role` named `name` in `window` once it is on screen.
    pub async fn click(
        &self,
        xvfb: &Xvfb,
        window: &str,
        role: &str,
        name: &str,
        patience: Duration,
    ) {
        let (x, y) = self.centre(role, name, patience).await;
        let (x, y) = (x.to_string(), y.to_string());
        xvfb.xdotool(&["mousemove", "--window", window, &x, &y, "click", "1"]);
    }
}

/// The centre of the first widget of `role` named `name` in a probe file's `text` whose
/// middle lies inside the window.
fn centre_in(text: &str, role: &str, name: &str) -> Option<(i32, i32)> {
    let snapshot: serde_json::Value = serde_json::from_str(text).ok()?;
    let size = snapshot["size"].as_array()?;
    let (width, height) = (size[0].as_f64()?, size[1].as_f64()?);
    snapshot["widgets"].as_array()?.iter().find_map(|w| {
        if w["role"] != role || w["name"] != name {
            return None;
        }
        let rect: Vec<f64> = w["rect"]
            .as_array()?
            .iter()
            .filter_map(|v| v.as_f64())
            .collect();
        let (x, y) = ((rect[0] + rect[2]) / 2.0, (rect[1] + rect[3]) / 2.0);
        ((0.0..width).contains(&x) && (0.0..height).contains(&y)).then_some((x as i32, y as i32))
    })
}
