//! What PostgreSQL knows about a search's words before the search runs: whether a word is a
//! stop word, its stem in the `russian` configuration, and how common that stem is (from the
//! statistics ANALYZE keeps of the word-forms index). `db::search` lets the rarest word drive
//! the index scan and checks the others on the few rows it finds.

use diesel::prelude::*;
use diesel::sql_types::{Array, Double, Nullable, Text};

/// One word of a query, as PostgreSQL sees it.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct TermFacts {
    /// The word (folded).
    #[diesel(sql_type = Text)]
    pub word: String,
    /// The only lexeme the word has (`None` for a stop word, or a word of several lexemes
    /// such as `plt-3699`).
    #[diesel(sql_type = Nullable<Text>)]
    pub stem: Option<String>,
    /// No lexeme at all: a stop word (`the`, `и`).
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub stop: bool,
    /// The share of messages holding the stem, when it is among the most common ones of the
    /// statistics; 0 for the rest (rarer than all of those) and before any ANALYZE.
    #[diesel(sql_type = Double)]
    pub share: f64,
}

impl TermFacts {
    /// Facts for a word PostgreSQL was not asked about (unit tests, an empty query).
    pub fn unknown(word: &str) -> TermFacts {
        TermFacts {
            word: word.to_owned(),
            stem: None,
            stop: false,
            share: 0.0,
        }
    }

    /// The stem when every word with this stem holds it (a substring of the word, the common
    /// case), so a trigram search for the stem finds all of the word's forms at once.
    pub fn inner_stem(&self) -> Option<&str> {
        self.stem
            .as_deref()
            .filter(|s| s.chars().count() >= 3 && self.word.contains(s))
    }
}

/// The facts of each of `words`, in their order.
pub fn facts(conn: &mut PgConnection, words: &[String]) -> QueryResult<Vec<TermFacts>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<TermFacts> = diesel::sql_query(
        "WITH common AS ( \
           SELECT e, f FROM pg_stats s, \
             unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS x(e, f) \
           WHERE s.schemaname = current_schema() AND s.tablename = 'messages_words_idx') \
         SELECT w AS word, \
           CASE WHEN numnode(q) = 1 THEN btrim(q::text, '''') END AS stem, \
           numnode(q) = 0 AS stop, \
           coalesce((SELECT max(f) FROM common WHERE e = btrim(q::text, '''')), 0)::float8 AS share \
         FROM unnest($1::text[]) WITH ORDINALITY AS t(w, i), plainto_tsquery('russian', w) AS q \
         ORDER BY i",
    )
    .bind::<Array<Text>, _>(words)
    .load(conn)?;
    // a stem PostgreSQL quoted with an inner quote is no stem to search a substring of
    for r in &mut rows {
        if r.stem.as_deref().is_some_and(|s| s.contains('\'')) {
            r.stem = None;
        }
    }
    Ok(rows)
}

/// Which word drives the search: the rarest stem by the statistics, then the longest (a
/// longer word is found in fewer messages); a stop word only when nothing else is left.
pub fn driver(facts: &[TermFacts]) -> Option<usize> {
    let rarest = |stop: bool| {
        facts
            .iter()
            .enumerate()
            .filter(|(_, f)| f.stop == stop)
            .min_by(|(_, a), (_, b)| {
                a.share
                    .total_cmp(&b.share)
                    .then_with(|| b.word.chars().count().cmp(&a.word.chars().count()))
            })
            .map(|(i, _)| i)
    };
    rarest(false).or_else(|| rarest(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(word: &str, stem: Option<&str>, share: f64) -> TermFacts {
        TermFacts {
            word: word.into(),
            stem: stem.map(str::to_owned),
            stop: stem.is_none() && word.len() < 4,
            share,
        }
    }

    #[test]
    fn the_rarest_then_the_longest_word_drives() {
        let facts = [
            fact("meeting", Some("meet"), 0.04),
            fact("budget", Some("budget"), 0.01),
            fact("cohelsa", Some("cohelsa"), 0.0),
            fact("kalo", Some("kalo"), 0.0),
        ];
        assert_eq!(driver(&facts), Some(2));
        assert_eq!(driver(&facts[..2]), Some(1));
        let stop_only = [fact("the", None, 0.0)];
        assert_eq!(
            driver(&[fact("the", None, 0.0), fact("meeting", Some("meet"), 0.5)]),
            Some(1)
        );
        assert_eq!(driver(&stop_only), Some(0), "alone, a stop word drives");
        assert_eq!(driver(&[]), None);
    }

    #[test]
    fn a_stem_is_searched_as_a_substring_only_when_the_word_holds_it() {
        assert_eq!(fact("столы", Some("стол"), 0.0).inner_stem(), Some("стол"));
        assert_eq!(fact("happy", Some("happi"), 0.0).inner_stem(), None);
        assert_eq!(
            fact("is", Some("is"), 0.0).inner_stem(),
            None,
            "too short for trigrams"
        );
        assert_eq!(fact("plt-3699", None, 0.0).inner_stem(), None);
    }
}
