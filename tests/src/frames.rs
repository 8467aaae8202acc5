//! Client frames the tests send again and again.

use natter_shared::ws::ClientFrame;
use natter_shared::{ChatId, RequestId};

/// A send of `text` to `chat` with a new request id (answered with the id).
pub fn message(chat: ChatId, text: &str) -> (RequestId, ClientFrame) {
    let request_id = RequestId::new_random();
    (
        request_id,
        ClientFrame::Message {
            attachments: Vec::new(),
            chat_id: chat,
            text: text.into(),
            request_id,
            reply_to: None,
        },
    )
}
