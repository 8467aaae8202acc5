//! Signed updates end to end, on the real binary: two builds of `natter` (versions 1.0.0 and
//! 1.1.0, each with a throwaway test key compiled in) in their own target dir; a local HTTP
//! server (with ranges) serves a signed manifest and the new version's archive; the old
//! binary, run as `natter --update-only` from a portable folder, installs the new one,
//! restarts into it and reports the new version, keeping the old one as `natter.previous`.
//! An older version, a manifest signed with another key and a tampered archive are each
//! refused with a clear message, and nothing in the install folder changes. The first
//! download is cut off half-way, so the install also proves the download resumes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use natter::update::manifest::{Artifact, Manifest};
use sha2::{Digest, Sha256};

const OLD: &str = "1.0.0";
const NEW: &str = "1.1.0";

/// The workspace's target dir, and ours inside it (a build with another version and key
/// must not replace the binaries the other tests use).
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target")
        .join("update-e2e")
}

/// The test key pair, made once and kept in the test's target dir so the builds stay cached.
fn key_pair() -> minisign::KeyPair {
    let dir = target_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let (sk_path, pk_path) = (dir.join("test-key.sec"), dir.join("test-key.pub"));
    if let (Ok(sk), Ok(pk)) = (
        std::fs::read_to_string(&sk_path),
        std::fs::read_to_string(&pk_path),
    ) {
        let sk = minisign::SecretKeyBox::from_string(&sk)
            .unwrap()
            .into_unencrypted_secret_key()
            .unwrap();
        let pk = minisign::PublicKey::from_base64(pk.trim()).unwrap();
        return minisign::KeyPair { pk, sk };
    }
    let pair = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    std::fs::write(&sk_path, pair.sk.to_box(None).unwrap().into_string()).unwrap();
    std::fs::write(&pk_path, pair.pk.to_base64()).unwrap();
    pair
}

/// Builds `natter` at `version` with `key` compiled in; returns a copy of the binary.
fn build(version: &str, key: &str, out: &Path) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--locked", "-p", "natter", "--bin", "natter"])
        .arg("--target-dir")
        .arg(target_dir())
        .env("NATTER_BUILD_VERSION", version)
        .env("NATTER_UPDATE_PUBLIC_KEY", key)
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .unwrap();
    assert!(status.success(), "building natter {version}");
    let copy = out.join(format!("natter-{version}"));
    std::fs::copy(target_dir().join("debug/natter"), &copy).unwrap();
    copy
}

/// A release archive as scripts/package makes it: a folder with the binary and friends.
fn archive(binary: &Path, version: &str) -> Vec<u8> {
    let platform = natter::build_info::platform();
    let folder = format!("natter-{version}-{platform}");
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut add = |name: &str, bytes: &[u8], mode: u32| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(mode);
        header.set_cksum();
        tar.append_data(&mut header, format!("{folder}/{name}"), bytes)
            .unwrap();
    };
    add("README.md", b"Natter", 0o644);
    add("natter.desktop", b"[Desktop Entry]", 0o644);
    add("natter", &std::fs::read(binary).unwrap(), 0o755);
    tar.into_inner().unwrap().finish().unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn manifest(version: &str, name: &str, bytes: &[u8]) -> Vec<u8> {
    let manifest = Manifest {
        version: version.into(),
        notes: format!("Natter {version}: faster."),
        platforms: BTreeMap::from([(
            natter::build_info::platform(),
            Artifact {
                url: name.into(),
                size: bytes.len() as u64,
                sha256: sha256(bytes),
            },
        )]),
    };
    serde_json::to_vec_pretty(&manifest).unwrap()
}

fn sign(bytes: &[u8], pair: &minisign::KeyPair) -> Vec<u8> {
    minisign::sign(None, &pair.sk, bytes, None, None)
        .unwrap()
        .into_string()
        .into_bytes()
}

/// What the server serves, and what it was asked.
#[derive(Default)]
struct Site {
    files: BTreeMap<String, Vec<u8>>,
    /// Paths whose next full (non-range) answer is cut off half-way.
    cut_next: Vec<String>,
    /// "GET /path" or "GET /path bytes=N-" for each request.
    log: Vec<String>,
}

/// A small HTTP/1.1 server on 127.0.0.1: GET with `Range: bytes=N-`, one request per
/// connection.
fn serve(site: Arc<Mutex<Site>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let mut range = None;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
                if let Some(v) = header.to_ascii_lowercase().strip_prefix("range:") {
                    range = v
                        .trim()
                        .strip_prefix("bytes=")
                        .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok());
                }
            }
            let mut site = site.lock().unwrap();
            site.log.push(match range {
                Some(from) => format!("GET {path} bytes={from}-"),
                None => format!("GET {path}"),
            });
            let name = path.trim_start_matches('/').to_owned();
            let Some(body) = site.files.get(&name).cloned() else {
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            };
            match range {
                Some(from) if from < body.len() => {
                    let part = &body[from..];
                    let head = format!(
                        "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {from}-{}/{}\r\nConnection: close\r\n\r\n",
                        part.len(),
                        body.len() - 1,
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(part);
                }
                _ => {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    if let Some(i) = site.cut_next.iter().position(|p| *p == name) {
                        site.cut_next.remove(i);
                        // the connection breaks half-way
                        let _ = stream.write_all(&body[..body.len() / 2]);
                        let _ = stream.shutdown(std::net::Shutdown::Both);
                        continue;
                    }
                    let _ = stream.write_all(&body);
                }
            }
        }
    });
    format!("http://{addr}")
}

/// Every file under `dir` (names and contents' hashes), to see that nothing changed.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let mut bytes = Vec::new();
                std::fs::File::open(&path)
                    .unwrap()
                    .read_to_end(&mut bytes)
                    .unwrap();
                out.insert(path.strip_prefix(dir).unwrap().to_owned(), sha256(&bytes));
            }
        }
    }
    out
}

/// Runs the installed binary with `--update-only` against `manifest_url`.
fn update_only(install: &Path, home: &Path, manifest_url: &str) -> Output {
    let output = Command::new(install.join("natter"))
        .arg("--update-only")
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("NATTER_UPDATE_URL", manifest_url)
        .env("RUST_LOG", natter_tests::logs::APP_AUDITED_LEVEL)
        .output()
        .unwrap();
    natter_tests::logs::keep_app_log("update-only", &output.stderr);
    output
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn version_of(binary: &Path) -> String {
    let out = Command::new(binary).arg("--version").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn update_end_to_end_installs_a_signed_newer_version_and_refuses_the_rest() {
    let pair = key_pair();
    let other = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let work = std::env::temp_dir().join(format!("natter-update-{}", uuid::Uuid::new_v4()));
    let (builds, install, home) = (work.join("builds"), work.join("app"), work.join("home"));
    for d in [&builds, &install, &home] {
        std::fs::create_dir_all(d).unwrap();
    }
    let key = pair.pk.to_base64();
    let old = build(OLD, &key, &builds);
    let new = build(NEW, &key, &builds);
    assert!(
        version_of(&old).starts_with("natter 1.0.0 "),
        "{}",
        version_of(&old)
    );

    // installed: the old binary, portable (its data beside it)
    std::fs::copy(&old, install.join("natter")).unwrap();
    std::fs::create_dir_all(install.join("natter-data")).unwrap();

    let platform = natter::build_info::platform();
    let name = format!("natter-{NEW}-{platform}.tar.gz");
    let good = archive(&new, NEW);
    let mut tampered = good.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0xff;
    let good_manifest = manifest(NEW, &name, &good);
    let older_manifest = manifest("0.9.0", &name, &good);

    let site = Arc::new(Mutex::new(Site::default()));
    let base = serve(Arc::clone(&site));
    let publish = |files: Vec<(&str, Vec<u8>)>| {
        let mut site = site.lock().unwrap();
        site.files = files.into_iter().map(|(n, b)| (n.to_owned(), b)).collect();
        site.log.clear();
    };
    let url = format!("{base}/manifest.json");
    let before = snapshot(&install);

    // an older version: refused, nothing downloaded
    publish(vec![
        ("manifest.json", older_manifest.clone()),
        ("manifest.json.minisig", sign(&older_manifest, &pair)),
        (&name, good.clone()),
    ]);
    let out = update_only(&install, &home, &url);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("offers 0.9.0, older than this 1.0.0"),
        "{}",
        text(&out)
    );
    assert_eq!(
        snapshot(&install),
        before,
        "an older version changed nothing"
    );

    // signed with another key: refused before anything is downloaded
    publish(vec![
        ("manifest.json", good_manifest.clone()),
        ("manifest.json.minisig", sign(&good_manifest, &other)),
        (&name, good.clone()),
    ]);
    let out = update_only(&install, &home, &url);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("signature is not valid"),
        "{}",
        text(&out)
    );
    assert!(
        !site.lock().unwrap().log.iter().any(|l| l.contains(&name)),
        "the archive of a badly signed manifest is not fetched"
    );
    assert_eq!(snapshot(&install), before);

    // a tampered archive (the signed manifest is right): discarded, nothing installed
    publish(vec![
        ("manifest.json", good_manifest.clone()),
        ("manifest.json.minisig", sign(&good_manifest, &pair)),
        (&name, tampered),
    ]);
    let out = update_only(&install, &home, &url);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("sha256 does not match"),
        "{}",
        text(&out)
    );
    assert_eq!(
        snapshot(&install),
        before,
        "a tampered archive changed nothing"
    );
    assert_eq!(version_of(&install.join("natter")), version_of(&old));

    // the real thing, with the first download cut off half-way
    publish(vec![
        ("manifest.json", good_manifest.clone()),
        ("manifest.json.minisig", sign(&good_manifest, &pair)),
        (&name, good.clone()),
    ]);
    site.lock().unwrap().cut_next.push(name.clone());
    let out = update_only(&install, &home, &url);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("natter 1.1.0 is available"), "{said}");
    assert!(said.contains("installed 1.1.0; restarting"), "{said}");
    // the restarted process is the new version, with the same arguments and data
    assert!(
        said.contains("natter updated from 1.0.0 to 1.1.0"),
        "{said}"
    );
    assert!(said.contains("natter 1.1.0 is up to date"), "{said}");
    let log = site.lock().unwrap().log.clone();
    assert!(
        log.iter().any(|l| l == &format!("GET /{name}"))
            && log
                .iter()
                .any(|l| l.starts_with(&format!("GET /{name} bytes="))),
        "the cut download was resumed with a range: {log:?}"
    );
    assert!(version_of(&install.join("natter")).starts_with("natter 1.1.0 "));
    assert!(
        version_of(&install.join("natter.previous")).starts_with("natter 1.0.0 "),
        "the old version is kept for rollback"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&install)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".natter-update"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_dir_all(&work).unwrap();
}
