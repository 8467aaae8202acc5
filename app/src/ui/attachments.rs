//! Files in the views: uploads (in the composer's tray and in messages on their way) with
//! progress, speed, Cancel and Retry; a stuck transfer (waiting for the network or the
//! scanner, trying by itself) is drawn apart from a failed one (red, with Retry). Files in
//! messages: images inline as thumbnails (fetched only when their row is drawn, so only
//! what is on screen) that open full size; other files as cards with Download, Open and
//! Show in folder. Dropping files on the conversation attaches them. Photos (avatars).

use egui::{Color32, RichText, Sense, Ui};
use natter_shared::api::FileInfo;
use natter_shared::{ChatId, FileId, UserId};

use super::format::file_size;
use super::theme::{BODY_SIZE, META_SIZE};
use super::words;
use crate::action::{Action, FileAction};
use crate::i18n::{Language, tr, tr_args};
use crate::state::{AppState, DownloadPhase, ImageState, Upload, UploadPhase, UploadPurpose};
use crate::transfers::{ImageKey, UploadKey, Waiting};

/// The longest side of an inline image, in points (the server's thumbnails are 320 px).
pub const INLINE_SIDE: f32 = 240.0;

/// "3.1 MB of 10.0 MB · 1.2 MB/s".
pub fn progress_text(lang: Language, done: u64, total: Option<u64>, per_second: u64) -> String {
    let size = |n: u64| file_size(i64::try_from(n).unwrap_or(i64::MAX));
    tr_args(
        lang,
        "files.progress",
        &[
            ("done", size(done)),
            ("total", total.map_or_else(|| "…".into(), size)),
            ("speed", size(per_second)),
        ],
    )
}

/// The icon of a file by its type.
pub fn type_icon(mime: &str) -> &'static str {
    match mime.split('/').next().unwrap_or_default() {
        "image" => "🖼",
        "video" => "🎬",
        "audio" => "🎵",
        "text" => "📄",
        _ if mime.contains("zip") || mime.contains("compressed") || mime.contains("tar") => "📦",
        _ if mime == "application/pdf" => "📕",
        _ => "📎",
    }
}

/// Every icon [`type_icon`] draws (the fonts must have each).
pub const TYPE_ICONS: [&str; 7] = ["🖼", "🎬", "🎵", "📄", "📦", "📕", "📎"];

/// The uploads of a draft, above the composer's field.
pub fn tray_ui(ui: &mut Ui, state: &AppState, chat_id: ChatId, actions: &mut Vec<Action>) {
    let lang = state.language;
    let Some(draft) = state.drafts.get(&chat_id) else {
        return;
    };
    for key in &draft.attachments {
        if let Some(upload) = state.chats.transfers.upload(*key) {
            upload_ui(ui, lang, upload, actions);
        }
    }
    if state.chats.transfers.too_many == Some(chat_id) {
        let max = natter_shared::api::MAX_ATTACHMENTS.to_string();
        super::widgets::error_line_ui(ui, &tr_args(lang, "files.too_many", &[("max", max)]));
    }
}

/// One upload: name, progress (or why it waits, or why it failed), Cancel and Retry.
pub fn upload_ui(ui: &mut Ui, lang: Language, upload: &Upload, actions: &mut Vec<Action>) {
    let key = upload.key;
    ui.horizontal(|ui| {
        ui.label(RichText::new("📎").size(BODY_SIZE));
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new(&upload.name).size(BODY_SIZE).strong());
                if ui
                    .small_button("×")
                    .on_hover_text(tr(lang, "files.cancel"))
                    .clicked()
                {
                    actions.push(Action::File(FileAction::UploadCancelled(key)));
                }
            });
            upload_status_ui(ui, lang, upload, key, actions);
        });
    });
}

fn upload_status_ui(
    ui: &mut Ui,
    lang: Language,
    upload: &Upload,
    key: UploadKey,
    actions: &mut Vec<Action>,
) {
    let width = 220.0;
    match &upload.phase {
        UploadPhase::Moving => {
            ui.add(
                egui::ProgressBar::new(upload.fraction())
                    .desired_width(width)
                    .desired_height(6.0),
            );
            let text = progress_text(lang, upload.done, upload.size, upload.per_second);
            ui.label(RichText::new(text).size(META_SIZE).weak());
        }
        UploadPhase::Waiting(why) => {
            // stuck, not failed: the bar stays, greyed, and it says what it waits for
            ui.add(
                egui::ProgressBar::new(upload.fraction())
                    .desired_width(width)
                    .desired_height(6.0)
                    .fill(Color32::GRAY),
            );
            let why = match why {
                Waiting::Network => tr(lang, "files.waiting_network"),
                Waiting::Scanning => tr(lang, "files.scanning"),
            };
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(RichText::new(why).size(META_SIZE).weak());
            });
        }
        UploadPhase::Failed(error) => {
            if failed_ui(ui, lang, error) {
                actions.push(Action::File(FileAction::UploadRetried(key)));
            }
        }
        UploadPhase::Ready(file) => {
            ui.label(RichText::new(file_size(file.size)).size(META_SIZE).weak());
        }
    }
}

/// Why a transfer failed, in red, with Retry; true when Retry was clicked.
fn failed_ui(ui: &mut Ui, lang: Language, error: &crate::state::UiError) -> bool {
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(words::error_message(lang, error))
                .size(META_SIZE)
                .color(ui.visuals().error_fg_color),
        );
        ui.small_button(tr(lang, "files.retry")).clicked()
    })
    .inner
}

/// A file a stored message carries: inline when it is an image, else a card.
pub fn file_ui(ui: &mut Ui, state: &AppState, file: &FileInfo, actions: &mut Vec<Action>) {
    if file.is_image() {
        inline_image_ui(ui, state, file, actions);
    } else {
        file_card_ui(ui, state, file, actions);
    }
}

/// The size an inline image takes: its thumbnail's, scaled into the inline box.
pub fn inline_size(file: &FileInfo) -> egui::Vec2 {
    #[allow(clippy::cast_precision_loss)] // pixel counts far below 2^24
    let (w, h) = match (file.width, file.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => (w as f32, h as f32),
        _ => (INLINE_SIDE, INLINE_SIDE * 0.75),
    };
    let scale = (INLINE_SIDE / w.max(h)).min(1.0);
    egui::vec2(w * scale, h * scale)
}

fn inline_image_ui(ui: &mut Ui, state: &AppState, file: &FileInfo, actions: &mut Vec<Action>) {
    let key = ImageKey::Thumbnail(file.id);
    let size = inline_size(file);
    let response = match state.chats.transfers.images.get(&key) {
        Some(ImageState::Loaded(bytes)) => ui.add(
            egui::Image::from_bytes(
                marked(ui, key.uri()),
                egui::load::Bytes::Shared(bytes.clone()),
            )
            .fit_to_exact_size(size)
            .corner_radius(6.0)
            .alt_text(&file.name)
            .sense(Sense::click()),
        ),
        other => {
            if other.is_none() {
                actions.push(Action::File(FileAction::ImageWanted(key)));
            }
            let (rect, response) = ui.allocate_exact_size(size, Sense::click());
            ui.painter()
                .rect_filled(rect, 6.0, ui.visuals().faint_bg_color);
            if matches!(other, Some(ImageState::Missing)) {
                ui.painter().text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "🖼",
                    egui::FontId::proportional(24.0),
                    ui.visuals().weak_text_color(),
                );
            }
            response
        }
    };
    let response = response.on_hover_text(&file.name);
    if response.clicked() {
        actions.push(Action::File(FileAction::ImageOpened(file.clone())));
    }
}

/// Type icon, name, size, and what can be done with it now.
fn file_card_ui(ui: &mut Ui, state: &AppState, file: &FileInfo, actions: &mut Vec<Action>) {
    let lang = state.language;
    let download = state.chats.transfers.downloads.get(&file.id);
    ui.horizontal(|ui| {
        ui.label(RichText::new(type_icon(&file.mime)).size(24.0));
        ui.vertical(|ui| {
            ui.label(RichText::new(&file.name).size(BODY_SIZE).strong());
            match download.map(|d| (&d.phase, d)) {
                None => {
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(file_size(file.size)).size(META_SIZE).weak());
                        if ui.small_button(tr(lang, "files.download")).clicked() {
                            actions.push(Action::File(FileAction::DownloadAsked(file.clone())));
                        }
                    });
                }
                Some((DownloadPhase::Moving | DownloadPhase::Waiting, d)) => {
                    ui.add(
                        egui::ProgressBar::new(d.fraction())
                            .desired_width(200.0)
                            .desired_height(6.0),
                    );
                    ui.horizontal(|ui| {
                        let size = u64::try_from(file.size).ok();
                        let text = if d.phase == DownloadPhase::Waiting {
                            tr(lang, "files.waiting_network")
                        } else {
                            progress_text(lang, d.done, size, d.per_second)
                        };
                        ui.label(RichText::new(text).size(META_SIZE).weak());
                        if ui.small_button(tr(lang, "files.cancel")).clicked() {
                            actions.push(Action::File(FileAction::DownloadCancelled(file.id)));
                        }
                    });
                }
                Some((DownloadPhase::Failed(error), _)) => {
                    if failed_ui(ui, lang, error) {
                        actions.push(Action::File(FileAction::DownloadAsked(file.clone())));
                    }
                }
                Some((DownloadPhase::Done, _)) => {
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(file_size(file.size)).size(META_SIZE).weak());
                        open_buttons_ui(ui, lang, file.id, actions);
                    });
                }
            }
        });
    });
}

fn open_buttons_ui(ui: &mut Ui, lang: Language, file: FileId, actions: &mut Vec<Action>) {
    if ui.small_button(tr(lang, "files.open")).clicked() {
        actions.push(Action::File(FileAction::OpenAsked {
            file,
            folder: false,
        }));
    }
    if ui.small_button(tr(lang, "files.show_in_folder")).clicked() {
        actions.push(Action::File(FileAction::OpenAsked { file, folder: true }));
    }
}

/// Files dragged over the conversation: a hint while they hover, attached when dropped.
pub fn drop_ui(ui: &mut Ui, chat_id: ChatId, actions: &mut Vec<Action>) {
    let (hovering, dropped) = ui.ctx().input(|i| {
        let dropped: Vec<std::path::PathBuf> = i
            .raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        (!i.raw.hovered_files.is_empty(), dropped)
    });
    if hovering {
        let rect = ui.max_rect();
        ui.painter().rect_filled(
            rect,
            8.0,
            ui.visuals().selection.bg_fill.gamma_multiply(0.25),
        );
        ui.painter().text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "⬇",
            egui::FontId::proportional(40.0),
            ui.visuals().strong_text_color(),
        );
    }
    if !dropped.is_empty() {
        actions.push(Action::FilesChosen {
            chat_id,
            files: dropped
                .into_iter()
                .map(|p| (UploadKey(uuid::Uuid::new_v4()), p))
                .collect(),
        });
    }
}

/// An image pasted (Ctrl+V with an image on the clipboard) is attached like a file.
pub fn paste_ui(ui: &mut Ui, chat_id: ChatId, actions: &mut Vec<Action>) {
    let pasted: Vec<std::sync::Arc<egui::ColorImage>> = ui.input(|i| {
        i.events
            .iter()
            .filter_map(|e| match e {
                egui::Event::PasteImage(image) => Some(image.clone()),
                _ => None,
            })
            .collect()
    });
    for image in pasted {
        actions.push(Action::File(FileAction::ImagePasted {
            chat_id,
            key: UploadKey(uuid::Uuid::new_v4()),
            image,
        }));
    }
}

/// `uri`, noted as drawn in this frame (images left off screen for a while are forgotten).
fn marked(ui: &Ui, uri: String) -> String {
    super::drawn_images::mark(ui.ctx(), &uri);
    uri
}

/// The image opened full size, over everything; Esc, a click outside or Close closes it.
pub fn viewer_ui(ctx: &egui::Context, state: &AppState, actions: &mut Vec<Action>) {
    let Some(file) = &state.chats.transfers.viewer else {
        return;
    };
    let lang = state.language;
    let download = state.chats.transfers.downloads.get(&file.id);
    let modal = egui::Modal::new(egui::Id::unique("natter-image-viewer")).show(ctx, |ui| {
        let screen = ctx.content_rect().size() * 0.85;
        ui.horizontal(|ui| {
            ui.label(RichText::new(&file.name).strong());
            ui.label(RichText::new(file_size(file.size)).weak());
        });
        match download.map(|d| &d.phase) {
            Some(DownloadPhase::Done) => {
                if let Some(d) = download {
                    let uri = marked(ui, super::photo_loader::uri(&d.path));
                    ui.add(egui::Image::new(uri).max_size(screen).shrink_to_fit());
                }
            }
            Some(DownloadPhase::Failed(error)) => {
                super::widgets::error_line_ui(ui, &words::error_message(lang, error));
            }
            _ => {
                let key = ImageKey::Thumbnail(file.id);
                if let Some(ImageState::Loaded(bytes)) = state.chats.transfers.images.get(&key) {
                    ui.add(
                        egui::Image::from_bytes(
                            marked(ui, key.uri()),
                            egui::load::Bytes::Shared(bytes.clone()),
                        )
                        .fit_to_exact_size(inline_size(file)),
                    );
                }
                if let Some(d) = download {
                    ui.add(egui::ProgressBar::new(d.fraction()).desired_width(240.0));
                }
            }
        }
        ui.horizontal(|ui| {
            if download.is_some_and(|d| d.phase == DownloadPhase::Done) {
                open_buttons_ui(ui, lang, file.id, actions);
            }
            if ui.button(tr(lang, "files.close")).clicked() {
                actions.push(Action::File(FileAction::ViewerClosed));
            }
        });
    });
    if modal.should_close() {
        actions.push(Action::File(FileAction::ViewerClosed));
    }
}

/// Change photo (or the photo's upload in progress) and Remove photo, for one's own photo
/// (`chat: None`) or a group's.
pub fn photo_buttons_ui(
    ui: &mut Ui,
    state: &AppState,
    chat: Option<ChatId>,
    has_photo: bool,
    actions: &mut Vec<Action>,
) {
    let lang = state.language;
    let purpose = chat.map_or(UploadPurpose::Photo, UploadPurpose::GroupPhoto);
    ui.vertical(|ui| {
        let uploads = &state.chats.transfers.uploads;
        if let Some(upload) = uploads.iter().find(|u| u.purpose == purpose) {
            upload_ui(ui, lang, upload, actions);
        } else if ui.button(tr(lang, "files.change_photo")).clicked() {
            actions.push(Action::File(FileAction::PhotoAsked(chat)));
        }
        if has_photo && ui.button(tr(lang, "files.remove_photo")).clicked() {
            actions.push(Action::File(FileAction::PhotoRemoved(chat)));
        }
    });
}

/// A chat's picture: the partner's photo in a direct chat, the group's photo in a group;
/// `None` to draw the initials instead.
pub fn chat_picture_ui(
    ui: &mut Ui,
    state: &AppState,
    summary: &natter_shared::api::ChatSummary,
    size: f32,
    actions: &mut Vec<Action>,
) -> Option<egui::Response> {
    if let Some(p) = &summary.partner {
        return photo_ui(ui, state, p.id, p.avatar, size, actions);
    }
    let key = ImageKey::ChatPhoto(summary.id, summary.photo?);
    image_ui(ui, state, key, size, actions)
}

/// A person's photo at `size`, round, when they have one and it has arrived; `None` to
/// draw the initials instead (the photo is asked for meanwhile).
pub fn photo_ui(
    ui: &mut Ui,
    state: &AppState,
    user: UserId,
    avatar: Option<FileId>,
    size: f32,
    actions: &mut Vec<Action>,
) -> Option<egui::Response> {
    image_ui(ui, state, ImageKey::Avatar(user, avatar?), size, actions)
}

/// A round fetched picture, or `None` while it is not there (it is asked for once).
fn image_ui(
    ui: &mut Ui,
    state: &AppState,
    key: ImageKey,
    size: f32,
    actions: &mut Vec<Action>,
) -> Option<egui::Response> {
    match state.chats.transfers.images.get(&key) {
        Some(ImageState::Loaded(bytes)) => Some(
            ui.add(
                egui::Image::from_bytes(
                    marked(ui, key.uri()),
                    egui::load::Bytes::Shared(bytes.clone()),
                )
                .fit_to_exact_size(egui::vec2(size, size))
                .corner_radius(size / 2.0),
            ),
        ),
        Some(_) => None,
        None => {
            actions.push(Action::File(FileAction::ImageWanted(key)));
            None
        }
    }
}
