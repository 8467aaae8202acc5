//! `/files/{id}` downloads (resumable with `Range`, `ETag`, `Content-Disposition`) and
//! thumbnails; avatars (`/users/me/avatar`, `/users/{id}/avatar`) and group photos
//! (`/chats/{id}/photo`). A file is readable by its uploader and by members of a chat where a
//! message carries it; everyone else gets the same 404 as for an unknown id.

use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use natter_shared::api::{ChatKind, GroupAction, PhotoRequest, UploadState, User, may};
use natter_shared::{ChatId, ErrorBody, ErrorCode};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::membership::MemberOp;
use crate::db::{self, files::FileRow};
use crate::error::ApiError;
use crate::files::inspect::{self, sniff};
use crate::files::service::{self, avatar_key};
use crate::files::storage::{content_key, thumbnail_key};
use crate::members;
use crate::routes::extractor_errors::Body;
use crate::state::AppState;

/// The side of avatars and group photos, in pixels.
const AVATAR_SIDE: u32 = 256;

/// The file's bytes: all of them (200), or one `Range` (206); `If-None-Match` with the `ETag`
/// answers 304.
#[utoipa::path(tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "file id")),
    responses(
        (status = 200, description = "the whole file"),
        (status = 206, description = "the range asked for; `Content-Range` says which"),
        (status = 304, description = "unchanged (`If-None-Match`)"),
        (status = 404, description = "no such file, or not yours to read", body = ErrorBody),
        (status = 416, description = "the range lies outside the file", body = ErrorBody),
    ))]
#[get("/files/{id}")]
pub async fn download_file(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let file = readable(&state, path.into_inner(), auth).await?;
    let etag = format!("\"{}\"", file.sha256.as_deref().unwrap_or_default());
    if header_is(&req, header::IF_NONE_MATCH, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let length = u64::try_from(file.length).unwrap_or(0);
    // a Range is honoured unless If-Range names another version
    let if_range_ok = req
        .headers()
        .get(header::IF_RANGE)
        .is_none_or(|v| v.to_str().ok() == Some(etag.as_str()));
    let range = match req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    {
        Some(value) if if_range_ok => match one_range(value, length) {
            Ok(r) => r,
            Err(()) => {
                return Err(ApiError::client(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    ErrorCode::RangeNotSatisfiable,
                    format!("the file has {length} bytes"),
                )
                .with_header("Content-Range", format!("bytes */{length}")));
            }
        },
        _ => None,
    };
    let (status, start, len) = match range {
        Some((start, end)) => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        None => (StatusCode::OK, 0, length),
    };
    let body = state
        .storage
        .read(&content_key(file.id), start, len)
        .await
        .map_err(service::storage_error)?;
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_TYPE,
            file.mime
                .clone()
                .unwrap_or_else(|| "application/octet-stream".to_owned()),
        ))
        .insert_header(disposition(&file.name));
    if status == StatusCode::PARTIAL_CONTENT {
        response.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {start}-{}/{length}", start + len - 1),
        ));
    }
    metrics::counter!("natter_downloads_total").increment(1);
    Ok(response.no_chunking(len).streaming(body))
}

/// An image file's thumbnail: at most 320 px on its long side, without the original's
/// metadata.
#[utoipa::path(tag = "files", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "file id")),
    responses(
        (status = 200, description = "JPEG or PNG"),
        (status = 404, description = "no such file, not yours to read, or no thumbnail", body = ErrorBody),
    ))]
#[get("/files/{id}/thumbnail")]
pub async fn file_thumbnail(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let file = readable(&state, path.into_inner(), auth).await?;
    if !file.has_thumbnail {
        return Err(ApiError::not_found("thumbnail"));
    }
    small_image(&state, &thumbnail_key(file.id), file.id, &req).await
}

/// Sets the caller's avatar from an image they uploaded (square-cropped).
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = PhotoRequest,
    responses(
        (status = 200, description = "the profile with its new avatar", body = User),
        (status = 404, description = "no such file of yours", body = ErrorBody),
        (status = 409, description = "the file is not ready yet", body = ErrorBody),
        (status = 422, description = "the file is not an image", body = ErrorBody),
    ))]
#[put("/users/me/avatar")]
pub async fn set_avatar(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: Body<PhotoRequest>,
) -> Result<web::Json<User>, ApiError> {
    let file = square_picture(&state, body.file_id.0, auth).await?;
    let user = auth.user_id.0;
    let old = db::run(&state.db, move |conn| {
        Ok(db::users::set_avatar(conn, user, Some(file))?)
    })
    .await?;
    forget_picture(&state, old, Some(file)).await;
    // chat lists show the photo: their cached copy of the profile goes
    crate::chat_list::on_profile_changed(&state, auth.user_id).await;
    profile(&state, user).await
}

/// Removes the caller's avatar.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    responses((status = 200, description = "the profile without an avatar", body = User)))]
#[delete("/users/me/avatar")]
pub async fn remove_avatar(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<web::Json<User>, ApiError> {
    let user = auth.user_id.0;
    let old = db::run(&state.db, move |conn| {
        Ok(db::users::set_avatar(conn, user, None)?)
    })
    .await?;
    forget_picture(&state, old, None).await;
    crate::chat_list::on_profile_changed(&state, auth.user_id).await;
    profile(&state, user).await
}

/// Someone's avatar (256 × 256 JPEG); 404 when they have none.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "user id")),
    responses(
        (status = 200, description = "JPEG; `ETag` is the avatar's id"),
        (status = 304, description = "unchanged (`If-None-Match`)"),
        (status = 404, description = "no such user, or no avatar", body = ErrorBody),
    ))]
#[get("/users/{id}/avatar")]
pub async fn get_avatar(
    state: web::Data<AppState>,
    _auth: AuthUser,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let avatar = db::run(&state.db, move |conn| Ok(db::users::find(conn, id)?))
        .await?
        .and_then(|u| u.avatar_id)
        .ok_or_else(|| ApiError::not_found("avatar"))?;
    small_image(&state, &avatar_key(avatar), avatar, &req).await
}

/// Sets a group's photo (those who may edit the group's info).
#[utoipa::path(tag = "chats", security(("bearer" = [])), request_body = PhotoRequest,
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 204, description = "set"),
        (status = 403, description = "your role does not allow it", body = ErrorBody),
        (status = 404, description = "no such chat of yours, or no such file of yours", body = ErrorBody),
        (status = 409, description = "not a group, or the file is not ready", body = ErrorBody),
        (status = 422, description = "the file is not an image", body = ErrorBody),
    ))]
#[put("/chats/{id}/photo")]
pub async fn set_chat_photo(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    body: Body<PhotoRequest>,
) -> Result<HttpResponse, ApiError> {
    let chat = path.into_inner();
    may_edit(&state, chat, auth).await?;
    let file = square_picture(&state, body.file_id.0, auth).await?;
    let op = MemberOp::SetPhoto { photo: Some(file) };
    let changed = members::change(&state, ChatId(chat), auth.user_id, op).await?;
    forget_picture(&state, changed.replaced_photo, Some(file)).await;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes a group's photo.
#[utoipa::path(tag = "chats", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 204, description = "removed"),
        (status = 403, description = "your role does not allow it", body = ErrorBody),
        (status = 404, description = "no such chat of yours", body = ErrorBody),
    ))]
#[delete("/chats/{id}/photo")]
pub async fn remove_chat_photo(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let chat = path.into_inner();
    may_edit(&state, chat, auth).await?;
    let op = MemberOp::SetPhoto { photo: None };
    let changed = members::change(&state, ChatId(chat), auth.user_id, op).await?;
    forget_picture(&state, changed.replaced_photo, None).await;
    Ok(HttpResponse::NoContent().finish())
}

/// A group's photo (members only); 404 when it has none.
#[utoipa::path(tag = "chats", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "chat id")),
    responses(
        (status = 200, description = "JPEG; `ETag` is the photo's id"),
        (status = 404, description = "no such chat of yours, or no photo", body = ErrorBody),
    ))]
#[get("/chats/{id}/photo")]
pub async fn get_chat_photo(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<Uuid>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (chat, user) = (path.into_inner(), auth.user_id.0);
    let photo = db::run(&state.db, move |conn| {
        if db::members::member(conn, chat, user)?.is_none() {
            return Ok(None);
        }
        Ok(db::chats::photo_of(conn, chat)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("photo"))?;
    small_image(&state, &avatar_key(photo), photo, &req).await
}

/// A stored small image, with its id as `ETag`.
async fn small_image(
    state: &AppState,
    key: &str,
    version: Uuid,
    req: &HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let etag = format!("\"{version}\"");
    if header_is(req, header::IF_NONE_MATCH, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let bytes = state
        .storage
        .read_small(key)
        .await
        .map_err(service::storage_error)?
        .ok_or_else(|| ApiError::not_found("image"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "private, max-age=86400"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_TYPE, sniff(&bytes)))
        .body(bytes))
}

/// Makes the square picture of one's own ready image; answers its file id.
async fn square_picture(state: &AppState, id: Uuid, auth: AuthUser) -> Result<Uuid, ApiError> {
    let user = auth.user_id.0;
    let file = db::run(&state.db, move |conn| {
        Ok(db::files::find_own(conn, id, user)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("file"))?;
    match file.state() {
        UploadState::Ready => {}
        UploadState::Uploading | UploadState::Processing | UploadState::PendingScan => {
            return Err(ApiError::conflict(
                ErrorCode::FileNotReady,
                "the file is still uploading or being scanned",
            ));
        }
        UploadState::Blocked | UploadState::Rejected => return Err(not_an_image()),
    }
    if !file.has_thumbnail {
        return Err(not_an_image());
    }
    let thumb = state
        .storage
        .read_small(&thumbnail_key(id))
        .await
        .map_err(service::storage_error)?
        .ok_or_else(not_an_image)?;
    let square = web::block(move || inspect::square(&thumb, AVATAR_SIDE))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .ok_or_else(not_an_image)?;
    state
        .storage
        .put_bytes(&avatar_key(id), &square, "image/jpeg")
        .await
        .map_err(service::storage_error)?;
    Ok(id)
}

/// The picture replaced goes, unless something else still refers to it.
async fn forget_picture(state: &AppState, old: Option<Uuid>, new: Option<Uuid>) {
    let Some(old) = old.filter(|o| Some(*o) != new) else {
        return;
    };
    let erased = db::run(&state.db, move |conn| {
        Ok(db::files::erase_unreferenced(conn, &[old])?)
    })
    .await;
    match erased {
        Ok(ids) => service::erase(state, &ids).await,
        Err(e) => tracing::warn!(file = %old, error = %e, "erasing a replaced picture"),
    }
}

async fn may_edit(state: &AppState, chat: Uuid, auth: AuthUser) -> Result<(), ApiError> {
    let user = auth.user_id.0;
    let found = db::run(&state.db, move |conn| {
        // a first check only (no lock): the change itself checks again in its transaction
        let Some(row) = db::chats::find(conn, chat)? else {
            return Ok(None);
        };
        Ok(db::members::member(conn, chat, user)?.map(|m| (row, m)))
    })
    .await?;
    let Some((row, me)) = found else {
        return Err(ApiError::not_found("chat"));
    };
    if row.kind != ChatKind::Group {
        return Err(ApiError::conflict(
            ErrorCode::NotAGroup,
            "only groups have a photo",
        ));
    }
    may(
        me.role,
        me.muted,
        GroupAction::EditInfo,
        None,
        db::members::rules_of(&row),
    )
    .map_err(ApiError::refused)
}

async fn profile(state: &AppState, user: Uuid) -> Result<web::Json<User>, ApiError> {
    db::run(&state.db, move |conn| Ok(db::users::find(conn, user)?))
        .await?
        .map(|u| web::Json(u.to_api_own()))
        .ok_or_else(|| ApiError::not_found("user"))
}

async fn readable(state: &AppState, id: Uuid, auth: AuthUser) -> Result<FileRow, ApiError> {
    let viewer = auth.user_id.0;
    db::run(&state.db, move |conn| {
        Ok(db::files::readable(conn, id, viewer)?)
    })
    .await?
    .ok_or_else(|| ApiError::not_found("file"))
}

fn not_an_image() -> ApiError {
    ApiError::client(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::NotAnImage,
        "the file is not an image this server can read",
    )
}

fn header_is(req: &HttpRequest, name: header::HeaderName, value: &str) -> bool {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == value || t.trim() == "*"))
}

/// `attachment` with the name both as plain ASCII and as UTF-8 (RFC 6266).
fn disposition(name: &str) -> ContentDisposition {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' {
                c
            } else {
                '_'
            }
        })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: header::Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}

/// The one range asked for, as inclusive bounds; `Ok(None)` to answer the whole file (a
/// malformed header, or several ranges), `Err` for 416.
pub(crate) fn one_range(value: &str, length: u64) -> Result<Option<(u64, u64)>, ()> {
    use http_range_header::RangeUnsatisfiableError as E;
    match http_range_header::parse_range_header(value).and_then(|r| r.validate(length)) {
        Ok(ranges) if ranges.len() == 1 => Ok(ranges.first().map(|r| (*r.start(), *r.end()))),
        Ok(_) => Ok(None),
        Err(E::Invalid(_)) => Ok(None),
        Err(_) => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_single_suffix_open_and_out_of_bounds() {
        assert_eq!(one_range("bytes=0-9", 100), Ok(Some((0, 9))));
        assert_eq!(one_range("bytes=90-", 100), Ok(Some((90, 99))));
        assert_eq!(one_range("bytes=-10", 100), Ok(Some((90, 99))));
        assert_eq!(one_range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(one_range("bytes=200-300", 100), Err(()));
        assert_eq!(one_range("pages=1-2", 100), Ok(None));
    }
}
