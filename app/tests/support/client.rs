//! A Natter client without a window: the app's own [`Executor`] (HTTP, WebSocket, timer
//! threads) and [`reduce`], driven by a test that waits for conditions on the state.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use chrono::Utc;
use natter::action::Action;
use natter::net::Executor;
use natter::net::tls::Trust;
use natter::reduce::reduce;
use natter::state::AppState;
use natter::token_store::TokenStore;
use natter_shared::{ChatId, Field, RequestId};

/// How long a test waits for a condition before failing.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct Client {
    pub name: String,
    pub state: AppState,
    inbox: Receiver<Action>,
    executor: Executor,
    dir: PathBuf,
}

impl Client {
    /// A client of the server at `server_url`, with its own data dir (file token store),
    /// trusting the system's roots.
    pub fn new(name: &str, server_url: &str) -> Client {
        Client::with_trust(name, server_url, &Trust::load(None))
    }

    /// [`Client::new`] trusting `trust`'s roots.
    pub fn with_trust(name: &str, server_url: &str, trust: &Trust) -> Client {
        let dir = std::env::temp_dir().join(format!("natter-e2e-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let (sender, inbox) = channel();
        let executor = Executor::spawn(
            TokenStore::open(&dir, false),
            sender,
            Arc::new(|| {}),
            dir.join("updates"),
            trust,
        );
        let state = AppState::new(
            natter::i18n::Language::English,
            server_url.to_owned(),
            format!("e2e {name}"),
        );
        Client {
            name: name.to_owned(),
            state,
            inbox,
            executor,
            dir,
        }
    }

    pub fn dispatch(&mut self, action: Action) {
        for effect in reduce(&mut self.state, action) {
            self.executor.run(effect);
        }
        // as the app does after every action: transfers use the current token
        let session = self.state.session.as_ref();
        self.executor
            .set_token(session.and_then(|s| s.access_token.as_deref()));
    }

    /// Runs an effect as if the reducer had asked for it.
    pub fn run(&self, effect: natter::effect::Effect) {
        self.executor.run(effect);
    }

    /// A folder of this client's own (removed with it).
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// Like [`Client::pump`], showing each action to `seen` first.
    pub fn pump_with(&mut self, mut seen: impl FnMut(&Action)) {
        while let Ok(action) = self.inbox.try_recv() {
            seen(&action);
            self.dispatch(action);
        }
    }

    /// Applies everything that came back from the network so far.
    pub fn pump(&mut self) {
        while let Ok(action) = self.inbox.try_recv() {
            self.dispatch(action);
        }
    }

    pub fn sign_in(&mut self, username: &str, password: &str) {
        self.dispatch(Action::AuthFieldEdited {
            field: Field::Username,
            value: username.into(),
        });
        self.dispatch(Action::AuthFieldEdited {
            field: Field::Password,
            value: password.into(),
        });
        self.dispatch(Action::SignInSubmitted);
    }

    /// Writes and sends `text` in `chat`, as the composer does.
    pub fn send(&mut self, chat: ChatId, text: &str) -> RequestId {
        let request_id = RequestId::new_random();
        self.dispatch(Action::MessageSubmitted {
            chat_id: chat,
            text: text.into(),
            reply_to: None,
            request_id,
            now: Utc::now(),
        });
        request_id
    }

    /// The texts of the loaded messages of `chat`, in seq order.
    pub fn texts(&self, chat: ChatId) -> Vec<String> {
        self.state
            .chats
            .by_id
            .get(&chat)
            .map(|c| c.messages.values().map(|m| m.text.clone()).collect())
            .unwrap_or_default()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Pumps every client until `done` holds for them, yielding to the server between rounds;
/// fails with `what` and the clients' states after [`PATIENCE`].
pub async fn wait_until(
    clients: &mut [&mut Client],
    what: &str,
    done: impl Fn(&[&mut Client]) -> bool,
) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        for client in clients.iter_mut() {
            client.pump();
        }
        if done(clients) {
            return;
        }
        if Instant::now() > deadline {
            for client in clients.iter() {
                eprintln!(
                    "{}: {:?}\noutbox: {:?}\nchats: {:?}",
                    client.name,
                    client.state.connection,
                    client.state.chats.outbox,
                    client.state.chats.by_id
                );
            }
            panic!("timed out waiting until {what}");
        }
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
}
