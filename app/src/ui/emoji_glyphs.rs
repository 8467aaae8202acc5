//! Colour emoji inside text: in the composer's field, reply quotes, buttons, anywhere egui
//! lays text out. egui 0.37 asks installed [`GlyphRasterizer`]s for grapheme clusters; these
//! two answer with the cluster's Twemoji PNG (the same images as the bubbles' emoji), scaled
//! to the font size, as a colour glyph. The text stays text: a `TextEdit`'s cursor, selection
//! and wrapping treat the emoji as the one cluster it is, and nothing is drawn on top.
//!
//! One rasterizer comes before the fonts for clusters with emoji presentation (`🙂`, `🏔️`),
//! so the monochrome emoji font no longer draws them; the other comes after the fonts, for a
//! cluster no font has (an emoji written without its variation selector, `🏔`). Each glyph is
//! decoded once per size (egui caches it in the font atlas).

use egui::epaint::text::{
    FontPriority, GlyphBitmap, GlyphRasterizer, GlyphRasterizerRequest, RasterizedGlyph,
    has_emoji_presentation,
};
use egui::{Color32, ColorImage};

/// An emoji's side against the font size.
pub const EMOJI_SCALE: f32 = 1.15;
/// How far the emoji reaches below the baseline, as a share of its side (as a descender).
const BELOW_BASELINE: f32 = 0.18;
/// The room on either side of an emoji, as a share of the font size.
const SIDE_BEARING: f32 = 0.05;
/// The largest side drawn (MAX_GLYPH_SIZE in egui is 1024).
const MAX_SIDE: f32 = 512.0;

/// Installs the two rasterizers; again is a no-op (safe every frame). Text laid out in the
/// pass it is first called in, before any other text, already has colour emoji.
pub fn install(ctx: &egui::Context) {
    ctx.add_glyph_rasterizer(
        GlyphRasterizer::new("natter::emoji_glyphs::presentation", |request| {
            if request.cluster.is_ascii() || !has_emoji_presentation(request.cluster) {
                return None;
            }
            rasterize(request)
        })
        .with_priority(FontPriority::Highest),
    );
    ctx.add_glyph_rasterizer(
        GlyphRasterizer::new("natter::emoji_glyphs::missing", |request| {
            if request.cluster.is_ascii() {
                return None;
            }
            rasterize(request)
        })
        .with_priority(FontPriority::Lowest),
    );
}

/// The cluster's Twemoji image as a colour glyph standing on the baseline, `None` when
/// Twemoji has no image for it.
fn rasterize(request: &GlyphRasterizerRequest<'_>) -> Option<RasterizedGlyph> {
    let bytes = super::emoji::image_bytes(request.cluster)?;
    let size = request.font_size_px;
    let side = (size * EMOJI_SCALE).round().clamp(1.0, MAX_SIDE);
    let decoded = image::load_from_memory_with_format(bytes, image::ImageFormat::Png)
        .ok()?
        .into_rgba8();
    let px = side as u32;
    let scaled = image::imageops::resize(&decoded, px, px, image::imageops::FilterType::Triangle);
    let pixels = scaled
        .pixels()
        .map(|p| Color32::from_rgba_unmultiplied(p[0], p[1], p[2], p[3]))
        .collect();
    let image = ColorImage::new([px as usize, px as usize], pixels);
    let bearing = (size * SIDE_BEARING).round();
    Some(RasterizedGlyph {
        bitmap: GlyphBitmap {
            image,
            // the pen is at the baseline: the image's top left is up and right of it
            offset_px: egui::vec2(bearing, -(side * (1.0 - BELOW_BASELINE)).round()),
            is_color: true,
        },
        advance_px: side + 2.0 * bearing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(cluster: &str) -> GlyphRasterizerRequest<'_> {
        GlyphRasterizerRequest {
            cluster,
            family: &egui::FontFamily::Proportional,
            font_size_px: 14.0,
            subpixel_offset_px: 0.0,
        }
    }

    #[test]
    fn an_emoji_is_a_colour_glyph_of_its_image() {
        for emoji in ["🥾", "🏔️", "🏔", "👨‍👩‍👧", "🇺🇦"] {
            let glyph = rasterize(&request(emoji)).unwrap_or_else(|| panic!("{emoji}"));
            assert!(glyph.bitmap.is_color, "{emoji}");
            assert_eq!(glyph.bitmap.image.size, [16, 16], "{emoji}");
            let opaque = glyph
                .bitmap
                .image
                .pixels
                .iter()
                .filter(|c| c.a() > 128)
                .count();
            assert!(opaque > 40, "{emoji}: {opaque} opaque pixels");
        }
        assert!(rasterize(&request("x")).is_none());
        assert!(rasterize(&request("ж")).is_none());
    }

    /// Laid out with the rasterizers, an emoji is one colour glyph per cluster (its other
    /// chars zero-width), inside the row, and the text around it is untouched.
    #[test]
    fn text_with_emoji_lays_out_colour_glyphs() {
        let ctx = egui::Context::default();
        install(&ctx);
        let mut galley = None;
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            galley = Some(ui.painter().layout_no_wrap(
                "go 🏔️🥾 ok".to_owned(),
                egui::FontId::proportional(14.0),
                Color32::WHITE,
            ));
        });
        output.textures_delta.clear(); // no renderer here
        let galley = galley.unwrap_or_else(|| panic!("laid out"));
        let row = &galley.rows[0];
        let colour: Vec<char> = row
            .glyphs
            .iter()
            .filter(|g| g.is_color)
            .map(|g| g.chr)
            .collect();
        assert_eq!(colour, ['🏔', '🥾']);
        assert_eq!(galley.text(), "go 🏔️🥾 ok");
        let text_height = row.rect().height();
        for g in row.glyphs.iter().filter(|g| g.is_color) {
            assert!(g.advance_width > 14.0, "{:?} {}", g.chr, g.advance_width);
            // the image stays within the line: its top at most a little above the row's
            let top = g.pos.y + g.uv_rect.offset.y;
            let bottom = top + g.uv_rect.size.y;
            assert!(
                top > -2.0 && bottom < text_height + 2.0,
                "{:?} drawn {top}..{bottom} in a row {text_height} high",
                g.chr
            );
        }
    }
}
