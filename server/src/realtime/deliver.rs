//! Delivery: a server frame to users' connections here and, through the bus, on the other
//! processes. Rooms, presence and chat creation all deliver through [`fan_out`].

use std::sync::Arc;

use natter_shared::ws::ServerFrame;
use natter_shared::{ChatId, UserId};

use super::events::ConnId;
use crate::state::AppState;

/// Sends a serialized frame to `recipients` here and on the other processes.
/// `chat` names the bus channel; events about no chat (presence) pass `None`.
pub fn fan_out(
    state: &AppState,
    chat: Option<ChatId>,
    recipients: impl IntoIterator<Item = UserId>,
    frame: &ServerFrame,
    except: Option<ConnId>,
) {
    let text: Arc<str> = match serde_json::to_string(frame) {
        Ok(t) => t.into(),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize a frame");
            return;
        }
    };
    let recipients: Vec<UserId> = recipients.into_iter().collect();
    state.registry.deliver_all(&recipients, &text, except);
    state.bus.publish_frame(chat, recipients, &text);
}
