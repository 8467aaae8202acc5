//! Message search in SQL. Every word and phrase is one condition that two indexes of the
//! search migration answer: word forms through `natter_words(text)` (GIN, full text) and any
//! part of the text through `natter_fold(text)` (GIN, trigrams); the caller's chats through
//! `(chat_id, seq)`. PostgreSQL intersects their bitmaps, so no query reads messages that
//! cannot match. Both indexes are partial (no tombstones, no service messages), and every
//! condition repeats their predicate so they apply.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{Array, BigInt, Text, Timestamptz, Uuid as SqlUuid};
use natter_shared::api::SearchHas;
use uuid::Uuid;

use super::messages::MessageRow;
use crate::search::query::ParsedQuery;

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

    /// The condition that the folded text holds `term`, as a word form or anywhere.
    fn holds(&mut self, term: &str, phrase: bool) -> String {
        let t = self.bind(Bind::Text(term.to_owned()));
        if term.chars().count() < TRIGRAM {
            // a word starting with the term: quote_literal keeps tsquery syntax out of it
            return format!(
                "natter_words(m.text) @@ to_tsquery('simple', quote_literal({t}) || ':*')"
            );
        }
        let p = self.bind(Bind::Text(format!("%{}%", escape_like(term))));
        let words = if phrase {
            "phraseto_tsquery"
        } else {
            "plainto_tsquery"
        };
        // LIKE first: a recheck evaluates the condition in order, and most rows that hold a
        // word hold it literally, so the costlier tsvector is rarely computed
        format!("(natter_fold(m.text) LIKE {p} OR natter_words(m.text) @@ {words}('russian', {t}))")
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

/// The SQL of a search (for `EXPLAIN` in the benchmarks, and for [`messages`]).
pub fn sql(s: &MessageSearch) -> (String, usize) {
    let b = build(s);
    let n = b.binds.len();
    (b.text, n)
}

fn build(s: &MessageSearch) -> Sql {
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
    for w in &s.query.words {
        let c = sql.holds(w, false);
        conds.push(c);
    }
    for p in &s.query.phrases {
        let c = sql.holds(p, true);
        conds.push(c);
    }
    for x in &s.query.excluded {
        let c = sql.holds(x, false);
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
        Some(SearchHas::Link) => {
            conds.push("natter_fold(m.text) ~ '(https?://|www\\.)[^[:space:]]'".to_owned())
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
    let mut s = s.clone();
    s.query.words = without_stop_words(conn, &s.query)?;
    let mut rows: Vec<MessageRow> = build(&s).into_query().load(conn)?;
    let more = rows.len() as i64 > s.limit;
    rows.truncate(s.limit as usize);
    Ok((rows, more))
}

/// The query's words without stop words (`the`, `и`, …: words the `russian` configuration
/// keeps no lexeme of), unless nothing else is left to find. Such a word is in a large part
/// of all messages: its trigram lists alone cost more than the rest of the search, and it
/// narrows nothing down.
fn without_stop_words(conn: &mut PgConnection, q: &ParsedQuery) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Word {
        #[diesel(sql_type = Text)]
        w: String,
    }
    if q.words.len() + q.phrases.len() < 2 {
        return Ok(q.words.clone());
    }
    let stop: Vec<String> = diesel::sql_query(
        "SELECT w FROM unnest($1::text[]) w WHERE numnode(plainto_tsquery('russian', w)) = 0",
    )
    .bind::<Array<Text>, _>(&q.words)
    .load::<Word>(conn)?
    .into_iter()
    .map(|r| r.w)
    .collect();
    let kept: Vec<String> = q
        .words
        .iter()
        .filter(|w| !stop.contains(w))
        .cloned()
        .collect();
    Ok(if kept.is_empty() && q.phrases.is_empty() {
        q.words.clone()
    } else {
        kept
    })
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

    #[test]
    fn every_placeholder_has_its_bind() {
        let s = MessageSearch {
            sender: Some(Uuid::nil()),
            from: Some(Utc::now()),
            to: Some(Utc::now()),
            has: Some(SearchHas::Link),
            before: Some((Utc::now(), Uuid::nil())),
            ..search(r#"natter "two words" ab -draft"#)
        };
        let (text, n) = sql(&s);
        for i in 1..=n {
            assert!(text.contains(&format!("${i}")), "${i} missing in {text}");
        }
        assert!(!text.contains(&format!("${}", n + 1)));
    }

    #[test]
    fn short_terms_are_word_prefixes_and_longer_ones_also_substrings() {
        let (text, _) = sql(&search("ab"));
        assert!(text.contains("to_tsquery('simple'") && !text.contains("LIKE"));
        let (text, _) = sql(&search("abc"));
        assert!(text.contains("plainto_tsquery('russian'") && text.contains("LIKE"));
    }

    #[test]
    fn like_wildcards_in_user_text_match_literally() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
