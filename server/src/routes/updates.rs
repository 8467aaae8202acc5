//! `GET /updates/{name}`: the desktop app's releases for this server's people, from the
//! folder `NATTER_UPDATES_DIR` (the signed `manifest.json`, `manifest.json.minisig` and the
//! archives `scripts/release` writes). The app looks for `<server>/updates/manifest.json` by
//! default, so a self-hosted team ships its own builds. Archives resume with `Range` (206).
//!
//! Only a plain file name directly in that folder is served: no separator, no `..`, no
//! hidden file; anything else, a missing file and an unset folder are the same 404. No
//! sign-in: the app checks before anyone signs in, and the manifest's signature, not this
//! route, is what makes a release trustworthy.

use std::path::Path;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use natter_shared::{ErrorBody, ErrorCode};

use crate::error::ApiError;
use crate::files::storage::Storage;
use crate::routes::files::one_range;
use crate::state::AppState;

/// A release file: all of it (200) or one `Range` (206).
#[utoipa::path(tag = "updates",
    params(("name" = String, Path, description = "`manifest.json`, `manifest.json.minisig` or an archive's name")),
    responses(
        (status = 200, description = "the whole file"),
        (status = 206, description = "the range asked for; `Content-Range` says which"),
        (status = 404, description = "no such release file, or `NATTER_UPDATES_DIR` is unset", body = ErrorBody),
        (status = 416, description = "the range lies outside the file", body = ErrorBody),
    ))]
#[get("/updates/{name}")]
pub async fn get_update_file(
    state: web::Data<AppState>,
    name: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let not_found = || ApiError::not_found("release file");
    let Some(dir) = &state.settings.files.updates_dir else {
        return Err(not_found());
    };
    let name = name.into_inner();
    if !is_plain_name(&name) {
        return Err(not_found());
    }
    let metadata = match tokio::fs::metadata(dir.join(&name)).await {
        Ok(m) if m.is_file() => m,
        _ => return Err(not_found()),
    };
    let length = metadata.len();
    let modified = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    // a new file under the same name is another version: a resumed download starts over
    let etag = format!("\"{length:x}-{modified:x}\"");
    let if_range_ok = req
        .headers()
        .get(header::IF_RANGE)
        .is_none_or(|v| v.to_str().ok() == Some(etag.as_str()));
    let range = match req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    {
        Some(value) if if_range_ok => one_range(value, length).map_err(|()| {
            ApiError::client(
                StatusCode::RANGE_NOT_SATISFIABLE,
                ErrorCode::RangeNotSatisfiable,
                format!("the file has {length} bytes"),
            )
            .with_header("Content-Range", format!("bytes */{length}"))
        })?,
        _ => None,
    };
    let (status, start, len) = match range {
        Some((start, end)) => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        None => (StatusCode::OK, 0, length),
    };
    let body = Storage::Local(dir.clone())
        .read(&name, start, len)
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("reading a release file")))?;
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        // a new release replaces the manifest under the same name
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_TYPE, content_type(&name)));
    if status == StatusCode::PARTIAL_CONTENT {
        response.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{length}", start + len - 1),
        ));
    }
    Ok(response.no_chunking(len).streaming(body))
}

/// A name of a file directly in the folder: letters, digits, `.`, `-`, `_`, `+`, not
/// starting with a dot (so neither `..` nor a hidden file), at most 255 bytes.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
        && Path::new(name).file_name().and_then(|n| n.to_str()) == Some(name)
}

fn content_type(name: &str) -> &'static str {
    if name.ends_with(".json") {
        "application/json"
    } else if name.ends_with(".minisig") {
        "text/plain; charset=utf-8"
    } else if name.ends_with(".tar.gz") {
        "application/gzip"
    } else if name.ends_with(".zip") {
        "application/zip"
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_in_the_folder_are_served() {
        let cases = [
            ("manifest.json", true, "the manifest"),
            ("natter-1.2.0-linux-x86_64.tar.gz", true, "an archive"),
            (
                "natter-1.2.0+build.7-windows-x86_64.zip",
                true,
                "semver build metadata",
            ),
            ("..", false, "the parent"),
            ("../secrets", false, "a way out"),
            ("a/b", false, "a subfolder"),
            ("a\\b", false, "a Windows separator"),
            ("/etc/passwd", false, "an absolute path"),
            (".env", false, "a hidden file"),
            ("", false, "nothing"),
            ("man ifest.json", false, "a space"),
            ("C:manifest.json", false, "a Windows drive"),
        ];
        for (name, ok, reason) in cases {
            assert_eq!(is_plain_name(name), ok, "{name:?}: {reason}");
        }
    }
}
