//! The snippet of a found message: the text around its first match, with the parts the
//! query found marked. Matches are what the database matched on: a query word or phrase
//! anywhere in the folded text, or a word with the same English or Russian stem.

use natter_shared::api::SnippetPart;
use rust_stemmers::{Algorithm, Stemmer};

use super::query::{ParsedQuery, fold};

/// Texts up to this many characters are shown whole.
const WHOLE: usize = 200;
/// Characters shown before the first match when the text is cut.
const BEFORE: usize = 60;

/// The parts of the snippet of `text` for `query`, in order.
pub fn snippet(text: &str, query: &ParsedQuery) -> Vec<SnippetPart> {
    // a results row is a line: line breaks and tabs show as spaces
    let orig: Vec<char> = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let marked = marks(&orig, query);
    let (start, end) = window(&orig, &marked);
    let mut parts: Vec<SnippetPart> = Vec::new();
    if start > 0 {
        parts.push(plain("…"));
    }
    for i in start..end {
        match parts.last_mut() {
            Some(last) if last.matched == marked[i] && !(i == start && start > 0) => {
                last.text.push(orig[i]);
            }
            _ => parts.push(SnippetPart {
                text: orig[i].to_string(),
                matched: marked[i],
            }),
        }
    }
    if end < orig.len() {
        match parts.last_mut() {
            Some(last) if !last.matched => last.text.push('…'),
            _ => parts.push(plain("…")),
        }
    }
    parts
}

fn plain(s: &str) -> SnippetPart {
    SnippetPart {
        text: s.to_owned(),
        matched: false,
    }
}

/// Which characters of `orig` the query found.
fn marks(orig: &[char], query: &ParsedQuery) -> Vec<bool> {
    let mut marked = vec![false; orig.len()];
    // the folded text, each folded character knowing the original one it came from
    let mut folded: Vec<char> = Vec::with_capacity(orig.len());
    let mut from: Vec<usize> = Vec::with_capacity(orig.len());
    for (i, c) in orig.iter().enumerate() {
        for f in fold(&c.to_string()).chars() {
            folded.push(f);
            from.push(i);
        }
    }
    for term in query.wanted() {
        let term: Vec<char> = term.chars().collect();
        if term.is_empty() || term.len() > folded.len() {
            continue;
        }
        for at in 0..=folded.len() - term.len() {
            if folded[at..at + term.len()] == term[..] {
                for &i in &from[at..at + term.len()] {
                    marked[i] = true;
                }
            }
        }
    }
    let stemmers = [
        Stemmer::create(Algorithm::English),
        Stemmer::create(Algorithm::Russian),
    ];
    let wanted_stems: Vec<String> = query
        .words
        .iter()
        .filter(|w| w.chars().all(char::is_alphanumeric))
        .flat_map(|w| stemmers.iter().map(move |s| s.stem(w).into_owned()))
        .filter(|s| !s.is_empty())
        .collect();
    if wanted_stems.is_empty() {
        return marked;
    }
    let mut i = 0;
    while i < orig.len() {
        if !orig[i].is_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < orig.len() && orig[i].is_alphanumeric() {
            i += 1;
        }
        let word = fold(&orig[start..i].iter().collect::<String>());
        if stemmers
            .iter()
            .any(|s| wanted_stems.iter().any(|w| *w == s.stem(&word)))
        {
            marked[start..i].iter_mut().for_each(|m| *m = true);
        }
    }
    marked
}

/// The range of `orig` to show: all of a short text, else from a little before the first
/// match, cut at spaces where one is near.
fn window(orig: &[char], marked: &[bool]) -> (usize, usize) {
    let len = orig.len();
    if len <= WHOLE {
        return (0, len);
    }
    let first = marked.iter().position(|m| *m).unwrap_or(0);
    let mut start = first.saturating_sub(BEFORE);
    if start > 0 {
        // begin at a word when one begins within a few characters
        if let Some(space) = (start..first.min(start + 15)).find(|&i| orig[i] == ' ') {
            start = space + 1;
        }
    }
    let mut end = (start + WHOLE).min(len);
    if end < len
        && let Some(space) = (end.saturating_sub(15).max(first + 1)..end)
            .rev()
            .find(|&i| orig[i] == ' ')
    {
        end = space;
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, q: &str) -> Vec<String> {
        let query = ParsedQuery::parse(q).unwrap();
        snippet(text, &query)
            .into_iter()
            .filter(|p| p.matched)
            .map(|p| p.text)
            .collect()
    }

    fn joined(text: &str, q: &str) -> String {
        let query = ParsedQuery::parse(q).unwrap();
        snippet(text, &query).into_iter().map(|p| p.text).collect()
    }

    #[test]
    fn what_the_query_found_is_marked_in_the_original_case() {
        let cases = [
            ("Natter is here", "natt", vec!["Natt"], "a prefix"),
            (
                "see https://docs.example.com/x",
                "example",
                vec!["example"],
                "inside a host",
            ),
            (
                "ticket PLT-3699 done",
                "plt-3699",
                vec!["PLT-3699"],
                "an id",
            ),
            ("Ёлка стоит", "елка", vec!["Ёлка"], "ё as е"),
            (
                "Я купил столы",
                "стол",
                vec!["столы"],
                "a Russian word form, marked whole",
            ),
            (
                "she runs daily",
                "running",
                vec!["runs"],
                "an English word form",
            ),
            (
                "новые столы",
                "столами",
                vec!["столы"],
                "a Russian word form",
            ),
            (
                "the release notes are out",
                "\"release notes\"",
                vec!["release notes"],
                "a phrase",
            ),
        ];
        for (text, q, want, why) in cases {
            assert_eq!(marked(text, q), want, "{why}");
        }
    }

    #[test]
    fn a_short_text_is_whole_and_a_long_one_is_cut_around_the_first_match() {
        assert_eq!(joined("one\ntwo natter", "natter"), "one two natter");
        let long = format!("{} natter {}", "word ".repeat(100), "tail ".repeat(100));
        let s = joined(&long, "natter");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("natter"));
        assert!(s.chars().count() <= WHOLE + 2, "{}", s.chars().count());
    }

    #[test]
    fn nothing_marked_shows_the_start() {
        let text = "x".repeat(300);
        let parts = snippet(&text, &ParsedQuery::parse("zzz").unwrap());
        assert!(parts.iter().all(|p| !p.matched));
        assert!(parts[0].text.starts_with('x'));
    }
}
