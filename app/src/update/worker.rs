//! The update thread behind the window: checks at start and every [`CHECK_EVERY`] while the
//! setting allows, checks on request, and downloads and installs an offered version,
//! reporting each step as [`Action::Update`].

use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use crate::action::Action;
use crate::effect::UpdateCommand;
use crate::net::client::Http;
use crate::net::wake::Wake;
use crate::state::update::{UpdateEvent, UpdateOffer};
use crate::update::headless::check;
use crate::update::manifest::UpdateError;
use crate::update::{download, install};

/// How often a running app looks for a new version.
pub const CHECK_EVERY: Duration = Duration::from_secs(6 * 60 * 60);
/// Progress is reported at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Runs until the command channel closes. Archives go to `updates_dir`.
pub fn update_loop(
    commands: &Receiver<UpdateCommand>,
    actions: &Sender<Action>,
    wake: &Wake,
    updates_dir: &Path,
    http: &Http,
) {
    let report = |event: UpdateEvent| {
        let sent = actions.send(Action::Update(event)).is_ok();
        wake();
        sent
    };
    let mut url: Option<String> = None;
    let mut next_check: Option<Instant> = None;
    loop {
        let command = match next_check {
            Some(at) => match commands.recv_timeout(at.saturating_duration_since(Instant::now())) {
                Ok(command) => Some(command),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            },
            None => match commands.recv() {
                Ok(command) => Some(command),
                Err(_) => return,
            },
        };
        let check_url = match command {
            None => url.clone(), // the periodic check is due
            Some(UpdateCommand::Policy {
                enabled,
                url: new_url,
            }) => {
                let changed = url.as_deref() != Some(new_url.as_str()) || next_check.is_none();
                url = enabled.then_some(new_url);
                if !enabled {
                    next_check = None;
                }
                url.clone().filter(|_| changed)
            }
            Some(UpdateCommand::CheckNow { url }) => Some(url),
            Some(UpdateCommand::Install(offer)) => {
                let result = install_offer(http, &offer, updates_dir, &report);
                if !report(UpdateEvent::Installed(result)) {
                    return;
                }
                None
            }
        };
        if let Some(check_url) = check_url {
            let event = match check(http, &check_url) {
                Err(UpdateError::NotPublished(url)) => {
                    tracing::info!(%url, "no releases are published there");
                    UpdateEvent::NothingPublished
                }
                Err(error) => {
                    tracing::info!(%error, "update check failed");
                    UpdateEvent::Checked(Err(error.to_string()))
                }
                Ok(offer) => UpdateEvent::Checked(Ok(offer)),
            };
            if !report(event) {
                return;
            }
            if url.is_some() {
                next_check = Some(Instant::now() + CHECK_EVERY);
            }
        }
    }
}

fn install_offer(
    http: &Http,
    offer: &UpdateOffer,
    updates_dir: &Path,
    report: &dyn Fn(UpdateEvent) -> bool,
) -> Result<String, String> {
    let mut last = Instant::now();
    let archive = download::archive(http, offer, updates_dir, &mut |done, total| {
        if last.elapsed() >= PROGRESS_EVERY || done == total {
            last = Instant::now();
            report(UpdateEvent::Progress { done, total });
        }
    })
    .map_err(|e| e.to_string())?;
    let exe = install::current_exe().map_err(|e| e.to_string())?;
    install::install(&archive, &exe, &offer.version).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&archive);
    tracing::info!(version = %offer.version, "update installed; takes effect on restart");
    Ok(offer.version.clone())
}
