//! Message search in SQL. One word drives: the rarest (`db::search_terms`), in a form the
//! indexes of the search migration answer (any part of the text through the trigrams of
//! `natter_fold(text)`, word forms through `natter_words(text)`), intersected with the
//! caller's chats through `(chat_id, seq)`. Every other word, phrase, exclusion and filter is
//! written so that no index takes it (`IS TRUE`, `CASE`, the raw text) and checked on the
//! few rows found, cheapest test first: PostgreSQL cannot estimate how common a substring is,
//! and left to itself it intersected the lists of every common word (tens of ms each).
//! Tombstones and service messages are left out by their columns (their text is empty).

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{Array, BigInt, Text, Timestamptz, Uuid as SqlUuid};
use natter_shared::api::SearchHas;
use uuid::Uuid;

use super::messages::MessageRow;
use super::search_terms::{self, TermFacts, driver};
use crate::search::query::{ParsedQuery, escape_like};

/// Terms shorter than this (in characters) match as word prefixes only: a trigram index
/// cannot look up fewer than three characters.
const TRIGRAM: usize = 3;

/// What to look for and where.
#[derive(Debug, Clone)]
pub struct MessageSearch {
    pub viewer: Uuid,
    /// The chats to look in: the viewer's (all, or the one asked for).
    pub chats: Vec<Uuid>,
    pub query: ParsedQuery,
    pub sender: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub has: Option<SearchHas>,
    /// Older than this hit: `(created_at, id)` of the last hit of the previous page.
    pub before: Option<(DateTime<Utc>, Uuid)>,
    /// Rows to answer (one more is read to tell whether there are more).
    pub limit: i64,
}

type Query<'a> = BoxedSqlQuery<'a, Pg, diesel::query_builder::SqlQuery>;

/// Builds the SQL text and its binds together, so the placeholders always line up.
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

enum Bind {
    Text(String),
    Uuid(Uuid),
    Uuids(Vec<Uuid>),
    Time(DateTime<Utc>),
    Int(i64),
}

impl Sql {
    /// Appends a placeholder for `value` and answers it (`$n`).
    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    fn like(&mut self, term: &str) -> String {
        let p = self.bind(Bind::Text(format!("%{}%", escape_like(term))));
        format!("natter_fold(m.text) LIKE {p}")
    }

    /// The condition that the text holds the word `f`, as a word form or anywhere; with
    /// `drive`, in a form the indexes answer, else in one they cannot (a filter on the rows
    /// the driving word found, cheapest test first).
    fn word(&mut self, f: &TermFacts, drive: bool) -> String {
        let w = &f.word;
        if w.chars().count() < TRIGRAM {
            // a word starting with the term, quoted so no tsquery syntax comes from it
            let quoted = w.replace('\\', "\\\\").replace('\'', "''");
            let t = self.bind(Bind::Text(format!("'{quoted}':*")));
            let c = format!("natter_words(m.text) @@ to_tsquery('simple', {t})");
            return if drive { c } else { format!("({c}) IS TRUE") };
        }
        let literally = self.like(w);
        let t = self.bind(Bind::Text(w.clone()));
        let forms = format!("natter_words(m.text) @@ plainto_tsquery('russian', {t})");
        match f.inner_stem() {
            // every form of the word holds its stem: one trigram search for the stem finds
            // them all, and the tsvector is computed only for rows with the stem but not the
            // word itself
            Some(stem) => {
                let has_stem = self.like(stem);
                let check = format!(
                    "(CASE WHEN {literally} THEN true WHEN NOT {has_stem} THEN false ELSE {forms} END)"
                );
                if drive {
                    format!("{has_stem} AND {check}")
                } else {
                    check
                }
            }
            None if drive => format!("({literally} OR {forms})"),
            None => format!("(CASE WHEN {literally} THEN true ELSE {forms} END)"),
        }
    }

    fn into_query(self) -> Query<'static> {
        let mut q = diesel::sql_query(self.text).into_boxed::<Pg>();
        for b in self.binds {
            q = match b {
                Bind::Text(v) => q.bind::<Text, _>(v),
                Bind::Uuid(v) => q.bind::<SqlUuid, _>(v),
                Bind::Uuids(v) => q.bind::<Array<SqlUuid>, _>(v),
                Bind::Time(v) => q.bind::<Timestamptz, _>(v),
                Bind::Int(v) => q.bind::<BigInt, _>(v),
            };
        }
        q
    }
}

#[cfg(test)]
/// The SQL of a search and its number of binds, given the facts of its words (of the words,
/// the exclusions and the phrases' words, in any order; a word without facts counts as rare).
fn sql(s: &MessageSearch, facts: &[TermFacts]) -> (String, usize) {
    let b = build(s, facts);
    let n = b.binds.len();
    (b.text, n)
}

fn build(s: &MessageSearch, facts: &[TermFacts]) -> Sql {
    let mut sql = Sql {
        text: String::new(),
        binds: Vec::new(),
    };
    let chats = sql.bind(Bind::Uuids(s.chats.clone()));
    let mut conds = vec![
        format!("m.chat_id = ANY({chats})"),
        "m.deleted_at IS NULL".to_owned(),
        "m.service IS NULL".to_owned(),
    ];
    let fact = |w: &str| {
        facts
            .iter()
            .find(|f| f.word == w)
            .cloned()
            .unwrap_or_else(|| TermFacts::unknown(w))
    };
    // stop words are left out beside anything else to find; alone they are searched for
    let all: Vec<TermFacts> = s.query.words.iter().map(|w| fact(w)).collect();
    let mut words: Vec<TermFacts> = all.iter().filter(|f| !f.stop).cloned().collect();
    if words.is_empty() && s.query.phrases.is_empty() {
        words = all;
    }
    // a phrase holds each of its words literally, so one of them can drive too
    let phrase_words = s
        .query
        .phrases
        .iter()
        .flat_map(|p| p.split(' '))
        .map(fact)
        .filter(|f| !f.stop && f.word.chars().count() >= TRIGRAM);
    let candidates: Vec<TermFacts> = words.iter().cloned().chain(phrase_words).collect();
    let driver = driver(&candidates);
    for (i, f) in words.iter().enumerate() {
        let c = sql.word(f, driver == Some(i));
        conds.push(c);
    }
    if let Some(d) = driver.filter(|d| *d >= words.len()) {
        let c = sql.like(&candidates[d].word);
        conds.push(c);
    }
    for (i, p) in s.query.phrases.iter().enumerate() {
        let c = sql.like(p);
        // with nothing else to drive (words of one or two letters), the first phrase does
        conds.push(if driver.is_none() && i == 0 {
            c
        } else {
            format!("({c}) IS TRUE")
        });
    }
    for x in &s.query.excluded {
        let c = sql.word(&fact(x), false);
        conds.push(format!("NOT {c}"));
    }
    if let Some(sender) = s.sender {
        let v = sql.bind(Bind::Uuid(sender));
        conds.push(format!("m.sender_id = {v}"));
    }
    if let Some(from) = s.from {
        let v = sql.bind(Bind::Time(from));
        conds.push(format!("m.created_at >= {v}"));
    }
    if let Some(to) = s.to {
        let v = sql.bind(Bind::Time(to));
        conds.push(format!("m.created_at < {v}"));
    }
    match s.has {
        None => {}
        Some(SearchHas::File) => conds.push("m.file_ids <> '{}'".to_owned()),
        // what the app shows inline: `FileInfo::is_image`
        Some(SearchHas::Image) => conds.push(
            "m.file_ids <> '{}' AND EXISTS (SELECT 1 FROM jsonb_array_elements(m.attachments::jsonb) f \
             WHERE f->>'mime' LIKE 'image/%' AND (f->>'has_thumbnail')::boolean)"
                .to_owned(),
        ),
        // on the raw text, which no index covers: the words narrow, this only filters
        Some(SearchHas::Link) => {
            conds.push("m.text ~* '(https?://|www\\.)[^[:space:]]'".to_owned())
        }
    }
    if let Some((at, id)) = s.before {
        let a = sql.bind(Bind::Time(at));
        let i = sql.bind(Bind::Uuid(id));
        conds.push(format!("(m.created_at, m.id) < ({a}, {i})"));
    }
    let viewer = sql.bind(Bind::Uuid(s.viewer));
    conds.push(format!(
        "NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = {viewer} AND h.message_id = m.id)"
    ));
    let limit = sql.bind(Bind::Int(s.limit + 1));
    sql.text = format!(
        "SELECT m.* FROM messages m WHERE {} ORDER BY m.created_at DESC, m.id DESC LIMIT {limit}",
        conds.join(" AND ")
    );
    sql
}

/// The hits, newest first, and whether older ones exist.
pub fn messages(
    conn: &mut PgConnection,
    s: &MessageSearch,
) -> QueryResult<(Vec<MessageRow>, bool)> {
    if s.chats.is_empty() {
        return Ok((Vec::new(), false));
    }
    let mut asked: Vec<String> = s.query.words.clone();
    asked.extend(s.query.excluded.iter().cloned());
    asked.extend(
        s.query
            .phrases
            .iter()
            .flat_map(|p| p.split(' ').map(str::to_owned)),
    );
    asked.sort();
    asked.dedup();
    let facts = search_terms::facts(conn, &asked)?;
    let mut rows: Vec<MessageRow> = build(s, &facts).into_query().load(conn)?;
    let more = rows.len() as i64 > s.limit;
    rows.truncate(s.limit as usize);
    Ok((rows, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(q: &str) -> MessageSearch {
        MessageSearch {
            viewer: Uuid::nil(),
            chats: vec![Uuid::nil()],
            query: ParsedQuery::parse(q).unwrap(),
            sender: None,
            from: None,
            to: None,
            has: None,
            before: None,
            limit: 20,
        }
    }

    /// The facts PostgreSQL would give, without asking it: stems as given.
    fn facts(s: &MessageSearch, stems: &[(&str, Option<&str>, f64)]) -> Vec<TermFacts> {
        s.query
            .words
            .iter()
            .map(|w| {
                let (_, stem, share) = stems
                    .iter()
                    .find(|(word, ..)| word == w)
                    .copied()
                    .unwrap_or((w, Some(w), 0.0));
                TermFacts {
                    word: w.clone(),
                    stem: stem.map(str::to_owned),
                    stop: stem.is_none() && w == "the",
                    share,
                }
            })
            .collect()
    }

    fn sql_of(q: &str, stems: &[(&str, Option<&str>, f64)]) -> String {
        let s = search(q);
        sql(&s, &facts(&s, stems)).0
    }

    #[test]
    fn every_placeholder_has_its_bind() {
        let s = MessageSearch {
            sender: Some(Uuid::nil()),
            from: Some(Utc::now()),
            to: Some(Utc::now()),
            has: Some(SearchHas::Link),
            before: Some((Utc::now(), Uuid::nil())),
            ..search(r#"natter столы "two words" ab -draft"#)
        };
        let f = facts(&s, &[("столы", Some("стол"), 0.0)]);
        let (text, n) = sql(&s, &f);
        for i in 1..=n {
            assert!(text.contains(&format!("${i}")), "${i} missing in {text}");
        }
        assert!(!text.contains(&format!("${}", n + 1)));
    }

    #[test]
    fn only_the_rarest_word_is_left_for_an_index_to_answer() {
        let text = sql_of("meeting cohelsa", &[("meeting", Some("meet"), 0.04)]);
        // cohelsa (rare) drives with its bare LIKE; meeting is checked inside a CASE only
        let driving = text.matches(") AND natter_fold(m.text) LIKE").count()
            + text.matches("AND natter_fold(m.text) LIKE $").count();
        assert!(driving >= 1, "{text}");
        assert_eq!(text.matches("CASE WHEN").count(), 2, "{text}");
        assert!(
            text.contains("WHEN NOT natter_fold(m.text) LIKE"),
            "the stem first: {text}"
        );
    }

    #[test]
    fn short_terms_are_word_prefixes_and_longer_ones_also_substrings() {
        let text = sql_of("ab", &[]);
        assert!(text.contains("to_tsquery('simple'") && !text.contains("LIKE"));
        let text = sql_of("abc", &[]);
        assert!(text.contains("plainto_tsquery('russian'") && text.contains("LIKE"));
    }

    #[test]
    fn a_stop_word_is_left_out_beside_others_and_searched_for_alone() {
        let text = sql_of("the natter", &[("the", None, 0.0)]);
        assert_eq!(text.matches("plainto_tsquery").count(), 1, "{text}");
        let text = sql_of("the", &[("the", None, 0.0)]);
        assert_eq!(text.matches("plainto_tsquery").count(), 1, "{text}");
    }

    #[test]
    fn a_word_of_a_phrase_drives_when_the_query_has_no_other() {
        let s = search(r#""natter messenger""#);
        let (text, _) = sql(&s, &[]);
        // "messenger" (the longer) drives with its own LIKE; the phrase is a filter
        assert_eq!(
            text.matches("natter_fold(m.text) LIKE $").count(),
            2,
            "{text}"
        );
        assert_eq!(text.matches(") IS TRUE").count(), 1, "the phrase: {text}");
    }

    #[test]
    fn phrases_and_exclusions_are_never_left_for_an_index() {
        let text = sql_of(r#"natter "two words" -draft"#, &[]);
        assert!(
            text.contains("LIKE $") && text.contains(") IS TRUE"),
            "{text}"
        );
        assert!(text.contains("NOT (CASE WHEN"), "{text}");
    }
}
