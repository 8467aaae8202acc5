//! One download: `GET /files/{id}` a range at a time into `<target>.part` (so memory stays
//! at one chunk whatever the file's size), resumed from the part's length after a broken
//! connection or a restart, `If-Range` with the file's `ETag` so a part never mixes two
//! versions; at the end the SHA-256 is checked before the part becomes the file. And the
//! small images views show (thumbnails, avatars), fetched whole.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use natter_shared::api::FileInfo;
use sha2::{Digest, Sha256};

use crate::net::http::decode_failure;
use crate::net::transfer_io::{Context, Sent, backoff, rate, send};
use crate::transfers::{ImageKey, TransferEvent, TransferFailure, TransferKey};

/// Bytes per ranged request.
pub const CHUNK: u64 = 4 << 20;

/// Where a download collects its bytes until they are checked.
pub fn part_path(to: &Path) -> PathBuf {
    let mut name = to.as_os_str().to_owned();
    name.push(".part");
    PathBuf::from(name)
}

/// Downloads `file` to `to`, reporting as it goes, until it is there, fails, or is stopped.
pub fn run(cx: &mut Context, file: &FileInfo, to: &Path) {
    let id = TransferKey::Download(file.id);
    let fail = |cx: &Context, failure| cx.report(TransferEvent::Failed { key: id, failure });
    let local = |e: std::io::Error| TransferFailure::Local(format!("{}: {e}", to.display()));
    let size = u64::try_from(file.size).unwrap_or(0);
    if std::fs::metadata(to).is_ok_and(|m| m.len() == size)
        && digest(to).ok() == Some(file.sha256.clone())
    {
        return cx.report(TransferEvent::Downloaded {
            file: file.id,
            path: to.to_owned(),
        });
    }
    if let Some(dir) = to.parent()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return fail(cx, local(e));
    }
    let part = part_path(to);
    let mut out = match OpenOptions::new().create(true).append(true).open(&part) {
        Ok(out) => out,
        Err(e) => return fail(cx, local(e)),
    };
    let url = cx.url(&format!("/files/{}", file.id.0));
    let etag = format!("\"{}\"", file.sha256);
    let (started, mut moved, mut failures) = (Instant::now(), 0u64, 0u32);
    loop {
        let have = match out.metadata() {
            Ok(m) => m.len(),
            Err(e) => return fail(cx, local(e)),
        };
        cx.progress(id, have, size, rate(moved, started));
        if have >= size {
            break;
        }
        if cx.stop.is_stopped() {
            return;
        }
        let last = (have + CHUNK).min(size) - 1;
        let sent = send(cx, &|token| {
            ehttp::Request::get(&url)
                .with_header("Authorization", format!("Bearer {token}"))
                .with_header("Range", format!("bytes={have}-{last}"))
                .with_header("If-Range", &etag)
                .with_timeout(Some(std::time::Duration::from_secs(60)))
        });
        let response = match sent {
            Sent::Stopped => return,
            Sent::Answer(r) if r.status == 206 || r.status == 200 => r,
            Sent::Answer(r) if !(500..=599).contains(&r.status) => {
                return fail(cx, TransferFailure::Refused(decode_failure(&r)));
            }
            Sent::Answer(_) | Sent::Network(_) => {
                if cx.wait_for_network(id, &mut failures) {
                    return;
                }
                continue;
            }
        };
        failures = 0;
        let written = if response.status == 200 {
            // the whole file: start the part again with it
            out.set_len(0).and_then(|()| out.write_all(&response.bytes))
        } else {
            out.write_all(&response.bytes)
        };
        if let Err(e) = written {
            return fail(cx, local(e));
        }
        moved += response.bytes.len() as u64;
    }
    drop(out);
    match digest(&part) {
        Ok(sum) if sum == file.sha256 => match std::fs::rename(&part, to) {
            Ok(()) => cx.report(TransferEvent::Downloaded {
                file: file.id,
                path: to.to_owned(),
            }),
            Err(e) => fail(cx, local(e)),
        },
        Ok(_) => {
            let _ = std::fs::remove_file(&part);
            fail(cx, TransferFailure::Corrupt);
        }
        Err(e) => fail(cx, local(e)),
    }
}

/// The hex SHA-256 of a file, read in pieces.
pub fn digest(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// A thumbnail's or avatar's bytes; `None` when there is none to show (a few tries).
pub fn image(cx: &Context, key: ImageKey) -> Option<Arc<[u8]>> {
    let url = cx.url(&key.path());
    for attempt in 0..3 {
        let sent = send(cx, &|token| {
            ehttp::Request::get(&url)
                .with_header("Authorization", format!("Bearer {token}"))
                .with_timeout(Some(std::time::Duration::from_secs(20)))
        });
        match sent {
            Sent::Answer(r) if r.status == 200 => return Some(r.bytes.into()),
            Sent::Answer(r) if !(500..=599).contains(&r.status) => return None,
            Sent::Stopped => return None,
            Sent::Answer(_) | Sent::Network(_) => {
                if cx.stop.wait(backoff(attempt)) {
                    return None;
                }
            }
        }
    }
    None
}
