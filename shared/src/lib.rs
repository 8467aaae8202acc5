//! The wire contract between the Natter desktop app and the Natter server.
//!
//! Everything that crosses the wire is a type here: plain serde structs and enums with no
//! diesel, actix or egui in sight. Both sides use the same validation newtypes
//! ([`Username`], [`Password`], …) so the app rejects bad input before sending it and the
//! server rejects it again.

pub mod api;
pub mod error;
pub mod ids;
pub mod names;
pub mod numbers;
pub mod validation;
pub mod ws;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use ids::{ChatId, FileId, InviteId, MessageId, RequestId, SessionId, UserId};
pub use validation::{
    Bio, ChatDescription, ChatTitle, DisplayName, Emoji, Field, MessageText, Password,
    RecoveryCode, TwoFactorCode, Username, ValidationError, ValidationErrorKind,
};

/// The path prefix of every REST endpoint.
pub const API_PREFIX: &str = "/api/v1";

#[cfg(test)]
mod golden {
    //! Golden strings pin the JSON of each type, so the wire format cannot drift silently.
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    use crate::api::*;
    use crate::*;

    fn alice() -> User {
        User {
            avatar: None,
            id: UserId(Uuid::from_u128(1)),
            username: Username::parse("alice").unwrap(),
            display_name: Some(DisplayName::parse("Alice").unwrap()),
            bio: String::new(),
            created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            last_seen_at: None,
            presence_visibility: None,
        }
    }

    #[test]
    fn user() {
        assert_eq!(
            serde_json::to_string(&alice()).unwrap(),
            r#"{"id":"00000000-0000-0000-0000-000000000001","username":"alice","display_name":"Alice","bio":"","created_at":"2026-01-02T03:04:05Z"}"#
        );
    }

    #[test]
    fn auth_tokens() {
        let t = AuthTokens {
            token: "jwt".into(),
            expires_in: 900,
            refresh_token: "r".into(),
            session_id: SessionId(Uuid::from_u128(2)),
            user: alice(),
        };
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.starts_with(
            r#"{"token":"jwt","expires_in":900,"refresh_token":"r","session_id":"00000000-0000-0000-0000-000000000002","user":{"id":"#
        ), "{json}");
    }

    #[test]
    fn requests_reject_unknown_fields() {
        let r =
            serde_json::from_str::<LoginRequest>(r#"{"username":"a","password":"b","admin":true}"#);
        assert!(r.is_err());
        let ok: LoginRequest = serde_json::from_str(r#"{"username":"a","password":"b"}"#).unwrap();
        assert_eq!(ok.device_name, None);
    }

    #[test]
    fn session_info() {
        let s = SessionInfo {
            id: SessionId(Uuid::from_u128(3)),
            device_name: "Natter on Linux".into(),
            created_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            last_seen_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 6).unwrap(),
            current: true,
        };
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"id":"00000000-0000-0000-0000-000000000003","device_name":"Natter on Linux","created_at":"2026-01-02T03:04:05Z","last_seen_at":"2026-01-02T03:04:06Z","current":true}"#
        );
    }

    #[test]
    fn update_profile_omits_absent_fields() {
        let r = UpdateProfileRequest {
            display_name: Some("Al".into()),
            bio: None,
            presence_visibility: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"display_name":"Al"}"#
        );
    }

    #[test]
    fn presence_visibility_on_the_wire() {
        let r = UpdateProfileRequest {
            presence_visibility: Some(PresenceVisibility::Contacts),
            ..Default::default()
        };
        let json = r#"{"presence_visibility":"contacts"}"#;
        assert_eq!(serde_json::to_string(&r).unwrap(), json);
        assert_eq!(
            serde_json::from_str::<UpdateProfileRequest>(json).unwrap(),
            r
        );
        assert!(
            serde_json::from_str::<UpdateProfileRequest>(r#"{"presence_visibility":"friends"}"#)
                .is_err()
        );
        let me = User {
            presence_visibility: Some(PresenceVisibility::Nobody),
            ..alice()
        };
        assert_eq!(
            serde_json::to_string(&me).unwrap(),
            r#"{"id":"00000000-0000-0000-0000-000000000001","username":"alice","display_name":"Alice","bio":"","created_at":"2026-01-02T03:04:05Z","presence_visibility":"nobody"}"#
        );
    }

    #[test]
    fn presence_visibility_rule() {
        use PresenceVisibility::*;
        assert!(Nobody.visible_to(true, false));
        assert!(Everyone.visible_to(false, false));
        assert!(Contacts.visible_to(false, true));
        assert!(!Contacts.visible_to(false, false));
        assert!(!Nobody.visible_to(false, true));
    }

    #[test]
    fn create_chat_request_is_one_shape_or_the_other() {
        let partner = UserId(Uuid::from_u128(4));
        let direct = CreateChatRequest::Direct {
            partner_id: partner,
        };
        let json = r#"{"partner_id":"00000000-0000-0000-0000-000000000004"}"#;
        assert_eq!(serde_json::to_string(&direct).unwrap(), json);
        assert_eq!(
            serde_json::from_str::<CreateChatRequest>(json).unwrap(),
            direct
        );
        let group = CreateChatRequest::Group {
            title: "Book club".into(),
            member_ids: vec![partner],
        };
        let json = r#"{"title":"Book club","member_ids":["00000000-0000-0000-0000-000000000004"]}"#;
        assert_eq!(serde_json::to_string(&group).unwrap(), json);
        assert_eq!(
            serde_json::from_str::<CreateChatRequest>(json).unwrap(),
            group
        );
        let untitled_members: CreateChatRequest = serde_json::from_str(r#"{"title":"t"}"#).unwrap();
        assert_eq!(
            untitled_members,
            CreateChatRequest::Group {
                title: "t".into(),
                member_ids: vec![]
            },
            "member_ids may be left out"
        );
        for (reason, bad) in [
            ("neither shape", r#"{}"#),
            (
                "both shapes",
                r#"{"partner_id":"00000000-0000-0000-0000-000000000004","title":"x"}"#,
            ),
            ("members without a title", r#"{"member_ids":[]}"#),
            ("unknown field", r#"{"title":"x","admin":true}"#),
        ] {
            assert!(
                serde_json::from_str::<CreateChatRequest>(bad).is_err(),
                "{reason}"
            );
        }
    }
}
