//! The files figures: `count` files of `size` bytes uploaded the tus way (`POST`, then
//! `PATCH` in chunks), `parallel` at a time, then downloaded back whole and checked by
//! SHA-256; the server's RSS sampled throughout (before, peak, after) and its CPU. The
//! bytes are made on the fly from a seed, so the generator never holds a file either.
//! And the time a 12-megapixel JPEG takes from its last byte to a ready file with its
//! thumbnail.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine as _;
use futures_util::{StreamExt, stream};
use natter_shared::API_PREFIX;
use natter_shared::api::{UploadState, UploadStatus};
use rand::{RngCore, SeedableRng};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::report::{cpu_seconds, rss_mb};
use super::setup::LoadUser;

/// When "after" is measured, once the transfers are done.
const AFTER: Duration = Duration::from_secs(12);

/// Bytes per `PATCH`.
const CHUNK: usize = 8 << 20;

/// What moving the files cost.
#[derive(Debug, Default, Serialize)]
pub struct FilesReport {
    pub files: usize,
    pub file_bytes: u64,
    pub parallel: usize,
    pub upload_s: f64,
    pub upload_mb_per_s: f64,
    pub download_s: f64,
    pub download_mb_per_s: f64,
    pub server_rss_mb_before: Option<f64>,
    pub server_rss_mb_peak: Option<f64>,
    /// 12 s after the last transfer.
    pub server_rss_mb_after: Option<f64>,
    pub server_cpu_s_upload: Option<f64>,
    pub server_cpu_s_download: Option<f64>,
    /// From the last byte of a 12 MP JPEG to a ready file with its thumbnail.
    pub thumbnail_ms: Option<f64>,
}

impl FilesReport {
    pub fn print(&self) {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        println!(
            "| files | {} × {:.0} MiB, {} at a time |",
            self.files,
            mib(self.file_bytes),
            self.parallel
        );
        println!(
            "| upload | {:.2} s, {:.0} MiB/s (server CPU {}) |",
            self.upload_s,
            self.upload_mb_per_s,
            cpu(self.server_cpu_s_upload)
        );
        println!(
            "| download | {:.2} s, {:.0} MiB/s (server CPU {}) |",
            self.download_s,
            self.download_mb_per_s,
            cpu(self.server_cpu_s_download)
        );
        let mb = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format!("{v:.0} MB"));
        println!(
            "| server RSS before / peak / after | {} / {} / {} |",
            mb(self.server_rss_mb_before),
            mb(self.server_rss_mb_peak),
            mb(self.server_rss_mb_after)
        );
        if let Some(ms) = self.thumbnail_ms {
            println!("| 12 MP JPEG: last byte → ready with thumbnail | {ms:.0} ms |");
        }
    }
}

fn cpu(seconds: Option<f64>) -> String {
    seconds.map_or_else(|| "–".into(), |s| format!("{s:.1} s"))
}

fn api(server: &str, path: &str) -> String {
    format!("{server}{API_PREFIX}{path}")
}

/// The bytes of file `seed`, chunk by chunk (a seeded RNG: the same seed, the same bytes).
fn chunk_of(seed: u64, index: u64, len: usize) -> Vec<u8> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed.wrapping_mul(1_000_003) ^ index);
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// Samples the server's RSS every 50 ms until stopped; the highest seen.
struct RssPeak {
    peak_kb: Arc<AtomicU64>,
    stop: Arc<AtomicU64>,
}

impl RssPeak {
    fn start(pid: Option<u32>) -> Self {
        let (peak_kb, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        if let Some(pid) = pid {
            let (peak, stop) = (Arc::clone(&peak_kb), Arc::clone(&stop));
            tokio::spawn(async move {
                while stop.load(Ordering::Relaxed) == 0 {
                    if let Some(mb) = rss_mb(pid) {
                        peak.fetch_max((mb * 1024.0) as u64, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
        }
        Self { peak_kb, stop }
    }

    fn finish(self) -> Option<f64> {
        self.stop.store(1, Ordering::Relaxed);
        let kb = self.peak_kb.load(Ordering::Relaxed);
        (kb > 0).then(|| kb as f64 / 1024.0)
    }
}

/// `POST /uploads`: the upload's `Location` and id.
async fn create(
    client: &reqwest::Client,
    server: &str,
    token: &str,
    size: u64,
    name: &str,
) -> anyhow::Result<(String, uuid::Uuid)> {
    let metadata = format!(
        "filename {}",
        base64::engine::general_purpose::STANDARD.encode(name)
    );
    let created = client
        .post(api(server, "/uploads"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", size.to_string())
        .header("Upload-Metadata", metadata)
        .send()
        .await?;
    if created.status() != 201 {
        bail!("creating an upload: {}", created.status());
    }
    let location = created
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .context("no Location")?
        .to_owned();
    let id = location.rsplit('/').next().context("upload id")?.parse()?;
    Ok((location, id))
}

/// `PATCH` `bytes` at `offset`; an error unless the server took them.
async fn patch(
    client: &reqwest::Client,
    server: &str,
    token: &str,
    location: &str,
    offset: u64,
    bytes: Vec<u8>,
) -> anyhow::Result<()> {
    let patched = client
        .patch(format!("{server}{location}"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes)
        .send()
        .await?;
    if !patched.status().is_success() {
        bail!("PATCH at {offset}: {}", patched.status());
    }
    Ok(())
}

/// Uploads file `seed` of `size` bytes; its id and the SHA-256 of what was sent.
async fn upload(
    client: &reqwest::Client,
    server: &str,
    token: &str,
    seed: u64,
    size: u64,
    name: &str,
) -> anyhow::Result<(uuid::Uuid, String)> {
    let (location, id) = create(client, server, token, size, name).await?;
    let mut hasher = Sha256::new();
    let mut offset = 0u64;
    let mut index = 0u64;
    while offset < size {
        let len = usize::try_from((size - offset).min(CHUNK as u64))?;
        let bytes = chunk_of(seed, index, len);
        hasher.update(&bytes);
        patch(client, server, token, &location, offset, bytes).await?;
        offset += len as u64;
        index += 1;
    }
    Ok((id, format!("{:x}", hasher.finalize())))
}

/// Waits until upload `id` is a ready file; its status.
async fn ready(
    client: &reqwest::Client,
    server: &str,
    token: &str,
    id: uuid::Uuid,
) -> anyhow::Result<UploadStatus> {
    for _ in 0..6000 {
        let status: UploadStatus = client
            .get(api(server, &format!("/uploads/{id}")))
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?;
        match status.state {
            UploadState::Ready => return Ok(status),
            UploadState::Blocked | UploadState::Rejected => {
                bail!("upload {id}: {:?}", status.problem)
            }
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    bail!("upload {id} never became ready")
}

/// Downloads file `id` whole, streaming; the SHA-256 of what came.
async fn download(
    client: &reqwest::Client,
    server: &str,
    token: &str,
    id: uuid::Uuid,
) -> anyhow::Result<(u64, String)> {
    let mut response = client
        .get(api(server, &format!("/files/{id}")))
        .bearer_auth(token)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("download {id}: {}", response.status());
    }
    let (mut hasher, mut bytes) = (Sha256::new(), 0u64);
    while let Some(chunk) = response.chunk().await? {
        bytes += chunk.len() as u64;
        hasher.update(&chunk);
    }
    Ok((bytes, format!("{:x}", hasher.finalize())))
}

/// What a files run moves.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub count: usize,
    /// Bytes per file.
    pub size: u64,
    /// Files moved at once.
    pub parallel: usize,
    /// Also time a 12 MP JPEG's thumbnail.
    pub thumbnail: bool,
}

/// Uploads then downloads the plan's files.
pub async fn measure(
    client: &reqwest::Client,
    server: &str,
    user: &LoadUser,
    plan: Plan,
    server_pid: Option<u32>,
) -> anyhow::Result<FilesReport> {
    let Plan {
        count,
        size,
        parallel,
        thumbnail,
    } = plan;
    let token = user.token.as_str();
    let mut report = FilesReport {
        files: count,
        file_bytes: size,
        parallel,
        server_rss_mb_before: server_pid.and_then(rss_mb),
        ..Default::default()
    };
    let total_mib = (count as u64 * size) as f64 / (1024.0 * 1024.0);
    let peak = RssPeak::start(server_pid);

    let cpu_before = server_pid.and_then(cpu_seconds);
    let started = Instant::now();
    let uploaded: Vec<anyhow::Result<(uuid::Uuid, String)>> = stream::iter(0..count)
        .map(|i| async move {
            let (id, sent) = upload(
                client,
                server,
                token,
                i as u64,
                size,
                &format!("load-{i}.bin"),
            )
            .await?;
            let status = ready(client, server, token, id).await?;
            let stored = status.file.context("a ready upload has its file")?.sha256;
            if stored != sent {
                bail!("file {id}: the server has {stored}, {sent} was sent");
            }
            Ok((id, sent))
        })
        .buffer_unordered(parallel)
        .collect()
        .await;
    let uploaded = uploaded.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    report.upload_s = started.elapsed().as_secs_f64();
    report.upload_mb_per_s = total_mib / report.upload_s;
    report.server_cpu_s_upload = cpu_before
        .zip(server_pid.and_then(cpu_seconds))
        .map(|(a, b)| b - a);

    let cpu_before = server_pid.and_then(cpu_seconds);
    let started = Instant::now();
    let checked: Vec<anyhow::Result<()>> = stream::iter(uploaded.iter())
        .map(|(id, sent)| async move {
            let (bytes, got) = download(client, server, token, *id).await?;
            if bytes != size || got != *sent {
                bail!("file {id} came back different ({bytes} bytes)");
            }
            Ok(())
        })
        .buffer_unordered(parallel)
        .collect()
        .await;
    checked.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    report.download_s = started.elapsed().as_secs_f64();
    report.download_mb_per_s = total_mib / report.download_s;
    report.server_cpu_s_download = cpu_before
        .zip(server_pid.and_then(cpu_seconds))
        .map(|(a, b)| b - a);
    report.server_rss_mb_peak = peak.finish();
    // settled: tokio's idle blocking threads (each with its malloc arena) end after 10 s
    tokio::time::sleep(AFTER).await;
    report.server_rss_mb_after = server_pid.and_then(rss_mb);

    if thumbnail {
        report.thumbnail_ms = Some(thumbnail_ms(client, server, token).await?);
    }
    Ok(report)
}

/// A 4000 × 3000 JPEG: all but its last byte sent, then the last, then polled until ready.
async fn thumbnail_ms(client: &reqwest::Client, server: &str, token: &str) -> anyhow::Result<f64> {
    let picture = image::RgbImage::from_fn(4000, 3000, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x ^ y) % 256) as u8])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85).encode_image(&picture)?;
    let (location, id) = create(client, server, token, jpeg.len() as u64, "12mp.jpg").await?;
    let last = jpeg.len() - 1;
    patch(client, server, token, &location, 0, jpeg[..last].to_vec()).await?;
    let started = Instant::now();
    let at = last as u64;
    patch(client, server, token, &location, at, jpeg[last..].to_vec()).await?;
    let status = ready(client, server, token, id).await?;
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    if !status.file.is_some_and(|f| f.has_thumbnail) {
        bail!("the 12 MP JPEG got no thumbnail");
    }
    Ok(elapsed)
}
