//! Full-size photos for the image viewer, decoded off the UI thread and scaled down to the
//! pixels the viewer shows them at (the size hint egui passes: the viewer's area times
//! pixels per point), never more than [`MAX_SIDE`] a side: a camera's 3000 x 2000 is 24 MB
//! of pixels, and as much again as a texture, which Mesa's software renderer keeps in RAM;
//! shown in an 765 x 510 pixel viewer it needs 1.5 MB. A JPEG is scaled in the decoder (1/2,
//! 1/4 or 1/8 in the DCT), so it is never whole in memory either; other formats are decoded
//! whole. One photo is decoded at a time, and a file whose decoding would need more than
//! [`MAX_DECODE_BYTES`] is refused with a message. URIs are `natter-photo://<path>`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use egui::load::{ImageLoadResult, ImageLoader, ImagePoll, LoadError, SizeHint};
use egui::{ColorImage, Context};

/// The scheme of the viewer's photos.
pub const SCHEME: &str = "natter-photo://";
/// The longest side a photo is decoded to, whatever the viewer's size.
pub const MAX_SIDE: u32 = 2048;
/// The shortest side limit a size hint may ask for (a first frame may offer little room).
pub const MIN_SIDE: u32 = 320;
/// The most memory decoding one photo may take (a 48-megapixel RGB photo is 144 MB).
pub const MAX_DECODE_BYTES: u64 = 160 * 1024 * 1024;

/// Held while a photo is decoded, so two full-size buffers are never alive at once.
static DECODING: Mutex<()> = Mutex::new(());

/// `None` while decoding.
type Slot = Option<Result<Arc<ColorImage>, String>>;

#[derive(Default)]
pub struct PhotoLoader {
    cache: Arc<Mutex<HashMap<String, Slot>>>,
}

/// The viewer's URI of the photo at `path`.
pub fn uri(path: &std::path::Path) -> String {
    format!("{SCHEME}{}", path.display())
}

impl ImageLoader for PhotoLoader {
    fn id(&self) -> &str {
        "natter::PhotoLoader"
    }

    fn load(&self, ctx: &Context, uri: &str, hint: SizeHint) -> ImageLoadResult {
        let Some(path) = uri.strip_prefix(SCHEME) else {
            return Err(LoadError::NotSupported);
        };
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        match cache.get(uri) {
            Some(Some(Ok(image))) => Ok(ImagePoll::Ready {
                image: Arc::clone(image),
            }),
            Some(Some(Err(error))) => Err(LoadError::Loading(error.clone())),
            Some(None) => Ok(ImagePoll::Pending { size: None }),
            None => {
                cache.insert(uri.to_owned(), None);
                let (cache, ctx) = (Arc::clone(&self.cache), ctx.clone());
                let (uri, path) = (uri.to_owned(), path.to_owned());
                let fit = bounds(hint);
                std::thread::spawn(move || {
                    let decoded = {
                        let _one_at_a_time =
                            DECODING.lock().unwrap_or_else(PoisonError::into_inner);
                        decode(&path, fit).map(Arc::new)
                    };
                    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
                    // forgotten meanwhile: nobody wants it any more
                    if let Some(slot) = cache.get_mut(&uri) {
                        *slot = Some(decoded);
                    }
                    drop(cache);
                    ctx.request_repaint();
                });
                Ok(ImagePoll::Pending { size: None })
            }
        }
    }

    fn forget(&self, uri: &str) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(uri);
    }

    fn forget_all(&self) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn byte_size(&self) -> usize {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(|slot| match slot {
                Some(Ok(image)) => image.pixels.len() * 4,
                _ => 0,
            })
            .sum()
    }
}

/// The box (width, height in pixels) a photo is scaled into for `hint`: what the viewer
/// shows it at, within [`MIN_SIDE`]..=[`MAX_SIDE`] a side.
fn bounds(hint: SizeHint) -> (u32, u32) {
    let clamp = |side: u32| side.clamp(MIN_SIDE, MAX_SIDE);
    match hint {
        SizeHint::Size { width, height, .. } => (clamp(width), clamp(height)),
        SizeHint::Width(width) => (clamp(width), MAX_SIDE),
        SizeHint::Height(height) => (MAX_SIDE, clamp(height)),
        SizeHint::Scale(_) => (MAX_SIDE, MAX_SIDE),
    }
}

/// The photo at `path`, scaled down (never up) to fit in `(width, height)`, its shape kept.
fn decode(path: &str, (width, height): (u32, u32)) -> Result<ColorImage, String> {
    let image = match jpeg_scaled(path, (width, height))? {
        Some(image) => image,
        None => decode_whole(path)?,
    };
    let image = if image.width() > width || image.height() > height {
        image.thumbnail(width, height)
    } else {
        image
    };
    let rgba = image.to_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    Ok(ColorImage::from_rgba_unmultiplied(size, rgba.as_raw()))
}

/// A JPEG (what cameras and phones send) decoded at the smallest of 1, 1/2, 1/4 or 1/8 of
/// its size that still covers `(width, height)`: the scaling happens in the DCT, so a
/// 3000 x 2000 photo shown at 765 x 510 never exists at full size in memory (4.5 MB
/// instead of 18). `None`: not a JPEG this way can read (then it is decoded whole).
fn jpeg_scaled(
    path: &str,
    (width, height): (u32, u32),
) -> Result<Option<image::DynamicImage>, String> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut magic = [0u8; 3];
    if file.read_exact(&mut magic).is_err() || magic != [0xFF, 0xD8, 0xFF] {
        return Ok(None);
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut decoder = jpeg_decoder::Decoder::new(std::io::BufReader::new(file));
    decoder.set_max_decoding_buffer_size(usize::try_from(MAX_DECODE_BYTES).unwrap_or(usize::MAX));
    let side = |v: u32| u16::try_from(v).unwrap_or(u16::MAX);
    let Ok((w, h)) = decoder.scale(side(width), side(height)) else {
        return Ok(None);
    };
    let format = decoder.info().map(|i| i.pixel_format);
    let Ok(pixels) = decoder.decode() else {
        return Ok(None);
    };
    let (w, h) = (u32::from(w), u32::from(h));
    Ok(match format {
        Some(jpeg_decoder::PixelFormat::RGB24) => {
            image::RgbImage::from_raw(w, h, pixels).map(image::DynamicImage::ImageRgb8)
        }
        Some(jpeg_decoder::PixelFormat::L8) => {
            image::GrayImage::from_raw(w, h, pixels).map(image::DynamicImage::ImageLuma8)
        }
        // rare (16-bit grey, CMYK): decoded whole by the general decoder
        _ => None,
    })
}

/// Any image the `image` crate reads, at its full size.
fn decode_whole(path: &str) -> Result<image::DynamicImage, String> {
    let mut reader = image::ImageReader::open(path)
        .and_then(image::ImageReader::with_guessed_format)
        .map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader.decode().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_photo_is_decoded_no_larger_than_the_limit_and_keeps_its_shape() {
        let dir = std::env::temp_dir().join(format!("natter-photo-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("wide").with_extension("png");
        image::RgbaImage::new(4096, 1024).save(&path).unwrap();
        let decoded = decode(path.to_str().unwrap(), bounds(SizeHint::Scale(1.0.into()))).unwrap();
        assert_eq!(decoded.size, [2048, 512]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_photo_is_decoded_at_the_size_the_viewer_shows_it() {
        let dir = std::env::temp_dir().join(format!("natter-photo-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("camera").with_extension("png");
        image::RgbaImage::new(3000, 2000).save(&path).unwrap();
        let shown = SizeHint::Size {
            width: 765,
            height: 544,
            maintain_aspect_ratio: true,
        };
        let decoded = decode(path.to_str().unwrap(), bounds(shown)).unwrap();
        assert_eq!(decoded.size, [765, 510]);
        // a first frame offering next to no room does not leave a photo a smudge
        let tiny = SizeHint::Size {
            width: 10,
            height: 10,
            maintain_aspect_ratio: true,
        };
        let decoded = decode(path.to_str().unwrap(), bounds(tiny)).unwrap();
        assert_eq!(decoded.size, [320, 213]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_camera_jpeg_is_scaled_while_decoding_never_whole_in_memory() {
        let dir = std::env::temp_dir().join(format!("natter-photo-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("camera").with_extension("jpg");
        let photo = image::RgbImage::from_fn(3000, 2000, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        photo.save(&path).unwrap();
        let path = path.to_str().unwrap();
        // half size covers 765 x 544; a quarter (750 x 500) would not
        let scaled = jpeg_scaled(path, (765, 544)).unwrap().expect("a JPEG");
        assert_eq!((scaled.width(), scaled.height()), (1500, 1000));
        let small = jpeg_scaled(path, (320, 320)).unwrap().expect("a JPEG");
        assert_eq!((small.width(), small.height()), (375, 250), "an eighth");
        let shown = decode(path, (765, 544)).unwrap();
        assert_eq!(shown.size, [765, 510]);
        // not a JPEG: the general decoder's turn
        let png = dir.join("screen").with_extension("png");
        image::RgbaImage::new(600, 400).save(&png).unwrap();
        assert!(
            jpeg_scaled(png.to_str().unwrap(), (765, 544))
                .unwrap()
                .is_none()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_small_photo_is_not_scaled_up() {
        let dir = std::env::temp_dir().join(format!("natter-photo-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("small").with_extension("png");
        image::RgbaImage::new(400, 300).save(&path).unwrap();
        let decoded = decode(path.to_str().unwrap(), (1600, 1200)).unwrap();
        assert_eq!(decoded.size, [400, 300]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn other_uris_are_not_this_loaders() {
        let loader = PhotoLoader::default();
        let ctx = Context::default();
        assert!(matches!(
            loader.load(&ctx, "bytes://thumbnail/x", SizeHint::default()),
            Err(LoadError::NotSupported)
        ));
    }
}
