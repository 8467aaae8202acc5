//! Sizes and colours of the chat views, named once: the chat list, the conversation header,
//! message bubbles, badges and avatars.

use egui::Color32;

/// The height of one chat-list row.
pub const CHAT_ROW_HEIGHT: f32 = 62.0;
/// Avatar diameter in the chat list.
pub const LIST_AVATAR: f32 = 44.0;
/// Avatar diameter in the conversation header.
pub const HEADER_AVATAR: f32 = 36.0;
/// Corner radius of a chat-list row's highlight.
pub const ROW_RADIUS: f32 = 6.0;

/// Chat title in the list.
pub const TITLE_SIZE: f32 = 14.5;
/// Last-message preview in the list.
pub const PREVIEW_SIZE: f32 = 13.0;
/// Times in the list, and badge numbers.
pub const SMALL_SIZE: f32 = 11.5;
/// The status line under the conversation title, reply quotes, failure notes.
pub const STATUS_SIZE: f32 = 12.0;
/// Message text.
pub const BODY_SIZE: f32 = 14.0;
/// The time inside a bubble.
pub const META_SIZE: f32 = 11.0;

/// Corner radius of a bubble and of a day or "new messages" pill.
pub const BUBBLE_RADIUS: f32 = 10.0;
/// A bubble is at most this share of the conversation's width …
pub const BUBBLE_MAX_SHARE: f32 = 0.65;
/// … and never narrower than this.
pub const BUBBLE_MIN_WIDTH: f32 = 160.0;
/// Space between a bubble and the conversation's edge.
pub const BUBBLE_EDGE: f32 = 8.0;
/// The space above the first message of a run of one sender's messages (within a run: 1).
pub const RUN_GAP: f32 = 6.0;
/// The avatar beside the last message of a run in a group.
pub const MESSAGE_AVATAR: f32 = 30.0;
/// One emoji of a message of one to three emoji (a single one is drawn a fifth larger).
pub const JUMBO_SIZE: f32 = 40.0;

/// The round "jump to the latest" button.
pub const JUMP_BUTTON: f32 = 40.0;

/// Unread counts (and the jump button's count).
pub const UNREAD_BADGE: Color32 = Color32::from_rgb(0x3A, 0x8F, 0xE0);
/// Unread counts of a muted chat.
pub const MUTED_BADGE: Color32 = Color32::from_gray(150);
/// The dot on the avatar of someone online.
pub const ONLINE_DOT: Color32 = Color32::from_rgb(0x3C, 0xC0, 0x5A);

/// One's own bubbles, light and dark theme.
pub const OWN_BUBBLE: [Color32; 2] = [
    Color32::from_rgb(0xDD, 0xF3, 0xC8),
    Color32::from_rgb(0x2B, 0x52, 0x78),
];
/// Others' bubbles, light and dark theme.
pub const OTHER_BUBBLE: [Color32; 2] = [Color32::WHITE, Color32::from_rgb(0x2E, 0x33, 0x3A)];

/// The fill of a bubble: own or not, in the current theme.
pub fn bubble_fill(own: bool, dark: bool) -> Color32 {
    let pair = if own { OWN_BUBBLE } else { OTHER_BUBBLE };
    pair[usize::from(dark)]
}

/// Avatar colours; a person or group keeps theirs (chosen by id).
pub const AVATAR_PALETTE: [Color32; 8] = [
    Color32::from_rgb(0xE1, 0x73, 0x76),
    Color32::from_rgb(0xF0, 0x9A, 0x4E),
    Color32::from_rgb(0xA6, 0x95, 0x3C),
    Color32::from_rgb(0x5C, 0xAA, 0x58),
    Color32::from_rgb(0x3E, 0xA8, 0xA0),
    Color32::from_rgb(0x4F, 0x8F, 0xD8),
    Color32::from_rgb(0x8E, 0x6C, 0xD6),
    Color32::from_rgb(0xD4, 0x6B, 0xB0),
];

/// Behind the matched words of a search snippet.
pub const SEARCH_MATCH: Color32 = Color32::from_rgba_premultiplied(0xC8, 0xA0, 0x00, 0x70);
/// Behind a message opened from search, at full strength (it fades).
pub const FOCUS_HIGHLIGHT: Color32 = Color32::from_rgba_premultiplied(0x3A, 0x8F, 0xE0, 0x50);
/// The width of the search panel.
pub const SEARCH_PANEL: f32 = 340.0;
/// How far below the window's top a notice floats in the shell: clear of its top bar (the
/// sections, Sign out), over the conversation header's title …
pub const NOTICE_TOP_SHELL: f32 = 48.0;
/// … and on the other screens: over the form's heading, clear of its fields.
pub const NOTICE_TOP: f32 = 8.0;
/// A notice's text wraps at this width, so the notice stays clear of the window's sides
/// (the chat list's buttons, the conversation's menu).
pub const NOTICE_TEXT_WIDTH: f32 = 380.0;
