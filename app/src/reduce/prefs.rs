//! Settings, per-chat mute, window focus, the clock the views read, and the decision to
//! show a desktop notification for an incoming message.
//!
//! A notification is shown for someone else's message in a chat that is not muted and not
//! on screen (another chat is open, another tab is shown, or the window is unfocused).
//! Bursts coalesce: within [`NOTIFY_COALESCE`] of the last one for a chat, a message only
//! counts towards the next; the executor replaces a chat's notification instead of adding
//! another.

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use natter_shared::ChatId;
use natter_shared::api::Message;

use crate::effect::{Effect, Notification};
use crate::i18n::{tr, tr_args};
use crate::state::{AppState, Clock, Notified, Preference, Screen, ShellTab};

/// Messages in one chat closer together than this share one notification.
pub const NOTIFY_COALESCE: TimeDelta = TimeDelta::seconds(4);
/// Longest preview text in a notification, in characters.
const PREVIEW_CHARS: usize = 120;

pub(super) fn set(state: &mut AppState, preference: Preference) -> Vec<Effect> {
    let settings = &mut state.settings;
    match preference {
        Preference::Notifications(on) => settings.notifications = on,
        Preference::Previews(on) => settings.previews = on,
        Preference::Sound(on) => settings.sound = on,
        Preference::Theme(theme) => settings.theme = theme,
        Preference::CtrlEnterSends(on) => settings.ctrl_enter_sends = on,
        Preference::CheckUpdates(on) => settings.check_updates = on,
    }
    Vec::new()
}

pub(super) fn mute(state: &mut AppState, chat_id: ChatId, muted: bool) -> Vec<Effect> {
    let list = &mut state.settings.muted;
    list.retain(|c| *c != chat_id);
    if muted {
        list.push(chat_id);
        state.notified.remove(&chat_id);
    }
    Vec::new()
}

pub(super) fn focus(state: &mut AppState, focused: bool) -> Vec<Effect> {
    state.window_focused = focused;
    if focused && let Some(open) = state.chats.open {
        state.notified.remove(&open);
    }
    Vec::new()
}

pub(super) fn clock(state: &mut AppState, now: DateTime<Utc>, offset: FixedOffset) -> Vec<Effect> {
    state.clock = Clock { now, offset };
    Vec::new()
}

/// Whether `chat` is in front of the person right now.
fn on_screen(state: &AppState, chat: ChatId) -> bool {
    let chats_tab = matches!(&state.screen, Screen::Shell(shell) if shell.tab == ShellTab::Chats);
    state.window_focused && chats_tab && state.chats.open == Some(chat)
}

/// The notification for a `new_message`, if one is due. Call before storing the message.
pub(super) fn notify(state: &mut AppState, message: &Message, at: DateTime<Utc>) -> Vec<Effect> {
    let me = state.session.as_ref().map(|s| s.user_id);
    let settings = &state.settings;
    // a mention gets through a muted chat (not notifications turned off altogether)
    let mentioned = me.is_some_and(|me| message.mentions.contains(&me));
    if !settings.notifications
        || Some(message.sender_id) == me
        || (settings.is_muted(message.chat_id) && !mentioned)
        || message.service.is_some()
        || on_screen(state, message.chat_id)
    {
        return Vec::new();
    }
    let Some(entry) = state.chats.by_id.get(&message.chat_id) else {
        return Vec::new();
    };
    if entry.messages.contains_key(&message.seq) || message.seq <= entry.summary.read_seq {
        return Vec::new(); // a copy of one already seen
    }
    let lang = state.language;
    let title = entry.title().to_owned();
    let sender = entry.member_name(message.sender_id).map(str::to_owned);
    let group = entry.summary.partner.is_none();
    let count = {
        let seen = state.notified.get(&message.chat_id);
        let coalesced = seen.is_some_and(|n| at - n.at < NOTIFY_COALESCE);
        let count = seen.map_or(0, |n| n.count) + 1;
        if coalesced {
            if let Some(n) = state.notified.get_mut(&message.chat_id) {
                n.count = count;
            }
            return Vec::new();
        }
        state
            .notified
            .insert(message.chat_id, Notified { at, count });
        count
    };
    let settings = &state.settings;
    let mut body = if settings.previews {
        let text: String = message.text.chars().take(PREVIEW_CHARS).collect();
        match sender {
            Some(sender) if group => format!("{sender}: {text}"),
            _ => text,
        }
    } else {
        tr(lang, "notify.new_message")
    };
    if count > 1 {
        body = format!(
            "{body}\n{}",
            tr_args(lang, "notify.count", &[("count", count.to_string())])
        );
    }
    let title = if settings.previews {
        title
    } else {
        tr(lang, "notify.app")
    };
    vec![Effect::Notify(Notification {
        chat_id: message.chat_id,
        title,
        body,
        sound: settings.sound,
    })]
}

/// A message was deleted for everyone: if it may be the one a shown notification is about
/// (unread, in a chat with a notification), the notification is taken back.
pub(super) fn withdraw(state: &mut AppState, message: &Message) -> Vec<Effect> {
    let Some(entry) = state.chats.by_id.get(&message.chat_id) else {
        return Vec::new();
    };
    if message.seq <= entry.summary.read_seq || state.notified.remove(&message.chat_id).is_none() {
        return Vec::new();
    }
    vec![Effect::Withdraw(message.chat_id)]
}
