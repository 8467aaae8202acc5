//! Small pure helpers the views share: initials and a stable colour for avatars, and
//! times shown relative to the injected clock (today → HH:MM, else the date).

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use egui::{Color32, Ui};
use uuid::Uuid;

use super::theme::{AVATAR_PALETTE, ONLINE_DOT};
use crate::i18n::{Language, tr, tr_args};
use crate::state::{ChatEntry, Clock};

/// The same id always gets the same colour, on every machine and every run.
pub fn avatar_color(id: Uuid) -> Color32 {
    let folded = id.as_u128() ^ (id.as_u128() >> 64);
    let index = usize::try_from(folded % AVATAR_PALETTE.len() as u128).unwrap_or(0);
    AVATAR_PALETTE[index]
}

/// The person a direct chat's avatar shows, else the group: avatars follow them.
pub fn avatar_id(entry: &ChatEntry) -> Uuid {
    entry
        .summary
        .partner
        .as_ref()
        .map_or(entry.summary.id.0, |p| p.id.0)
}

/// "typing…" (with the name in groups) while someone types in the chat.
pub fn typing_text(lang: Language, entry: &ChatEntry) -> Option<String> {
    let typist = entry.typing.keys().next()?;
    Some(match entry.member_name(*typist) {
        Some(name) if entry.summary.partner.is_none() => {
            tr_args(lang, "chats.someone_typing", &[("name", name.to_owned())])
        }
        _ => tr(lang, "chats.typing"),
    })
}

/// An unread count as a badge shows it.
pub fn badge_text(count: i64) -> String {
    if count > 999 {
        "999+".to_owned()
    } else {
        count.to_string()
    }
}

/// Up to two initials of a name ("Alice Liddell" → "AL", "bob" → "B").
pub fn initials(name: &str) -> String {
    let mut words = name.split_whitespace().filter_map(|w| w.chars().next());
    let first = words.next();
    let second = words.next();
    first
        .into_iter()
        .chain(second)
        .flat_map(char::to_uppercase)
        .collect()
}

/// A round avatar with initials.
pub fn avatar_ui(ui: &mut Ui, id: Uuid, name: &str, size: f32, online: bool) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    let painter = ui.painter();
    painter.circle_filled(rect.center(), size / 2.0, avatar_color(id));
    painter.text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        initials(name),
        egui::FontId::proportional(size * 0.4),
        Color32::WHITE,
    );
    if online {
        let dot = rect.right_bottom() - egui::vec2(size * 0.14, size * 0.14);
        painter.circle_filled(dot, size * 0.14, ui.visuals().panel_fill);
        painter.circle_filled(dot, size * 0.1, ONLINE_DOT);
    }
    response
}

/// The local calendar day of a moment.
pub fn local_day(clock: &Clock, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&clock.offset).date_naive()
}

/// HH:MM in local time.
pub fn clock_time(clock: &Clock, at: DateTime<Utc>) -> String {
    at.with_timezone(&clock.offset).format("%H:%M").to_string()
}

/// The chat list's time: HH:MM today, else the date (the year only when not this year).
pub fn list_time(clock: &Clock, at: DateTime<Utc>) -> String {
    let day = local_day(clock, at);
    let today = local_day(clock, clock.now);
    if day == today {
        clock_time(clock, at)
    } else if day.year() == today.year() {
        day.format("%d.%m").to_string()
    } else {
        day.format("%d.%m.%Y").to_string()
    }
}

/// A day separator: "Today", "Yesterday", else the date.
pub fn day_label(lang: Language, clock: &Clock, day: NaiveDate) -> String {
    let today = local_day(clock, clock.now);
    if day == today {
        tr(lang, "conversation.today")
    } else if today.pred_opt() == Some(day) {
        tr(lang, "conversation.yesterday")
    } else {
        day.format("%d.%m.%Y").to_string()
    }
}

/// The first line of a text, shortened for a one-line preview.
pub fn one_line(text: &str, max_chars: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut out: String = line.chars().take(max_chars).collect();
    if line.chars().count() > max_chars || text.lines().nth(1).is_some() {
        out.push('…');
    }
    out
}

/// A file size for people: bytes, KB, MB or GB (powers of 1024, one decimal above KB).
pub fn file_size(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = bytes.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        1 => format!("{value:.0} KB"),
        _ => format!("{value:.1} {}", UNITS[unit]),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, TimeZone as _};

    use super::*;

    #[test]
    fn initials_take_the_first_letters_of_two_words() {
        assert_eq!(initials("Alice Liddell"), "AL");
        assert_eq!(initials("bob"), "B");
        assert_eq!(initials("  "), "");
        assert_eq!(initials("ёжик в тумане"), "ЁВ");
    }

    #[test]
    fn avatar_colours_are_stable_per_id() {
        let id = Uuid::from_u128(42);
        assert_eq!(avatar_color(id), avatar_color(Uuid::from_u128(42)));
        let distinct: std::collections::HashSet<_> = (0..64u128)
            .map(|n| avatar_color(Uuid::from_u128(n)))
            .collect();
        assert!(distinct.len() > 4);
    }

    #[test]
    fn list_times_are_clock_times_today_and_dates_otherwise() {
        let clock = Clock {
            now: Utc.with_ymd_and_hms(2026, 3, 10, 22, 30, 0).unwrap(),
            offset: FixedOffset::east_opt(3600).unwrap(),
        };
        let cases = [
            ((2026, 3, 10, 21, 5), "22:05", "earlier today"),
            (
                (2026, 3, 10, 23, 30),
                "11.03",
                "tomorrow in UTC+1 is already another day",
            ),
            ((2026, 1, 2, 8, 0), "02.01", "this year"),
            ((2025, 12, 31, 8, 0), "31.12.2025", "last year"),
        ];
        for ((y, mo, d, h, mi), want, reason) in cases {
            let at = Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap();
            assert_eq!(list_time(&clock, at), want, "{reason}");
        }
    }

    #[test]
    fn file_sizes_read_as_people_expect() {
        assert_eq!(file_size(512), "512 B");
        assert_eq!(file_size(2048), "2 KB");
        assert_eq!(file_size(5 * 1024 * 1024 + 512 * 1024), "5.5 MB");
        assert_eq!(file_size(3 * 1024 * 1024 * 1024), "3.0 GB");
    }

    #[test]
    fn previews_are_one_shortened_line() {
        assert_eq!(one_line("hello", 10), "hello");
        assert_eq!(one_line("hello world", 5), "hello…");
        assert_eq!(one_line("one\ntwo", 10), "one…");
    }
}
