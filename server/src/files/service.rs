//! Turning a finished upload into a file (inspect, thumbnail, scan, store), erasing files
//! nothing refers to any more, and the sweeper that retries scans and removes what was never
//! finished or never used.

use std::path::PathBuf;

use actix_web::web;
use chrono::Utc;
use natter_shared::api::UploadState;
use uuid::Uuid;

use super::inspect::{self, Inspected, Refused, THUMBNAIL_SIDE};
use super::scan::{self, Verdict};
use super::storage::{content_key, thumbnail_key};
use crate::db::{self, files::Checked, files::FileRow};
use crate::error::ApiError;
use crate::state::AppState;

/// Where an upload's bytes are written while they arrive.
pub fn staging_path(state: &AppState, id: Uuid) -> PathBuf {
    state.settings.files.uploads_dir.join(id.to_string())
}

/// What became of a finished upload.
#[derive(Debug)]
pub enum Finished {
    /// Stored (or waiting for the scanner): the row as it is now.
    Settled(FileRow),
    /// Refused for its content.
    Refused(FileRow, Refused),
}

/// Turns an upload whose bytes are all in (`processing`, or `pending_scan` again) into a
/// file: checks it, makes its thumbnail, has it scanned, stores it. Runs to the end even when
/// the request that finished the upload goes away.
pub async fn finish(state: web::Data<AppState>, row: FileRow) -> Result<Finished, ApiError> {
    let handle = actix_web::rt::spawn(async move { finish_now(&state, row).await });
    handle
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("finishing an upload: {e}")))?
}

async fn finish_now(state: &AppState, row: FileRow) -> Result<Finished, ApiError> {
    let path = staging_path(state, row.id);
    let files = state.settings.files.clone();
    let inspected = {
        let (path, files) = (path.clone(), files.clone());
        web::block(move || {
            inspect::inspect(&path, |m| files.type_allowed(m), files.max_image_pixels)
        })
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading an upload: {e}")))?
    };
    let id = row.id;
    let inspected: Inspected = match inspected {
        Ok(i) => i,
        Err(refused) => {
            let checked = Checked {
                problem: Some(refused.to_string()),
                ..Checked::default()
            };
            let row = settle(state, id, UploadState::Rejected, checked).await?;
            remove_staged(&path).await;
            return Ok(Finished::Refused(row, refused));
        }
    };
    let mut checked = Checked {
        mime: Some(inspected.mime.clone()),
        sha256: Some(inspected.sha256.clone()),
        size: inspected.size,
        ..Checked::default()
    };
    if let Some(addr) = &files.clamav_addr {
        match scan::scan(addr, &path, files.clamav_timeout).await {
            Ok(Verdict::Clean) => checked.scanned = true,
            Ok(Verdict::Infected(name)) => {
                tracing::warn!(file = %id, signature = %name, "malware found in an upload");
                metrics::counter!("natter_uploads_blocked_total").increment(1);
                checked.scanned = true;
                checked.problem = Some(format!("the malware scanner found {name}"));
                let row = settle(state, id, UploadState::Blocked, checked).await?;
                remove_staged(&path).await;
                return Ok(Finished::Settled(row));
            }
            Err(e) => {
                tracing::warn!(file = %id, error = %e, "scan failed; the file stays pending");
                metrics::counter!("natter_scan_failures_total").increment(1);
                checked.problem = Some("waiting for the malware scanner".to_owned());
                let row = settle(state, id, UploadState::PendingScan, checked).await?;
                return Ok(Finished::Settled(row));
            }
        }
    }
    if inspected.size.is_some() {
        let (path, max) = (path.clone(), files.max_image_pixels);
        let thumb = web::block(move || inspect::thumbnail(&path, max, THUMBNAIL_SIDE))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        if let Some((bytes, mime)) = thumb {
            state
                .storage
                .put_bytes(&thumbnail_key(id), &bytes, mime)
                .await
                .map_err(storage_error)?;
            checked.has_thumbnail = true;
        }
    }
    state
        .storage
        .put_file(&content_key(id), &path, &inspected.mime)
        .await
        .map_err(storage_error)?;
    // the staged copy goes only once the row says ready: a crash before that leaves the
    // upload `processing` with its bytes, and the sweeper finishes it again
    let row = settle(state, id, UploadState::Ready, checked).await?;
    remove_staged(&path).await;
    metrics::counter!("natter_uploads_finished_total").increment(1);
    Ok(Finished::Settled(row))
}

/// Moves the upload on; one cancelled meanwhile is gone (404).
async fn settle(
    state: &AppState,
    id: Uuid,
    to: UploadState,
    checked: Checked,
) -> Result<FileRow, ApiError> {
    db::run(&state.db, move |conn| {
        Ok(db::files::settle(conn, id, to, &checked)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("upload"))
}

/// A failure of the file store, as the API answers it (503).
pub fn storage_error(e: std::io::Error) -> ApiError {
    ApiError::Unavailable(anyhow::Error::new(e).context("file storage"))
}

async fn remove_staged(path: &std::path::Path) {
    if let Err(e) = tokio::fs::remove_file(path).await
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "removing a staged upload");
    }
}

/// Removes the bytes of files marked erased, then their rows. A failure leaves the row for
/// the sweeper to try again.
pub async fn erase(state: &AppState, ids: &[Uuid]) {
    for &id in ids {
        let gone = async {
            state.storage.delete(&content_key(id)).await?;
            state.storage.delete(&thumbnail_key(id)).await?;
            state.storage.delete(&avatar_key(id)).await
        }
        .await;
        remove_staged(&staging_path(state, id)).await;
        match gone {
            Ok(()) => {
                let removed =
                    db::run(&state.db, move |conn| Ok(db::files::remove(conn, id)?)).await;
                if let Err(e) = removed {
                    tracing::warn!(file = %id, error = %e, "forgetting an erased file");
                }
                metrics::counter!("natter_files_erased_total").increment(1);
            }
            Err(e) => tracing::warn!(file = %id, error = %e, "erasing a file; retried later"),
        }
    }
}

/// The key of the square picture made of an image for avatars and group photos.
pub fn avatar_key(id: Uuid) -> String {
    format!("avatars/{id}")
}

/// Every `NATTER_FILES_SWEEP_SECS`: erases what is marked, scans again what waits for the scanner,
/// finishes what a crashed process left half done, and removes uploads never finished or
/// never used within `NATTER_UPLOAD_TTL_SECS`.
pub fn start_sweeper(state: web::Data<AppState>) {
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(state.settings.files.sweep_every);
        loop {
            tick.tick().await;
            if let Err(e) = sweep(&state).await {
                tracing::warn!(error = %e, "sweeping uploads");
            }
        }
    });
}

/// One sweep (see [`start_sweeper`]).
pub async fn sweep(state: &web::Data<AppState>) -> Result<(), ApiError> {
    let ttl = chrono::Duration::from_std(state.settings.files.unfinished_ttl)
        .unwrap_or(chrono::Duration::days(1));
    let before = Utc::now() - ttl;
    let rows = db::run(&state.db, move |conn| {
        Ok(db::files::unsettled(conn, before, 500)?)
    })
    .await?;
    let stale_processing = Utc::now() - chrono::Duration::minutes(10);
    for row in rows {
        let id = row.id;
        if row.erased_at.is_some() {
            erase(state, &[id]).await;
            continue;
        }
        match row.state() {
            UploadState::PendingScan => {
                let _ = finish(state.clone(), row).await;
            }
            UploadState::Processing => {
                if row.finished_at.is_some_and(|at| at < stale_processing) {
                    let _ = finish(state.clone(), row).await;
                }
            }
            _ => {
                // never finished, or never attached, in time
                db::run(&state.db, move |conn| Ok(db::files::mark_erased(conn, id)?)).await?;
                erase(state, &[id]).await;
            }
        }
    }
    Ok(())
}
