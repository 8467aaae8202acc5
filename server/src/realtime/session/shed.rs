//! Sends refused before anything is done for them (issue 16): while the writer is past its
//! time budget (`Admission::admits` is false), a `message` frame is answered `overloaded`
//! from its type and request id alone — no full parse, no validation, no rate-limit count,
//! no room, no writer — with an error frame assembled from two pre-serialised halves. Under
//! overload most frames are refusals, so each must cost as little as the read it came with.
//!
//! What such a send is not told: whether it was valid or its chat one of the user's; it was
//! not stored, and its resend (the app's outbox backs off on `overloaded`) gets the full
//! answer once the writer keeps up again.

use std::sync::LazyLock;

use natter_shared::ws::ServerFrame;
use natter_shared::{ErrorCode, RequestId};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::ApiError;

/// The two fields a refusal needs; every other field is skipped unparsed.
#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(default)]
    request_id: Option<RequestId>,
}

/// The request id of a `message` frame (a send), read without parsing the rest; `None` for
/// any other frame, or one that is not plain JSON (those take the ordinary path).
pub fn send_request_id(text: &str) -> Option<RequestId> {
    let peek: Peek<'_> = serde_json::from_str(text).ok()?;
    if peek.kind == "message" {
        peek.request_id
    } else {
        None
    }
}

/// The `error` frame `overloaded` for `request_id`, as `serde_json` writes a
/// `ServerFrame::Error` (the same bytes), put together without serialising.
pub fn overloaded_frame(request_id: RequestId) -> String {
    let Some((before, after)) = &*HALVES else {
        return full_frame(request_id);
    };
    let mut frame = String::with_capacity(before.len() + 36 + after.len());
    frame.push_str(before);
    frame.push_str(
        request_id
            .0
            .hyphenated()
            .encode_lower(&mut Uuid::encode_buffer()),
    );
    frame.push_str(after);
    frame
}

fn full_frame(request_id: RequestId) -> String {
    let body = ApiError::Overloaded.public_body();
    serde_json::to_string(&ServerFrame::Error {
        request_id: Some(request_id),
        code: ErrorCode::Overloaded,
        message: body.error.message,
    })
    .unwrap_or_default()
}

/// The frame of the nil request id, split around it.
static HALVES: LazyLock<Option<(String, String)>> = LazyLock::new(|| {
    let nil = Uuid::nil().to_string();
    let frame = full_frame(RequestId(Uuid::nil()));
    let at = frame.find(&nil)?;
    Some((frame[..at].to_owned(), frame[at + nil.len()..].to_owned()))
});

#[cfg(test)]
mod tests {
    use super::*;
    use natter_shared::ChatId;
    use natter_shared::ws::ClientFrame;

    #[test]
    fn the_assembled_refusal_is_the_frame_serde_writes() {
        for _ in 0..3 {
            let id = RequestId::new_random();
            assert_eq!(overloaded_frame(id), full_frame(id));
            let parsed: ServerFrame = serde_json::from_str(&overloaded_frame(id)).unwrap();
            assert!(matches!(
                parsed,
                ServerFrame::Error { request_id: Some(r), code: ErrorCode::Overloaded, .. } if r == id
            ));
        }
    }

    #[test]
    fn only_sends_are_peeked_and_their_request_id_found() {
        let id = RequestId::new_random();
        let send = serde_json::to_string(&ClientFrame::Message {
            chat_id: ChatId::new_random(),
            text: "a \"quoted\" text with {braces}".into(),
            request_id: id,
            reply_to: None,
            attachments: Vec::new(),
        })
        .unwrap();
        assert_eq!(send_request_id(&send), Some(id));
        let typing = serde_json::to_string(&ClientFrame::Typing {
            chat_id: ChatId::new_random(),
            is_typing: true,
        })
        .unwrap();
        assert_eq!(send_request_id(&typing), None);
        assert_eq!(send_request_id("not json"), None);
        assert_eq!(send_request_id(r#"{"type":"message"}"#), None);
    }
}
