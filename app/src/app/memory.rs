//! What the window's memory holds, and keeping the images part of it bounded (issue 15).
//!
//! egui's image loaders keep every image they ever loaded — its bytes, the decoded pixels
//! and the texture (which Mesa's software renderer keeps in RAM too) — until told to forget
//! it. Thumbnails, avatars and full-size photos of a long session therefore piled up. Now:
//! - `reduce_texture_memory`: once an image is a texture, its bytes and decoded pixels are
//!   dropped from the loaders (the reducer's state still has the bytes of thumbnails and
//!   avatars; a photo is a file on disk);
//! - the views mark each image they draw (`ui::drawn_images`); an image not drawn for a
//!   few seconds is forgotten (its texture freed; checked every second) and loads again if
//!   it comes back on screen;
//! - once a minute a `memory` log line says what egui holds: textures (the font atlas and
//!   images) and the loaders' caches, beside the process's RSS.

use std::time::{Duration, Instant};

use crate::ui::drawn_images;

/// How often images not drawn lately are forgotten.
const EVERY: Duration = Duration::from_secs(1);
/// How often the memory line is logged.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Set once, at start: images keep only their textures.
pub fn configure(ctx: &egui::Context) {
    ctx.options_mut(|o| o.reduce_texture_memory = true);
}

/// Runs every frame; at most once a [`EVERY`] forgets what was not drawn lately and logs.
pub struct Keeper {
    next: Instant,
    next_log: Instant,
    forgotten: usize,
}

impl Keeper {
    pub fn new() -> Self {
        let now = Instant::now();
        Self {
            next: now + EVERY,
            next_log: now + LOG_EVERY,
            forgotten: 0,
        }
    }

    pub fn tick(&mut self, ctx: &egui::Context) {
        let now = Instant::now();
        if now < self.next {
            return;
        }
        self.next = now + EVERY;
        let stale = drawn_images::not_drawn_since(ctx, now);
        for uri in &stale {
            ctx.forget_image(uri);
        }
        self.forgotten += stale.len();
        if now >= self.next_log {
            self.next_log = now + LOG_EVERY;
            log(ctx, std::mem::take(&mut self.forgotten));
        }
    }
}

fn log(ctx: &egui::Context, forgotten: usize) {
    let (textures, texture_bytes, largest) = {
        let manager = ctx.tex_manager();
        let manager = manager.read();
        let mut largest = [0, 0];
        let mut bytes = 0;
        for (_, meta) in manager.allocated() {
            bytes += meta.bytes_used();
            if meta.size[0] * meta.size[1] > largest[0] * largest[1] {
                largest = meta.size;
            }
        }
        (manager.num_allocated(), bytes, largest)
    };
    let loaders = ctx.loaders();
    let cached_bytes: usize = loaders.bytes.lock().iter().map(|l| l.byte_size()).sum();
    let cached_images: usize = loaders.image.lock().iter().map(|l| l.byte_size()).sum();
    tracing::info!(
        textures,
        texture_kib = texture_bytes / 1024,
        largest_texture = ?largest,
        loader_bytes_kib = cached_bytes / 1024,
        loader_images_kib = cached_images / 1024,
        forgotten,
        rss_kib = rss_kib(),
        "memory"
    );
}

/// The process's resident set (Linux), for the log line.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
