//! The eframe glue: builds the state and the executor, drains the network channel in
//! `logic`, draws in `ui`, remembers the language and server address in `save`.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use std::collections::HashMap;

use chrono::{DateTime, Offset as _, Utc};
use natter_shared::{ChatId, MessageId, RequestId, UserId};
use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::config::{APP_ID, Config};
use crate::i18n::Language;
use crate::net::Executor;
use crate::reduce::reduce;
use crate::state::{
    AppState, DEFAULT_SERVER_URL, Draft, Outgoing, OutgoingState, PendingChange, Settings, Theme,
};
use crate::token_store::{StoredSession, TokenStore};
use crate::ui;

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
    drafts: HashMap<ChatId, Draft>,
    open_chat: Option<ChatId>,
    /// Sends not yet acknowledged when the app closed: they go out on the next connection,
    /// with their original request ids, if the same person is signed in to the same server.
    outbox: Option<SavedOutbox>,
    /// Groups the person is no longer in, with what they had seen: kept in the list.
    ended: Option<SavedEnded>,
}

/// The chats a person left or was removed from, as they were then, for whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SavedEnded {
    user_id: UserId,
    server_url: String,
    chats: Vec<(
        natter_shared::api::ChatSummary,
        natter_shared::api::DepartureReason,
    )>,
}

impl SavedEnded {
    fn of(state: &AppState) -> Option<Self> {
        let session = state.session.as_ref()?;
        let groups = &state.chats.groups;
        let chats: Vec<_> = groups
            .ended_summaries
            .iter()
            .filter_map(|(id, s)| groups.ended.get(id).map(|r| (s.clone(), *r)))
            .collect();
        (!chats.is_empty()).then(|| Self {
            user_id: session.user_id,
            server_url: session.server_url.clone(),
            chats,
        })
    }

    /// Back into the state, if they belong to the session being restored.
    fn restore(self, state: &mut AppState, stored: Option<&StoredSession>) {
        if !stored.is_some_and(|s| s.user_id == self.user_id && s.server_url == self.server_url) {
            return;
        }
        for (summary, reason) in self.chats {
            state.chats.groups.ended.insert(summary.id, reason);
            state
                .chats
                .groups
                .ended_summaries
                .insert(summary.id, summary);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SavedOutbox {
    user_id: UserId,
    server_url: String,
    sends: Vec<SavedSend>,
    /// Edits, deletes, reactions, pins and forwards not yet answered, as their frames.
    #[serde(default)]
    changes: Vec<SavedChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SavedChange {
    request_id: RequestId,
    chat_id: ChatId,
    frame: natter_shared::ws::ClientFrame,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SavedSend {
    request_id: RequestId,
    chat_id: ChatId,
    text: String,
    reply_to: Option<MessageId>,
    created_at: DateTime<Utc>,
}

impl SavedOutbox {
    /// What to keep of the state's outbox (nothing when signed out or nothing is pending).
    fn of(state: &AppState) -> Option<Self> {
        let session = state.session.as_ref()?;
        if state.chats.outbox.is_empty() && state.chats.changes.is_empty() {
            return None;
        }
        Some(Self {
            user_id: session.user_id,
            server_url: session.server_url.clone(),
            changes: state
                .chats
                .changes
                .iter()
                .map(|c| SavedChange {
                    request_id: c.request_id,
                    chat_id: c.chat_id,
                    frame: c.frame.clone(),
                })
                .collect(),
            sends: state
                .chats
                .outbox
                .iter()
                .map(|o| SavedSend {
                    request_id: o.request_id,
                    chat_id: o.chat_id,
                    text: o.text.clone(),
                    reply_to: o.reply_to,
                    created_at: o.created_at,
                })
                .collect(),
        })
    }

    fn ours(&self, stored: Option<&StoredSession>) -> bool {
        stored.is_some_and(|s| s.user_id == self.user_id && s.server_url == self.server_url)
    }

    /// The waiting changes, unsent, if they belong to the session being restored.
    fn restore_changes(&self, stored: Option<&StoredSession>) -> Vec<PendingChange> {
        if !self.ours(stored) {
            return Vec::new();
        }
        self.changes
            .iter()
            .map(|c| PendingChange {
                request_id: c.request_id,
                chat_id: c.chat_id,
                frame: c.frame.clone(),
                sent: false,
                before: None,
            })
            .collect()
    }

    /// The sends, queued, if they belong to the session being restored.
    fn restore(self, stored: Option<&StoredSession>) -> Vec<Outgoing> {
        if !self.ours(stored) {
            return Vec::new();
        }
        self.sends
            .into_iter()
            .map(|s| Outgoing {
                request_id: s.request_id,
                chat_id: s.chat_id,
                text: s.text,
                reply_to: s.reply_to,
                created_at: s.created_at,
                state: OutgoingState::Queued,
            })
            .collect()
    }
}

pub struct NatterApp {
    state: AppState,
    inbox: Receiver<Action>,
    executor: Executor,
    /// The theme last handed to egui.
    applied_theme: Option<Theme>,
    /// When `main` began; taken (and logged) once the first frame is laid out.
    started: Option<Instant>,
}

impl NatterApp {
    /// `started` is when the process began, for the start-up time logged at the first frame.
    pub fn new(cc: &eframe::CreationContext<'_>, config: &Config, started: Instant) -> Self {
        let remembered: Remembered = cc
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

        let (sender, inbox) = channel();
        let ctx = cc.egui_ctx.clone();
        let executor =
            Executor::spawn(token_store, sender, Arc::new(move || ctx.request_repaint()));
        let mut state = AppState::new(language, server_url, config.device_name.clone());
        state.settings = remembered.settings;
        state.drafts = remembered.drafts;
        state.reopen = remembered.open_chat;
        if let Some(saved) = remembered.outbox {
            state.chats.changes = saved.restore_changes(stored.as_ref());
            state.chats.outbox = saved.restore(stored.as_ref());
        }
        if let Some(ended) = remembered.ended {
            ended.restore(&mut state, stored.as_ref());
        }
        let mut app = Self {
            state,
            inbox,
            executor,
            applied_theme: None,
            started: Some(started),
        };
        app.dispatch(Action::Started { stored });
        app
    }

    fn dispatch(&mut self, action: Action) {
        for effect in reduce(&mut self.state, action) {
            self.executor.run(effect);
        }
    }
}

impl eframe::App for NatterApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
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
            tracing::info!(
                since_start_ms = started.elapsed().as_millis(),
                "first frame laid out"
            );
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let remembered = Remembered {
            language: Some(self.state.language),
            server_url: Some(self.state.server_url.clone()),
            settings: self.state.settings.clone(),
            drafts: self.state.drafts.clone(),
            open_chat: self.state.chats.open.or(self.state.reopen),
            outbox: SavedOutbox::of(&self.state),
            ended: SavedEnded::of(&self.state),
        };
        eframe::set_value(storage, STORAGE_KEY, &remembered);
    }
}

/// Opens the window and runs until it closes; `started` is when the process began.
pub fn run(started: Instant) -> anyhow::Result<()> {
    let config = Config::from_env(|name| std::env::var(name).ok());
    if let Err(error) = std::fs::create_dir_all(&config.data_dir) {
        tracing::warn!(dir = %config.data_dir.display(), %error, "could not create the data dir");
    }
    tracing::info!(data_dir = %config.data_dir.display(), "starting");
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_app_id(APP_ID)
            .with_title("Natter")
            .with_inner_size([900.0, 640.0])
            .with_min_inner_size([420.0, 480.0]),
        persistence_path: Some(config.data_dir.join("app.ron")),
        ..Default::default()
    };
    eframe::run_native(
        "Natter",
        options,
        Box::new(move |cc| Ok(Box::new(NatterApp::new(cc, &config, started)))),
    )
    .map_err(|e| anyhow::anyhow!("the window failed: {e}"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use natter_shared::SessionId;
    use uuid::Uuid;

    use super::*;
    use crate::state::Session;

    const SERVER: &str = "http://127.0.0.1:8080";

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn signed_in_with_pending_sends() -> AppState {
        let mut state = AppState::new(Language::English, SERVER.into(), "test device".into());
        state.session = Some(Session {
            server_url: SERVER.into(),
            user_id: user(1),
            username: "alice".into(),
            session_id: SessionId(Uuid::from_u128(9)),
            access_token: Some("jwt".into()),
            token_generation: 1,
            refresh_token: "r".into(),
            refreshing: false,
            pending: Vec::new(),
        });
        for (n, text, state_now) in [
            (1, "written offline", OutgoingState::Queued),
            (
                2,
                "on the wire when the app closed",
                OutgoingState::Sending {
                    since: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
                },
            ),
        ] {
            state.chats.outbox.push(Outgoing {
                request_id: RequestId(Uuid::from_u128(100 + n)),
                chat_id: ChatId(Uuid::from_u128(50)),
                text: text.into(),
                reply_to: None,
                created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
                state: state_now,
            });
        }
        state
    }

    fn stored(user_id: UserId, server_url: &str) -> StoredSession {
        StoredSession {
            server_url: server_url.into(),
            user_id,
            username: "alice".into(),
            session_id: SessionId(Uuid::from_u128(9)),
            refresh_token: "r".into(),
        }
    }

    /// Through serde as eframe stores it, and back.
    fn round_trip(saved: &SavedOutbox) -> SavedOutbox {
        let json = serde_json::to_string(saved).unwrap();
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn unsent_messages_survive_a_restart_queued_with_their_request_ids() {
        let state = signed_in_with_pending_sends();
        let saved = round_trip(&SavedOutbox::of(&state).unwrap());
        let restored = saved.restore(Some(&stored(user(1), SERVER)));
        let ids: Vec<RequestId> = restored.iter().map(|o| o.request_id).collect();
        let original: Vec<RequestId> = state.chats.outbox.iter().map(|o| o.request_id).collect();
        assert_eq!(ids, original, "same sends, same order, same request ids");
        assert!(restored.iter().all(|o| o.state == OutgoingState::Queued));
        assert_eq!(restored[1].text, "on the wire when the app closed");
    }

    #[test]
    fn unanswered_changes_survive_a_restart_in_their_order() {
        let mut state = signed_in_with_pending_sends();
        let frame = |n: u128| natter_shared::ws::ClientFrame::Pin {
            chat_id: crate::testing::chat(1),
            message_id: MessageId(Uuid::from_u128(n)),
            unpin: false,
            request_id: RequestId(Uuid::from_u128(500 + n)),
        };
        for n in [1, 2] {
            state.chats.changes.push(PendingChange {
                request_id: RequestId(Uuid::from_u128(500 + n)),
                chat_id: crate::testing::chat(1),
                frame: frame(n),
                sent: n == 1,
                before: None,
            });
        }
        let saved = round_trip(&SavedOutbox::of(&state).unwrap());
        let changes = saved.restore_changes(Some(&stored(user(1), SERVER)));
        assert_eq!(
            changes.iter().map(|c| c.frame.clone()).collect::<Vec<_>>(),
            [frame(1), frame(2)]
        );
        assert!(changes.iter().all(|c| !c.sent), "all go out again");
        assert!(
            saved
                .restore_changes(Some(&stored(user(2), SERVER)))
                .is_empty()
        );
    }

    #[test]
    fn unsent_messages_are_not_sent_as_someone_else_or_to_another_server() {
        let saved = SavedOutbox::of(&signed_in_with_pending_sends()).unwrap();
        assert!(
            saved
                .clone()
                .restore(Some(&stored(user(2), SERVER)))
                .is_empty()
        );
        assert!(
            saved
                .clone()
                .restore(Some(&stored(user(1), "http://elsewhere:8080")))
                .is_empty()
        );
        assert!(
            saved.restore(None).is_empty(),
            "signed out: nothing goes out"
        );
    }

    #[test]
    fn nothing_is_saved_signed_out_or_with_an_empty_outbox() {
        let mut state = signed_in_with_pending_sends();
        state.chats.outbox.clear();
        assert_eq!(SavedOutbox::of(&state), None);
        let mut state = signed_in_with_pending_sends();
        state.session = None;
        assert_eq!(SavedOutbox::of(&state), None);
    }

    #[test]
    fn groups_one_was_removed_from_survive_a_restart_for_the_same_person_only() {
        let mut state = signed_in_with_pending_sends();
        let chat = ChatId(Uuid::from_u128(77));
        let summary = natter_shared::api::ChatSummary {
            id: chat,
            kind: natter_shared::api::ChatKind::Group,
            title: Some("club".into()),
            partner: None,
            last_message: None,
            last_seq: 4,
            last_event_seq: 4,
            read_seq: 4,
            unread_count: 0,
            unread_mention: false,
            member_count: 3,
            request_from: None,
            blocked: false,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        };
        let reason = natter_shared::api::DepartureReason::Removed;
        state.chats.groups.ended.insert(chat, reason);
        state
            .chats
            .groups
            .ended_summaries
            .insert(chat, summary.clone());
        let saved = SavedEnded::of(&state).unwrap();
        let saved: SavedEnded =
            serde_json::from_str(&serde_json::to_string(&saved).unwrap()).unwrap();
        let mut mine = AppState::new(Language::English, SERVER.into(), "d".into());
        saved
            .clone()
            .restore(&mut mine, Some(&stored(user(1), SERVER)));
        assert_eq!(mine.chats.groups.ended.get(&chat), Some(&reason));
        assert_eq!(mine.chats.groups.ended_summaries.get(&chat), Some(&summary));
        let mut theirs = AppState::new(Language::English, SERVER.into(), "d".into());
        saved.restore(&mut theirs, Some(&stored(user(2), SERVER)));
        assert!(theirs.chats.groups.ended.is_empty(), "another person's");
    }
}
