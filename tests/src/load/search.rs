//! The search figures: one person in many chats (the data made by
//! `scripts/sql/search-data.sql`) searches one query at a time, in classes (one, two and
//! three words, each filter, a phrase, a prefix, an id), and each class's latency is taken
//! over the whole HTTP round trip of `GET /search/messages`. A word is half the time one of
//! the common words of the data and half the time a name (the long tail people search for);
//! the "common" classes take only common words, a worst case.

use std::time::Instant;

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use natter_shared::API_PREFIX;
use natter_shared::api::{ChatList, LoginRequest, SearchPage};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::report::Latency;

/// Words people search for, from common to rare, in the three languages of the data.
const WORDS: &[&str] = &[
    "meeting",
    "release",
    "server",
    "deploy",
    "ticket",
    "review",
    "budget",
    "invoice",
    "deadline",
    "database",
    "latency",
    "timeout",
    "restart",
    "dashboard",
    "birthday",
    "hotel",
    "flight",
    "coffee",
    "running",
    "fixed",
    "shipped",
    "natter",
    "postgres",
    "redis",
    "встреча",
    "стол",
    "сервер",
    "релиз",
    "ошибка",
    "отчёт",
    "бюджет",
    "черновик",
    "ёлка",
    "поезд",
    "гостиница",
    "задачи",
    "сообщения",
    "москва",
    "зустріч",
    "помилка",
    "звіт",
    "чернетка",
    "потяг",
    "готель",
    "їжак",
    "київ",
    "повідомлення",
];

/// The syllables names are made of (as `scripts/sql/search-data.sql` makes them).
const SYLLABLES: [[&str; 30]; 2] = [
    [
        "ka", "lo", "mi", "ren", "sa", "tor", "vi", "del", "an", "bri", "co", "da", "el", "fa",
        "gar", "hel", "is", "jo", "ke", "lin", "mar", "nor", "os", "pe", "qui", "ro", "sten", "tu",
        "ul", "ver",
    ],
    [
        "ка", "ло", "ми", "рен", "са", "тор", "ви", "дел", "ан", "бри", "ко", "да", "ел", "фа",
        "гар", "хел", "ис", "йо", "ке", "лин", "мар", "нор", "ос", "пе", "кви", "ро", "стен", "ту",
        "ул", "вер",
    ],
];

/// A name of the data: Latin or Cyrillic, the commoner ones more often (as they were given).
fn name(r: &mut rand::rngs::StdRng) -> String {
    let n = (r.random::<f64>().powi(3) * 27_000.0) as usize;
    let s = &SYLLABLES[usize::from(r.random_bool(0.4))];
    format!("{}{}{}", s[n % 30], s[(n / 30) % 30], s[(n / 900) % 30])
}

/// Parts of words: prefixes and pieces people type before finishing.
const PARTS: &[&str] = &[
    "meet",
    "relea",
    "deplo",
    "dashb",
    "invoi",
    "postg",
    "встре",
    "серве",
    "отчё",
    "зустр",
    "повідом",
    "готел",
];

/// Inside links and ids.
const INSIDE: &[&str] = &[
    "example",
    "github",
    "wikipedia",
    "company",
    "youtube",
    "docs",
    "plt-4",
    "plt-73",
];

/// One class of queries and its figures.
#[derive(Debug, Serialize)]
pub struct ClassFigures {
    pub class: String,
    pub latency: Latency,
    /// Hits on the first page, on average (of at most 20).
    pub mean_hits: f64,
}

/// The whole run.
#[derive(Debug, Serialize)]
pub struct SearchReport {
    pub chats: i64,
    pub classes: Vec<ClassFigures>,
}

impl SearchReport {
    pub fn print(&self) {
        println!("searching as a member of {} chats", self.chats);
        println!("| query | n | p50 ms | p95 ms | p99 ms | max ms | hits/page |");
        println!("|---|---|---|---|---|---|---|");
        for c in &self.classes {
            println!(
                "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} |",
                c.class,
                c.latency.count,
                c.latency.p50_ms,
                c.latency.p95_ms,
                c.latency.p99_ms,
                c.latency.max_ms,
                c.mean_hits
            );
        }
    }
}

/// Signs in as `username` and runs `per_class` queries of each class, one at a time.
pub async fn measure(
    server: &str,
    username: &str,
    password: &str,
    per_class: usize,
) -> anyhow::Result<SearchReport> {
    let client = reqwest::Client::new();
    let api = |p: &str| format!("{server}{API_PREFIX}{p}");
    let resp = client
        .post(api("/auth/login"))
        .json(&LoginRequest {
            username: username.into(),
            password: password.into(),
            device_name: None,
        })
        .send()
        .await?;
    if !resp.status().is_success() {
        bail!("signing in as {username}: {}", resp.status());
    }
    let tokens: natter_shared::api::AuthTokens = resp.json().await?;
    let token = tokens.token;
    let list: ChatList = client
        .get(api("/chats?limit=100"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await
        .context("the chat list")?;
    if list.chats.is_empty() {
        bail!("{username} is in no chat: fill the database with scripts/sql/search-data.sql");
    }
    let chat_ids: Vec<String> = list.chats.iter().map(|c| c.id.to_string()).collect();
    // a sender to filter by: whoever wrote the newest hit for a common word
    let first: SearchPage = get(
        &client,
        &api("/search/messages"),
        &token,
        &[("q", "the".into())],
    )
    .await?
    .0;
    let sender = first
        .hits
        .first()
        .map(|h| h.message.sender_id.to_string())
        .context("no hit for 'the': is the data there?")?;

    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut classes = Vec::new();
    type Make<'a> = Box<dyn Fn(&mut rand::rngs::StdRng) -> Vec<(&'static str, String)> + 'a>;
    let common =
        |r: &mut rand::rngs::StdRng| WORDS.choose(r).copied().unwrap_or("natter").to_owned();
    // what people search for: half the time a common word, half a name
    let word = move |r: &mut rand::rngs::StdRng| {
        if r.random_bool(0.5) {
            common(r)
        } else {
            name(r)
        }
    };
    let words = move |r: &mut rand::rngs::StdRng, n: usize| -> String {
        (0..n).map(|_| word(r)).collect::<Vec<_>>().join(" ")
    };
    let plans: Vec<(&str, Make)> = vec![
        ("1 word", Box::new(move |r| vec![("q", words(r, 1))])),
        ("2 words", Box::new(move |r| vec![("q", words(r, 2))])),
        ("3 words", Box::new(move |r| vec![("q", words(r, 3))])),
        ("1 common word", Box::new(move |r| vec![("q", common(r))])),
        (
            "2 common words",
            Box::new(move |r| vec![("q", format!("{} {}", common(r), common(r)))]),
        ),
        ("1 name", Box::new(|r| vec![("q", name(r))])),
        (
            "part of a word",
            Box::new(|r| vec![("q", PARTS.choose(r).copied().unwrap_or("meet").into())]),
        ),
        (
            "inside a link or id",
            Box::new(|r| vec![("q", INSIDE.choose(r).copied().unwrap_or("example").into())]),
        ),
        (
            "\"phrase\"",
            Box::new(move |r| vec![("q", format!("\"{}\"", words(r, 2)))]),
        ),
        (
            "1 word -excluded",
            Box::new(move |r| vec![("q", format!("{} -{}", words(r, 1), words(r, 1)))]),
        ),
        (
            "1 word, chat_id",
            Box::new(|r| {
                let chat = chat_ids.choose(r).cloned().unwrap_or_default();
                vec![("q", words(r, 1)), ("chat_id", chat)]
            }),
        ),
        (
            "1 word, sender_id",
            Box::new(|r| vec![("q", words(r, 1)), ("sender_id", sender.clone())]),
        ),
        (
            "1 word, from/to (3 months)",
            Box::new(|r| {
                let start = r.random_range(1..=18);
                let from = chrono::Utc::now() - chrono::Duration::days(30 * start);
                let to = from + chrono::Duration::days(90);
                vec![
                    ("q", words(r, 1)),
                    ("from", from.format("%Y-%m-%d").to_string()),
                    ("to", to.format("%Y-%m-%d").to_string()),
                ]
            }),
        ),
        (
            "1 word, has=link",
            Box::new(move |r| vec![("q", words(r, 1)), ("has", "link".into())]),
        ),
        (
            "1 word, has=file",
            Box::new(move |r| vec![("q", words(r, 1)), ("has", "file".into())]),
        ),
        (
            "1 word, has=image",
            Box::new(move |r| vec![("q", words(r, 1)), ("has", "image".into())]),
        ),
    ];
    for (name, make) in plans {
        let mut hist = Histogram::<u64>::new(3)?;
        let mut hits = 0usize;
        for _ in 0..per_class {
            let params = make(&mut rng);
            let (page, us) = get(&client, &api("/search/messages"), &token, &params).await?;
            hist.record(us)?;
            hits += page.hits.len();
        }
        classes.push(ClassFigures {
            class: name.to_owned(),
            latency: Latency::of(&hist),
            mean_hits: hits as f64 / per_class.max(1) as f64,
        });
    }
    Ok(SearchReport {
        chats: list.total,
        classes,
    })
}

/// One search, and how long its round trip took (µs).
async fn get(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    params: &[(&str, String)],
) -> anyhow::Result<(SearchPage, u64)> {
    let started = Instant::now();
    let resp = client
        .get(url)
        .query(params)
        .bearer_auth(token)
        .send()
        .await?;
    let status = resp.status();
    if !status.is_success() {
        bail!(
            "{params:?}: {status}: {}",
            resp.text().await.unwrap_or_default()
        );
    }
    let page: SearchPage = resp.json().await?;
    Ok((page, started.elapsed().as_micros() as u64))
}
