//! Files: what a finished upload becomes, an upload's state, and the avatar bodies.
//!
//! Uploads themselves speak tus 1.0.0 (headers, not JSON) at `/api/v1/uploads`; this module
//! holds the JSON around them.

use serde::{Deserialize, Serialize};

use crate::ids::FileId;

/// Most files one message carries.
pub const MAX_ATTACHMENTS: usize = 10;

/// The tus protocol version the server speaks.
pub const TUS_VERSION: &str = "1.0.0";

/// A stored file as messages carry it: enough to draw a card or an inline image without a
/// second request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileInfo {
    pub id: FileId,
    /// The uploader's file name, made safe for `Content-Disposition` and file systems.
    pub name: String,
    /// Bytes.
    pub size: i64,
    /// Sniffed from the bytes, never the client's word.
    pub mime: String,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// `GET /files/{id}/thumbnail` answers (images).
    pub has_thumbnail: bool,
}

impl FileInfo {
    /// Shown inline rather than as a card.
    pub fn is_image(&self) -> bool {
        self.has_thumbnail && self.mime.starts_with("image/")
    }
}

crate::named_enum!(
    /// Where an upload is.
    pub enum UploadState {
        /// Bytes are still coming (`offset < length`).
        Uploading = "uploading",
        /// All bytes are in; the file is being checked, scanned and stored.
        Processing = "processing",
        /// Waiting for the malware scanner (down or slow); retried until it answers.
        PendingScan = "pending_scan",
        /// A file: messages may carry it.
        Ready = "ready",
        /// The scanner found malware: nobody can fetch it and no message can carry it.
        Blocked = "blocked",
        /// Refused after it arrived (type not allowed, image too large, not decodable).
        Rejected = "rejected",
    }
);

/// `GET /uploads/{id}`: the uploader's view of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadStatus {
    pub id: FileId,
    pub state: UploadState,
    pub offset: i64,
    pub length: i64,
    /// Once `ready` (and while `pending_scan`, what it will be).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileInfo>,
    /// Why it was rejected or blocked, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// `PUT /users/me/avatar`, `PUT /chats/{id}/photo`: an uploaded image of one's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoRequest {
    pub file_id: FileId,
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn golden_file_info() {
        let info = FileInfo {
            id: FileId(Uuid::nil()),
            name: "cat.png".into(),
            size: 3,
            mime: "image/png".into(),
            sha256: "ab".into(),
            width: Some(2),
            height: None,
            has_thumbnail: true,
        };
        assert_eq!(
            serde_json::to_string(&info).unwrap(),
            r#"{"id":"00000000-0000-0000-0000-000000000000","name":"cat.png","size":3,"mime":"image/png","sha256":"ab","width":2,"has_thumbnail":true}"#
        );
        assert!(info.is_image());
    }

    #[test]
    fn golden_upload_status() {
        let s = UploadStatus {
            id: FileId(Uuid::nil()),
            state: UploadState::PendingScan,
            offset: 5,
            length: 5,
            file: None,
            problem: None,
        };
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"id":"00000000-0000-0000-0000-000000000000","state":"pending_scan","offset":5,"length":5}"#
        );
    }
}
