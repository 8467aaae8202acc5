//! Fetching the manifest, its signature and the archive. The archive is downloaded into the
//! data dir's `updates/` as `<name>.part`, resumed with an HTTP range after a broken
//! connection (in this run or the next), and renamed to `<name>` only once its size and
//! sha256 match the signed manifest.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::net::client::Http;
use crate::state::update::UpdateOffer;
use crate::update::manifest::UpdateError;

/// The manifest and its signature are small; anything bigger is not one.
const SMALL_LIMIT: u64 = 1 << 20;
/// Broken connections the archive download survives in one go.
const ATTEMPTS: u32 = 5;

/// A small document (the manifest or its signature).
pub fn fetch_small(http: &Http, url: &str) -> Result<Vec<u8>, UpdateError> {
    let network = |e: &dyn std::fmt::Display| UpdateError::Network(format!("{url}: {e}"));
    let mut response = http
        .agent()
        .get(url)
        .config()
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .call()
        .map_err(|e| network(&e))?;
    if response.status().as_u16() == 404 {
        return Err(UpdateError::NotPublished(url.to_owned()));
    }
    if !response.status().is_success() {
        return Err(network(&response.status()));
    }
    response
        .body_mut()
        .with_config()
        .limit(SMALL_LIMIT)
        .read_to_vec()
        .map_err(|e| network(&e))
}

/// The archive of `offer`, verified, in `dir`. `progress(done, total)` is told as bytes
/// arrive.
pub fn archive(
    http: &Http,
    offer: &UpdateOffer,
    dir: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<PathBuf, UpdateError> {
    let io = |what: &str, e: std::io::Error| UpdateError::Install(format!("{what}: {e}"));
    std::fs::create_dir_all(dir).map_err(|e| io(&dir.display().to_string(), e))?;
    let name = file_name(&offer.url);
    let done_path = dir.join(&name);
    let part_path = dir.join(format!("{name}.part"));
    if verify(&done_path, offer).is_ok() {
        progress(offer.size, offer.size);
        return Ok(done_path);
    }
    let mut last_error = None;
    for _ in 0..ATTEMPTS {
        let have = std::fs::metadata(&part_path).map_or(0, |m| m.len());
        if have > offer.size {
            std::fs::remove_file(&part_path).map_err(|e| io("the partial download", e))?;
            continue;
        }
        if have == offer.size {
            break;
        }
        match fetch_from(http, offer, &part_path, have, progress) {
            Ok(()) => break,
            Err(error) => {
                tracing::info!(%error, "update download interrupted; resuming");
                last_error = Some(error);
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
    let have = std::fs::metadata(&part_path).map_or(0, |m| m.len());
    if have < offer.size {
        return Err(last_error.unwrap_or(UpdateError::WrongSize {
            got: have,
            want: offer.size,
        }));
    }
    if let Err(error) = verify(&part_path, offer) {
        // a wrong file is no base to resume from
        let _ = std::fs::remove_file(&part_path);
        return Err(error);
    }
    std::fs::rename(&part_path, &done_path).map_err(|e| io("the finished download", e))?;
    Ok(done_path)
}

/// One request for the bytes from `have` on, appended to `part` (or written afresh when the
/// server sends the whole file).
fn fetch_from(
    http: &Http,
    offer: &UpdateOffer,
    part: &Path,
    have: u64,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(), UpdateError> {
    let network = |e: &dyn std::fmt::Display| UpdateError::Network(format!("{}: {e}", offer.url));
    let mut request = http.agent().get(&offer.url);
    if have > 0 {
        request = request.header("Range", format!("bytes={have}-"));
    }
    let mut response = request.call().map_err(|e| network(&e))?;
    let status = response.status().as_u16();
    let (mut file, mut done) = match status {
        206 if have > 0 => (
            OpenOptions::new().append(true).open(part),
            have, // resumed
        ),
        200 => (File::create(part), 0),
        416 => {
            // the range is past the end: start again
            let _ = std::fs::remove_file(part);
            return Err(network(&"416 Range Not Satisfiable"));
        }
        other => return Err(network(&format!("HTTP {other}"))),
    };
    let file = file
        .as_mut()
        .map_err(|e| UpdateError::Install(format!("{}: {e}", part.display())))?;
    let mut body = response
        .body_mut()
        .with_config()
        .limit(offer.size.saturating_add(1))
        .reader();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = body.read(&mut buf).map_err(|e| network(&e))?;
        if n == 0 {
            break;
        }
        file.write_all(&buf[..n])
            .map_err(|e| UpdateError::Install(format!("{}: {e}", part.display())))?;
        done += n as u64;
        progress(done.min(offer.size), offer.size);
        if done > offer.size {
            break;
        }
    }
    file.flush()
        .map_err(|e| UpdateError::Install(format!("{}: {e}", part.display())))?;
    Ok(())
}

/// Size first (cheap), then the sha256 of the whole file.
pub fn verify(path: &Path, offer: &UpdateOffer) -> Result<(), UpdateError> {
    let size = std::fs::metadata(path)
        .map_err(|e| UpdateError::Install(format!("{}: {e}", path.display())))?
        .len();
    if size != offer.size {
        return Err(UpdateError::WrongSize {
            got: size,
            want: offer.size,
        });
    }
    let mut file =
        File::open(path).map_err(|e| UpdateError::Install(format!("{}: {e}", path.display())))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)
        .map_err(|e| UpdateError::Install(format!("{}: {e}", path.display())))?;
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if hex == offer.sha256 {
        Ok(())
    } else {
        Err(UpdateError::WrongHash)
    }
}

/// The archive's file name: the last part of its address, with anything but letters,
/// digits, `.`, `-` and `_` replaced (the server's word is not a path).
pub fn file_name(url: &str) -> String {
    let last = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .rsplit('/')
        .next()
        .unwrap_or("");
    let clean: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let clean = clean.trim_start_matches('.').to_owned();
    if clean.is_empty() {
        "natter-update".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_are_plain_file_names() {
        assert_eq!(
            file_name("http://h/r/natter-0.2.0-linux-x86_64.tar.gz?x=1"),
            "natter-0.2.0-linux-x86_64.tar.gz"
        );
        assert_eq!(file_name("http://h/../..%2f"), "_2f");
        assert_eq!(file_name("http://h/"), "natter-update");
    }
}
