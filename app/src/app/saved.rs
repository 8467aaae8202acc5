//! What the app keeps of a session across restarts besides drafts and settings: the outbox
//! (sends with their files' uploads, and changes) and the groups one is no longer in, each
//! restored only for the same person on the same server.

use chrono::{DateTime, Utc};
use natter_shared::api::FileInfo;
use natter_shared::{ChatId, MessageId, RequestId, UserId};
use serde::{Deserialize, Serialize};

use crate::state::{
    AppState, Outgoing, OutgoingState, PendingChange, Upload, UploadPhase, UploadPurpose,
};
use crate::token_store::StoredSession;
use crate::transfers::UploadKey;

/// The chats a person left or was removed from, as they were then, for whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct SavedEnded {
    user_id: UserId,
    server_url: String,
    chats: Vec<(
        natter_shared::api::ChatSummary,
        natter_shared::api::DepartureReason,
    )>,
}

impl SavedEnded {
    pub(super) fn of(state: &AppState) -> Option<Self> {
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
    pub(super) fn restore(self, state: &mut AppState, stored: Option<&StoredSession>) {
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
pub(super) struct SavedOutbox {
    user_id: UserId,
    server_url: String,
    sends: Vec<SavedSend>,
    /// Edits, deletes, reactions, pins and forwards not yet answered, as their frames.
    #[serde(default)]
    changes: Vec<SavedChange>,
    /// The uploads of attachments (of sends and of drafts), resumed at start.
    #[serde(default)]
    uploads: Vec<SavedUpload>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SavedUpload {
    key: UploadKey,
    chat_id: ChatId,
    path: std::path::PathBuf,
    size: Option<u64>,
    location: Option<String>,
    /// Once it is a file.
    file: Option<FileInfo>,
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
    #[serde(default)]
    uploads: Vec<UploadKey>,
    created_at: DateTime<Utc>,
}

impl SavedOutbox {
    /// What to keep of the state's outbox (nothing when signed out or nothing is pending).
    pub(super) fn of(state: &AppState) -> Option<Self> {
        let session = state.session.as_ref()?;
        let uploads: Vec<SavedUpload> = state
            .chats
            .transfers
            .uploads
            .iter()
            .filter_map(|u| match u.purpose {
                UploadPurpose::Attachment(chat_id) => Some(SavedUpload {
                    key: u.key,
                    chat_id,
                    path: u.path.clone(),
                    size: u.size,
                    location: u.location.clone(),
                    file: u.file().cloned(),
                }),
                UploadPurpose::Photo | UploadPurpose::GroupPhoto(_) => None,
            })
            .collect();
        if state.chats.outbox.is_empty() && state.chats.changes.is_empty() && uploads.is_empty() {
            return None;
        }
        Some(Self {
            user_id: session.user_id,
            server_url: session.server_url.clone(),
            uploads,
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
                    uploads: o.uploads.clone(),
                    created_at: o.created_at,
                })
                .collect(),
        })
    }

    fn ours(&self, stored: Option<&StoredSession>) -> bool {
        stored.is_some_and(|s| s.user_id == self.user_id && s.server_url == self.server_url)
    }

    /// The waiting changes, unsent, if they belong to the session being restored.
    pub(super) fn restore_changes(&self, stored: Option<&StoredSession>) -> Vec<PendingChange> {
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

    /// The attachments' uploads, to resume (or ready), if they belong to the session.
    pub(super) fn restore_uploads(&self, stored: Option<&StoredSession>) -> Vec<Upload> {
        if !self.ours(stored) {
            return Vec::new();
        }
        self.uploads
            .iter()
            .map(|u| {
                let mut upload =
                    Upload::new(u.key, UploadPurpose::Attachment(u.chat_id), u.path.clone());
                upload.size = u.size;
                upload.location = u.location.clone();
                if let Some(file) = &u.file {
                    upload.done = u64::try_from(file.size).unwrap_or(0);
                    upload.phase = UploadPhase::Ready(file.clone());
                }
                upload
            })
            .collect()
    }

    /// The sends, queued, if they belong to the session being restored.
    pub(super) fn restore(self, stored: Option<&StoredSession>) -> Vec<Outgoing> {
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
                uploads: s.uploads,
                created_at: s.created_at,
                state: OutgoingState::Queued,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use natter_shared::SessionId;
    use uuid::Uuid;

    use super::*;
    use crate::i18n::Language;
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
                uploads: Vec::new(),
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
    fn uploads_survive_a_restart_with_their_urls_and_the_sends_keep_their_files() {
        let mut state = signed_in_with_pending_sends();
        let chat = ChatId(Uuid::from_u128(50));
        let (going, ready) = (
            UploadKey(Uuid::from_u128(61)),
            UploadKey(Uuid::from_u128(62)),
        );
        let mut half = Upload::new(going, UploadPurpose::Attachment(chat), "/tmp/a.bin".into());
        half.location = Some("/api/v1/uploads/1".into());
        half.size = Some(10);
        half.done = 5;
        let mut done = Upload::new(ready, UploadPurpose::Attachment(chat), "/tmp/b.png".into());
        let file = FileInfo {
            id: natter_shared::FileId(Uuid::from_u128(63)),
            name: "b.png".into(),
            size: 4,
            mime: "image/png".into(),
            sha256: "00".into(),
            width: None,
            height: None,
            has_thumbnail: false,
        };
        done.phase = UploadPhase::Ready(file.clone());
        let photo = Upload::new(
            UploadKey(Uuid::from_u128(64)),
            UploadPurpose::Photo,
            "/p".into(),
        );
        state.chats.transfers.uploads = vec![half, done, photo];
        state.chats.outbox[0].uploads = vec![going, ready];
        let saved = round_trip(&SavedOutbox::of(&state).unwrap());
        let me = stored(user(1), SERVER);
        let uploads = saved.restore_uploads(Some(&me));
        assert_eq!(uploads.len(), 2, "a photo change is not resumed");
        assert_eq!(uploads[0].location.as_deref(), Some("/api/v1/uploads/1"));
        assert_eq!(uploads[0].phase, UploadPhase::Moving, "to resume");
        assert_eq!(uploads[1].file(), Some(&file), "ready stays ready");
        assert_eq!(saved.clone().restore(Some(&me))[0].uploads, [going, ready]);
        assert!(
            saved
                .restore_uploads(Some(&stored(user(2), SERVER)))
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
            photo: Default::default(),
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
