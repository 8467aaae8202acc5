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
            DialogRequest::ChoosePhoto => {
                let picked = rfd::FileDialog::new()
                    .add_filter("images", &["png", "jpg", "jpeg", "gif", "webp"])
                    .pick_file();
                match picked {
                    Some(path) => Action::PhotoChosen {
                        key: UploadKey(uuid::Uuid::new_v4()),
                        path,
                    },
                    None => continue,
                }
            }
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
