//! The release manifest: what it says, its signature, and whether it offers this platform a
//! newer version.
//!
//! ```json
//! { "version": "0.2.0", "notes": "What changed.",
//!   "platforms": { "linux-x86_64": { "url": "natter-0.2.0-linux-x86_64.tar.gz",
//!                                    "size": 12345678, "sha256": "…" } } }
//! ```
//! The signature is minisign's, in a file beside it (`manifest.json.minisig`). A relative
//! `url` is taken relative to the manifest's own address.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::state::update::UpdateOffer;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: String,
    #[serde(default)]
    pub notes: String,
    pub platforms: BTreeMap<String, Artifact>,
}

/// One platform's archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    pub url: String,
    pub size: u64,
    pub sha256: String,
}

/// Why an update was not offered or not installed. Each message says what happened and
/// that the running version is unchanged where that matters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    #[error("could not reach the update server: {0}")]
    Network(String),
    #[error("no releases are published at {0}")]
    NotPublished(String),
    #[error(
        "the release manifest's signature is not valid for this build's key ({0}); nothing was installed"
    )]
    BadSignature(String),
    #[error("this build's update key is unusable ({0})")]
    BadKey(String),
    #[error("the release manifest cannot be read: {0}")]
    BadManifest(String),
    #[error("the update server offers {offered}, older than this {current}; not installed")]
    Downgrade { offered: String, current: String },
    #[error("the release {version} has no build for {platform}")]
    NoBuild { version: String, platform: String },
    #[error(
        "the downloaded archive is {got} bytes, the manifest says {want}; it was discarded and nothing was installed"
    )]
    WrongSize { got: u64, want: u64 },
    #[error(
        "the downloaded archive's sha256 does not match the signed manifest; it was discarded and nothing was installed"
    )]
    WrongHash,
    #[error(
        "Natter cannot replace itself in {dir}: {reason}. Download the new version by hand, or move Natter to a folder you can write to"
    )]
    Unwritable { dir: String, reason: String },
    #[error("the update could not be installed: {0}; the running version is unchanged")]
    Install(String),
}

/// Checks `signature` (a minisign `.minisig` file's text) over `bytes` with `public_key`
/// (base64), then reads the manifest.
pub fn verify(bytes: &[u8], signature: &str, public_key: &str) -> Result<Manifest, UpdateError> {
    let key = minisign_verify::PublicKey::from_base64(public_key.trim())
        .map_err(|e| UpdateError::BadKey(e.to_string()))?;
    let signature = minisign_verify::Signature::decode(signature)
        .map_err(|e| UpdateError::BadSignature(e.to_string()))?;
    key.verify(bytes, &signature, false)
        .map_err(|e| UpdateError::BadSignature(e.to_string()))?;
    serde_json::from_slice(bytes).map_err(|e| UpdateError::BadManifest(e.to_string()))
}

/// What `manifest` offers a build of `current` on `platform`: `Ok(None)` when it is this
/// very version; an older one is refused.
pub fn offer(
    manifest: &Manifest,
    manifest_url: &str,
    current: &str,
    platform: &str,
) -> Result<Option<UpdateOffer>, UpdateError> {
    let parse = |v: &str| {
        semver::Version::parse(v.trim().trim_start_matches('v'))
            .map_err(|e| UpdateError::BadManifest(format!("version {v:?}: {e}")))
    };
    let offered = parse(&manifest.version)?;
    let running = parse(current)?;
    if offered == running {
        return Ok(None);
    }
    if offered < running {
        return Err(UpdateError::Downgrade {
            offered: manifest.version.clone(),
            current: current.to_owned(),
        });
    }
    let artifact = manifest
        .platforms
        .get(platform)
        .ok_or_else(|| UpdateError::NoBuild {
            version: manifest.version.clone(),
            platform: platform.to_owned(),
        })?;
    let sha256 = artifact.sha256.trim().to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(UpdateError::BadManifest(format!(
            "sha256 {:?} is not 64 hex digits",
            artifact.sha256
        )));
    }
    Ok(Some(UpdateOffer {
        version: manifest.version.clone(),
        notes: manifest.notes.clone(),
        url: resolve(manifest_url, &artifact.url),
        size: artifact.size,
        sha256,
    }))
}

/// `url` as given when absolute, else beside the manifest's address.
pub fn resolve(manifest_url: &str, url: &str) -> String {
    if url.contains("://") {
        return url.to_owned();
    }
    let base = manifest_url
        .rfind('/')
        .map_or(manifest_url, |i| &manifest_url[..=i]);
    format!("{base}{}", url.trim_start_matches('/'))
}

/// The signature's address: the manifest's with `.minisig` added.
pub fn signature_url(manifest_url: &str) -> String {
    format!("{manifest_url}.minisig")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    fn manifest(version: &str) -> Manifest {
        Manifest {
            version: version.into(),
            notes: "Notes.".into(),
            platforms: BTreeMap::from([(
                "linux-x86_64".to_owned(),
                Artifact {
                    url: "natter-linux.tar.gz".into(),
                    size: 3,
                    sha256: HASH.into(),
                },
            )]),
        }
    }

    fn sign(bytes: &[u8], pair: &minisign::KeyPair) -> String {
        minisign::sign(Some(&pair.pk), &pair.sk, bytes, None, None)
            .unwrap()
            .into_string()
    }

    #[test]
    fn only_a_signature_of_this_key_over_these_bytes_passes() {
        let ours = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let theirs = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let key = ours.pk.to_base64();
        let bytes = serde_json::to_vec(&manifest("0.2.0")).unwrap();
        assert_eq!(
            verify(&bytes, &sign(&bytes, &ours), &key).unwrap(),
            manifest("0.2.0")
        );
        let other = verify(&bytes, &sign(&bytes, &theirs), &key).unwrap_err();
        assert!(matches!(other, UpdateError::BadSignature(_)), "{other}");
        let mut tampered = bytes.clone();
        tampered[5] ^= 1;
        let changed = verify(&tampered, &sign(&bytes, &ours), &key).unwrap_err();
        assert!(matches!(changed, UpdateError::BadSignature(_)), "{changed}");
        assert!(matches!(
            verify(&bytes, "not a signature", &key),
            Err(UpdateError::BadSignature(_))
        ));
    }

    #[test]
    fn newer_is_offered_same_is_quiet_older_is_refused() {
        let url = "https://example.org/releases/manifest.json";
        let offer = offer(&manifest("0.2.0"), url, "0.1.0", "linux-x86_64")
            .unwrap()
            .unwrap();
        assert_eq!(
            offer.url,
            "https://example.org/releases/natter-linux.tar.gz"
        );
        assert_eq!(offer.version, "0.2.0");
        assert_eq!(
            super::offer(&manifest("0.2.0"), url, "0.2.0", "linux-x86_64"),
            Ok(None)
        );
        let older = super::offer(&manifest("0.1.0"), url, "0.2.0", "linux-x86_64").unwrap_err();
        assert!(
            older.to_string().contains("older than this 0.2.0"),
            "{older}"
        );
        assert!(matches!(
            super::offer(&manifest("0.3.0"), url, "0.2.0", "windows-x86_64"),
            Err(UpdateError::NoBuild { .. })
        ));
    }

    #[test]
    fn absolute_urls_stay_and_relative_ones_sit_beside_the_manifest() {
        assert_eq!(
            resolve("http://h/a/m.json", "http://x/y.zip"),
            "http://x/y.zip"
        );
        assert_eq!(
            resolve("http://h/a/m.json", "b/y.zip"),
            "http://h/a/b/y.zip"
        );
    }
}
