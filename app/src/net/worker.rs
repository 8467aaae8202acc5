//! Runs effects off the UI thread: a few network threads for HTTP calls, one thread for
//! token-store writes (one thread, so writes land in the order they were asked for), the
//! WebSocket thread, the timer thread, the transfer worker and the dialog thread. Results come back as actions through a channel,
//! followed by a repaint request.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::api::ApiResponse;
use crate::effect::{ApiRequest, DialogRequest, Effect, SocketCommand, UpdateCommand};
use crate::net::client::Http;
use crate::net::http::{self, RetryPolicy};
use crate::net::tls::Trust;
use crate::net::transfer;
use crate::net::transfer_io::TokenCell;
use crate::net::wake::Wake;
use crate::net::{dialog, notify, socket, timer};
use crate::token_store::{StoredSession, TokenStore};
use crate::transfers::TransferCommand;

/// How many HTTP calls may be in flight at once.
const NETWORK_THREADS: usize = 3;

enum StoreCommand {
    Save(StoredSession),
    Clear,
}

/// Executes [`Effect`]s.
pub struct Executor {
    api: Sender<ApiRequest>,
    store: Sender<StoreCommand>,
    socket: Sender<SocketCommand>,
    timer: Sender<DateTime<Utc>>,
    notify: Sender<notify::NotifyCommand>,
    transfers: Sender<TransferCommand>,
    dialogs: Sender<DialogRequest>,
    updates: Sender<UpdateCommand>,
    /// The access token the transfers use.
    tokens: Arc<TokenCell>,
}

impl Executor {
    /// Starts the threads; they end when the executor is dropped. Every connection trusts
    /// `trust`'s roots; update archives are downloaded into `updates_dir`.
    pub fn spawn(
        token_store: TokenStore,
        actions: Sender<Action>,
        wake: Wake,
        updates_dir: std::path::PathBuf,
        trust: &Trust,
    ) -> Self {
        let client = Http::new(trust);
        let (api, api_rx) = channel::<ApiRequest>();
        let api_rx = Arc::new(Mutex::new(api_rx));
        for index in 0..NETWORK_THREADS {
            let api_rx = Arc::clone(&api_rx);
            let actions = actions.clone();
            let wake = Arc::clone(&wake);
            let client = client.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("natter-net-{index}"))
                .spawn(move || network_loop(&api_rx, &client, &actions, &wake));
            if let Err(error) = spawned {
                tracing::error!(%error, "could not start a network thread");
            }
        }
        let (socket, socket_rx) = channel();
        let (socket_actions, socket_wake) = (actions.clone(), Arc::clone(&wake));
        let socket_trust = trust.clone();
        spawn_named("natter-ws", move || {
            socket::socket_loop(&socket_rx, &socket_actions, &socket_wake, &socket_trust);
        });
        let (timer, timer_rx) = channel();
        let (timer_actions, timer_wake) = (actions.clone(), Arc::clone(&wake));
        spawn_named("natter-timer", move || {
            timer::timer_loop(&timer_rx, &timer_actions, &timer_wake);
        });
        let (notify, notify_rx) = channel();
        spawn_named("natter-notify", move || notify::notify_loop(&notify_rx));
        let tokens = Arc::new(TokenCell::default());
        let (transfers, transfer_rx) = channel();
        let (transfer_actions, transfer_wake) = (actions.clone(), Arc::clone(&wake));
        let transfer_tokens = Arc::clone(&tokens);
        let transfer_client = client.clone();
        spawn_named("natter-transfers", move || {
            transfer::transfer_loop(
                &transfer_rx,
                &transfer_client,
                &transfer_tokens,
                &transfer_actions,
                &transfer_wake,
            );
        });
        let (dialogs, dialog_rx) = channel();
        let (dialog_actions, dialog_wake) = (actions.clone(), Arc::clone(&wake));
        spawn_named("natter-dialogs", move || {
            dialog::dialog_loop(&dialog_rx, &dialog_actions, &dialog_wake);
        });
        let (updates, updates_rx) = channel();
        let (update_actions, update_wake) = (actions.clone(), Arc::clone(&wake));
        spawn_named("natter-update", move || {
            crate::update::worker::update_loop(
                &updates_rx,
                &update_actions,
                &update_wake,
                &updates_dir,
                &client,
            );
        });
        let (store, store_rx) = channel();
        spawn_named("natter-store", move || {
            store_loop(&token_store, &store_rx, &actions, &wake);
        });
        Self {
            api,
            store,
            socket,
            timer,
            notify,
            transfers,
            dialogs,
            updates,
            tokens,
        }
    }

    /// The access token uploads and downloads use from now on (`None`: signed out).
    pub fn set_token(&self, token: Option<&str>) {
        self.tokens.set(token);
    }

    pub fn run(&self, effect: Effect) {
        let sent = match effect {
            Effect::Api(request) => self.api.send(request).is_ok(),
            Effect::SaveSession(session) => self.store.send(StoreCommand::Save(session)).is_ok(),
            Effect::ClearSession => self.store.send(StoreCommand::Clear).is_ok(),
            Effect::Socket(command) => self.socket.send(command).is_ok(),
            Effect::WakeAt(at) => self.timer.send(at).is_ok(),
            Effect::Notify(notification) => self
                .notify
                .send(notify::NotifyCommand::Show(notification))
                .is_ok(),
            Effect::Withdraw(chat) => self
                .notify
                .send(notify::NotifyCommand::Withdraw(chat))
                .is_ok(),
            Effect::Transfer(command) => self.transfers.send(command).is_ok(),
            Effect::Dialog(request) => self.dialogs.send(request).is_ok(),
            Effect::Update(command) => self.updates.send(command).is_ok(),
            // the app runs these itself, on the UI thread (`crate::app`)
            Effect::Store(_) => {
                tracing::error!("a store write reached the executor; not kept");
                true
            }
        };
        if !sent {
            tracing::error!("effect dropped: its worker thread is gone");
        }
    }
}

fn spawn_named(name: &str, body: impl FnOnce() + Send + 'static) {
    if let Err(error) = std::thread::Builder::new().name(name.into()).spawn(body) {
        tracing::error!(%error, thread = name, "could not start a thread");
    }
}

fn network_loop(
    requests: &Mutex<Receiver<ApiRequest>>,
    client: &Http,
    actions: &Sender<Action>,
    wake: &Wake,
) {
    loop {
        let next = match requests.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(request) = next else {
            return; // the executor was dropped
        };
        let span = tracing::info_span!("api", call = ?request.call);
        let _entered = span.enter();
        let result = http::execute(
            &request,
            client,
            &RetryPolicy::default(),
            &mut std::thread::sleep,
        );
        if let Err(failure) = &result {
            tracing::info!(?failure, "call failed");
        }
        let response = ApiResponse {
            epoch: request.epoch,
            server_url: request.server_url,
            token_generation: request.token_generation,
            call: request.call,
            result,
            received_at: chrono::Utc::now(),
        };
        if actions.send(Action::ApiFinished(response)).is_err() {
            return;
        }
        wake();
    }
}

fn store_loop(
    store: &TokenStore,
    commands: &Receiver<StoreCommand>,
    actions: &Sender<Action>,
    wake: &Wake,
) {
    while let Ok(command) = commands.recv() {
        let result = match &command {
            StoreCommand::Save(session) => store.save(session),
            StoreCommand::Clear => store.clear(),
        };
        if let Err(error) = result {
            tracing::warn!(%error, "token store write failed");
            if actions
                .send(Action::SessionStoreFailed(error.to_string()))
                .is_err()
            {
                return;
            }
            wake();
        }
    }
}
