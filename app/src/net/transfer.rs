//! The transfer worker: one thread takes [`TransferCommand`]s and runs each upload and
//! download on a thread of its own (so a large file never holds up a small one), and images
//! one after another on another. Every transfer reads the bearer token from the shared
//! [`TokenCell`] at each request, reports what happens as [`TransferEvent`]s, and can be
//! stopped at any point through its [`Stop`].

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::action::Action;
use crate::net::client::Http;
use crate::net::transfer_io::{Context, Stop, TokenCell};
use crate::net::wake::Wake;
use crate::net::{download, upload};
use crate::transfers::{ImageKey, TransferCommand, TransferEvent, TransferKey};

/// Runs the transfer commands until the executor is dropped.
pub fn transfer_loop(
    commands: &Receiver<TransferCommand>,
    http: &Http,
    tokens: &Arc<TokenCell>,
    actions: &Sender<Action>,
    wake: &Wake,
) {
    let mut running: HashMap<TransferKey, Arc<Stop>> = HashMap::new();
    let (images, image_rx) = channel::<(String, ImageKey)>();
    {
        let (http, tokens, actions, wake) = (
            http.clone(),
            Arc::clone(tokens),
            actions.clone(),
            Arc::clone(wake),
        );
        spawn("natter-images", move || {
            while let Ok((server_url, key)) = image_rx.recv() {
                let context = Context::new(server_url, &http, &tokens, &actions, &wake);
                let bytes = download::image(&context, key);
                context.report(TransferEvent::Image { key, bytes });
            }
        });
    }
    while let Ok(command) = commands.recv() {
        // finished ones let go (marked before their last event, so a Retry finds them gone)
        running.retain(|_, stop| !stop.is_finished() && Arc::strong_count(stop) > 1);
        match command {
            TransferCommand::Upload {
                key,
                server_url,
                path,
                resume,
            } => {
                let id = TransferKey::Upload(key);
                if running.contains_key(&id) {
                    continue;
                }
                let mut context = Context::new(server_url, http, tokens, actions, wake);
                running.insert(id, Arc::clone(&context.stop));
                spawn("natter-upload", move || {
                    upload::run(&mut context, key, &path, resume);
                });
            }
            TransferCommand::Download {
                server_url,
                file,
                to,
            } => {
                let id = TransferKey::Download(file.id);
                if running.contains_key(&id) {
                    continue;
                }
                let mut context = Context::new(server_url, http, tokens, actions, wake);
                running.insert(id, Arc::clone(&context.stop));
                spawn("natter-download", move || {
                    download::run(&mut context, &file, &to);
                });
            }
            TransferCommand::CancelUpload(key) => {
                if let Some(stop) = running.remove(&TransferKey::Upload(key)) {
                    stop.stop(); // the upload's thread terminates it on the server
                }
            }
            TransferCommand::CancelDownload(file) => {
                if let Some(stop) = running.remove(&TransferKey::Download(file)) {
                    stop.stop();
                }
            }
            TransferCommand::Image { server_url, key } => {
                if images.send((server_url, key)).is_err() {
                    tracing::error!("the image thread is gone");
                }
            }
            TransferCommand::StopAll => {
                for (_, stop) in running.drain() {
                    stop.stop();
                }
            }
        }
    }
    for stop in running.values() {
        stop.stop();
    }
}

fn spawn(name: &str, body: impl FnOnce() + Send + 'static) {
    if let Err(error) = std::thread::Builder::new().name(name.into()).spawn(body) {
        tracing::error!(%error, thread = name, "could not start a transfer thread");
    }
}
