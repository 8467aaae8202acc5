//! Measures the real app's views with a big account: 1,000 chats, one of them holding
//! 100,000 messages, fed through the real reducer page by page as the server would answer.
//! Then draws the signed-in window with `egui::Context::run_ui` (what eframe calls each
//! frame) plus `Context::tessellate`, and scrolls through thousands of rows with the mouse
//! wheel, timing every frame: egui's whole CPU work, everything but the GPU upload.
//! Prints a markdown table; the process RSS is read from `/proc/self/status`.
//!
//! `cargo run --release -p natter --example scroll_bench [-- --messages N --frames N]`

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use chrono::{DateTime, FixedOffset, TimeDelta, TimeZone as _, Utc};
use egui::{Event, MouseWheelSource, MouseWheelUnit, Pos2, RawInput, Rect, TouchPhase, Vec2};
use natter::action::{Action, SocketEvent, SocketEventKind};
use natter::api::{ApiCall, ApiReply, ApiResponse};
use natter::effect::{ApiRequest, Effect};
use natter::i18n::Language;
use natter::reduce::reduce;
use natter::state::AppState;
use natter_shared::api::{AuthTokens, ChatList, ChatSummary, Message, MessagePage};
use natter_shared::{ChatId, Field};
use serde_json::json;
use uuid::Uuid;

/// The app's default window size.
const WINDOW: Vec2 = Vec2::new(900.0, 640.0);
const CHATS: usize = 1_000;
/// The server's page size for `GET /chats`.
const CHAT_PAGE: usize = 200;
/// What `GET /chats/{id}/messages` returns per page (the app asks for 50).
const HISTORY_PAGE: usize = 50;
/// The baseline chat, for comparing a short chat with the big one.
const SMALL_CHAT_MESSAGES: i64 = 200;
/// Wheel movement per frame, in points (a brisk, continuous scroll).
const WHEEL_STEP: f32 = 100.0;

const ME: u128 = 1;
const PARTNER: u128 = 2;

struct Options {
    messages: i64,
    frames: usize,
}

impl Options {
    fn from_args() -> anyhow::Result<Self> {
        let mut options = Options {
            messages: 100_000,
            frames: 3_000,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{arg} needs a value"))?;
            match arg.as_str() {
                "--messages" => options.messages = value.parse()?,
                "--frames" => options.frames = value.parse()?,
                other => bail!("unknown option {other} (--messages N, --frames N)"),
            }
        }
        Ok(options)
    }
}

fn main() -> anyhow::Result<()> {
    let options = Options::from_args()?;
    let mut bench = Bench::signed_in()?;
    let rss_start = rss_kib()?;

    let started = Instant::now();
    bench.list_chats(options.messages)?;
    let list_time = started.elapsed();
    let rss_chats = rss_kib()?;

    let started = Instant::now();
    bench.load_history(big_chat(), options.messages)?;
    let history_time = started.elapsed();
    let rss_messages = rss_kib()?;

    // the big chat, opened at the bottom and scrolled up through its history
    let mut window = Window::new(&mut bench);
    let first_frame = window.frame(&mut bench, Vec::new());
    for _ in 0..10 {
        window.frame(&mut bench, Vec::new()); // settle: heights measured, fonts cached
    }
    let bottom_before = window.newest_on_screen(&mut bench)?;
    let big = window.scroll(&mut bench, options.frames, WHEEL_STEP);
    let bottom_after = window.newest_on_screen(&mut bench)?;
    let rows_scrolled = bottom_before - bottom_after;
    let idle = window.idle(&mut bench, 200);
    let rss_scrolled = rss_kib()?;
    let peak = peak_rss_kib()?;

    // the same in a chat of 200 messages (up and down: it is only a few screens long)
    bench.load_history(small_chat(), SMALL_CHAT_MESSAGES)?;
    for _ in 0..10 {
        window.frame(&mut bench, Vec::new());
    }
    let mut small = Vec::new();
    for round in 0..(options.frames / 60).max(1) {
        let step = if round % 2 == 0 {
            WHEEL_STEP
        } else {
            -WHEEL_STEP
        };
        small.extend(window.scroll(&mut bench, 60, step));
    }

    println!(
        "## scroll_bench ({} messages, {CHATS} chats)\n",
        options.messages
    );
    println!("| phase | figure |");
    println!("|---|---|");
    println!("| RSS before any chat | {} |", mib(rss_start));
    println!(
        "| {CHATS} chats listed ({} pages of `GET /chats`, {:.0} ms in the reducer) | RSS {} |",
        CHATS.div_ceil(CHAT_PAGE),
        ms(list_time),
        mib(rss_chats)
    );
    println!(
        "| {} messages loaded ({} history pages, {:.0} ms in the reducer) | RSS {} (+{}) |",
        options.messages,
        (options.messages as usize).div_ceil(HISTORY_PAGE),
        ms(history_time),
        mib(rss_messages),
        mib(rss_messages.saturating_sub(rss_chats))
    );
    println!(
        "| after scrolling (row heights cached) | RSS {}, peak {} |",
        mib(rss_scrolled),
        mib(peak)
    );
    println!(
        "| first frame of the open big chat | {:.2} ms |",
        ms(first_frame)
    );
    println!();
    println!("| frames | count | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    row(
        &format!(
            "scrolling the {}-message chat ({rows_scrolled} rows, {WHEEL_STEP} pt/frame)",
            options.messages
        ),
        &big,
    );
    row("same chat, no input (idle repaint)", &idle);
    row(
        &format!("scrolling a {SMALL_CHAT_MESSAGES}-message chat (baseline)"),
        &small,
    );
    Ok(())
}

fn row(name: &str, frames: &[Duration]) {
    let mut sorted: Vec<f64> = frames.iter().map(|d| ms(*d)).collect();
    sorted.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        let index = ((sorted.len() as f64 - 1.0) * q).round() as usize;
        sorted.get(index).copied().unwrap_or(0.0)
    };
    println!(
        "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
        sorted.len(),
        pick(0.50),
        pick(0.95),
        pick(0.99),
        sorted.last().copied().unwrap_or(0.0)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn status_field(name: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with(name))
        .with_context(|| format!("no {name} in /proc/self/status"))?;
    let kib = line
        .split_whitespace()
        .nth(1)
        .with_context(|| format!("odd line {line:?}"))?;
    Ok(kib.parse()?)
}

fn rss_kib() -> anyhow::Result<u64> {
    status_field("VmRSS:")
}

fn peak_rss_kib() -> anyhow::Result<u64> {
    status_field("VmHWM:")
}

fn chat(n: usize) -> ChatId {
    ChatId(Uuid::from_u128(1_000 + n as u128))
}

fn big_chat() -> ChatId {
    chat(0)
}

fn small_chat() -> ChatId {
    chat(1)
}

fn user(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// When the big chat's first message was written; everything is relative to it.
fn epoch() -> DateTime<Utc> {
    Utc.timestamp_opt(1_767_225_600, 0)
        .single()
        .unwrap_or_default() // 2026-01-01
}

/// A small deterministic generator (xorshift64*), so every run sees the same chat.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const WORDS: [&str; 24] = [
    "hello",
    "tomorrow",
    "meeting",
    "coffee",
    "the",
    "a",
    "report",
    "is",
    "ready",
    "I",
    "think",
    "we",
    "should",
    "ship",
    "it",
    "Friday",
    "—",
    "sounds",
    "good",
    "привіт",
    "как",
    "дела",
    "ok",
    "thanks!",
];

/// Message `seq` of a chat: text of varied length (mostly short, some paragraphs), about
/// one in ten a reply, both people writing, with pauses that cross day boundaries.
fn message(chat_id: ChatId, seq: i64, at: DateTime<Utc>) -> anyhow::Result<Message> {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ (chat_id.0.as_u128() as u64) ^ ((seq as u64) << 20));
    let rng = &mut rng;
    let words = match rng.below(100) {
        0..=59 => 1 + rng.below(8),
        60..=89 => 8 + rng.below(30),
        90..=98 => 40 + rng.below(120),
        _ => 160 + rng.below(300),
    };
    let mut text = format!("#{seq}");
    for _ in 0..words {
        text.push(' ');
        text.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
    }
    let sender = if rng.below(100) < 45 { ME } else { PARTNER };
    let reply_to = (seq > 1 && rng.below(10) == 0).then(|| {
        let target = seq - 1 - rng.below(200.min(seq as u64 - 1)) as i64;
        message_id(chat_id, target)
    });
    let value = json!({
        "id": message_id(chat_id, seq),
        "chat_id": chat_id,
        "seq": seq,
        "sender_id": user(sender),
        "text": text,
        "reply_to": reply_to,
        "created_at": at,
        "edited_at": null,
    });
    Ok(serde_json::from_value(value)?)
}

fn message_id(chat_id: ChatId, seq: i64) -> Uuid {
    Uuid::from_u128((chat_id.0.as_u128() << 40) + seq as u128)
}

/// A chat's history as the "server" holds it: only when each message was written
/// (seconds to hours apart); the messages themselves are made when a page is asked for, so
/// the bench holds no second copy of them.
struct History {
    chat_id: ChatId,
    /// `times[seq - 1]`.
    times: Vec<DateTime<Utc>>,
}

impl History {
    fn new(chat_id: ChatId, count: i64) -> Self {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ chat_id.0.as_u128() as u64);
        let mut at = epoch();
        let times = (0..count)
            .map(|_| {
                let pause = match rng.below(100) {
                    0..=79 => 5 + rng.below(120),
                    80..=97 => 300 + rng.below(3_600),
                    _ => 3_600 + rng.below(20 * 3_600),
                };
                at += TimeDelta::seconds(pause as i64);
                at
            })
            .collect();
        History { chat_id, times }
    }

    fn len(&self) -> usize {
        self.times.len()
    }

    /// Messages `from..=to` (seqs).
    fn page(&self, from: usize, to: usize) -> anyhow::Result<Vec<Message>> {
        (from..=to)
            .map(|seq| message(self.chat_id, seq as i64, self.times[seq - 1]))
            .collect()
    }

    fn last(&self) -> anyhow::Result<Option<Message>> {
        Ok(self.page(self.len(), self.len())?.pop())
    }
}

/// The app's state and the calls it asked for, answered here instead of by a server.
struct Bench {
    state: AppState,
    /// Effects not answered yet.
    pending: Vec<Effect>,
    /// The histories the "server" has.
    histories: Vec<History>,
    now: DateTime<Utc>,
}

impl Bench {
    /// Alice signed in through the real sign-in flow, with the link up.
    fn signed_in() -> anyhow::Result<Self> {
        let mut bench = Bench {
            state: AppState::new(
                Language::English,
                "http://127.0.0.1:8080".into(),
                "Natter on Linux (bench)".into(),
            ),
            pending: Vec::new(),
            histories: Vec::new(),
            now: epoch(),
        };
        for (field, value) in [(Field::Username, "alice"), (Field::Password, "password1")] {
            bench.dispatch(Action::AuthFieldEdited {
                field,
                value: value.into(),
            });
        }
        bench.dispatch(Action::SignInSubmitted);
        let login = bench.take_call(|c| matches!(c, ApiCall::Login(_)))?;
        let tokens: AuthTokens = serde_json::from_value(json!({
            "token": "access",
            "expires_in": 900,
            "refresh_token": "refresh",
            "session_id": Uuid::from_u128(10),
            "user": {
                "id": user(ME),
                "username": "alice",
                "display_name": "Alice",
                "bio": "",
                "created_at": epoch() - TimeDelta::days(400),
            },
        }))?;
        bench.answer(&login, ApiReply::Tokens(Box::new(tokens)));
        bench.dispatch(Action::Socket(SocketEvent {
            epoch: bench.state.epoch,
            conn: bench.state.connection.conn,
            at: bench.now,
            kind: SocketEventKind::Opened,
        }));
        Ok(bench)
    }

    fn dispatch(&mut self, action: Action) {
        let effects = reduce(&mut self.state, action);
        self.pending.extend(effects);
    }

    /// Removes and returns the first pending call matching `pred`.
    fn take_call(&mut self, pred: impl Fn(&ApiCall) -> bool) -> anyhow::Result<ApiRequest> {
        let index = self
            .pending
            .iter()
            .position(|e| matches!(e, Effect::Api(r) if pred(&r.call)))
            .with_context(|| format!("the app made no such call: {:?}", self.pending))?;
        match self.pending.remove(index) {
            Effect::Api(request) => Ok(request),
            other => bail!("not a call: {other:?}"),
        }
    }

    fn answer(&mut self, request: &ApiRequest, reply: ApiReply) {
        self.dispatch(Action::ApiFinished(ApiResponse {
            epoch: request.epoch,
            server_url: request.server_url.clone(),
            token_generation: request.token_generation,
            call: request.call.clone(),
            result: Ok(reply),
            received_at: self.now,
        }));
    }

    /// Answers the app's `GET /chats` pages: the big chat (most recent), the small one,
    /// then 998 others, a third of them groups, each with a last message.
    fn list_chats(&mut self, big_messages: i64) -> anyhow::Result<()> {
        let big = History::new(big_chat(), big_messages);
        let small = History::new(small_chat(), SMALL_CHAT_MESSAGES);
        let newest = big.times.last().copied().unwrap_or_else(epoch);
        self.now = newest + TimeDelta::minutes(30);
        self.dispatch(Action::ClockSet {
            now: self.now,
            offset: FixedOffset::east_opt(3 * 3_600).context("offset")?,
        });
        let mut summaries = Vec::with_capacity(CHATS);
        for n in 0..CHATS {
            let (last, read_seq) = match n {
                0 => (big.last()?, big_messages),
                1 => (small.last()?, SMALL_CHAT_MESSAGES),
                _ => {
                    let mut rng = Rng(n as u64 + 1);
                    let seq = 1 + rng.below(5_000) as i64;
                    let at = newest - TimeDelta::minutes(n as i64 * 7);
                    let last = message(chat(n), seq, at)?;
                    let read = seq - rng.below(4) as i64;
                    (Some(last), read)
                }
            };
            // only message rows begin with `#seq`, not list previews (see `newest_on_screen`)
            let last = last.map(|mut m| {
                m.text = m.text.replacen('#', "No. ", 1);
                m
            });
            summaries.push(summary(n, last, read_seq)?);
        }
        for (page, chats) in summaries.chunks(CHAT_PAGE).enumerate() {
            let request = self.take_call(|c| matches!(c, ApiCall::ListChats { .. }))?;
            let list = ChatList {
                chats: chats.to_vec(),
                total: CHATS as i64,
                has_more: (page + 1) * CHAT_PAGE < CHATS,
            };
            self.answer(&request, ApiReply::Chats(list));
        }
        if !self.state.chats.loaded || self.state.chats.by_id.len() != CHATS {
            bail!("the chat list did not load");
        }
        self.histories.push(big);
        self.histories.push(small);
        Ok(())
    }

    /// Opens a chat and answers its latest page and then every older page, as scrolling
    /// up to the start would.
    fn load_history(&mut self, chat_id: ChatId, count: i64) -> anyhow::Result<()> {
        let index = self
            .histories
            .iter()
            .position(|h| h.chat_id == chat_id)
            .context("no such history")?;
        self.dispatch(Action::ChatOpened(chat_id));
        let mut end = self.histories[index].len();
        loop {
            let request = self.take_call(
                |c| matches!(c, ApiCall::History { chat_id: id, .. } if *id == chat_id),
            )?;
            let limit = match &request.call {
                ApiCall::History { query, .. } => query.limit.map_or(50, |l| l as usize),
                _ => 50,
            };
            let take = limit.min(HISTORY_PAGE);
            let start = end.saturating_sub(take);
            let reply = MessagePage {
                messages: self.histories[index].page(start + 1, end)?,
                has_previous: start > 0,
                has_next: false,
            };
            self.answer(&request, ApiReply::Messages(reply));
            end = start;
            if end == 0 {
                break;
            }
            self.dispatch(Action::OlderMessagesWanted(chat_id));
        }
        let entry = self.state.chats.by_id.get(&chat_id).context("chat gone")?;
        if entry.messages.len() as i64 != count || !entry.history.reached_start {
            bail!("history incomplete: {} of {count}", entry.messages.len());
        }
        // the other effects (members, read cursor) need no answer here
        self.pending.clear();
        Ok(())
    }
}

fn summary(n: usize, last: Option<Message>, read_seq: i64) -> anyhow::Result<ChatSummary> {
    let group = n >= 2 && n.is_multiple_of(3);
    let last_seq = last.as_ref().map_or(0, |m| m.seq);
    let updated_at = last.as_ref().map_or(epoch(), |m| m.created_at);
    let partner = (!group).then(|| {
        json!({
            "id": user(if n == 0 { PARTNER } else { 10_000 + n as u128 }),
            "username": format!("user{n}"),
            "display_name": format!("Person number {n}"),
            "online": n.is_multiple_of(5),
        })
    });
    let value = json!({
        "id": chat(n),
        "kind": if group { "group" } else { "direct" },
        "title": group.then(|| format!("Group {n}")),
        "partner": partner,
        "last_message": last,
        "last_seq": last_seq,
        "read_seq": read_seq,
        "unread_count": last_seq - read_seq,
        "member_count": if group { 8 } else { 2 },
        "created_at": epoch() - TimeDelta::days(30),
        "updated_at": updated_at,
    });
    Ok(serde_json::from_value(value)?)
}

/// The egui side: one context, fed raw input the way eframe feeds it.
struct Window {
    ctx: egui::Context,
    time: f64,
    /// Over the message list (right of the chat column, between header and composer).
    pointer: Pos2,
}

impl Window {
    fn new(bench: &mut Bench) -> Self {
        let mut window = Window {
            ctx: egui::Context::default(),
            time: 0.0,
            pointer: Pos2::new(WINDOW.x * 0.7, WINDOW.y * 0.45),
        };
        // the first frame loads the fonts; not counted
        window.frame(bench, vec![Event::PointerMoved(window.pointer)]);
        window
    }

    /// One frame: the app's `ui` (views, then the reducer for their actions) and the
    /// tessellation eframe does before painting. Returns how long both took.
    fn frame(&mut self, bench: &mut Bench, events: Vec<Event>) -> Duration {
        self.time += 1.0 / 60.0;
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, WINDOW)),
            time: Some(self.time),
            predicted_dt: 1.0 / 60.0,
            focused: true,
            events,
            ..RawInput::default()
        };
        let started = Instant::now();
        let output = self.ctx.run_ui(input, |ui| {
            let mut actions = Vec::new();
            natter::ui::app_ui(ui, &bench.state, &mut actions);
            for action in actions {
                bench.dispatch(action);
            }
        });
        let primitives = self.ctx.tessellate(output.shapes, output.pixels_per_point);
        let elapsed = started.elapsed();
        std::hint::black_box(primitives);
        bench.pending.clear(); // read cursors and the like: nobody answers them here
        elapsed
    }

    /// `frames` frames with the wheel turning by `step` points each (negative: down).
    fn scroll(&mut self, bench: &mut Bench, frames: usize, step: f32) -> Vec<Duration> {
        (0..frames)
            .map(|_| {
                let wheel = Event::MouseWheel {
                    unit: MouseWheelUnit::Point,
                    delta: Vec2::new(0.0, step),
                    phase: TouchPhase::Move,
                    source: MouseWheelSource::Wheel,
                    modifiers: egui::Modifiers::NONE,
                };
                self.frame(bench, vec![Event::PointerMoved(self.pointer), wheel])
            })
            .collect()
    }

    /// The newest message on screen, read from the accessibility tree of one extra frame
    /// (not timed; accessibility is off while timing, as in the app when no screen reader
    /// asks for it). The big chat's texts begin with `#seq`; quotes in replies do too, but
    /// they quote older messages, so the highest seq is a message row's own.
    fn newest_on_screen(&mut self, bench: &mut Bench) -> anyhow::Result<i64> {
        self.ctx.enable_accesskit();
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, WINDOW)),
            time: Some(self.time),
            focused: true,
            ..RawInput::default()
        };
        let output = self.ctx.run_ui(input, |ui| {
            natter::ui::app_ui(ui, &bench.state, &mut Vec::new());
        });
        self.ctx.disable_accesskit();
        let update = output
            .platform_output
            .accesskit_update
            .context("no accessibility tree")?;
        let seqs: Vec<i64> = update
            .nodes
            .iter()
            .flat_map(|(_, node)| [node.label(), node.value()])
            .flatten()
            .filter_map(|text| text.strip_prefix('#')?.split(' ').next()?.parse().ok())
            .collect();
        seqs.into_iter().max().context("no message on screen")
    }

    fn idle(&mut self, bench: &mut Bench, frames: usize) -> Vec<Duration> {
        (0..frames).map(|_| self.frame(bench, Vec::new())).collect()
    }
}
