//! `natter-release`: the release manifest and its minisign signature (scripts/release).
//!
//! ```text
//! natter-release keygen SECRET_KEY_PATH PUBLIC_KEY_PATH
//! natter-release sign --key SECRET_KEY_PATH [--notes FILE] [--base-url URL] --out DIR ARCHIVE...
//! ```
//! Archives are named `natter-<version>-<platform>.tar.gz` (or `.zip`); all must be of one
//! version. `sign` writes `DIR/manifest.json` and `DIR/manifest.json.minisig`. An encrypted
//! secret key takes its password from `NATTER_RELEASE_KEY_PASSWORD`.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use natter::update::manifest::{Artifact, Manifest};
use sha2::{Digest as _, Sha256};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("keygen") if args.len() == 3 => keygen(Path::new(&args[1]), Path::new(&args[2])),
        Some("sign") => sign(&args[1..]),
        _ => bail!(
            "usage: natter-release keygen SECRET PUBLIC | sign --key SECRET [--notes FILE] \
             [--base-url URL] --out DIR ARCHIVE..."
        ),
    }
}

fn keygen(secret: &Path, public: &Path) -> anyhow::Result<()> {
    if secret.exists() {
        bail!("{} exists; not overwriting a key", secret.display());
    }
    let pair = minisign::KeyPair::generate_unencrypted_keypair()?;
    let sk = pair.sk.to_box(Some("natter release key"))?.into_string();
    let pk = pair.pk.to_box()?.into_string();
    write_private(secret, &sk)?;
    std::fs::write(public, &pk).with_context(|| public.display().to_string())?;
    println!(
        "public key (put it in NATTER_UPDATE_PUBLIC_KEY): {}",
        pair.pk.to_base64()
    );
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| path.display().to_string())?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| path.display().to_string())
}

fn sign(args: &[String]) -> anyhow::Result<()> {
    let (mut key, mut notes, mut base, mut out, mut archives) =
        (None, String::new(), String::new(), None, Vec::new());
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().context(format!("{arg} needs a value"));
        match arg.as_str() {
            "--key" => key = Some(PathBuf::from(value()?)),
            "--notes" => {
                let path = value()?;
                notes = std::fs::read_to_string(&path).with_context(|| path.clone())?;
            }
            "--base-url" => base = value()?,
            "--out" => out = Some(PathBuf::from(value()?)),
            other => archives.push(PathBuf::from(other)),
        }
    }
    let key = key.context("--key SECRET_KEY_PATH is required")?;
    let out = out.context("--out DIR is required")?;
    if archives.is_empty() {
        bail!("no archives given");
    }
    let mut version = None;
    let mut platforms = BTreeMap::new();
    for archive in &archives {
        let name = archive
            .file_name()
            .and_then(|n| n.to_str())
            .context("an archive has no file name")?;
        let (v, platform) = parse_name(name)?;
        if version.get_or_insert_with(|| v.clone()) != &v {
            bail!("archives of different versions: {v} and {version:?}");
        }
        let bytes = std::fs::read(archive).with_context(|| archive.display().to_string())?;
        let sha256: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let url = if base.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", base.trim_end_matches('/'))
        };
        platforms.insert(
            platform,
            Artifact {
                url,
                size: bytes.len() as u64,
                sha256,
            },
        );
    }
    let manifest = Manifest {
        version: version.context("no version")?,
        notes,
        platforms,
    };
    let json = serde_json::to_vec_pretty(&manifest)?;
    let password = std::env::var("NATTER_RELEASE_KEY_PASSWORD").ok();
    let text = std::fs::read_to_string(&key).with_context(|| key.display().to_string())?;
    let boxed = || minisign::SecretKeyBox::from_string(&text);
    let sk = match boxed()?.into_unencrypted_secret_key() {
        Ok(sk) if !sk.is_encrypted() => sk,
        _ => boxed()?
            .into_secret_key(Some(
                password.context("the key is encrypted: set NATTER_RELEASE_KEY_PASSWORD")?,
            ))
            .context("decrypting the release key")?,
    };
    let trusted = format!("natter {}", manifest.version);
    let signature = minisign::sign(None, &sk, json.as_slice(), Some(&trusted), None)?;
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("manifest.json"), &json)?;
    std::fs::write(out.join("manifest.json.minisig"), signature.into_string())?;
    println!(
        "signed manifest for {} ({} platforms) in {}",
        manifest.version,
        manifest.platforms.len(),
        out.display()
    );
    Ok(())
}

/// "natter-0.2.0-linux-x86_64.tar.gz" → ("0.2.0", "linux-x86_64").
fn parse_name(name: &str) -> anyhow::Result<(String, String)> {
    let stem = name
        .strip_suffix(".tar.gz")
        .or_else(|| name.strip_suffix(".zip"))
        .and_then(|s| s.strip_prefix("natter-"))
        .with_context(|| format!("{name}: not natter-<version>-<platform>.tar.gz or .zip"))?;
    let mut parts = stem.rsplitn(3, '-');
    let (arch, os, version) = (parts.next(), parts.next(), parts.next());
    match (version, os, arch) {
        (Some(v), Some(os), Some(arch)) if semver::Version::parse(v).is_ok() => {
            Ok((v.to_owned(), format!("{os}-{arch}")))
        }
        _ => bail!("{name}: not natter-<version>-<os>-<arch>"),
    }
}
