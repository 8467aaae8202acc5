//! Which images the views drew lately, so the app can forget the textures of those that
//! left the screen (`app/memory.rs`; egui's loaders otherwise keep every image for good).

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// An image not drawn for this long is forgotten (it loads again when it comes back: a
/// thumbnail's or avatar's bytes are still in the state, so that is one decode, ~1 ms; a
/// photo is read again from its file). Seconds, not a minute: the textures of a chat left
/// behind, or of a photo closed, are freed before the next ones pile on top of them.
pub const FORGET_AFTER: Duration = Duration::from_secs(5);

/// When each image URI was last drawn, and in which frame; in egui's temporary memory.
#[derive(Clone, Default)]
struct Drawn(HashMap<String, (Instant, u64)>);

/// A view drew the image at `uri` in this frame.
pub fn mark(ctx: &egui::Context, uri: &str) {
    let now = (Instant::now(), ctx.cumulative_frame_nr());
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

/// The images not drawn for [`FORGET_AFTER`] before `now` and not in the last frame drawn
/// (an image still on screen while nothing repainted for a while is not one of them), no
/// longer tracked from here on. Called between frames.
pub fn not_drawn_since(ctx: &egui::Context, now: Instant) -> Vec<String> {
    let frames_done = ctx.cumulative_frame_nr();
    ctx.data_mut(|d| {
        let drawn = d.get_temp_mut_or_default::<Drawn>(egui::Id::NULL);
        let stale: Vec<String> = drawn
            .0
            .iter()
            .filter(|(_, (at, frame))| {
                now.saturating_duration_since(*at) >= FORGET_AFTER && frame + 1 < frames_done
            })
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

    /// One frame in which the views draw `uris`.
    fn frame(ctx: &egui::Context, uris: &[&str]) {
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            for uri in uris {
                mark(ui.ctx(), uri);
            }
        });
        // no renderer here to take the font atlas
        output.textures_delta.clear();
    }

    #[test]
    fn an_image_not_drawn_for_a_few_seconds_is_given_up_and_a_drawn_one_kept() {
        let ctx = egui::Context::default();
        frame(&ctx, &["bytes://thumbnail/old", "bytes://thumbnail/new"]);
        frame(&ctx, &["bytes://thumbnail/new"]);
        frame(&ctx, &["bytes://thumbnail/new"]);
        let later = Instant::now() + FORGET_AFTER;
        assert_eq!(
            not_drawn_since(&ctx, later),
            vec!["bytes://thumbnail/old".to_owned()]
        );
        assert!(
            not_drawn_since(&ctx, later).is_empty(),
            "given up once, not again"
        );
        assert!(
            FORGET_AFTER <= Duration::from_secs(10),
            "a photo closed is let go within seconds"
        );
    }

    #[test]
    fn an_image_on_screen_while_nothing_repainted_is_kept() {
        let ctx = egui::Context::default();
        frame(&ctx, &["natter-photo:///tmp/photo.jpg"]);
        // no frame for a long while (the person looks at the photo), then the next frame
        let later = Instant::now() + FORGET_AFTER * 10;
        assert!(not_drawn_since(&ctx, later).is_empty());
        frame(&ctx, &[]);
        frame(&ctx, &[]);
        assert_eq!(
            not_drawn_since(&ctx, later),
            vec!["natter-photo:///tmp/photo.jpg".to_owned()],
            "closed: let go"
        );
    }
}
