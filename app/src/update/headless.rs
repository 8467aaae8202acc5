//! `natter --update-only`: no window. Checks the manifest, and when it offers a newer
//! version downloads, verifies and installs it, then restarts into it with the same
//! arguments; the new version finds itself up to date and says so. A refusal (bad signature,
//! wrong hash, older version, unwritable folder) is printed and the exit code is 1, with the
//! installed binary untouched.

use anyhow::Context as _;

use crate::build_info::{UPDATE_PUBLIC_KEY, VERSION, manifest_url, platform};
use crate::cli::Cli;
use crate::config::{Config, exe_dir};
use crate::net::client::Http;
use crate::net::tls::Trust;
use crate::state::update::UpdateOffer;
use crate::update::manifest::{self, UpdateError};
use crate::update::{download, install};

pub fn run_headless(cli: &Cli) -> anyhow::Result<()> {
    let config = Config::from_env(|name| std::env::var(name).ok())
        .with_portable(cli.portable, exe_dir().as_deref());
    if let Ok(from) = std::env::var("NATTER_UPDATED_FROM") {
        println!("natter updated from {from} to {VERSION}");
    }
    let url = match (&config.update_url, &config.server_url) {
        (Some(url), _) => url.clone(),
        (None, Some(server)) => manifest_url("", server),
        (None, None) => anyhow::bail!("set NATTER_UPDATE_URL (or NATTER_SERVER_URL) to check"),
    };
    let http = Http::new(&Trust::load(config.extra_ca_file().as_deref()));
    let Some(offer) = check(&http, &url)? else {
        println!("natter {VERSION} is up to date");
        return Ok(());
    };
    println!("natter {} is available (this is {VERSION})", offer.version);
    let dir = config.data_dir.join("updates");
    let mut last_percent = u64::MAX;
    let archive = download::archive(&http, &offer, &dir, &mut |done, total| {
        let percent = done * 100 / total.max(1);
        if percent / 10 != last_percent / 10 {
            last_percent = percent;
            eprintln!("downloaded {percent}%");
        }
    })?;
    let exe = install::current_exe()?;
    install::install(&archive, &exe, &offer.version)?;
    let _ = std::fs::remove_file(&archive);
    println!("installed {}; restarting", offer.version);
    Err(install::restart(&exe, VERSION)).context("the new version is installed")
}

/// Fetches and verifies the manifest at `url`: `Ok(None)` when this is the newest version.
pub fn check(http: &Http, url: &str) -> Result<Option<UpdateOffer>, UpdateError> {
    let bytes = download::fetch_small(http, url)?;
    let signature = download::fetch_small(http, &manifest::signature_url(url))?;
    let signature = String::from_utf8_lossy(&signature);
    let manifest = manifest::verify(&bytes, &signature, UPDATE_PUBLIC_KEY)?;
    manifest::offer(&manifest, url, VERSION, &platform())
}
