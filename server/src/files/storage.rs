//! Where finished files live, behind one small interface: a folder on this machine (the
//! default) or an S3-compatible bucket through rust-s3. Files go in from a local path and come
//! out as a stream of a byte range, so no file is ever held whole in memory.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use bytes::Bytes;
use futures_util::stream::{self, Stream};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::file_settings::{FileSettings, S3Settings, Storage as Kind};

/// Bytes of a file on their way out.
pub type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>>>>;

/// Parts of an S3 multipart upload, and of a ranged read from S3: the memory one transfer
/// holds at a time.
const PART: usize = 8 * 1024 * 1024;
const READ_PIECE: u64 = 4 * 1024 * 1024;

/// The file store.
#[derive(Clone)]
pub enum Storage {
    Local(PathBuf),
    S3(Box<s3::Bucket>),
}

impl Storage {
    /// The store the settings name; an S3 bucket that does not exist yet is created.
    pub async fn open(settings: &FileSettings) -> anyhow::Result<Self> {
        match settings.storage {
            Kind::Local => {
                tokio::fs::create_dir_all(&settings.dir)
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!("creating NATTER_FILES_DIR {:?}: {e}", settings.dir)
                    })?;
                Ok(Self::Local(settings.dir.clone()))
            }
            Kind::S3 => {
                let s3 = settings
                    .s3
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("NATTER_STORAGE=s3 without NATTER_S3_*"))?;
                Ok(Self::S3(open_bucket(s3).await?))
            }
        }
    }

    /// Stores the file at `path` under `key`, leaving `path` for the caller to remove (the
    /// local store links it there, or copies it across file systems). Storing again
    /// replaces what is there.
    pub async fn put_file(&self, key: &str, path: &Path, mime: &str) -> io::Result<()> {
        match self {
            Self::Local(dir) => {
                let dest = dir.join(key);
                if let Some(parent) = dest.parent() {
                    tokio::fs::create_dir_all(parent).await?;
                }
                match tokio::fs::remove_file(&dest).await {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
                if tokio::fs::hard_link(path, &dest).await.is_err() {
                    tokio::fs::copy(path, &dest).await?;
                }
                Ok(())
            }
            Self::S3(bucket) => put_s3(bucket, key, path, mime).await,
        }
    }

    /// Stores a small object (a thumbnail).
    pub async fn put_bytes(&self, key: &str, bytes: &[u8], mime: &str) -> io::Result<()> {
        match self {
            Self::Local(dir) => {
                let dest = dir.join(key);
                if let Some(parent) = dest.parent() {
                    tokio::fs::create_dir_all(parent).await?;
                }
                // written aside and renamed, so a reader never sees half of it
                let part = dest.with_extension("part");
                tokio::fs::write(&part, bytes).await?;
                tokio::fs::rename(&part, &dest).await
            }
            Self::S3(bucket) => bucket
                .put_object_with_content_type(key, bytes, mime)
                .await
                .map(|_| ())
                .map_err(io::Error::other),
        }
    }

    /// `len` bytes of `key` from `start`.
    pub async fn read(&self, key: &str, start: u64, len: u64) -> io::Result<ByteStream> {
        match self {
            Self::Local(dir) => {
                let mut file = tokio::fs::File::open(dir.join(key)).await?;
                file.seek(io::SeekFrom::Start(start)).await?;
                Ok(Box::pin(tokio_util::io::ReaderStream::with_capacity(
                    file.take(len),
                    64 * 1024,
                )))
            }
            Self::S3(bucket) => Ok(read_s3(bucket.clone(), key.to_owned(), start, len)),
        }
    }

    /// A small object whole (a thumbnail); `None` when it is not stored.
    pub async fn read_small(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        match self {
            Self::Local(dir) => match tokio::fs::read(dir.join(key)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            Self::S3(bucket) => match bucket.get_object(key).await {
                Ok(data) => Ok(Some(data.into_bytes().to_vec())),
                Err(s3::error::S3Error::HttpFailWithBody(404, _)) => Ok(None),
                Err(e) => Err(io::Error::other(e)),
            },
        }
    }

    /// Removes `key`; a key that is not there is no error.
    pub async fn delete(&self, key: &str) -> io::Result<()> {
        match self {
            Self::Local(dir) => match tokio::fs::remove_file(dir.join(key)).await {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
            Self::S3(bucket) => match bucket.delete_object(key).await {
                Ok(_) => Ok(()),
                Err(s3::error::S3Error::HttpFailWithBody(404, _)) => Ok(()),
                Err(e) => Err(io::Error::other(e)),
            },
        }
    }

    /// Whether `key` is stored.
    pub async fn exists(&self, key: &str) -> io::Result<bool> {
        match self {
            Self::Local(dir) => tokio::fs::try_exists(dir.join(key)).await,
            Self::S3(bucket) => match bucket.head_object(key).await {
                Ok(_) => Ok(true),
                Err(s3::error::S3Error::HttpFailWithBody(404, _)) => Ok(false),
                Err(e) => Err(io::Error::other(e)),
            },
        }
    }
}

/// The key of a file's content.
pub fn content_key(id: uuid::Uuid) -> String {
    format!("files/{id}")
}

/// The key of a file's thumbnail.
pub fn thumbnail_key(id: uuid::Uuid) -> String {
    format!("thumbnails/{id}")
}

async fn open_bucket(s3: &S3Settings) -> anyhow::Result<Box<s3::Bucket>> {
    let region = match &s3.endpoint {
        Some(endpoint) => s3::Region::Custom {
            region: s3.region.clone(),
            endpoint: endpoint.clone(),
        },
        None => s3
            .region
            .parse()
            .map_err(|e| anyhow::anyhow!("NATTER_S3_REGION {:?}: {e}", s3.region))?,
    };
    let credentials =
        s3::creds::Credentials::new(Some(&s3.access_key), Some(&s3.secret_key), None, None, None)?;
    let mut bucket = s3::Bucket::new(&s3.bucket, region.clone(), credentials.clone())?;
    if s3.path_style {
        bucket = bucket.with_path_style();
    }
    // a probe read tells a missing bucket from a missing key (listing buckets is not
    // something every S3-compatible server answers the same way)
    let exists = match bucket.get_object(".natter-probe").await {
        Ok(_) => true,
        Err(s3::error::S3Error::HttpFailWithBody(404, body)) => !body.contains("NoSuchBucket"),
        Err(e) => anyhow::bail!("reaching S3 bucket {:?}: {e}", s3.bucket),
    };
    if !exists {
        let config = s3::BucketConfiguration::default();
        let created = if s3.path_style {
            s3::Bucket::create_with_path_style(&s3.bucket, region, credentials, config).await
        } else {
            s3::Bucket::create(&s3.bucket, region, credentials, config).await
        };
        created.map_err(|e| anyhow::anyhow!("creating S3 bucket {:?}: {e}", s3.bucket))?;
        tracing::info!(bucket = %s3.bucket, "created the S3 bucket");
    }
    Ok(bucket)
}

/// One object from a file: a single PUT when small, else a multipart upload of 8 MiB parts
/// sent one after another (aborted on a failure, so no half-object stays).
async fn put_s3(bucket: &s3::Bucket, key: &str, path: &Path, mime: &str) -> io::Result<()> {
    // each write holds a part (and rust-s3's copies of it): a few at a time keep the memory
    // of many parallel uploads bounded
    let _turn = S3_WRITES.acquire().await.map_err(io::Error::other)?;
    let mut file = tokio::fs::File::open(path).await?;
    let mut left = file.metadata().await?.len();
    let mut first = read_part(&mut file, &mut left).await?;
    if first.len() < PART {
        return bucket
            .put_object_with_content_type(key, &first, mime)
            .await
            .map(|_| ())
            .map_err(io::Error::other);
    }
    let upload = bucket
        .initiate_multipart_upload(key, mime)
        .await
        .map_err(io::Error::other)?;
    let id = upload.upload_id;
    let mut parts = Vec::new();
    let result: io::Result<()> = async {
        let mut number = 1;
        loop {
            let chunk = std::mem::take(&mut first);
            if chunk.is_empty() {
                break;
            }
            let part = bucket
                .put_multipart_chunk(chunk, key, number, &id, mime)
                .await
                .map_err(io::Error::other)?;
            parts.push(part);
            number += 1;
            first = read_part(&mut file, &mut left).await?;
        }
        bucket
            .complete_multipart_upload(key, &id, parts)
            .await
            .map(|_| ())
            .map_err(io::Error::other)
    }
    .await;
    if result.is_err()
        && let Err(e) = bucket.abort_upload(key, &id).await
    {
        tracing::warn!(key, error = %e, "aborting a failed multipart upload");
    }
    result
}

/// S3 writes under way at once.
const S3_WRITERS: usize = 8;
static S3_WRITES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(S3_WRITERS);

/// Up to one part of the file (shorter only at its end), of `left` bytes still to read.
async fn read_part(file: &mut tokio::fs::File, left: &mut u64) -> io::Result<Vec<u8>> {
    let want = (*left).min(PART as u64);
    let mut buf = Vec::with_capacity(usize::try_from(want).unwrap_or(PART));
    (&mut *file).take(PART as u64).read_to_end(&mut buf).await?;
    *left = left.saturating_sub(buf.len() as u64);
    Ok(buf)
}

/// A ranged read from S3 in 4 MiB pieces, each fetched when the previous one has gone out.
fn read_s3(bucket: Box<s3::Bucket>, key: String, start: u64, len: u64) -> ByteStream {
    let end = start + len;
    Box::pin(stream::try_unfold(start, move |pos| {
        let (bucket, key) = (bucket.clone(), key.clone());
        async move {
            if pos >= end {
                return Ok(None);
            }
            let last = (pos + READ_PIECE).min(end) - 1;
            let data = bucket
                .get_object_range(&key, pos, Some(last))
                .await
                .map_err(io::Error::other)?;
            let bytes = data.into_bytes();
            if bytes.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the stored object is shorter than the file",
                ));
            }
            let next = pos + bytes.len() as u64;
            Ok(Some((bytes, next)))
        }
    }))
}
