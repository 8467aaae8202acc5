//! The native file dialogs (rfd) and opening files with the system's programs (opener), on
//! a thread of their own so the window keeps drawing while a dialog is open.

use std::sync::mpsc::{Receiver, Sender};

use crate::action::Action;
use crate::effect::DialogRequest;
use crate::net::wake::Wake;
use crate::transfers::UploadKey;

/// Shows each dialog asked for and sends back what was chosen.
pub fn dialog_loop(requests: &Receiver<DialogRequest>, actions: &Sender<Action>, wake: &Wake) {
    while let Ok(request) = requests.recv() {
        let action = match request {
            DialogRequest::AttachFiles { chat_id } => {
                let paths = rfd::FileDialog::new().pick_files().unwrap_or_default();
                Action::FilesChosen {
                    chat_id,
                    files: paths
                        .into_iter()
                        .map(|p| (UploadKey(uuid::Uuid::new_v4()), p))
                        .collect(),
                }
            }
            DialogRequest::SaveFile { file } => {
                let path = rfd::FileDialog::new().set_file_name(&file.name).save_file();
                match path {
                    Some(path) => Action::SaveTargetChosen { file, path },
                    None => continue,
                }
            }
            DialogRequest::SaveExport { json } => {
                let path = rfd::FileDialog::new()
                    .set_file_name("natter-export.json")
                    .save_file();
                let saved = path.map(|path| {
                    std::fs::write(&path, json.as_slice())
                        .map(|()| path)
                        .map_err(|e| e.to_string())
                });
                Action::Security(crate::action::SecurityAction::ExportSaved(saved))
            }
            DialogRequest::ChoosePhoto { chat } => {
                let picked = rfd::FileDialog::new()
                    .add_filter("images", &["png", "jpg", "jpeg", "gif", "webp"])
                    .pick_file();
                match picked {
                    Some(path) => Action::PhotoChosen {
                        key: UploadKey(uuid::Uuid::new_v4()),
                        path,
                        chat,
                    },
                    None => continue,
                }
            }
            DialogRequest::SavePasted {
                chat_id,
                key,
                image,
                dir,
            } => match save_png(&image, &dir, key) {
                Ok(path) => Action::FilesChosen {
                    chat_id,
                    files: vec![(key, path)],
                },
                Err(error) => {
                    tracing::warn!(%error, "could not keep a pasted image");
                    continue;
                }
            },
            DialogRequest::Open(path) => {
                if let Err(error) = opener::open(&path) {
                    tracing::warn!(%error, path = %path.display(), "could not open");
                }
                continue;
            }
        };
        if actions.send(action).is_err() {
            return;
        }
        wake();
    }
}

/// Writes a pasted image as `pasted-<key>.png` in `dir` (uploads read from files, so a
/// restart can resume them like any other).
fn save_png(
    image: &egui::ColorImage,
    dir: &std::path::Path,
    key: UploadKey,
) -> Result<std::path::PathBuf, String> {
    let [width, height] = image.size;
    let rgba: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|c| c.to_srgba_unmultiplied())
        .collect();
    let (w, h) = (
        u32::try_from(width).map_err(|e| e.to_string())?,
        u32::try_from(height).map_err(|e| e.to_string())?,
    );
    let buffer = image::RgbaImage::from_raw(w, h, rgba).ok_or("the image has no pixels")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("pasted-{}.png", key.0.simple()));
    buffer.save(&path).map_err(|e| e.to_string())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_image_is_kept_as_a_png_that_decodes_to_the_same_pixels() {
        let dir = std::env::temp_dir().join(format!("natter-paste-{}", uuid::Uuid::new_v4()));
        let mut image = egui::ColorImage::filled([3, 2], egui::Color32::from_rgb(200, 10, 30));
        image.pixels[0] = egui::Color32::from_rgb(1, 2, 3);
        let key = UploadKey(uuid::Uuid::from_u128(5));
        let path = save_png(&image, &dir, key).unwrap();
        let back = image::open(&path).unwrap().to_rgba8();
        assert_eq!((back.width(), back.height()), (3, 2));
        assert_eq!(back.get_pixel(0, 0).0, [1, 2, 3, 255]);
        assert_eq!(back.get_pixel(2, 1).0, [200, 10, 30, 255]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
