//! The eframe glue: builds the state and the executor, drains the network channel in
//! `logic`, draws in `ui`, remembers the language and server address in `save`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use std::collections::HashMap;

use chrono::Offset as _;
use natter_shared::ChatId;
use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::cli::Cli;
use crate::config::{APP_ID, Config, exe_dir};
use crate::effect::{Effect, StoreWrite};
use crate::i18n::Language;
use crate::net::Executor;
use crate::net::tls::Trust;
use crate::reduce::reduce;
use crate::state::{AppState, DEFAULT_SERVER_URL, Draft, Screen, Settings, Theme};
use crate::store::{self, Account, Store};
use crate::token_store::{StoredSession, TokenStore};
use crate::ui;

mod memory;
mod probe;
mod saved;
mod signals;
use saved::{SavedEnded, SavedOutbox};

/// The eframe storage key of [`Remembered`].
const STORAGE_KEY: &str = "natter";
/// How long one frame may spend applying network results before it yields to drawing.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);

/// What eframe persists for us (the window size it persists by itself).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Remembered {
    language: Option<Language>,
    server_url: Option<String>,
    settings: Settings,
    /// Only when there is no local store (it could not be opened): the store keeps them.
    drafts: HashMap<ChatId, Draft>,
    open_chat: Option<ChatId>,
    /// Sends not yet acknowledged when the app closed: they go out on the next connection,
    /// with their original request ids, if the same person is signed in to the same server.
    /// Written only when there is no local store; one saved by an older version moves into
    /// the store once.
    outbox: Option<SavedOutbox>,
    /// Groups the person is no longer in, with what they had seen: kept in the list.
    ended: Option<SavedEnded>,
}

pub struct NatterApp {
    state: AppState,
    inbox: Receiver<Action>,
    executor: Executor,
    /// The theme last handed to egui.
    applied_theme: Option<Theme>,
    /// When `main` began; taken (and logged) once the first frame is laid out.
    started: Option<Instant>,
    /// Set when the person chose to restart into an installed update; `run` then starts it.
    restart: Arc<AtomicBool>,
    /// Set when the system asked the process to end (SIGTERM …): the window closes.
    end_asked: Arc<AtomicBool>,
    /// Forgets images off screen for a while and logs what memory egui holds.
    memory: memory::Keeper,
    /// The local store of the signed-in account (`None` signed out, or when it could not be
    /// opened: then the outbox and drafts go to eframe's storage as before).
    store: Option<Store>,
    data_dir: std::path::PathBuf,
}

/// The one-time move of the outbox and drafts eframe kept (before the store) into the store.
const EFRAME_MIGRATION: &str = "eframe-outbox-and-drafts";

impl NatterApp {
    /// `started` is when the process began, for the start-up time logged at the first frame.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        config: &Config,
        no_update: bool,
        started: Instant,
        restart: Arc<AtomicBool>,
    ) -> Self {
        let mut remembered: Remembered = cc
            .storage
            .and_then(|s| eframe::get_value(s, STORAGE_KEY))
            .unwrap_or_default();
        let language = remembered.language.unwrap_or_else(Language::from_system);
        let server_url = config
            .server_url
            .clone()
            .or(remembered.server_url)
            .unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned());

        let token_store = TokenStore::open(&config.data_dir, config.use_keyring);
        let stored = token_store.load().unwrap_or_else(|error| {
            tracing::warn!(%error, "could not read the stored session; signing in afresh");
            None
        });

        egui_extras::install_image_loaders(&cc.egui_ctx);
        memory::configure(&cc.egui_ctx);
        probe::install_from_env(&cc.egui_ctx);
        cc.egui_ctx
            .add_image_loader(Arc::new(crate::ui::photo_loader::PhotoLoader::default()));
        let (sender, inbox) = channel();
        let ctx = cc.egui_ctx.clone();
        let trust = Trust::load(config.extra_ca_file().as_deref());
        let executor = Executor::spawn(
            token_store,
            sender,
            Arc::new(move || ctx.request_repaint()),
            config.data_dir.join("updates"),
            &trust,
        );
        let mut state = AppState::new(language, server_url, config.device_name.clone());
        state.settings = remembered.settings;
        state.drafts = remembered.drafts;
        state.reopen = remembered.open_chat;
        state.files_dir = config.data_dir.join("files");
        state.update.off_for_this_run = no_update;
        state.portable_dir = config.portable.then(|| config.data_dir.clone());
        state.extra_ca = trust.extra().clone();
        if let Some(url) = &config.update_url {
            state.settings.update_url.clone_from(url);
        }
        let store = stored
            .as_ref()
            .and_then(|s| open_store(&config.data_dir, s));
        if store.is_none() {
            // no store: the outbox eframe kept comes back as before it existed
            if let Some(saved) = remembered.outbox.take() {
                restore_saved(&mut state, saved, stored.as_ref());
            }
        }
        if let Some(ended) = remembered.ended {
            ended.restore(&mut state, stored.as_ref());
        }
        let end_asked = Arc::new(AtomicBool::new(false));
        let ctx = cc.egui_ctx.clone();
        signals::watch(Arc::clone(&end_asked), move || ctx.request_repaint());
        let mut app = Self {
            state,
            inbox,
            executor,
            applied_theme: None,
            started: Some(started),
            restart,
            end_asked,
            memory: memory::Keeper::new(),
            store,
            data_dir: config.data_dir.clone(),
        };
        app.load_kept(remembered.outbox, stored.as_ref());
        app.dispatch(Action::Started { stored });
        app.dispatch(Action::UpdatesStarted);
        app
    }

    /// What the store kept comes into the state; an outbox and drafts an older version left
    /// in eframe's storage move into the store, once.
    fn load_kept(&mut self, saved: Option<SavedOutbox>, stored: Option<&StoredSession>) {
        let Some(store) = &self.store else {
            return;
        };
        let migrate = !store.is_done(EFRAME_MIGRATION).unwrap_or(true);
        if !migrate {
            // moved already: what eframe still has of them is older than the store
            self.state.drafts.clear();
        }
        let loaded = Instant::now();
        match store.load() {
            Ok(kept) => {
                tracing::info!(
                    chats = kept.chats.len(),
                    sends = kept.sends.len(),
                    ms = loaded.elapsed().as_millis(),
                    "local store loaded"
                );
                // not through `dispatch`: there is no session in the state before `Started`,
                // and the store must not follow that absence (it would be closed)
                for effect in reduce(&mut self.state, Action::KeptLoaded(Box::new(kept))) {
                    self.executor.run(effect);
                }
            }
            Err(error) => tracing::warn!(%error, "the local store could not be read"),
        }
        if !migrate {
            return;
        }
        if let Some(saved) = saved {
            restore_saved(&mut self.state, saved, stored);
        }
        // the kept state, with what moved in, written whole (chats are there already)
        let writes = crate::reduce::kept_everything(&self.state);
        for write in writes {
            if !matches!(write, StoreWrite::Chat(_) | StoreWrite::User(_)) {
                self.write(write);
            }
        }
        if let Some(store) = &self.store
            && let Err(error) = store.mark_done(EFRAME_MIGRATION)
        {
            tracing::warn!(%error, "could not note the move into the local store");
        }
    }

    fn dispatch(&mut self, action: Action) {
        let effects = reduce(&mut self.state, action);
        self.follow_account(&effects);
        for effect in effects {
            match effect {
                Effect::Store(write) => self.write(write),
                effect => self.executor.run(effect),
            }
        }
        let session = self.state.session.as_ref();
        self.executor
            .set_token(session.and_then(|s| s.access_token.as_deref()));
    }
}

impl NatterApp {
    /// Runs a store write now, on this thread: it is on disk before the next frame. One that
    /// fails is kept and made again later (`store/backlog.rs`); the person is told.
    fn write(&mut self, write: StoreWrite) {
        let Some(store) = self.store.as_mut() else {
            return;
        };
        let outcome = store.keep(write, Instant::now());
        self.tell(outcome);
    }

    /// The waiting store writes tried again when their time came; a repaint asked for then.
    fn retry_writes(&mut self, ctx: &egui::Context) {
        let Some(store) = self.store.as_mut() else {
            return;
        };
        let now = Instant::now();
        let outcome = store.retry(now);
        if let Some(at) = store.retry_at() {
            ctx.request_repaint_after(at.saturating_duration_since(now));
        }
        if let Some(outcome) = outcome {
            self.tell(outcome);
        }
    }

    /// The person learns when writing to the store starts failing and when it works again.
    fn tell(&mut self, outcome: store::Outcome) {
        match outcome {
            store::Outcome::Failed(problem) => self.dispatch(Action::StoreWriteFailed(problem)),
            store::Outcome::Recovered => self.dispatch(Action::StoreWriteRecovered),
            store::Outcome::Saved | store::Outcome::StillFailing => {}
        }
    }

    /// The store belongs to the signed-in account: opened when a session begins, closed when
    /// it ends, and deleted when the person signed out (`ClearSession`).
    fn follow_account(&mut self, effects: &[Effect]) {
        let wanted = self.state.session.as_ref().map(|s| Account {
            user_id: s.user_id,
            server_url: s.server_url.clone(),
        });
        if wanted.as_ref() == self.store.as_ref().map(Store::account) {
            return;
        }
        if let Some(old) = self.store.take()
            && effects.iter().any(|e| matches!(e, Effect::ClearSession))
        {
            old.remove();
        }
        let Some(account) = wanted else {
            return;
        };
        match Store::open(&self.data_dir, &account) {
            Ok(mut store) => {
                // a new sign-in starts from the server's state, not a stale copy
                if let Err(error) = store.clear() {
                    tracing::warn!(%error, "could not empty the local store");
                }
                self.store = Some(store);
            }
            Err(error) => tracing::error!(%error, "the local store could not be opened"),
        }
    }
}

/// The stored session's store, if it can be opened.
fn open_store(data_dir: &std::path::Path, stored: &StoredSession) -> Option<Store> {
    let account = Account {
        user_id: stored.user_id,
        server_url: stored.server_url.clone(),
    };
    Store::open(data_dir, &account)
        .inspect_err(|error| tracing::error!(%error, "the local store could not be opened"))
        .ok()
}

/// The outbox an older version (or a run without a store) saved, into the state: sends not
/// already there, for the same person on the same server only.
fn restore_saved(state: &mut AppState, saved: SavedOutbox, stored: Option<&StoredSession>) {
    let chats = &mut state.chats;
    for change in saved.restore_changes(stored) {
        if !chats
            .changes
            .iter()
            .any(|c| c.request_id == change.request_id)
        {
            chats.changes.push(change);
        }
    }
    for upload in saved.restore_uploads(stored) {
        if !chats.transfers.uploads.iter().any(|u| u.key == upload.key) {
            chats.transfers.uploads.push(upload);
        }
    }
    for send in saved.restore(stored) {
        if !chats.outbox.iter().any(|o| o.request_id == send.request_id) {
            chats.outbox.push(send);
        }
    }
}

impl eframe::App for NatterApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.memory.tick(ctx);
        self.retry_writes(ctx);
        let now = chrono::Local::now();
        self.dispatch(Action::ClockSet {
            now: now.to_utc(),
            offset: now.offset().fix(),
        });
        if let Some(focused) = ctx.input(|i| i.viewport().focused)
            && focused != self.state.window_focused
        {
            self.dispatch(Action::WindowFocused(focused));
        }
        if self.applied_theme != Some(self.state.settings.theme) {
            self.applied_theme = Some(self.state.settings.theme);
            ctx.set_theme(match self.state.settings.theme {
                Theme::System => egui::ThemePreference::System,
                Theme::Light => egui::ThemePreference::Light,
                Theme::Dark => egui::ThemePreference::Dark,
            });
        }
        if self.end_asked.swap(false, Ordering::SeqCst) {
            // as the person's own close: eframe saves the state, then `run` returns
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        if self.state.update.restart_requested && !self.restart.swap(true, Ordering::SeqCst) {
            // eframe saves the state as the window closes; `run` then starts the new binary
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let deadline = Instant::now() + DRAIN_BUDGET;
        while let Ok(action) = self.inbox.try_recv() {
            self.dispatch(action);
            if Instant::now() >= deadline {
                ctx.request_repaint(); // more may be waiting: continue next frame
                break;
            }
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut actions = Vec::new();
        ui::app_ui(ui, &self.state, &mut actions);
        if !actions.is_empty() {
            ui.ctx().request_repaint();
        }
        for action in actions {
            self.dispatch(action);
        }
        if let Some(started) = self.started.take() {
            // eframe paints this frame right after `ui` returns
            let chat_list =
                matches!(self.state.screen, Screen::Shell(_)) && self.state.chats.loaded;
            tracing::info!(
                since_start_ms = started.elapsed().as_millis(),
                chat_list,
                chats = self.state.chats.order.len(),
                open_chat_messages = self
                    .state
                    .chats
                    .open
                    .and_then(|id| self.state.chats.by_id.get(&id))
                    .map_or(0, |e| e.messages.len()),
                "first frame laid out"
            );
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        // with a store, the outbox and drafts are in it already (written as they changed)
        let no_store = self.store.is_none();
        let remembered = Remembered {
            language: Some(self.state.language),
            server_url: Some(self.state.server_url.clone()),
            settings: self.state.settings.clone(),
            drafts: if no_store {
                self.state.drafts.clone()
            } else {
                HashMap::new()
            },
            open_chat: self.state.chats.open.or(self.state.reopen),
            outbox: SavedOutbox::of(&self.state).filter(|_| no_store),
            ended: SavedEnded::of(&self.state),
        };
        eframe::set_value(storage, STORAGE_KEY, &remembered);
    }
}

/// The window's icon, from the PNG in `assets/`.
fn icon() -> Option<egui::IconData> {
    let png = include_bytes!("../../assets/icons/natter-256.png");
    match image::load_from_memory_with_format(png, image::ImageFormat::Png) {
        Ok(image) => {
            let rgba = image.into_rgba8();
            let (width, height) = rgba.dimensions();
            Some(egui::IconData {
                rgba: rgba.into_raw(),
                width,
                height,
            })
        }
        Err(error) => {
            tracing::warn!(%error, "the window icon could not be read");
            None
        }
    }
}

/// Opens the window and runs until it closes; `started` is when the process began. When the
/// person chose to restart into an installed update, starts it in this process's place.
pub fn run(cli: &Cli, started: Instant) -> anyhow::Result<()> {
    let config = Config::from_env(|name| std::env::var(name).ok())
        .with_portable(cli.portable, exe_dir().as_deref());
    if let Err(error) = std::fs::create_dir_all(&config.data_dir) {
        tracing::warn!(dir = %config.data_dir.display(), %error, "could not create the data dir");
    }
    tracing::info!(
        version = crate::build_info::VERSION,
        commit = crate::build_info::COMMIT,
        data_dir = %config.data_dir.display(),
        portable = config.portable,
        "starting"
    );
    let mut viewport = egui::ViewportBuilder::default()
        .with_app_id(APP_ID)
        .with_title("Natter")
        .with_inner_size([900.0, 640.0])
        .with_min_inner_size([420.0, 480.0]);
    if let Some(icon) = icon() {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport,
        persistence_path: Some(config.data_dir.join("app.ron")),
        ..Default::default()
    };
    let restart = Arc::new(AtomicBool::new(false));
    let app_restart = Arc::clone(&restart);
    let no_update = cli.no_update;
    eframe::run_native(
        "Natter",
        options,
        Box::new(move |cc| {
            Ok(Box::new(NatterApp::new(
                cc,
                &config,
                no_update,
                started,
                app_restart,
            )))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window failed: {e}"))?;
    if restart.load(Ordering::SeqCst) {
        let exe = crate::update::install::current_exe()?;
        return Err(crate::update::install::restart(&exe, crate::build_info::VERSION).into());
    }
    Ok(())
}
