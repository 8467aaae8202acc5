//! `/uploads`: resumable uploads, the tus 1.0.0 way (core protocol, creation and termination
//! extensions), signed in with the bearer token, so any standard tus client works. The bytes
//! stream to a file on disk as they arrive; once all are in, `files::service::finish` turns
//! the upload into a file. `GET /uploads/{id}` (not part of tus) tells the uploader what it
//! became.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, delete, get, head, options, patch, post, web};
use base64::Engine;
use chrono::Utc;
use futures_util::StreamExt;
use natter_shared::api::{TUS_VERSION, UploadState, UploadStatus};
use natter_shared::{ErrorBody, ErrorCode};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::{self, files::AppendRefused, files::FileRow, files::NewUpload};
use crate::error::ApiError;
use crate::files::inspect::{Refused, safe_name};
use crate::files::service::{self, Finished};
use crate::state::AppState;

/// A PATCH holds the right to append for this long, renewed while bytes keep coming.
const LEASE: chrono::Duration = chrono::Duration::seconds(60);
/// The received offset is recorded at least this often while a PATCH streams, so a resume
/// after a crash loses at most this much.
const RECORD_EVERY_BYTES: i64 = 8 * 1024 * 1024;

const TUS_EXTENSIONS: &str = "creation,termination";
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

fn tus(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder.insert_header(("Tus-Resumable", TUS_VERSION));
    builder.insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

/// What the server speaks: version, extensions, largest upload.
#[utoipa::path(tag = "uploads", responses(
    (status = 204, description = "`Tus-Version`, `Tus-Extension`, `Tus-Max-Size` headers"),
))]
#[options("/uploads")]
pub async fn upload_options(state: web::Data<AppState>) -> HttpResponse {
    tus(HttpResponse::NoContent())
        .insert_header(("Tus-Version", TUS_VERSION))
        .insert_header(("Tus-Extension", TUS_EXTENSIONS))
        .insert_header(("Tus-Max-Size", state.settings.files.max_bytes.to_string()))
        .finish()
}

/// Creates an upload (`Upload-Length`, `Upload-Metadata: filename <base64>,filetype <base64>`);
/// answers its URL in `Location`. The type is later sniffed from the bytes; `filetype` is
/// not believed.
#[utoipa::path(tag = "uploads", security(("bearer" = [])), params(("Tus-Resumable" = String, Header, description = "the tus protocol version: 1.0.0", pattern = r"^1\.0\.0$")), responses(
    (status = 201, description = "created; `Location` is the upload's URL"),
    (status = 400, description = "`Upload-Length` missing or not a number, or `Upload-Metadata` malformed", body = ErrorBody),
    (status = 412, description = "`Tus-Resumable` missing or not 1.0.0", body = ErrorBody),
    (status = 413, description = "larger than the limit (named in the message), or past the daily quota", body = ErrorBody),
))]
#[post("/uploads")]
pub async fn create_upload(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    check_version(req.headers())?;
    let length = header_number(req.headers(), "Upload-Length")?.ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::InvalidHeader,
            "Upload-Length is required (Upload-Defer-Length is not supported)",
        )
    })?;
    let files = &state.settings.files;
    if length > files.max_bytes {
        return Err(too_large(files.max_bytes));
    }
    let metadata = parse_metadata(req.headers())?;
    let name = safe_name(metadata.filename.as_deref().unwrap_or("file"));
    let (user, quota) = (auth.user_id.0, files.daily_quota_bytes);
    let id = Uuid::new_v4();
    let since = Utc::now() - chrono::Duration::days(1);
    db::run(&state.db, move |conn| {
        let new = NewUpload {
            id,
            uploader_id: user,
            name: &name,
            length,
            state: UploadState::Uploading.as_str(),
        };
        Ok(db::files::create_within_quota(conn, &new, since, quota)?)
    })
    .await?
    .map_err(|quota| {
        ApiError::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::QuotaExceeded,
            format!("this upload would pass your daily upload quota of {quota} bytes"),
        )
    })?;
    tokio::fs::File::create(service::staging_path(&state, id))
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("creating an upload")))?;
    metrics::counter!("natter_uploads_created_total").increment(1);
    let location = format!("{}/uploads/{id}", natter_shared::API_PREFIX);
    if length == 0 {
        let row = db::run(&state.db, move |conn| {
            Ok(db::files::record_received(conn, id, 0, None)?)
        })
        .await?;
        // nothing to wait for: refused at once if its (empty) content is not accepted
        finished_response(service::finish(state.clone(), row).await?)?;
    }
    Ok(tus(HttpResponse::Created())
        .insert_header((header::LOCATION, location))
        .insert_header(("Upload-Offset", "0"))
        .finish())
}

/// Where the upload stands: `Upload-Offset` and `Upload-Length`.
#[utoipa::path(tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "upload id")),
    responses(
        (status = 200, description = "`Upload-Offset`, `Upload-Length` headers"),
        (status = 404, description = "no such upload of yours"),
    ))]
#[head("/uploads/{id}")]
pub async fn upload_offset(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = own(&state, path.into_inner(), auth).await?;
    Ok(tus(HttpResponse::Ok())
        .insert_header(("Upload-Offset", row.received.to_string()))
        .insert_header(("Upload-Length", row.length.to_string()))
        .finish())
}

/// Appends the body (`Content-Type: application/offset+octet-stream`) at `Upload-Offset`,
/// which must be where the upload stands. The last bytes make it a file: the answer then
/// says whether it was refused for its content.
#[utoipa::path(tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "upload id"), ("Tus-Resumable" = String, Header, description = "the tus protocol version: 1.0.0", pattern = r"^1\.0\.0$")),
    responses(
        (status = 204, description = "appended; `Upload-Offset` is the new offset"),
        (status = 412, description = "`Tus-Resumable` missing or not 1.0.0", body = ErrorBody),
        (status = 404, description = "no such upload of yours", body = ErrorBody),
        (status = 409, description = "`Upload-Offset` is not where the upload stands (`offset_mismatch`), or another request is appending (`upload_busy`)", body = ErrorBody),
        (status = 413, description = "more bytes than `Upload-Length`", body = ErrorBody),
        (status = 415, description = "not application/offset+octet-stream, or the finished file's type is not accepted", body = ErrorBody),
        (status = 422, description = "the finished image is too large, or the scanner found malware", body = ErrorBody),
    ))]
#[patch("/uploads/{id}")]
pub async fn append_upload(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    req: HttpRequest,
    mut body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    check_version(req.headers())?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type != OFFSET_OCTET_STREAM {
        return Err(ApiError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            format!("a PATCH carries {OFFSET_OCTET_STREAM}"),
        ));
    }
    let offset = header_number(req.headers(), "Upload-Offset")?.ok_or_else(|| {
        ApiError::bad_request(ErrorCode::InvalidHeader, "Upload-Offset is required")
    })?;
    let (id, user) = (path.into_inner(), auth.user_id.0);
    let taken = db::run(&state.db, move |conn| {
        Ok(db::files::begin_append(
            conn,
            id,
            user,
            offset,
            Utc::now() + LEASE,
        )?)
    })
    .await?;
    let row = match taken {
        Ok(row) => row,
        Err(AppendRefused::NotFound) => return Err(ApiError::not_found("upload")),
        Err(AppendRefused::Offset(at)) => return Err(offset_mismatch(at)),
        Err(AppendRefused::Busy) => {
            return Err(ApiError::conflict(
                ErrorCode::UploadBusy,
                "another request is appending to this upload; try again shortly",
            ));
        }
        Err(AppendRefused::Finished) => {
            let row = own(&state, id, auth).await?;
            // the last PATCH again (its answer was lost): it is done
            if row.received == offset {
                return status_of_finished(row);
            }
            return Err(offset_mismatch(row.received));
        }
    };
    if let Some(declared) = header_number(req.headers(), "Content-Length")?
        && offset + declared > row.length
    {
        release(&state, id, offset).await;
        return Err(past_length(row.length));
    }
    let staged = service::staging_path(&state, id);
    let received = match append(&state, &row, &staged, &mut body).await {
        Ok(received) => received,
        Err(e) => {
            // what arrived before the failure is kept: the client resumes from there
            release(&state, id, e.received).await;
            return Err(e.error);
        }
    };
    let row = db::run(&state.db, move |conn| {
        Ok(db::files::record_received(conn, id, received, None)?)
    })
    .await?;
    if row.received < row.length {
        return Ok(tus(HttpResponse::NoContent())
            .insert_header(("Upload-Offset", row.received.to_string()))
            .finish());
    }
    finished_response(service::finish(state.clone(), row).await?)
}

/// A failed append: how far it got, and why it stopped.
struct AppendFailed {
    received: i64,
    error: ApiError,
}

/// Streams the body into the staged file at the row's offset; answers the new offset.
async fn append(
    state: &web::Data<AppState>,
    row: &FileRow,
    staged: &std::path::Path,
    body: &mut web::Payload,
) -> Result<i64, AppendFailed> {
    let start = row.received;
    let failed = |received: i64, e: std::io::Error| AppendFailed {
        received,
        error: ApiError::Internal(anyhow::Error::new(e).context("writing an upload")),
    };
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(staged)
        .await
        .map_err(|e| failed(start, e))?;
    // bytes past the recorded offset (a crashed PATCH's) are dropped
    let start_u = u64::try_from(start).unwrap_or(0);
    file.set_len(start_u).await.map_err(|e| failed(start, e))?;
    file.seek(std::io::SeekFrom::Start(start_u))
        .await
        .map_err(|e| failed(start, e))?;
    let mut received = start;
    let mut recorded = start;
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                // the client went away mid-body: keep what came
                let _ = file.flush().await;
                tracing::info!(upload = %row.id, received, error = %e, "upload interrupted");
                return Err(AppendFailed {
                    received,
                    error: ApiError::bad_request(
                        ErrorCode::InvalidHeader,
                        "the body was cut short",
                    ),
                });
            }
        };
        let room = row.length - received;
        let n = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
        if n > room {
            // more than Upload-Length: this PATCH's bytes are dropped (cut off before the
            // next append), not half kept
            return Err(AppendFailed {
                received: start,
                error: past_length(row.length),
            });
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| failed(received, e))?;
        received += n;
        if received - recorded >= RECORD_EVERY_BYTES {
            file.flush().await.map_err(|e| failed(recorded, e))?;
            let (id, at) = (row.id, received);
            let kept = db::run(&state.db, move |conn| {
                Ok(db::files::record_received(
                    conn,
                    id,
                    at,
                    Some(Utc::now() + LEASE),
                )?)
            })
            .await;
            if let Err(error) = kept {
                return Err(AppendFailed {
                    received: recorded,
                    error,
                });
            }
            recorded = received;
        }
    }
    file.flush().await.map_err(|e| failed(recorded, e))?;
    Ok(received)
}

/// Records how far a failed PATCH got and lets its lease go.
async fn release(state: &web::Data<AppState>, id: Uuid, received: i64) {
    let done = db::run(&state.db, move |conn| {
        Ok(db::files::record_received(conn, id, received, None)?)
    })
    .await;
    match done {
        // the failed PATCH delivered the last bytes after all
        Ok(row) if row.state() == UploadState::Processing => {
            let _ = service::finish(state.clone(), row).await;
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(upload = %id, error = %e, "recording an interrupted upload"),
    }
}

/// Cancels an upload (tus termination); a file a message carries stays.
#[utoipa::path(tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "upload id"), ("Tus-Resumable" = String, Header, description = "the tus protocol version: 1.0.0", pattern = r"^1\.0\.0$")),
    responses(
        (status = 204, description = "cancelled and removed"),
        (status = 412, description = "`Tus-Resumable` missing or not 1.0.0", body = ErrorBody),
        (status = 403, description = "a message, avatar or photo carries this file: delete that instead", body = ErrorBody),
        (status = 404, description = "no such upload of yours", body = ErrorBody),
    ))]
#[delete("/uploads/{id}")]
pub async fn cancel_upload(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    check_version(req.headers())?;
    let (id, user) = (path.into_inner(), auth.user_id.0);
    let erased = db::run(&state.db, move |conn| {
        if db::files::find_own(conn, id, user)?.is_none() {
            return Ok(None);
        }
        Ok(Some(db::files::erase_unreferenced(conn, &[id])?))
    })
    .await?;
    match erased {
        None => Err(ApiError::not_found("upload")),
        Some(ids) if ids.is_empty() => Err(ApiError::client(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "a message, avatar or photo carries this file: delete that instead",
        )),
        Some(ids) => {
            service::erase(&state, &ids).await;
            Ok(tus(HttpResponse::NoContent()).finish())
        }
    }
}

/// The uploader's view: state, offset and, once known, the file.
#[utoipa::path(tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "upload id")),
    responses(
        (status = 200, body = UploadStatus),
        (status = 404, description = "no such upload of yours", body = ErrorBody),
    ))]
#[get("/uploads/{id}")]
pub async fn get_upload(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<UploadStatus>, ApiError> {
    Ok(web::Json(
        own(&state, path.into_inner(), auth).await?.status(),
    ))
}

async fn own(state: &AppState, id: Uuid, auth: AuthUser) -> Result<FileRow, ApiError> {
    let user = auth.user_id.0;
    db::run(&state.db, move |conn| {
        Ok(db::files::find_own(conn, id, user)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("upload"))
}

/// The answer to the request that delivered the last bytes.
fn finished_response(finished: Finished) -> Result<HttpResponse, ApiError> {
    match finished {
        Finished::Refused(_, Refused::TypeNotAllowed(mime)) => Err(ApiError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::FileTypeNotAllowed,
            format!("files of type {mime} are not accepted here"),
        )),
        Finished::Refused(_, refused @ Refused::ImageTooLarge { .. }) => Err(ApiError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ImageTooLarge,
            refused.to_string(),
        )),
        Finished::Settled(row) => status_of_finished(row),
    }
}

/// 204 for a file that is ready or waiting for the scanner; the error of a blocked one.
fn status_of_finished(row: FileRow) -> Result<HttpResponse, ApiError> {
    match row.state() {
        UploadState::Blocked => Err(ApiError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::FileBlocked,
            row.problem
                .unwrap_or_else(|| "the malware scanner found something".to_owned()),
        )),
        UploadState::Rejected => Err(ApiError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::FileTypeNotAllowed,
            row.problem
                .unwrap_or_else(|| "the file was refused".to_owned()),
        )),
        _ => Ok(tus(HttpResponse::NoContent())
            .insert_header(("Upload-Offset", row.received.to_string()))
            .finish()),
    }
}

fn check_version(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get("Tus-Resumable").and_then(|v| v.to_str().ok()) {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(ApiError::client(
            StatusCode::PRECONDITION_FAILED,
            ErrorCode::TusVersionUnsupported,
            format!("send Tus-Resumable: {TUS_VERSION}"),
        )
        .with_header("Tus-Version", TUS_VERSION.to_owned())),
    }
}

fn header_number(headers: &HeaderMap, name: &str) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidHeader,
                format!("{name} must be a whole number of bytes"),
            )
        })
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs (a key may stand alone).
#[derive(Debug, Default, PartialEq, Eq)]
struct Metadata {
    filename: Option<String>,
}

fn parse_metadata(headers: &HeaderMap) -> Result<Metadata, ApiError> {
    let Some(raw) = headers.get("Upload-Metadata") else {
        return Ok(Metadata::default());
    };
    let bad = || ApiError::bad_request(ErrorCode::InvalidHeader, "Upload-Metadata is malformed");
    let raw = raw.to_str().map_err(|_| bad())?;
    parse_metadata_text(raw).ok_or_else(bad)
}

fn parse_metadata_text(raw: &str) -> Option<Metadata> {
    let mut out = Metadata::default();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.splitn(2, ' ');
        let key = parts.next()?;
        let value = match parts.next() {
            Some(v) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v.trim())
                    .ok()?;
                Some(String::from_utf8_lossy(&bytes).into_owned())
            }
            None => None,
        };
        if key == "filename" || key == "name" {
            out.filename = value;
        }
    }
    Some(out)
}

fn too_large(max: i64) -> ApiError {
    ApiError::client(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        format!(
            "files may be at most {max} bytes ({} MiB)",
            max / (1024 * 1024)
        ),
    )
}

fn past_length(length: i64) -> ApiError {
    ApiError::client(
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
        format!("the body goes past the upload's Upload-Length of {length} bytes"),
    )
}

fn offset_mismatch(at: i64) -> ApiError {
    ApiError::conflict(
        ErrorCode::OffsetMismatch,
        format!("the upload stands at offset {at}; resume from there"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_pairs_are_base64_and_keys_may_stand_alone() {
        let m = parse_metadata_text("filename ZmlsZS5wbmc=,filetype aW1hZ2UvcG5n,is_confidential")
            .unwrap();
        assert_eq!(m.filename.as_deref(), Some("file.png"));
        assert_eq!(parse_metadata_text("filename !!!"), None);
        assert_eq!(parse_metadata_text(""), Some(Metadata::default()));
    }
}
