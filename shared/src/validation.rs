//! Validation newtypes shared by the app and the server.
//!
//! Parse, don't validate: a value of one of these types is valid by construction, and the
//! only way to get one from outside is `parse`, which says what is wrong and with which field.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which input a validation error concerns; the server echoes it in the error body so the
/// app can show the message next to the right field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Field {
    Username,
    Password,
    DisplayName,
    Bio,
    Text,
    DeviceName,
    Query,
    PartnerId,
    Title,
    MemberIds,
    Seq,
    Emoji,
    MessageIds,
    After,
    Description,
    Role,
    UserId,
    ExpiresInSecs,
    MaxUses,
    Attachments,
    /// A two-factor code (six digits) or a recovery code.
    Code,
    NewPassword,
}

impl Field {
    /// The name used on the wire (`"display_name"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Username => "username",
            Field::Password => "password",
            Field::DisplayName => "display_name",
            Field::Bio => "bio",
            Field::Text => "text",
            Field::DeviceName => "device_name",
            Field::Query => "query",
            Field::PartnerId => "partner_id",
            Field::Title => "title",
            Field::MemberIds => "member_ids",
            Field::Seq => "seq",
            Field::Emoji => "emoji",
            Field::MessageIds => "message_ids",
            Field::After => "after",
            Field::Description => "description",
            Field::Role => "role",
            Field::UserId => "user_id",
            Field::ExpiresInSecs => "expires_in_secs",
            Field::MaxUses => "max_uses",
            Field::Attachments => "attachments",
            Field::Code => "code",
            Field::NewPassword => "new_password",
        }
    }
}

/// What is wrong with a value; the app turns this into a translated message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationErrorKind {
    /// Shorter than `min` (characters, or bytes for passwords).
    TooShort { min: usize },
    /// Longer than `max` (characters, or bytes for passwords).
    TooLong { max: usize },
    /// Contains characters outside the allowed set.
    InvalidCharacters,
    /// Not exactly one emoji.
    NotAnEmoji,
    /// More than `max` items in a list.
    TooMany { max: usize },
    /// The same item twice in a list.
    Repeated,
}

/// A rejected input: which field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}", field.as_str(), describe(field, kind))]
pub struct ValidationError {
    pub field: Field,
    pub kind: ValidationErrorKind,
}

fn describe(field: &Field, kind: &ValidationErrorKind) -> String {
    let unit = if matches!(field, Field::Password | Field::NewPassword) {
        "bytes"
    } else {
        "characters"
    };
    match kind {
        ValidationErrorKind::TooShort { min: 1 } => "must not be empty".to_owned(),
        ValidationErrorKind::TooShort { min } => format!("must be at least {min} {unit}"),
        ValidationErrorKind::TooLong { max } => format!("must be at most {max} {unit}"),
        ValidationErrorKind::InvalidCharacters => match field {
            Field::Username => "may contain only latin letters, digits, '_' and '.'".to_owned(),
            _ => "contains characters that are not allowed".to_owned(),
        },
        ValidationErrorKind::NotAnEmoji => "must be exactly one emoji".to_owned(),
        ValidationErrorKind::TooMany { max } => format!("must have at most {max} items"),
        ValidationErrorKind::Repeated => "must not list the same item twice".to_owned(),
    }
}

impl ValidationError {
    fn new(field: Field, kind: ValidationErrorKind) -> Self {
        Self { field, kind }
    }
}

fn check_chars(field: Field, len: usize, min: usize, max: usize) -> Result<(), ValidationError> {
    if len < min {
        return Err(ValidationError::new(
            field,
            ValidationErrorKind::TooShort { min },
        ));
    }
    if len > max {
        return Err(ValidationError::new(
            field,
            ValidationErrorKind::TooLong { max },
        ));
    }
    Ok(())
}

/// Refuses a NUL (`\0`) anywhere in `input`: PostgreSQL cannot store it in text, and no
/// person types it. Every text a client sends passes through here (the newtypes call it;
/// free-form inputs without a newtype, such as search queries, call it directly).
pub fn reject_nul(field: Field, input: &str) -> Result<(), ValidationError> {
    if input.contains('\0') {
        return Err(ValidationError::new(
            field,
            ValidationErrorKind::InvalidCharacters,
        ));
    }
    Ok(())
}

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
        pub struct $name(String);

        impl $name {
            /// The validated value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// The validated value, owned.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_newtype!(
    /// 3–50 characters of `[a-z0-9_.]`; input is trimmed and case-folded, so `" Alice "`
    /// and `"alice"` are the same account.
    Username
);

impl Username {
    pub const MIN: usize = 3;
    pub const MAX: usize = 50;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let folded = input.trim().to_lowercase();
        check_chars(
            Field::Username,
            folded.chars().count(),
            Self::MIN,
            Self::MAX,
        )?;
        if !folded
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        {
            return Err(ValidationError::new(
                Field::Username,
                ValidationErrorKind::InvalidCharacters,
            ));
        }
        Ok(Self(folded))
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({:?})", self.0)
    }
}

/// 8–72 bytes (bcrypt uses at most 72), taken as typed: no trimming.
/// Its `Debug` never shows the value, and it is never serialized by the server.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_BYTES: usize = 8;
    pub const MAX_BYTES: usize = 72;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        check_chars(
            Field::Password,
            input.len(),
            Self::MIN_BYTES,
            Self::MAX_BYTES,
        )?;
        // bcrypt stops at a NUL: everything after it would not count
        reject_nul(Field::Password, input)?;
        Ok(Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

string_newtype!(
    /// 1–64 characters after trimming, no control characters.
    DisplayName
);

impl DisplayName {
    pub const MAX: usize = 64;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        check_chars(Field::DisplayName, trimmed.chars().count(), 1, Self::MAX)?;
        if trimmed.chars().any(char::is_control) {
            return Err(ValidationError::new(
                Field::DisplayName,
                ValidationErrorKind::InvalidCharacters,
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl fmt::Debug for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DisplayName({:?})", self.0)
    }
}

string_newtype!(
    /// At most 500 characters after trimming; may be empty; newlines allowed.
    Bio
);

impl Bio {
    pub const MAX: usize = 500;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        check_chars(Field::Bio, trimmed.chars().count(), 0, Self::MAX)?;
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(ValidationError::new(
                Field::Bio,
                ValidationErrorKind::InvalidCharacters,
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl fmt::Debug for Bio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bio({:?})", self.0)
    }
}

string_newtype!(
    /// 1–4096 characters after trimming; the trimmed text is what is stored and sent.
    MessageText
);

impl MessageText {
    pub const MAX: usize = 4096;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        check_chars(Field::Text, trimmed.chars().count(), 1, Self::MAX)?;
        reject_nul(Field::Text, trimmed)?;
        Ok(Self(trimmed.to_owned()))
    }

    /// A caption: as `parse`, but empty is allowed (a message that carries files).
    pub fn caption(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        check_chars(Field::Text, trimmed.chars().count(), 0, Self::MAX)?;
        reject_nul(Field::Text, trimmed)?;
        Ok(Self(trimmed.to_owned()))
    }
}

/// A message's text and files: the text may be empty only when there are files; at most
/// `MAX_ATTACHMENTS` files, each once.
pub fn message_body(
    text: &str,
    attachments: &[crate::ids::FileId],
) -> Result<MessageText, ValidationError> {
    let max = crate::api::files::MAX_ATTACHMENTS;
    if attachments.len() > max {
        return Err(ValidationError::new(
            Field::Attachments,
            ValidationErrorKind::TooMany { max },
        ));
    }
    let distinct: std::collections::HashSet<_> = attachments.iter().collect();
    if distinct.len() != attachments.len() {
        return Err(ValidationError::new(
            Field::Attachments,
            ValidationErrorKind::Repeated,
        ));
    }
    if attachments.is_empty() {
        MessageText::parse(text)
    } else {
        MessageText::caption(text)
    }
}

impl fmt::Debug for MessageText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageText({:?})", self.0)
    }
}

string_newtype!(
    /// A group's title: 1–128 characters after trimming, no control characters.
    ChatTitle
);

impl ChatTitle {
    pub const MAX: usize = 128;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        check_chars(Field::Title, trimmed.chars().count(), 1, Self::MAX)?;
        if trimmed.chars().any(char::is_control) {
            return Err(ValidationError::new(
                Field::Title,
                ValidationErrorKind::InvalidCharacters,
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl fmt::Debug for ChatTitle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChatTitle({:?})", self.0)
    }
}

string_newtype!(
    /// A group's description: up to 1000 characters after trimming (empty clears it); line
    /// breaks and tabs are allowed, other control characters are not.
    ChatDescription
);

impl ChatDescription {
    pub const MAX: usize = 1000;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        check_chars(Field::Description, trimmed.chars().count(), 0, Self::MAX)?;
        if trimmed
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(ValidationError::new(
                Field::Description,
                ValidationErrorKind::InvalidCharacters,
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl fmt::Debug for ChatDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChatDescription({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ValidationErrorKind::*;

    #[test]
    fn descriptions() {
        assert_eq!(
            ChatDescription::parse("  ").map(|d| d.into_inner()),
            Ok(String::new())
        );
        assert_eq!(
            ChatDescription::parse("line one\nline two").map(|d| d.into_inner()),
            Ok("line one\nline two".to_owned())
        );
        assert_eq!(
            ChatDescription::parse("bell\u{7}").map_err(|e| e.kind),
            Err(InvalidCharacters)
        );
        assert_eq!(
            ChatDescription::parse(&"д".repeat(1001)).map_err(|e| e.kind),
            Err(TooLong { max: 1000 })
        );
    }

    type Case = (
        &'static str,
        &'static str,
        Result<&'static str, ValidationErrorKind>,
    );

    #[test]
    fn usernames() {
        let long = "a".repeat(51);
        let max = "a".repeat(50);
        let cases: &[(&str, &str, Result<&str, ValidationErrorKind>)] = &[
            ("plain lowercase is kept", "alice", Ok("alice")),
            ("case is folded", "AliCe", Ok("alice")),
            ("surrounding spaces are trimmed", "  bob  ", Ok("bob")),
            ("digits, dot and underscore allowed", "a.b_c9", Ok("a.b_c9")),
            ("three is the minimum", "abc", Ok("abc")),
            ("two is too short", "ab", Err(TooShort { min: 3 })),
            ("empty is too short", "", Err(TooShort { min: 3 })),
            ("spaces only is too short", "    ", Err(TooShort { min: 3 })),
            ("inner space rejected", "al ice", Err(InvalidCharacters)),
            ("dash rejected", "al-ice", Err(InvalidCharacters)),
            ("cyrillic rejected", "алиса", Err(InvalidCharacters)),
            ("at sign rejected", "a@b.c", Err(InvalidCharacters)),
        ];
        for (reason, input, expected) in cases {
            let got = Username::parse(input);
            match expected {
                Ok(v) => assert_eq!(got.as_ref().map(Username::as_str), Ok(*v), "{reason}"),
                Err(k) => assert_eq!(got.map_err(|e| e.kind), Err(k.clone()), "{reason}"),
            }
        }
        assert!(Username::parse(&max).is_ok(), "fifty is the maximum");
        assert_eq!(
            Username::parse(&long).map_err(|e| e.kind),
            Err(TooLong { max: 50 }),
            "fifty-one is too long"
        );
    }

    #[test]
    fn passwords_count_bytes_not_chars() {
        let cases: &[Case] = &[
            ("eight bytes is enough", "12345678", Ok("12345678")),
            ("seven is too short", "1234567", Err(TooShort { min: 8 })),
            ("spaces are kept, not trimmed", "        ", Ok("        ")),
            // four Cyrillic letters are eight bytes in UTF-8
            ("multi-byte counts bytes", "пароль", Ok("пароль")),
        ];
        for (reason, input, expected) in cases {
            let got = Password::parse(input);
            match expected {
                Ok(v) => assert_eq!(got.as_ref().map(Password::expose), Ok(*v), "{reason}"),
                Err(k) => assert_eq!(got.map_err(|e| e.kind), Err(k.clone()), "{reason}"),
            }
        }
        assert!(
            Password::parse(&"x".repeat(72)).is_ok(),
            "72 bytes is the maximum"
        );
        // 37 two-byte letters are 74 bytes: over bcrypt's limit although only 37 characters
        assert_eq!(
            Password::parse(&"я".repeat(37)).map_err(|e| e.kind),
            Err(TooLong { max: 72 })
        );
    }

    #[test]
    fn password_debug_hides_the_secret() {
        let p = Password::parse("hunter2hunter2").unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn display_names() {
        let cases: &[Case] = &[
            ("unicode allowed", "Алиса 🌷", Ok("Алиса 🌷")),
            ("trimmed", "  Bob ", Ok("Bob")),
            ("empty rejected", "   ", Err(TooShort { min: 1 })),
            ("newline rejected", "Bob\nSmith", Err(InvalidCharacters)),
        ];
        for (reason, input, expected) in cases {
            let got = DisplayName::parse(input);
            match expected {
                Ok(v) => assert_eq!(got.as_ref().map(DisplayName::as_str), Ok(*v), "{reason}"),
                Err(k) => assert_eq!(got.map_err(|e| e.kind), Err(k.clone()), "{reason}"),
            }
        }
        assert!(
            DisplayName::parse(&"ж".repeat(64)).is_ok(),
            "64 chars, not bytes"
        );
        assert_eq!(
            DisplayName::parse(&"ж".repeat(65)).map_err(|e| e.kind),
            Err(TooLong { max: 64 })
        );
    }

    #[test]
    fn bios() {
        assert_eq!(Bio::parse("").unwrap().as_str(), "", "empty bio is allowed");
        assert_eq!(Bio::parse("line1\nline2").unwrap().as_str(), "line1\nline2");
        assert!(Bio::parse(&"b".repeat(500)).is_ok());
        assert_eq!(
            Bio::parse(&"b".repeat(501)).map_err(|e| e.kind),
            Err(TooLong { max: 500 })
        );
        assert_eq!(
            Bio::parse("bell\u{7}").map_err(|e| e.kind),
            Err(InvalidCharacters)
        );
    }

    #[test]
    fn message_texts() {
        assert_eq!(MessageText::parse("  hi  ").unwrap().as_str(), "hi");
        assert_eq!(
            MessageText::parse(" \n ").map_err(|e| e.kind),
            Err(TooShort { min: 1 })
        );
        assert!(MessageText::parse(&"м".repeat(4096)).is_ok());
        let file = crate::ids::FileId::new_random();
        assert_eq!(message_body(" ", &[file]).unwrap().as_str(), "");
        assert_eq!(
            message_body(" ", &[]).map_err(|e| e.kind),
            Err(ValidationErrorKind::TooShort { min: 1 })
        );
        assert_eq!(
            message_body("x", &[file, file]).map_err(|e| e.kind),
            Err(ValidationErrorKind::Repeated)
        );
        let many: Vec<_> = (0..11).map(|_| crate::ids::FileId::new_random()).collect();
        assert_eq!(
            message_body("x", &many).map_err(|e| e.kind),
            Err(ValidationErrorKind::TooMany { max: 10 })
        );
        assert_eq!(
            MessageText::parse(&"м".repeat(4097)).map_err(|e| e.kind),
            Err(TooLong { max: 4096 })
        );
    }

    #[test]
    fn a_nul_is_refused_in_every_text() {
        let nul = "a\0b";
        let refused = [
            (
                "message text",
                MessageText::parse(nul).map(|_| ()).map_err(|e| e.kind),
            ),
            (
                "caption",
                MessageText::caption(nul).map(|_| ()).map_err(|e| e.kind),
            ),
            (
                "password",
                Password::parse("password\0x")
                    .map(|_| ())
                    .map_err(|e| e.kind),
            ),
            (
                "display name",
                DisplayName::parse(nul).map(|_| ()).map_err(|e| e.kind),
            ),
            ("bio", Bio::parse(nul).map(|_| ()).map_err(|e| e.kind)),
            (
                "title",
                ChatTitle::parse(nul).map(|_| ()).map_err(|e| e.kind),
            ),
            (
                "description",
                ChatDescription::parse(nul).map(|_| ()).map_err(|e| e.kind),
            ),
            (
                "username",
                Username::parse(nul).map(|_| ()).map_err(|e| e.kind),
            ),
            (
                "emoji",
                Emoji::parse("👍\0").map(|_| ()).map_err(|e| e.kind),
            ),
            (
                "free text",
                reject_nul(Field::Query, nul).map_err(|e| e.kind),
            ),
        ];
        for (what, got) in refused {
            assert!(got.is_err(), "{what} took a NUL");
        }
        assert_eq!(
            MessageText::parse(nul).map_err(|e| e.kind),
            Err(InvalidCharacters),
            "a message says which characters"
        );
        assert!(reject_nul(Field::Query, "no nul here").is_ok());
    }

    #[test]
    fn deserializing_an_invalid_value_fails() {
        assert!(serde_json::from_str::<Username>("\"ab\"").is_err());
        assert_eq!(
            serde_json::from_str::<Username>("\"Carol\"")
                .unwrap()
                .as_str(),
            "carol"
        );
    }

    #[test]
    fn error_messages_name_the_field() {
        let e = Username::parse("a").unwrap_err();
        assert_eq!(e.to_string(), "username: must be at least 3 characters");
        let e = Password::parse("").unwrap_err();
        assert_eq!(e.to_string(), "password: must be at least 8 bytes");
    }

    #[test]
    fn chat_titles() {
        let cases: &[Case] = &[
            ("plain title kept", "Book club", Ok("Book club")),
            ("trimmed", "  Hikers ", Ok("Hikers")),
            ("unicode allowed", "Клуб 📚", Ok("Клуб 📚")),
            ("empty rejected", "", Err(TooShort { min: 1 })),
            ("spaces only rejected", "   ", Err(TooShort { min: 1 })),
            ("newline rejected", "Book\nclub", Err(InvalidCharacters)),
            ("tab rejected", "Book\tclub", Err(InvalidCharacters)),
            ("NUL rejected", "Book\0club", Err(InvalidCharacters)),
        ];
        for (reason, input, expected) in cases {
            let got = ChatTitle::parse(input);
            match expected {
                Ok(v) => assert_eq!(got.as_ref().map(ChatTitle::as_str), Ok(*v), "{reason}"),
                Err(k) => assert_eq!(got.map_err(|e| e.kind), Err(k.clone()), "{reason}"),
            }
        }
        assert!(
            ChatTitle::parse(&"т".repeat(128)).is_ok(),
            "128 chars is the maximum"
        );
        assert_eq!(
            ChatTitle::parse(&"т".repeat(129)).map_err(|e| e.kind),
            Err(TooLong { max: 128 })
        );
    }
}

string_newtype!(
    /// Exactly one emoji (with its skin tone or other modifiers), as Unicode lists them; kept
    /// in its fully-qualified form, so "❤" and "❤️" are the same reaction.
    Emoji
);

impl Emoji {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let input = input.trim();
        let found = emojis::get(input).or_else(|| {
            // the same emoji with or without its variation selector
            let plain: String = input.chars().filter(|c| *c != '\u{FE0F}').collect();
            emojis::get(&plain).or_else(|| emojis::get(&format!("{plain}\u{FE0F}")))
        });
        match found {
            Some(e) => Ok(Self(e.as_str().to_owned())),
            None => Err(ValidationError::new(
                Field::Emoji,
                ValidationErrorKind::NotAnEmoji,
            )),
        }
    }
}

impl fmt::Debug for Emoji {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Emoji({:?})", self.0)
    }
}

#[cfg(test)]
mod emoji_tests {
    use super::*;

    #[test]
    fn one_emoji_is_accepted_in_its_qualified_form() {
        assert_eq!(Emoji::parse("👍").unwrap().as_str(), "👍");
        assert_eq!(Emoji::parse("👍🏽").unwrap().as_str(), "👍🏽");
        assert_eq!(Emoji::parse("❤").unwrap(), Emoji::parse("❤️").unwrap());
        assert_eq!(Emoji::parse("🏔️").unwrap().as_str(), "🏔️");
        assert_eq!(Emoji::parse("👨‍👩‍👧").unwrap().as_str(), "👨‍👩‍👧");
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in ["", "a", "👍👍", "👍a", "ok", ":+1:", "\u{FE0F}"] {
            let e = Emoji::parse(bad).unwrap_err();
            assert_eq!(e.field, Field::Emoji, "{bad:?}");
            assert_eq!(e.kind, ValidationErrorKind::NotAnEmoji, "{bad:?}");
        }
    }
}

/// A six-digit code of an authenticator app (RFC 6238); spaces typed between the digits are
/// ignored. Its `Debug` hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct TwoFactorCode(String);

impl TwoFactorCode {
    pub const DIGITS: usize = 6;

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        check_chars(Field::Code, digits.len(), Self::DIGITS, Self::DIGITS)?;
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ValidationError::new(
                Field::Code,
                ValidationErrorKind::InvalidCharacters,
            ));
        }
        Ok(Self(digits))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TwoFactorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TwoFactorCode(***)")
    }
}

/// A single-use recovery code as handed out (`abcde-fghij`): ten letters and digits of the
/// base32 alphabet; case, spaces and dashes are ignored. Its `Debug` hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode(String);

impl RecoveryCode {
    pub const CHARS: usize = 10;
    /// The letters a code is made of (RFC 4648 base32, lower case).
    pub const ALPHABET: &'static [u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let folded: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_lowercase)
            .collect();
        check_chars(
            Field::Code,
            folded.chars().count(),
            Self::CHARS,
            Self::CHARS,
        )?;
        if !folded.bytes().all(|b| Self::ALPHABET.contains(&b)) {
            return Err(ValidationError::new(
                Field::Code,
                ValidationErrorKind::InvalidCharacters,
            ));
        }
        Ok(Self(folded))
    }

    /// The code without its dash, lower case: what is hashed.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The code as shown to a person: `abcde-fghij`.
    pub fn formatted(&self) -> String {
        let (a, b) = self.0.split_at(Self::CHARS / 2);
        format!("{a}-{b}")
    }
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(***)")
    }
}

#[cfg(test)]
mod two_factor_code_tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_with_spaces_ignored() {
        for (input, ok, why) in [
            ("123456", true, "six digits"),
            ("123 456", true, "a space in the middle, as apps show it"),
            ("12345", false, "too short"),
            ("1234567", false, "too long"),
            ("12345a", false, "a letter"),
            ("12345\u{0}", false, "a NUL"),
        ] {
            assert_eq!(TwoFactorCode::parse(input).is_ok(), ok, "{why}");
        }
    }

    #[test]
    fn recovery_codes_ignore_case_and_dashes() {
        let code = RecoveryCode::parse("ABCDE-fgh23").expect("valid");
        assert_eq!(code.expose(), "abcdefgh23");
        assert_eq!(code.formatted(), "abcde-fgh23");
        for (input, why) in [
            ("abcde-fgh1", "1 is not in the alphabet"),
            ("abcd", "too short"),
            ("abcde-fghij-k", "too long"),
        ] {
            assert!(RecoveryCode::parse(input).is_err(), "{why}");
        }
    }

    #[test]
    fn neither_shows_its_value_in_debug() {
        let code = TwoFactorCode::parse("123456").expect("valid");
        assert!(!format!("{code:?}").contains("123456"));
        let code = RecoveryCode::parse("abcdefghij").expect("valid");
        assert!(!format!("{code:?}").contains("abcde"));
    }
}

/// The rules above as JSON Schema patterns (ECMA-262 and Python `re` read them alike), for
/// the server's OpenAPI document: a string a pattern accepts is one the newtype accepts, so
/// a client generated from the document sends only valid input. `str::trim` removes
/// Unicode White_Space (`WS`), "control" is the Cc category (U+0000–U+001F, U+007F–U+009F).
/// Schemathesis holds them to the parsers (`server/tests/schemathesis.rs`).
pub mod patterns {
    /// Characters `str::trim` removes.
    macro_rules! ws {
        () => {
            r"\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
        };
    }
    /// Neither a control character nor white space: what a trimmed text starts and ends with.
    macro_rules! visible {
        () => {
            concat!(r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
        };
    }
    /// Not a control character (inside a one-line text).
    macro_rules! line {
        () => {
            r"[^\x00-\x1f\x7f-\x9f]"
        };
    }
    /// Not a control character other than tab and line feed (inside a bio or description).
    macro_rules! lines {
        () => {
            r"[^\x00-\x08\x0b-\x1f\x7f-\x9f]"
        };
    }

    /// [`super::Username`]: 3–50 of `[a-z0-9_.]` once trimmed and lower-cased.
    pub const USERNAME: &str = concat!("^[", ws!(), "]*[A-Za-z0-9_.]{3,50}[", ws!(), "]*$");
    /// [`super::Password`] is 8–72 *bytes* of UTF-8 without NUL; a byte count is not a JSON
    /// Schema rule, so the document names the ASCII passwords (one byte a character).
    pub const PASSWORD: &str = r"^[\x01-\x7f]{8,72}$";
    /// [`super::DisplayName`]: 1–64 characters once trimmed, no control characters.
    pub const DISPLAY_NAME: &str = concat!(
        "^[",
        ws!(),
        "]*",
        visible!(),
        "(?:",
        line!(),
        "{0,62}",
        visible!(),
        ")?[",
        ws!(),
        "]*$"
    );
    /// A display name, or only white space (which clears it where that is allowed).
    pub const DISPLAY_NAME_OR_BLANK: &str = concat!(
        "^[",
        ws!(),
        "]*(?:",
        visible!(),
        "(?:",
        line!(),
        "{0,62}",
        visible!(),
        ")?)?[",
        ws!(),
        "]*$"
    );
    /// A device's name: up to 100 characters once trimmed, no control characters; blank
    /// means "use the User-Agent".
    pub const DEVICE_NAME_OR_BLANK: &str = concat!(
        "^[",
        ws!(),
        "]*(?:",
        visible!(),
        "(?:",
        line!(),
        "{0,98}",
        visible!(),
        ")?)?[",
        ws!(),
        "]*$"
    );
    /// [`super::Bio`]: up to 500 characters once trimmed; tab and line feed allowed inside.
    pub const BIO: &str = concat!(
        "^[",
        ws!(),
        "]*(?:",
        visible!(),
        "(?:",
        lines!(),
        "{0,498}",
        visible!(),
        ")?)?[",
        ws!(),
        "]*$"
    );
    /// [`super::ChatTitle`]: 1–128 characters once trimmed, no control characters.
    pub const TITLE: &str = concat!(
        "^[",
        ws!(),
        "]*",
        visible!(),
        "(?:",
        line!(),
        "{0,126}",
        visible!(),
        ")?[",
        ws!(),
        "]*$"
    );
    /// [`super::ChatDescription`]: up to 1000 characters once trimmed; tab and line feed
    /// allowed inside.
    pub const DESCRIPTION: &str = concat!(
        "^[",
        ws!(),
        "]*(?:",
        visible!(),
        "(?:",
        lines!(),
        "{0,998}",
        visible!(),
        ")?)?[",
        ws!(),
        "]*$"
    );
    /// [`super::MessageText`]: 1–4096 characters once trimmed, no NUL.
    pub const TEXT: &str = concat!(
        "^[",
        ws!(),
        "]*[^\\x00",
        ws!(),
        "](?:[^\\x00]{0,4094}[^\\x00",
        ws!(),
        "])?[",
        ws!(),
        "]*$"
    );
    /// A people search (`GET /users?query=`): 3–50 characters once trimmed, no control
    /// characters.
    pub const USER_QUERY: &str = concat!(
        "^[",
        ws!(),
        "]*",
        visible!(),
        line!(),
        "{1,48}",
        visible!(),
        "[",
        ws!(),
        "]*$"
    );
    /// [`super::TwoFactorCode`]: six digits, white space anywhere ignored.
    pub const CODE: &str = concat!("^[", ws!(), "]*(?:[0-9][", ws!(), "]*){6}$");
    /// A code, or only white space (taken as no code).
    pub const CODE_OR_BLANK: &str = concat!("^[", ws!(), "]*(?:(?:[0-9][", ws!(), "]*){6})?$");
    /// [`super::RecoveryCode`] (ten base32 letters or digits, case, dashes and white space
    /// ignored), or only white space (taken as no code).
    pub const RECOVERY_CODE_OR_BLANK: &str = concat!(
        "^[",
        ws!(),
        "]*(?:(?:[-",
        ws!(),
        "]*[A-Za-z2-7]){10}[-",
        ws!(),
        "]*)?$"
    );
}
