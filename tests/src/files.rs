//! Uploads the tus way and downloads, for the black-box tests: every step asserts its status,
//! so a test reads as the flow it checks.

use natter_shared::api::{FileInfo, UploadState, UploadStatus};
use natter_shared::{API_PREFIX, FileId};
use std::time::Duration;

use crate::TestApp;

/// `Upload-Metadata` with a file name (and a claimed type, which the server must not believe).
pub fn metadata(name: &str, claimed_type: &str) -> String {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    format!("filename {},filetype {}", b64(name), b64(claimed_type))
}

impl TestApp {
    /// `POST /uploads`; answers the response.
    pub async fn tus_create(&self, token: &str, length: usize, name: &str) -> reqwest::Response {
        self.client
            .post(self.api("/uploads"))
            .bearer_auth(token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", length.to_string())
            .header("Upload-Metadata", metadata(name, "image/png"))
            .send()
            .await
            .expect("request sent")
    }

    /// Creates an upload; answers its id.
    pub async fn tus_created(&self, token: &str, length: usize, name: &str) -> FileId {
        let resp = self.tus_create(token, length, name).await;
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
        let location = resp
            .headers()
            .get("Location")
            .and_then(|v| v.to_str().ok())
            .expect("Location")
            .to_owned();
        let id = location
            .strip_prefix(&format!("{API_PREFIX}/uploads/"))
            .expect("Location under /api/v1/uploads/");
        id.parse().expect("upload id")
    }

    /// `PATCH` `bytes` at `offset`.
    pub async fn tus_patch(
        &self,
        token: &str,
        id: FileId,
        offset: usize,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        self.client
            .patch(self.api(&format!("/uploads/{id}")))
            .bearer_auth(token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(bytes)
            .send()
            .await
            .expect("request sent")
    }

    /// `HEAD`: the upload's offset.
    pub async fn tus_offset(&self, token: &str, id: FileId) -> usize {
        let resp = self
            .client
            .head(self.api(&format!("/uploads/{id}")))
            .bearer_auth(token)
            .header("Tus-Resumable", "1.0.0")
            .send()
            .await
            .expect("request sent");
        assert_eq!(resp.status(), 200);
        resp.headers()["Upload-Offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// `GET /uploads/{id}`.
    pub async fn upload_status(&self, token: &str, id: FileId) -> UploadStatus {
        let resp = self.get_authed(&format!("/uploads/{id}"), token).await;
        crate::json_with_status(resp, 200).await
    }

    /// Uploads `bytes` in `chunk`-sized PATCHes; answers the last PATCH's response.
    pub async fn upload_raw(
        &self,
        token: &str,
        name: &str,
        bytes: &[u8],
        chunk: usize,
    ) -> (FileId, reqwest::Response) {
        let id = self.tus_created(token, bytes.len(), name).await;
        let mut offset = 0;
        loop {
            let end = (offset + chunk).min(bytes.len());
            let resp = self
                .tus_patch(token, id, offset, bytes[offset..end].to_vec())
                .await;
            if end == bytes.len() || resp.status() != 204 {
                return (id, resp);
            }
            offset = end;
        }
    }

    /// Uploads `bytes` as one file and answers it, ready.
    pub async fn upload(&self, token: &str, name: &str, bytes: &[u8]) -> FileInfo {
        let (id, resp) = self.upload_raw(token, name, bytes, 1 << 20).await;
        assert_eq!(resp.status(), 204, "{:?}", resp.text().await);
        let status = self.upload_status(token, id).await;
        assert_eq!(status.state, UploadState::Ready, "{status:?}");
        status.file.expect("a ready upload is a file")
    }

    /// Polls `GET /uploads/{id}` (every 50 ms, at most `within`) until it is in `state`.
    pub async fn wait_upload(
        &self,
        token: &str,
        id: FileId,
        state: UploadState,
        within: Duration,
    ) -> UploadStatus {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let status = self.upload_status(token, id).await;
            if status.state == state {
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "upload still {:?}, not {state:?}, after {within:?}",
                status.state
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `GET /files/{id}` with optional extra headers.
    pub async fn download(
        &self,
        token: &str,
        id: FileId,
        headers: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut req = self
            .client
            .get(self.api(&format!("/files/{id}")))
            .bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("request sent")
    }
}

/// Sample contents.
pub mod samples {
    use std::io::Cursor;

    /// The EICAR test file: every scanner reports it (the test clamd has a signature for it).
    pub const EICAR: &[u8] =
        br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    /// A gradient PNG of `width` × `height`.
    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)
            .expect("encode png");
        out.into_inner()
    }

    /// A JPEG of `width` × `height` carrying an EXIF block with a GPS marker and
    /// `Natter-Secret-Location` in it (to show that thumbnails leave metadata behind).
    pub fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, 64, (y % 256) as u8])
        });
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Jpeg)
            .expect("encode jpeg");
        let jpeg = out.into_inner();
        let payload = b"Exif\0\0MM\0\x2a\0\0\0\x08GPSInfo Natter-Secret-Location";
        let len = (payload.len() + 2) as u16;
        let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
        with_exif.extend_from_slice(&len.to_be_bytes());
        with_exif.extend_from_slice(payload);
        with_exif.extend_from_slice(&jpeg[2..]);
        with_exif
    }

    /// Only the header of a PNG claiming `width` × `height` (a decompression bomb's shape).
    pub fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&width.to_be_bytes());
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        out.extend_from_slice(&13u32.to_be_bytes());
        out.extend_from_slice(&ihdr);
        out.extend_from_slice(&crc32fast::hash(&ihdr).to_be_bytes());
        // a little zlib-looking data: the checks must stop at the header
        out.extend_from_slice(&[0, 0, 0, 0]);
        out
    }

    /// The start of an x86-64 ELF executable, padded.
    pub fn elf() -> Vec<u8> {
        let mut out = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
        out.resize(4096, 0);
        out
    }

    /// `n` bytes of pseudo-random content (seeded: the same every run).
    pub fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    /// Hex SHA-256.
    pub fn sha256(bytes: &[u8]) -> String {
        use sha2::Digest;
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl TestApp {
    /// A PATCH whose connection is cut after `cut` of its `bytes` (a dropped network).
    pub async fn tus_patch_cut(
        &self,
        token: &str,
        id: FileId,
        offset: usize,
        bytes: &[u8],
        cut: usize,
    ) {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .expect("connect");
        let head = format!(
            "PATCH {API_PREFIX}/uploads/{id} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
             Authorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n\
             Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n\
             Content-Length: {}\r\n\r\n",
            bytes.len()
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        stream.write_all(&bytes[..cut]).await.expect("write");
        stream.flush().await.expect("flush");
        drop(stream);
    }

    /// Resumes an upload as a tus client does: `HEAD` for the offset, `PATCH` the rest; a
    /// 409 (the cut request still holds the upload, or moved it on) means ask again.
    pub async fn tus_resume(&self, token: &str, id: FileId, bytes: &[u8]) -> reqwest::Response {
        for _ in 0..200 {
            let offset = self.tus_offset(token, id).await;
            let resp = self
                .tus_patch(token, id, offset, bytes[offset..].to_vec())
                .await;
            if resp.status() != 409 {
                return resp;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("upload {id} could not be resumed");
    }
}

impl TestApp {
    /// Sends a message carrying `files` over REST; answers the response.
    pub async fn send_files(
        &self,
        token: &str,
        chat: natter_shared::ChatId,
        text: &str,
        files: &[FileId],
    ) -> reqwest::Response {
        self.client
            .post(self.api(&format!("/chats/{chat}/messages")))
            .bearer_auth(token)
            .json(&natter_shared::api::SendMessageRequest {
                text: text.into(),
                request_id: natter_shared::RequestId::new_random(),
                reply_to: None,
                attachments: files.to_vec(),
            })
            .send()
            .await
            .expect("request sent")
    }

    /// Whether the server's storage holds `key` (`files/<id>`, `thumbnails/<id>` …), asked
    /// of the same backend the server was given.
    pub async fn stored(&self, key: &str) -> bool {
        natter_server::files::storage::Storage::open(&self.settings.files)
            .await
            .expect("storage")
            .exists(key)
            .await
            .expect("storage answers")
    }
}
