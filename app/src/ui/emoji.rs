//! Colour emoji from Twemoji's 72×72 PNGs (the `twemoji-assets` crate, graphics CC-BY 4.0).
//! Inside text (a bubble's text, the composer, quotes) they are colour glyphs that
//! `emoji_glyphs` rasterizes from these PNGs, so the text wraps and edits as text. Alone they
//! are images decoded by egui_extras' image loader: jumbo emoji, the chat list's previews, the
//! picker. Text is split into [`Piece`]s: runs of plain text and single emoji (a whole ZWJ or
//! flag sequence is one). A message of one to three emoji and nothing else is "jumbo": drawn
//! large, no bubble.

use egui::{Image, ImageSource, RichText, Ui};
use twemoji_assets::png::PngTwemojiAsset;

/// The most emoji a message may have and still be drawn large.
pub const JUMBO_MAX: usize = 3;
/// The longest emoji sequence looked for, in chars (a family of four with its joiners).
const LONGEST: usize = 11;

/// A run of text or one emoji, borrowed from the text it was split from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Emoji(&'a str),
}

/// Whether `c` may begin an emoji: a cheap test that spares the lookups for ordinary text.
fn may_start(c: char, next: Option<char>) -> bool {
    let code = u32::from(c);
    match c {
        // keycaps: `1️⃣`, `#️⃣`
        '0'..='9' | '#' | '*' => matches!(next, Some('\u{FE0F}' | '\u{20E3}')),
        '©' | '®' => true,
        _ => code >= 0x2000,
    }
}

/// The longest emoji at the start of `text`, if there is one.
fn emoji_at(text: &str) -> Option<&str> {
    let mut ends: Vec<usize> = text
        .char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .take(LONGEST - 1)
        .collect();
    if ends.len() < LONGEST - 1 {
        ends.push(text.len());
    }
    ends.iter()
        .rev()
        .map(|&end| &text[..end])
        .find(|candidate| emojis::get(candidate).is_some() && image_bytes(candidate).is_some())
}

/// Splits `text` into runs of text and emoji that have an image.
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut run_start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if !may_start(c, next) {
            continue;
        }
        let Some(emoji) = emoji_at(&text[i..]) else {
            continue;
        };
        if run_start < i {
            out.push(Piece::Text(&text[run_start..i]));
        }
        out.push(Piece::Emoji(emoji));
        run_start = i + emoji.len();
        while chars.peek().is_some_and(|&(j, _)| j < run_start) {
            chars.next();
        }
    }
    if run_start < text.len() {
        out.push(Piece::Text(&text[run_start..]));
    }
    out
}

/// The number of emoji when `text` is one to [`JUMBO_MAX`] emoji and otherwise only
/// whitespace: such a message is drawn large, without a bubble.
pub fn jumbo_count(text: &str) -> Option<usize> {
    let mut count = 0;
    for piece in pieces(text.trim()) {
        match piece {
            Piece::Emoji(_) => count += 1,
            Piece::Text(t) if t.trim().is_empty() => {}
            Piece::Text(_) => return None,
        }
    }
    (1..=JUMBO_MAX).contains(&count).then_some(count)
}

/// The PNG of `emoji` (Twemoji names files without the variation selector U+FE0F).
pub(super) fn image_bytes(emoji: &str) -> Option<&'static [u8]> {
    if let Some(asset) = PngTwemojiAsset::from_emoji(emoji) {
        return Some(asset);
    }
    let plain: String = emoji.chars().filter(|&c| c != '\u{FE0F}').collect();
    PngTwemojiAsset::from_emoji(&plain).map(|asset| -> &'static [u8] { asset })
}

/// The image of `emoji`, `size` points square; `None` when Twemoji has none.
pub fn image(emoji: &str, size: f32) -> Option<Image<'static>> {
    let bytes = image_bytes(emoji)?;
    // an ASCII name (as Twemoji's files are named): the uri may be shown ("Loading …") in a
    // font that has no emoji
    let code: Vec<String> = emoji
        .chars()
        .map(|c| format!("{:x}", u32::from(c)))
        .collect();
    let source = ImageSource::Bytes {
        uri: format!("bytes://twemoji/{}.png", code.join("-")).into(),
        bytes: egui::load::Bytes::Static(bytes),
    };
    Some(
        Image::new(source)
            .fit_to_exact_size(egui::vec2(size, size))
            .alt_text(emoji),
    )
}

/// `text` at `size` with its emoji in colour (colour glyphs, see `emoji_glyphs`), wrapped
/// at the width available as one label: an emoji after a long text wraps with its word,
/// not alone.
pub fn text_ui(ui: &mut Ui, text: &str, size: f32, color: Option<egui::Color32>) {
    let rich = RichText::new(text).size(size);
    let rich = match color {
        Some(c) => rich.color(c),
        None => rich,
    };
    ui.add(egui::Label::new(rich).wrap().selectable(false));
}

/// `text` on one line at `size` in `color`, cut with "…" where it runs out of room, its
/// emoji in colour (the chat list's previews).
pub fn line_ui(ui: &mut Ui, text: &str, size: f32, color: egui::Color32) {
    let label = |t: &str| {
        egui::Label::new(RichText::new(t).color(color).size(size))
            .truncate()
            .selectable(false)
            .sense(egui::Sense::hover())
    };
    let pieces = pieces(text);
    if !pieces.iter().any(|p| matches!(p, Piece::Emoji(_))) {
        ui.add(label(text));
        return;
    }
    ui.horizontal(|ui| {
        ui.set_clip_rect(ui.clip_rect().intersect(ui.max_rect()));
        ui.spacing_mut().item_spacing.x = 0.0;
        let side = size * 1.25;
        for piece in pieces {
            if ui.available_width() < side {
                break;
            }
            match piece {
                Piece::Text(t) => {
                    ui.add(label(t));
                }
                Piece::Emoji(e) => {
                    if let Some(image) = image(e, side) {
                        ui.add(image);
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_split_into_runs_and_whole_emoji() {
        let cases: [(&str, Vec<Piece>, &str); 5] = [
            ("hello", vec![Piece::Text("hello")], "no emoji: one run"),
            (
                "hi 🥾!",
                vec![Piece::Text("hi "), Piece::Emoji("🥾"), Piece::Text("!")],
                "an emoji between text",
            ),
            (
                "🏔️🫠",
                vec![Piece::Emoji("🏔️"), Piece::Emoji("🫠")],
                "with a variation selector, and a Unicode 14 one",
            ),
            ("👨‍👩‍👧", vec![Piece::Emoji("👨‍👩‍👧")], "a ZWJ family is one emoji"),
            (
                "room 12, 3 o'clock",
                vec![Piece::Text("room 12, 3 o'clock")],
                "digits alone are no keycaps",
            ),
        ];
        for (text, want, why) in cases {
            assert_eq!(pieces(text), want, "{why}");
        }
    }

    #[test]
    fn one_to_three_emoji_alone_are_jumbo() {
        let cases = [
            ("👍", Some(1), "one"),
            (" 🎩 🍰 ", Some(2), "two, spaces around"),
            ("🏔️🥾🫠", Some(3), "three"),
            ("🏔️🥾🫠😸", None, "four are too many"),
            ("ok 👍", None, "text with it"),
            ("", None, "empty"),
            ("12", None, "digits"),
        ];
        for (text, want, why) in cases {
            assert_eq!(jumbo_count(text), want, "{why}: {text:?}");
        }
    }

    #[test]
    fn current_emoji_have_images() {
        for emoji in ["🏔️", "🥾", "🫠", "😸", "🇺🇦"] {
            assert!(image_bytes(emoji).is_some(), "{emoji}");
        }
    }
}
