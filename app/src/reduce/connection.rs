//! The WebSocket link's life: opening it once the session is usable, reconnecting with
//! backoff and jitter when it drops, a fresh token when the server refuses the upgrade with
//! 401 (through the single-flight refresh), and noticing a link that went silent.
//!
//! What each (re)open does (flush the outbox, re-sync the chat list) is routed in
//! `reduce.rs`.

use chrono::{DateTime, Utc};
use natter_shared::API_PREFIX;

use super::calls::start_refresh;
use super::{chat_list, edits, outbox};
use crate::effect::{Effect, SocketCommand};
use crate::state::connection::{
    BACK_ONLINE_SHOWN, CONNECT_TIMEOUT, SILENCE_LIMIT, backoff, jitter_seed,
};
use crate::state::{AppState, Connection, LinkStatus};

/// The session became usable (signed in, or restored): open the link.
pub(super) fn start(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    state.connection = Connection::default();
    open(state, now)
}

/// The session ended: close the link and forget the chats.
pub(super) fn stop(state: &mut AppState) -> Vec<Effect> {
    let was = std::mem::take(&mut state.connection);
    state.chats = Default::default();
    // attempt 0 never opened (signing back in had not answered yet): nothing to close
    if was.status == LinkStatus::Idle || was.conn == 0 {
        Vec::new()
    } else {
        vec![Effect::Socket(SocketCommand::Close { conn: was.conn })]
    }
}

/// Starts an attempt, or asks for a fresh token first when there is none.
fn open(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let epoch = state.epoch;
    let Some(session) = state.session.as_ref() else {
        return Vec::new();
    };
    let link = &mut state.connection;
    link.status = LinkStatus::Connecting { since: now };
    link.last_heard = None;
    match (&session.access_token, session.refreshing) {
        (Some(token), false) => {
            link.conn += 1;
            link.token_generation = session.token_generation;
            link.awaiting_token = false;
            let url = ws_url(&session.server_url);
            vec![
                Effect::Socket(SocketCommand::Open {
                    epoch,
                    conn: link.conn,
                    url,
                    token: token.clone(),
                }),
                Effect::WakeAt(now + CONNECT_TIMEOUT),
            ]
        }
        _ => {
            link.awaiting_token = true;
            start_refresh(state)
        }
    }
}

/// `ws(s)://host/api/v1/ws` for a normalised `http(s)://host` server URL. The access token
/// goes in the upgrade's `Authorization` header, never in the address (which proxies and
/// logs keep).
pub fn ws_url(server_url: &str) -> String {
    let base = if let Some(rest) = server_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = server_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        server_url.to_owned()
    };
    format!("{base}{API_PREFIX}/ws")
}

/// A new access token arrived: an attempt that waited for it goes now.
pub(super) fn token_ready(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    if state.connection.awaiting_token && state.connection.status != LinkStatus::Idle {
        open(state, now)
    } else {
        Vec::new()
    }
}

/// The refresh got no answer (the session stands): the waiting attempt is retried later.
pub(super) fn token_failed(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    if state.connection.awaiting_token && state.connection.status != LinkStatus::Idle {
        state.connection.awaiting_token = false;
        lost(state, now)
    } else {
        Vec::new()
    }
}

/// Whether an event belongs to the live attempt of this session (others were given up on).
pub(super) fn is_current(state: &AppState, epoch: u64, conn: u64) -> bool {
    let link = &state.connection;
    epoch == state.epoch && conn == link.conn && link.status != LinkStatus::Idle
}

/// The upgrade succeeded: the link is online (the caller flushes and re-syncs).
pub(super) fn opened(state: &mut AppState, at: DateTime<Utc>) -> Vec<Effect> {
    let link = &mut state.connection;
    let back_online_until = link.was_online.then(|| at + BACK_ONLINE_SHOWN);
    link.status = LinkStatus::Online {
        since: at,
        back_online_until,
    };
    link.failures = 0;
    link.was_online = true;
    link.last_heard = Some(at);
    let mut effects = vec![Effect::WakeAt(at + SILENCE_LIMIT)];
    effects.extend(back_online_until.map(Effect::WakeAt));
    effects
}

/// A frame, ping or pong arrived: the link is alive.
pub(super) fn heard(state: &mut AppState, at: DateTime<Utc>) {
    state.connection.last_heard = Some(at);
}

/// The server answered the upgrade with 401: the next attempt refreshes the token first
/// (single-flight, like any 401).
pub(super) fn refused(state: &mut AppState, at: DateTime<Utc>) -> Vec<Effect> {
    let generation = state.connection.token_generation;
    if let Some(session) = state.session.as_mut()
        && session.token_generation == generation
    {
        session.access_token = None;
    }
    tracing::info!("WebSocket refused the token; refreshing before the next attempt");
    lost(state, at)
}

/// The link is down: close it, requeue what was in flight, schedule the next attempt.
pub(super) fn lost(state: &mut AppState, at: DateTime<Utc>) -> Vec<Effect> {
    let session = state
        .session
        .as_ref()
        .map_or(0, |s| s.session_id.0.as_u128());
    let link = &mut state.connection;
    link.failures = link.failures.saturating_add(1);
    let retry_at = at
        + backoff(
            link.failures,
            jitter_seed(session, link.conn, link.failures),
        );
    link.status = LinkStatus::Offline { retry_at };
    link.last_heard = None;
    let conn = link.conn;
    outbox::requeue(state);
    edits::requeue(state);
    chat_list::forget_typing(state);
    if conn == 0 {
        // no attempt was opened yet: the token could not be had
        return vec![Effect::WakeAt(retry_at)];
    }
    vec![
        Effect::Socket(SocketCommand::Close { conn }),
        Effect::WakeAt(retry_at),
    ]
}

/// "Retry now": an offline link tries at once.
pub(super) fn reconnect_now(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    if matches!(state.connection.status, LinkStatus::Offline { .. }) {
        open(state, now)
    } else {
        Vec::new()
    }
}

/// Time passed: retries that are due, the end of "back online", a silent link.
pub(super) fn tick(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let mut effects = Vec::new();
    match state.connection.status.clone() {
        LinkStatus::Offline { retry_at } if now >= retry_at => effects.extend(open(state, now)),
        LinkStatus::Connecting { since }
            if !state.connection.awaiting_token && now - since >= CONNECT_TIMEOUT =>
        {
            tracing::info!("WebSocket attempt timed out");
            effects.extend(lost(state, now));
        }
        LinkStatus::Online {
            since,
            back_online_until,
        } => {
            if back_online_until.is_some_and(|until| now >= until) {
                state.connection.status = LinkStatus::Online {
                    since,
                    back_online_until: None,
                };
            }
            match state.connection.last_heard {
                Some(heard) if now - heard >= SILENCE_LIMIT => {
                    tracing::info!("WebSocket silent for too long; reconnecting");
                    effects.extend(lost(state, now));
                }
                Some(heard) => effects.push(Effect::WakeAt(heard + SILENCE_LIMIT)),
                None => {}
            }
        }
        _ => {}
    }
    effects
}
