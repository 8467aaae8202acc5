//! Full-size photos for the image viewer, decoded off the UI thread and scaled down to at
//! most [`MAX_SIDE`] pixels a side: the viewer shows a photo within the window, so a camera's
//! 3000 x 2000 (24 MB of pixels, and as much again as a texture, which Mesa's software
//! renderer keeps in RAM) would cost memory nobody sees. URIs are `natter-photo://<path>`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use egui::load::{ImageLoadResult, ImageLoader, ImagePoll, LoadError, SizeHint};
use egui::{ColorImage, Context};

/// The scheme of the viewer's photos.
pub const SCHEME: &str = "natter-photo://";
/// The longest side a photo is decoded to.
pub const MAX_SIDE: u32 = 2048;

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

    fn load(&self, ctx: &Context, uri: &str, _: SizeHint) -> ImageLoadResult {
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
                std::thread::spawn(move || {
                    let decoded = decode(&path).map(Arc::new);
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

/// The photo at `path`, at most [`MAX_SIDE`] a side.
fn decode(path: &str) -> Result<ColorImage, String> {
    let image = image::open(path).map_err(|e| e.to_string())?;
    let image = if image.width().max(image.height()) > MAX_SIDE {
        image.thumbnail(MAX_SIDE, MAX_SIDE)
    } else {
        image
    };
    let rgba = image.to_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    Ok(ColorImage::from_rgba_unmultiplied(size, rgba.as_raw()))
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
        let decoded = decode(path.to_str().unwrap()).unwrap();
        assert_eq!(decoded.size, [2048, 512]);
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
