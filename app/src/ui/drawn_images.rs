//! Which images the views drew lately, so the app can forget the textures of those that
//! left the screen (`app/memory.rs`; egui's loaders otherwise keep every image for good).

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// An image not drawn for this long is forgotten (it loads again when it comes back).
pub const FORGET_AFTER: Duration = Duration::from_secs(60);

/// When each image URI was last drawn; in egui's temporary memory (one per context).
#[derive(Clone, Default)]
struct Drawn(HashMap<String, Instant>);

/// A view drew the image at `uri` in this frame.
pub fn mark(ctx: &egui::Context, uri: &str) {
    let now = Instant::now();
    ctx.data_mut(|d| {
        let drawn = d.get_temp_mut_or_default::<Drawn>(egui::Id::NULL);
        match drawn.0.get_mut(uri) {
            Some(at) => *at = now,
            None => {
                drawn.0.insert(uri.to_owned(), now);
            }
        }
    });
}

/// The images not drawn for [`FORGET_AFTER`] before `now`, no longer tracked from here on.
pub fn not_drawn_since(ctx: &egui::Context, now: Instant) -> Vec<String> {
    ctx.data_mut(|d| {
        let drawn = d.get_temp_mut_or_default::<Drawn>(egui::Id::NULL);
        let stale: Vec<String> = drawn
            .0
            .iter()
            .filter(|(_, at)| now.saturating_duration_since(**at) >= FORGET_AFTER)
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in &stale {
            drawn.0.remove(uri);
        }
        stale
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_not_drawn_for_a_minute_is_given_up_and_a_drawn_one_kept() {
        let ctx = egui::Context::default();
        mark(&ctx, "bytes://thumbnail/old");
        let later = Instant::now() + FORGET_AFTER;
        mark(&ctx, "bytes://thumbnail/new");
        assert_eq!(
            not_drawn_since(&ctx, later),
            vec!["bytes://thumbnail/old".to_owned()]
        );
        assert!(
            not_drawn_since(&ctx, later).is_empty(),
            "given up once, not again"
        );
    }
}
