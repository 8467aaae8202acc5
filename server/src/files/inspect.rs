//! What a finished upload is, read from its bytes: its type (sniffed, never the client's
//! word), its SHA-256, an image's size (checked before anything is decoded, so a
//! decompression bomb costs nothing) and its thumbnail (re-encoded, so EXIF and GPS metadata
//! stay behind). Blocking work: run it off the async threads.

use std::io::{self, Read};
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

use sha2::{Digest, Sha256};

/// The long side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 320;

/// What the bytes say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    pub mime: String,
    pub sha256: String,
    /// An image's width and height.
    pub size: Option<(u32, u32)>,
}

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("files of type {0} are not accepted here")]
    TypeNotAllowed(String),
    #[error("the image is {width} × {height}: more than {max} pixels")]
    ImageTooLarge { width: u32, height: u32, max: u64 },
}

/// Sniffs, hashes and measures the file at `path`.
pub fn inspect(
    path: &Path,
    type_allowed: impl Fn(&str) -> bool,
    max_pixels: u64,
) -> io::Result<Result<Inspected, Refused>> {
    let mut file = std::fs::File::open(path)?;
    let mut head = vec![0u8; 8192];
    let n = read_up_to(&mut file, &mut head)?;
    head.truncate(n);
    let mime = sniff(&head);
    if !type_allowed(&mime) {
        return Ok(Err(Refused::TypeNotAllowed(mime)));
    }
    // the size from the header alone: a decompression bomb is refused before any decoding
    let size = if is_decodable_image(&mime) {
        match imagesize::size(path) {
            Ok(dim) => {
                let (width, height) = (
                    u32::try_from(dim.width).unwrap_or(u32::MAX),
                    u32::try_from(dim.height).unwrap_or(u32::MAX),
                );
                if u64::from(width) * u64::from(height) > max_pixels {
                    return Ok(Err(Refused::ImageTooLarge {
                        width,
                        height,
                        max: max_pixels,
                    }));
                }
                Some((width, height))
            }
            // not a readable image after all: kept as a plain file
            Err(_) => None,
        }
    } else {
        None
    };
    Ok(Ok(Inspected {
        mime,
        sha256: sha256_of(path)?,
        size,
    }))
}

/// The MIME type of content starting with `head`: what `infer` recognises, else UTF-8 text,
/// else `application/octet-stream`.
pub fn sniff(head: &[u8]) -> String {
    match infer::get(head) {
        Some(kind) => kind.mime_type().to_owned(),
        // a multi-byte character may be cut at the end of the head
        None if !head.is_empty() && utf8_prefix(head) => "text/plain".to_owned(),
        None => "application/octet-stream".to_owned(),
    }
}

fn utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(s) => !s.contains('\0'),
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    }
}

/// Types the image decoder reads (and a thumbnail can be made of).
pub fn is_decodable_image(mime: &str) -> bool {
    matches!(
        mime,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// A thumbnail of the image at `path`, upright, at most [`THUMBNAIL_SIDE`] on its long side:
/// JPEG, or PNG when it has transparency. `None` when the image cannot be decoded.
pub fn thumbnail(path: &Path, max_pixels: u64, side: u32) -> Option<(Vec<u8>, &'static str)> {
    let mut reader = ImageReader::open(path).ok()?.with_guessed_format().ok()?;
    let mut limits = Limits::default();
    // four bytes a pixel and room for the decoder's own buffers
    limits.max_alloc = Some(max_pixels.saturating_mul(8));
    reader.limits(limits);
    let mut decoder = reader.into_decoder().ok()?;
    let orientation = decoder.orientation().ok()?;
    let mut image = DynamicImage::from_decoder(decoder).ok()?;
    image.apply_orientation(orientation);
    let small = if image.width() > side || image.height() > side {
        image.thumbnail(side, side)
    } else {
        image
    };
    let mut out = io::Cursor::new(Vec::new());
    if small.color().has_alpha() {
        small.write_to(&mut out, image::ImageFormat::Png).ok()?;
        Some((out.into_inner(), "image/png"))
    } else {
        let rgb = DynamicImage::ImageRgb8(small.to_rgb8());
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82);
        rgb.write_with_encoder(encoder).ok()?;
        Some((out.into_inner(), "image/jpeg"))
    }
}

/// A square crop of the middle of an image (a thumbnail's bytes), `side` pixels wide, as
/// JPEG: avatars and group photos.
pub fn square(bytes: &[u8], side: u32) -> Option<Vec<u8>> {
    let image = image::load_from_memory(bytes).ok()?;
    let edge = image.width().min(image.height());
    let cropped = image.crop_imm(
        (image.width() - edge) / 2,
        (image.height() - edge) / 2,
        edge,
        edge,
    );
    let small = if edge > side {
        cropped.thumbnail(side, side)
    } else {
        cropped
    };
    let mut out = io::Cursor::new(Vec::new());
    let rgb = DynamicImage::ImageRgb8(small.to_rgb8());
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
    rgb.write_with_encoder(encoder).ok()?;
    Some(out.into_inner())
}

/// A file name safe in `Content-Disposition` and on every file system: path parts,
/// control and reserved characters gone, at most 255 bytes; never empty.
pub fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean = sanitize_filename::sanitize_with_options(
        base.trim(),
        sanitize_filename::Options {
            windows: true,
            truncate: true,
            replacement: "_",
        },
    );
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() {
        "file".to_owned()
    } else {
        clean
    }
}

fn sha256_of(path: &Path) -> io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    // small: many uploads may finish at once, each with its own buffer
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = file.read(&mut buf[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
        elf.resize(64, 0);
        assert_eq!(sniff(&elf), "application/x-executable");
        assert_eq!(sniff("привіт, світ".as_bytes()), "text/plain");
        // a text cut in the middle of a character is still text
        assert_eq!(sniff(&"ж".as_bytes()[..1]), "text/plain");
        assert_eq!(sniff(b"\0\x01\x02\x03"), "application/octet-stream");
        assert_eq!(sniff(b""), "application/octet-stream");
    }

    #[test]
    fn names_lose_paths_and_reserved_characters() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(safe_name("a\"b<c>\n.txt"), "a_b_c__.txt");
        assert_eq!(safe_name("CON"), "_");
        assert_eq!(safe_name("   "), "file");
        assert_eq!(safe_name(".hidden"), "hidden");
        assert!(safe_name(&"я".repeat(300)).len() <= 255);
        assert_eq!(safe_name("фото кота.jpg"), "фото кота.jpg");
    }
}
