//! Message search: the panel's query and filters as typed, the search in flight, the hits
//! shown and where the next page starts; and the message a chat was opened at (a hit), which
//! the conversation scrolls to and highlights for a moment.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use natter_shared::api::{MessageSearchQuery, SearchHas, SearchHit};
use natter_shared::{ChatId, UserId};

use super::UiError;

/// How long a message opened from search stays highlighted (it fades over this time).
pub const FOCUS_SHOWN: TimeDelta = TimeDelta::milliseconds(2_000);

/// The search panel (open while this exists).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchPanel {
    /// The text as typed.
    pub query: String,
    /// Only this chat (Ctrl+F in a chat); `None` searches every chat.
    pub chat: Option<ChatId>,
    /// Only messages this person sent.
    pub sender: Option<UserId>,
    /// The date range as typed, `YYYY-MM-DD` (empty: no bound).
    pub from: String,
    pub to: String,
    /// Only messages with a file, an image or a link.
    pub has: Option<SearchHas>,
    /// When the typed query is due to be searched (debounce).
    pub due: Option<DateTime<Utc>>,
    /// The call in flight: the first page of a search, or a next page (with its cursor).
    pub in_flight: Option<MessageSearchQuery>,
    /// The search the hits belong to (without a cursor).
    pub shown: Option<MessageSearchQuery>,
    /// The hits so far, newest first.
    pub hits: Vec<SearchHit>,
    /// Where the next (older) page starts; `None` on the last page.
    pub next_cursor: Option<String>,
    /// Why the last call failed (the server's message for an unusable query).
    pub error: Option<UiError>,
    /// Why the hit clicked last could not be opened (its page failed to load).
    pub open_error: Option<UiError>,
    /// Bumped whenever the panel is opened (again), so the view focuses the query field.
    pub opened: u64,
}

/// What is wrong with a typed date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateProblem {
    /// Not a `YYYY-MM-DD` date.
    NotADate,
    /// "To" lies before "from".
    BeforeFrom,
}

impl SearchPanel {
    /// A first-page search is in flight.
    pub fn searching(&self) -> bool {
        self.in_flight.as_ref().is_some_and(|q| q.cursor.is_none())
    }

    /// A next page is in flight.
    pub fn loading_more(&self) -> bool {
        self.in_flight.as_ref().is_some_and(|q| q.cursor.is_some())
    }

    /// The problem with the "from" date, if any.
    pub fn from_problem(&self) -> Option<DateProblem> {
        parse_date(&self.from).err()
    }

    /// The problem with the "to" date, if any.
    pub fn to_problem(&self) -> Option<DateProblem> {
        let to = parse_date(&self.to).err();
        if to.is_some() {
            return to;
        }
        match (parse_date(&self.from), parse_date(&self.to)) {
            (Ok(Some(from)), Ok(Some(to))) if to < from => Some(DateProblem::BeforeFrom),
            _ => None,
        }
    }

    /// The first-page query for what is typed: `None` while the text is empty or a date
    /// is not usable (its field says why).
    pub fn request(&self) -> Option<MessageSearchQuery> {
        let q: String = self
            .query
            .trim()
            .chars()
            .take(MessageSearchQuery::MAX_QUERY)
            .collect();
        if q.is_empty() || self.from_problem().is_some() || self.to_problem().is_some() {
            return None;
        }
        let bound = |text: &str| {
            let text = text.trim();
            (!text.is_empty()).then(|| text.to_owned())
        };
        Some(MessageSearchQuery {
            q,
            chat_id: self.chat,
            sender_id: self.sender,
            from: bound(&self.from),
            to: bound(&self.to),
            has: self.has,
            limit: None,
            cursor: None,
        })
    }
}

/// A typed date: empty is no bound.
fn parse_date(text: &str) -> Result<Option<NaiveDate>, DateProblem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let well_formed = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    if !well_formed {
        return Err(DateProblem::NotADate);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| DateProblem::NotADate)
}

/// The message a chat was opened at: scrolled to once, highlighted until [`FOCUS_SHOWN`]
/// after `since`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Focus {
    pub seq: i64,
    pub since: DateTime<Utc>,
}

impl Focus {
    /// How strongly it is highlighted at `now`: 1 when opened, fading to 0.
    pub fn strength(&self, now: DateTime<Utc>) -> f32 {
        let elapsed = (now - self.since).num_milliseconds().max(0) as f32;
        let total = FOCUS_SHOWN.num_milliseconds() as f32;
        (1.0 - elapsed / total).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_as_typed() {
        let cases = [
            ("", "", None, None, "no bounds"),
            ("2026-03-01", "2026-03-31", None, None, "a range"),
            (
                "2026-3-1",
                "",
                Some(DateProblem::NotADate),
                None,
                "not padded",
            ),
            ("yesterday", "", Some(DateProblem::NotADate), None, "words"),
            (
                "",
                "2026-02-30",
                None,
                Some(DateProblem::NotADate),
                "no such day",
            ),
            (
                "2026-03-10",
                "2026-03-09",
                None,
                Some(DateProblem::BeforeFrom),
                "to before from",
            ),
        ];
        for (from, to, from_problem, to_problem, reason) in cases {
            let panel = SearchPanel {
                from: from.into(),
                to: to.into(),
                ..SearchPanel::default()
            };
            assert_eq!(panel.from_problem(), from_problem, "{reason}");
            assert_eq!(panel.to_problem(), to_problem, "{reason}");
        }
    }

    #[test]
    fn the_request_carries_the_trimmed_text_and_filters_and_none_without_text() {
        let mut panel = SearchPanel {
            query: "  tea  ".into(),
            from: "2026-03-01".into(),
            has: Some(SearchHas::Link),
            ..SearchPanel::default()
        };
        let q = panel.request().unwrap();
        assert_eq!(q.q, "tea");
        assert_eq!(q.from.as_deref(), Some("2026-03-01"));
        assert_eq!(q.to, None);
        assert_eq!(q.has, Some(SearchHas::Link));
        panel.query = "   ".into();
        assert_eq!(panel.request(), None);
        panel.query = "tea".into();
        panel.to = "March".into();
        assert_eq!(panel.request(), None, "a bad date holds the search back");
    }

    #[test]
    fn a_focus_fades_over_two_seconds() {
        let since = DateTime::<Utc>::UNIX_EPOCH;
        let focus = Focus { seq: 1, since };
        assert_eq!(focus.strength(since), 1.0);
        assert!((focus.strength(since + TimeDelta::milliseconds(1_000)) - 0.5).abs() < 1e-6);
        assert_eq!(focus.strength(since + TimeDelta::seconds(3)), 0.0);
    }
}
