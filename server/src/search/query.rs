//! What a search query asks for: words, `"quoted phrases"` and `-excluded` words, folded the
//! way the database folds the searched text (`natter_fold`: lower case, `ё` as `е`), so both
//! sides compare like with like.

use natter_shared::api::MessageSearchQuery;

/// A parsed query. At least one word or phrase is present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Words every found message holds (folded).
    pub words: Vec<String>,
    /// Phrases every found message holds (folded, inner spaces collapsed).
    pub phrases: Vec<String>,
    /// Words no found message holds (folded).
    pub excluded: Vec<String>,
}

/// Why a query cannot be searched for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("q: type a word or a number to search for")]
    Empty,
    #[error("q: at most {} characters", MessageSearchQuery::MAX_QUERY)]
    TooLong,
    #[error("q: at most {MAX_TERMS} words and phrases")]
    TooManyTerms,
    #[error("q: say what to find, not only what to leave out")]
    OnlyExclusions,
    #[error("q: must not contain control characters")]
    ControlCharacter,
}

/// More terms than this make a query no person types, and a plan no index helps.
pub const MAX_TERMS: usize = 8;

/// Lower case with `ё` as `е`: the `natter_fold` of the migration.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

impl ParsedQuery {
    /// Reads `q`: whitespace separates words; `"…"` is a phrase (an unclosed quote runs to
    /// the end); a word starting with `-` is excluded; terms without a letter or a digit are
    /// ignored.
    pub fn parse(q: &str) -> Result<ParsedQuery, QueryError> {
        if q.chars().count() > MessageSearchQuery::MAX_QUERY {
            return Err(QueryError::TooLong);
        }
        if q.chars().any(char::is_control) {
            return Err(QueryError::ControlCharacter);
        }
        let folded = fold(q);
        let mut parsed = ParsedQuery {
            words: Vec::new(),
            phrases: Vec::new(),
            excluded: Vec::new(),
        };
        let mut rest = folded.as_str();
        loop {
            rest = rest.trim_start();
            let Some(first) = rest.chars().next() else {
                break;
            };
            if first == '"' {
                let inner = &rest[1..];
                let (phrase, after) = match inner.find('"') {
                    Some(end) => (&inner[..end], &inner[end + 1..]),
                    None => (inner, ""),
                };
                let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
                if phrase.contains(' ') {
                    parsed.phrases.push(phrase);
                } else if !phrase.is_empty() {
                    // one quoted word is that word
                    parsed.words.push(phrase);
                }
                rest = after;
                continue;
            }
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let word = &rest[..end];
            rest = &rest[end..];
            match word.strip_prefix('-') {
                Some("") => {}
                Some(excluded) => parsed.excluded.push(excluded.to_owned()),
                None => parsed.words.push(word.to_owned()),
            }
        }
        // a term with no letter or digit finds nothing a person looks for, and no trigram
        // of it narrows a search down
        for terms in [&mut parsed.words, &mut parsed.phrases, &mut parsed.excluded] {
            terms.retain(|t| t.chars().any(char::is_alphanumeric));
            dedup(terms);
        }
        if parsed.words.len() + parsed.phrases.len() + parsed.excluded.len() > MAX_TERMS {
            return Err(QueryError::TooManyTerms);
        }
        if parsed.words.is_empty() && parsed.phrases.is_empty() {
            return Err(if parsed.excluded.is_empty() {
                QueryError::Empty
            } else {
                QueryError::OnlyExclusions
            });
        }
        Ok(parsed)
    }

    /// What the snippet marks: the words and the phrases.
    pub fn wanted(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .chain(self.phrases.iter())
            .map(String::as_str)
    }
}

/// Escapes `%`, `_` and `\` so text matches literally inside a LIKE pattern.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|s| seen.insert(s.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> ParsedQuery {
        ParsedQuery::parse(q).unwrap()
    }

    #[test]
    fn words_phrases_and_exclusions_are_told_apart() {
        let p = parse(r#"Natter "release  NOTES" -draft  ёлка"#);
        assert_eq!(p.words, vec!["natter", "елка"]);
        assert_eq!(p.phrases, vec!["release notes"]);
        assert_eq!(p.excluded, vec!["draft"]);
    }

    #[test]
    fn ids_links_and_hyphens_stay_one_word() {
        let p = parse("PLT-3699 https://docs.example.com/x well-known");
        assert_eq!(
            p.words,
            vec!["plt-3699", "https://docs.example.com/x", "well-known"]
        );
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end_and_one_quoted_word_is_a_word() {
        let p = parse(r#""one" "two three"#);
        assert_eq!(p.words, vec!["one"]);
        assert_eq!(p.phrases, vec!["two three"]);
    }

    #[test]
    fn unusable_queries_are_refused_with_their_reason() {
        let cases = [
            ("", QueryError::Empty, "nothing at all"),
            ("   ", QueryError::Empty, "only spaces"),
            ("- \"\"", QueryError::Empty, "a lone dash and empty quotes"),
            (
                "--- ... \"?!\"",
                QueryError::Empty,
                "no letter or digit anywhere",
            ),
            (
                "-draft",
                QueryError::OnlyExclusions,
                "only what to leave out",
            ),
            ("a\0b", QueryError::ControlCharacter, "a NUL byte"),
            ("a b c d e f g h i", QueryError::TooManyTerms, "nine words"),
        ];
        for (q, want, why) in cases {
            assert_eq!(ParsedQuery::parse(q), Err(want), "{why}");
        }
        let long = "x".repeat(MessageSearchQuery::MAX_QUERY + 1);
        assert_eq!(ParsedQuery::parse(&long), Err(QueryError::TooLong));
    }

    #[test]
    fn like_wildcards_in_user_text_match_literally() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }

    #[test]
    fn repeated_words_count_once() {
        assert_eq!(parse("a A a").words, vec!["a"]);
    }
}
