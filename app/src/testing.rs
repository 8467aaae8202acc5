//! Test support for the app: the fixtures the reducer tests, the egui_kittest view tests and
//! the end-to-end tests share (people, chats, messages, answers to calls, socket events,
//! a signed-in state), and a kittest harness that runs a view and applies the actions it
//! pushes through the real reducer. Compiled for the crate's own tests and, with the
//! `testing` feature, for its integration tests; never in the shipped app.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use chrono::{DateTime, Utc};
use natter_shared::api::{AuthTokens, ChatKind, ChatPartner, ChatSummary, Message, User};
use natter_shared::{ChatId, DisplayName, Field, MessageId, SessionId, UserId, Username};
use uuid::Uuid;

use crate::action::{Action, SocketEvent, SocketEventKind};
use crate::api::{ApiCall, ApiFailure, ApiReply, ApiResponse};
use crate::effect::{ApiRequest, Effect};
use crate::i18n::Language;
use crate::reduce::reduce;
use crate::state::AppState;

/// The server every fixture state talks to.
pub const URL: &str = "http://127.0.0.1:8080";
/// The device name every fixture state signs in with.
pub const DEVICE: &str = "Natter on Linux (test)";

pub fn alice_id() -> UserId {
    UserId(Uuid::from_u128(1))
}

pub fn bob_id() -> UserId {
    UserId(Uuid::from_u128(2))
}

pub fn carol_id() -> UserId {
    UserId(Uuid::from_u128(3))
}

/// This device's session.
pub fn this_session() -> SessionId {
    SessionId(Uuid::from_u128(10))
}

/// Chat number `n`.
pub fn chat(n: u128) -> ChatId {
    ChatId(Uuid::from_u128(100 + n))
}

/// A person, created at `created_at`.
pub fn user(
    id: UserId,
    username: &str,
    display_name: Option<&str>,
    created_at: DateTime<Utc>,
) -> User {
    User {
        avatar: None,
        id,
        username: Username::parse(username).unwrap(),
        display_name: display_name.map(|d| DisplayName::parse(d).unwrap()),
        bio: String::new(),
        created_at,
        last_seen_at: None,
        presence_visibility: None,
    }
}

/// What a login answers for `user`, with tokens named by `access` and `refresh`.
pub fn tokens(user: User, access: &str, refresh: &str) -> AuthTokens {
    AuthTokens {
        token: access.into(),
        expires_in: 900,
        refresh_token: refresh.into(),
        session_id: this_session(),
        user,
    }
}

/// Message `seq` of chat `n`.
pub fn message(n: u128, seq: i64, sender: UserId, text: &str, when: DateTime<Utc>) -> Message {
    Message {
        attachments: Vec::new(),
        id: MessageId(Uuid::from_u128(n * 1_000_000 + seq as u128)),
        chat_id: chat(n),
        seq,
        sender_id: sender,
        text: text.into(),
        reply_to: None,
        request_id: None,
        created_at: when,
        edited_at: None,
        deleted: false,
        hidden: false,
        forwarded_from: None,
        reactions: Vec::new(),
        pinned_at: None,
        service: None,
        mentions: Vec::new(),
    }
}

/// Direct chat `n` with Bob as the list shows it.
pub fn direct_with_bob(
    n: u128,
    last: Option<Message>,
    read_seq: i64,
    bob_display_name: Option<&str>,
    online: bool,
    created_at: DateTime<Utc>,
) -> ChatSummary {
    let last_seq = last.as_ref().map_or(0, |m| m.seq);
    ChatSummary {
        photo: Default::default(),
        id: chat(n),
        kind: ChatKind::Direct,
        title: None,
        partner: Some(ChatPartner {
            avatar: Default::default(),
            id: bob_id(),
            username: Username::parse("bob").unwrap(),
            display_name: bob_display_name.map(|d| DisplayName::parse(d).unwrap()),
            online,
            last_seen_at: None,
        }),
        updated_at: last.as_ref().map_or(created_at, |m| m.created_at),
        last_message: last,
        last_seq,
        last_event_seq: last_seq,
        read_seq,
        unread_count: last_seq - read_seq,
        unread_mention: false,
        request_from: None,
        blocked: false,
        member_count: 2,
        created_at,
    }
}

/// A fresh, signed-out state in `language`.
pub fn fresh_state(language: Language) -> AppState {
    AppState::new(language, URL.into(), DEVICE.into())
}

/// Types a username and password into the auth form.
pub fn type_credentials(state: &mut AppState, username: &str, password: &str) {
    for (field, value) in [(Field::Username, username), (Field::Password, password)] {
        reduce(
            state,
            Action::AuthFieldEdited {
                field,
                value: value.into(),
            },
        );
    }
}

/// The answer to `request`, arriving at `received_at`.
pub fn answer(
    request: &ApiRequest,
    result: Result<ApiReply, ApiFailure>,
    received_at: DateTime<Utc>,
) -> Action {
    Action::ApiFinished(ApiResponse {
        epoch: request.epoch,
        server_url: request.server_url.clone(),
        token_generation: request.token_generation,
        call: request.call.clone(),
        result,
        received_at,
    })
}

/// Answers the API call `effect` with `reply`.
pub fn finish(
    state: &mut AppState,
    effect: &Effect,
    reply: ApiReply,
    received_at: DateTime<Utc>,
) -> Vec<Effect> {
    let Effect::Api(request) = effect else {
        panic!("not an API call: {effect:?}")
    };
    reduce(state, answer(request, Ok(reply), received_at))
}

/// The first API effect whose call matches `pred`.
pub fn call(effects: &[Effect], pred: impl Fn(&ApiCall) -> bool) -> &Effect {
    effects
        .iter()
        .find(|e| matches!(e, Effect::Api(r) if pred(&r.call)))
        .unwrap_or_else(|| panic!("no such call in {effects:?}"))
}

/// The REST calls among `effects`.
pub fn api_calls(effects: &[Effect]) -> Vec<&ApiCall> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Api(r) => Some(&r.call),
            _ => None,
        })
        .collect()
}

/// Feeds an event of the current socket attempt.
pub fn socket(state: &mut AppState, kind: SocketEventKind, at: DateTime<Utc>) -> Vec<Effect> {
    let event = SocketEvent {
        epoch: state.epoch,
        conn: state.connection.conn,
        at,
        kind,
    };
    reduce(state, Action::Socket(event))
}

/// Signed in as `user` through the sign-in form; the effects of the login answer.
pub fn sign_in(state: &mut AppState, user: User, at: DateTime<Utc>) -> Vec<Effect> {
    type_credentials(state, user.username.as_str(), "password1");
    let login = reduce(state, Action::SignInSubmitted);
    finish(
        state,
        &login[0],
        ApiReply::Tokens(Box::new(tokens(user, "access", "refresh"))),
        at,
    )
}

#[cfg(feature = "testing")]
pub use harness::{TestApp, harness};

#[cfg(feature = "testing")]
mod harness {
    //! egui_kittest: a view on a state, the reducer applying what the view pushes.

    use egui_kittest::Harness;

    use crate::action::Action;
    use crate::effect::Effect;
    use crate::reduce::reduce;
    use crate::state::AppState;

    /// The state, and everything the view pushed and the reducer asked for.
    pub struct TestApp {
        pub state: AppState,
        pub actions: Vec<Action>,
        pub effects: Vec<Effect>,
    }

    impl TestApp {
        /// The REST calls made while the harness ran.
        pub fn calls(&self) -> Vec<&crate::api::ApiCall> {
            super::api_calls(&self.effects)
        }
    }

    /// A view of `size` on `state`. A character no font (and no colour emoji image) has
    /// fails the test instead of drawing as a box.
    pub fn harness(
        state: AppState,
        size: [f32; 2],
        view: fn(&mut egui::Ui, &AppState, &mut Vec<Action>),
    ) -> Harness<'static, TestApp> {
        let app = TestApp {
            state,
            actions: Vec::new(),
            effects: Vec::new(),
        };
        let harness = Harness::builder().with_size(size).build_ui_state(
            move |ui, app: &mut TestApp| {
                // before the first frame too (the builder runs one): images drawn then
                // would otherwise fail and paint their alt text (an emoji, no glyph)
                egui_extras::install_image_loaders(ui.ctx());
                let mut actions = Vec::new();
                view(ui, &app.state, &mut actions);
                if !actions.is_empty() {
                    ui.ctx().request_repaint();
                }
                for action in actions {
                    app.actions.push(action.clone());
                    let effects = reduce(&mut app.state, action);
                    app.effects.extend(effects);
                }
            },
            app,
        );
        egui_extras::install_image_loaders(&harness.ctx);
        harness
    }
}
