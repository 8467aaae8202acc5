//! `/search/messages`: finding messages across the caller's chats.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::chats::{ChatKind, ChatPartner};
use crate::api::messages::Message;
use crate::api::users::shown_name;
use crate::ids::{ChatId, UserId};
use crate::validation::{DisplayName, Username};

crate::named_enum!(
    /// What a found message must carry (`has=`).
    pub enum SearchHas {
        /// At least one file of any type.
        File = "file",
        /// At least one image (shown inline).
        Image = "image",
        /// A link (`http://`, `https://` or `www.`) in its text.
        Link = "link",
    }
);

/// `GET /search/messages?q=&chat_id=&sender_id=&from=&to=&has=&limit=&cursor=`.
///
/// `q` is words, `"quoted phrases"` and `-excluded` words; a message is found when it holds
/// every word (as a word form, a prefix, or anywhere inside a longer word, link or host
/// name), every phrase, and none of the excluded words. Case and `ё`/`е` do not matter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct MessageSearchQuery {
    /// 1–200 characters with at least one word or phrase to find (the query language is
    /// not a JSON Schema pattern: see the operation's description).
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 200))]
    pub q: String,
    /// Only this chat (one the caller is a member of).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<ChatId>,
    /// Only messages this person sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<UserId>,
    /// Sent at or after this moment (RFC 3339, or a date `YYYY-MM-DD` meaning its start, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Sent before this moment (RFC 3339, or a date `YYYY-MM-DD`: up to the end of that day, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// `file`, `image` or `link`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>))]
    pub has: Option<SearchHas>,
    /// 1–50, default 20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 50))]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl MessageSearchQuery {
    pub const DEFAULT_LIMIT: u32 = 20;
    pub const MAX_LIMIT: u32 = 50;
    /// Characters of `q`.
    pub const MAX_QUERY: usize = 200;
}

/// The chat a hit was found in, enough to name it in a results list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchChat {
    pub id: ChatId,
    pub kind: ChatKind,
    /// The group title; `None` for direct chats (show the partner's name).
    pub title: Option<String>,
    /// The other person of a direct chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<ChatPartner>,
}

/// A piece of a snippet: matched pieces are the parts of the text the query found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnippetPart {
    pub text: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub matched: bool,
}

/// Who wrote a found message, enough to name them in a results list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchSender {
    pub id: UserId,
    pub username: Username,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<DisplayName>,
}

impl SearchSender {
    /// What to call this person: the display name, else the username.
    pub fn name(&self) -> &str {
        shown_name(&self.username, self.display_name.as_ref())
    }
}

/// One found message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub chat: SearchChat,
    /// The message's sender (absent for an account that no longer exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<SearchSender>,
    pub message: Message,
    /// The text around the first match (the whole text when short), in order; joined, the
    /// parts give the snippet, with `…` where the text was cut.
    pub snippet: Vec<SnippetPart>,
}

/// A page of hits, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchPage {
    pub hits: Vec<SearchHit>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The moment a `from`/`to` names: an RFC 3339 time, or a date (its start, or with
/// `end_of_day` the start of the next day, UTC).
/// `None` outside years 1–9999 ([`in_calendar`]).
pub fn parse_search_bound(s: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
    let t = match DateTime::parse_from_rfc3339(s) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => {
            let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
            let day = if end_of_day { day.succ_opt()? } else { day };
            day.and_hms_opt(0, 0, 0)?.and_utc()
        }
    };
    in_calendar(t).then_some(t)
}

/// Whether a moment lies in years 1–9999: what PostgreSQL's timestamps and people's
/// calendars hold (a search bound or cursor outside is refused, not a database error).
pub fn in_calendar(t: DateTime<Utc>) -> bool {
    use chrono::Datelike;
    (1..=9999).contains(&t.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_means_the_start_of_the_day_or_the_start_of_the_next() {
        let from = parse_search_bound("2026-12-06", false).unwrap();
        let to = parse_search_bound("2026-12-06", true).unwrap();
        assert_eq!(from.to_rfc3339(), "2026-12-06T00:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-12-07T00:00:00+00:00");
    }

    #[test]
    fn an_rfc3339_moment_is_kept_and_garbage_is_refused() {
        let t = parse_search_bound("2026-12-06T10:00:00+02:00", true).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-06T08:00:00+00:00");
        assert!(parse_search_bound("yesterday", false).is_none());
        assert!(parse_search_bound("2026-13-01", false).is_none());
        assert!(parse_search_bound("-5000-01-01T00:00:00Z", false).is_none());
        assert!(parse_search_bound("+12000-01-01", false).is_none());
    }

    #[test]
    fn a_query_and_a_page_have_a_stable_json() {
        let q: MessageSearchQuery =
            serde_json::from_str(r#"{"q":"natter","has":"link","limit":5}"#).unwrap();
        assert_eq!(q.has, Some(SearchHas::Link));
        let page = SearchPage {
            hits: Vec::new(),
            next_cursor: Some("c".into()),
        };
        assert_eq!(
            serde_json::to_string(&page).unwrap(),
            r#"{"hits":[],"next_cursor":"c"}"#
        );
        let part = SnippetPart {
            text: "natter".into(),
            matched: true,
        };
        assert_eq!(
            serde_json::to_string(&part).unwrap(),
            r#"{"text":"natter","matched":true}"#
        );
        let plain = SnippetPart {
            text: " is".into(),
            matched: false,
        };
        assert_eq!(serde_json::to_string(&plain).unwrap(), r#"{"text":" is"}"#);
    }
}
