//! `natter-load`: load generator for a Natter server. See `natter-load --help` and
//! BENCHMARKS.md for the runs recorded there.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use futures_util::{StreamExt, stream};
use natter_tests::load::conn::{self, Cmd};
use natter_tests::load::report::{
    Latency, Report, RestFigures, WindowFigures, cpu_seconds, load_average, pg_cpu_seconds, rss_mb,
};
use natter_tests::load::stats::{self, Totals};
use natter_tests::load::{Options, catchup, rest, setup};
use rand::Rng;
use tokio::sync::{mpsc, watch};

/// After sending stops, how long to wait for the last acks and deliveries.
const DRAIN: Duration = Duration::from_secs(3);

fn main() -> anyhow::Result<()> {
    let opts = Options::parse();
    // two threads: the machine has two cores and the server needs its share
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if let Some(user) = &opts.search_as {
        let report = runtime.block_on(natter_tests::load::search::measure(
            &opts.server,
            user,
            &opts.search_password,
            opts.searches,
        ))?;
        report.print();
        if let Some(path) = &opts.json {
            std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
        }
        return Ok(());
    }
    if opts.files > 0 {
        let report = runtime.block_on(files(&opts))?;
        report.print();
        if let Some(path) = &opts.json {
            std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
        }
        return Ok(());
    }
    let report = runtime.block_on(run(opts.clone()))?;
    report.print();
    if let Some(path) = &opts.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}

/// The files run: one person uploads and downloads `--files` files.
async fn files(opts: &Options) -> anyhow::Result<natter_tests::load::files::FilesReport> {
    let client = reqwest::Client::builder().build()?;
    let users = setup::users_and_chats(&client, &opts.server, 2, 0, 2).await?;
    eprintln!(
        "moving {} files of {} MiB, {} at a time…",
        opts.files, opts.file_mib, opts.parallel
    );
    natter_tests::load::files::measure(
        &client,
        &opts.server,
        &users[0],
        natter_tests::load::files::Plan {
            count: opts.files,
            size: opts.file_mib << 20,
            parallel: opts.parallel.max(1),
            thumbnail: opts.thumbnail,
        },
        opts.server_pid,
    )
    .await
}

async fn run(opts: Options) -> anyhow::Result<Report> {
    let mut report = Report {
        users: opts.users,
        target_rate: opts.rate,
        ..Default::default()
    };
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()?;
    let started = Instant::now();
    eprintln!("setting up {} users and their chats…", opts.users);
    let users = Arc::new(
        setup::users_and_chats(&client, &opts.server, opts.users, opts.group_size, 64).await?,
    );

    let ws_url = format!("{}/api/v1/ws", opts.server.replacen("http", "ws", 1));
    let host = opts
        .server
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let target: SocketAddr = host
        .to_socket_addrs()
        .context("server address")?
        .next()
        .context("server address resolves to nothing")?;
    eprintln!("opening {} connections…", opts.connections);
    let opened: Vec<anyhow::Result<(usize, conn::Ws)>> = stream::iter(0..opts.connections)
        .map(|i| {
            let user = &users[i % users.len()];
            let source = opts.source_ips[i % opts.source_ips.len()];
            let (url, token) = (ws_url.clone(), user.token.clone());
            async move {
                conn::open(&url, target, source, &token)
                    .await
                    .map(|ws| (i, ws))
            }
        })
        .buffer_unordered(opts.connect_concurrency)
        .collect()
        .await;
    let settling = Instant::now();
    let opened: Vec<anyhow::Result<(usize, conn::Ws)>> =
        futures_util::future::join_all(opened.into_iter().map(|result| async move {
            let (i, ws) = result?;
            let (ws, frames) = conn::settle(ws, conn::SETTLE_QUIET).await;
            Ok::<_, anyhow::Error>((i, ws, frames))
        }))
        .await
        .into_iter()
        .map(|r| {
            r.map(|(i, ws, frames)| {
                report.settle_frames += frames;
                (i, ws)
            })
        })
        .collect();
    eprintln!(
        "connections settled after {:.1} s ({} frames read while they opened)",
        settling.elapsed().as_secs_f64(),
        report.settle_frames
    );
    let (stop_tx, stop_rx) = watch::channel(false);
    let base = Instant::now();
    let mut senders: Vec<(usize, mpsc::Sender<Cmd>)> = Vec::new();
    let mut tasks = Vec::new();
    let acked_so_far = Arc::new(std::sync::atomic::AtomicU64::new(0));
    for result in opened {
        match result {
            Ok((i, ws)) => {
                let (tx, rx) = mpsc::channel(1024);
                senders.push((i, tx));
                tasks.push(tokio::spawn(conn::run(
                    ws,
                    rx,
                    base,
                    stop_rx.clone(),
                    opts.mix(),
                    acked_so_far.clone(),
                )));
            }
            Err(e) => {
                if report.connect_failures == 0 {
                    eprintln!("connect failed: {e:#}");
                }
                report.connect_failures += 1;
            }
        }
    }
    report.connections_open = senders.len();
    report.setup_s = started.elapsed().as_secs_f64();
    eprintln!(
        "{} connections open after {:.1} s",
        report.connections_open, report.setup_s
    );
    if let Some(pid) = opts.server_pid {
        report.server_rss_mb_idle = rss_mb(pid);
    }

    let rest_chats = (opts.rest_rate > 0).then(|| {
        tokio::spawn(rest::run(
            client.clone(),
            opts.server.clone(),
            users.clone(),
            opts.rest_rate,
            opts.duration(),
            |_| Some("/chats?limit=50".into()),
        ))
    });
    let rest_history = (opts.history_rate > 0).then(|| {
        tokio::spawn(rest::run(
            client.clone(),
            opts.server.clone(),
            users.clone(),
            opts.history_rate,
            opts.duration(),
            |u| {
                u.direct
                    .or(u.group)
                    .map(|c| format!("/chats/{c}/messages?limit=50"))
            },
        ))
    });

    // membership churn beside the messages: remove a member, have them join again
    let churn = (opts.churn > 0).then(|| {
        let (client, server, users) = (client.clone(), opts.server.clone(), users.clone());
        let n = opts.churn;
        tokio::spawn(async move {
            let mut took = stats::histogram();
            let Some(chat) = users.first().and_then(|u| u.group) else {
                return (0usize, took);
            };
            let owner = users[0].token.clone();
            let members: Vec<_> = users
                .iter()
                .skip(1)
                .filter(|u| u.group == Some(chat))
                .collect();
            let mut done = 0;
            for u in members.iter().rev().cycle().take(n) {
                let at = Instant::now();
                let removed = setup::remove_member(&client, &server, &owner, chat, u.id).await;
                let _ = took.record(at.elapsed().as_micros().max(1) as u64);
                let at = Instant::now();
                let joined = setup::join_by_invite(&client, &server, &owner, chat, u).await;
                let _ = took.record(at.elapsed().as_micros().max(1) as u64);
                if removed.is_ok() && joined.is_ok() {
                    done += 1;
                }
            }
            (done, took)
        })
    });

    // the scheduler: every millisecond, the messages due by now
    let send_started = Instant::now();
    let cpu_before = opts.server_pid.and_then(cpu_seconds);
    let own_before = cpu_seconds(std::process::id());
    let pg_before = pg_cpu_seconds(&opts.pg_database);
    let load_before = load_average();
    let mut peak_rss = report.server_rss_mb_idle;
    if opts.rate > 0 && !senders.is_empty() {
        let mut rng = rand::rng();
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        let mut due = 0u64;
        let mut next = 0usize;
        let mut last_rss = Instant::now();
        while send_started.elapsed() < opts.duration() {
            tick.tick().await;
            let should = (send_started.elapsed().as_secs_f64() * opts.rate as f64) as u64;
            while due < should {
                due += 1;
                let (i, tx) = &senders[next % senders.len()];
                next += 1;
                let user = &users[*i % users.len()];
                let to_group = rng.random_bool(opts.group_share.clamp(0.0, 1.0));
                let chat = if to_group {
                    user.group.or(user.direct)
                } else {
                    user.direct.or(user.group)
                };
                if let Some(chat) = chat
                    && tx.try_send(Cmd::Send(chat)).is_err()
                {
                    *report
                        .errors
                        .entry("generator queue full".into())
                        .or_default() += 1;
                }
            }
            if let Some(pid) = opts.server_pid
                && last_rss.elapsed() > Duration::from_secs(1)
            {
                last_rss = Instant::now();
                peak_rss = max_mb(peak_rss, rss_mb(pid));
            }
        }
    } else {
        tokio::time::sleep(opts.duration()).await;
    }
    if let Some(task) = churn
        && let Ok((done, took)) = task.await
    {
        report.churn = Some((
            done,
            Latency::of(&took),
            send_started.elapsed().as_secs_f64(),
        ));
    }
    report.send_s = send_started.elapsed().as_secs_f64();
    report.server_cpu_s = match (cpu_before, opts.server_pid.and_then(cpu_seconds)) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    report.generator_cpu_s = match (own_before, cpu_seconds(std::process::id())) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    report.pg_cpu_s = match (pg_before, pg_cpu_seconds(&opts.pg_database)) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    report.load_average = (load_before, load_average());
    // acks counted so far: the sends answered within the sending phase (the CPU window)
    let acked_while_sending = acked_so_far.load(std::sync::atomic::Ordering::Relaxed);
    tokio::time::sleep(DRAIN).await;
    if let Some(pid) = opts.server_pid {
        report.server_rss_mb_peak = max_mb(peak_rss, rss_mb(pid));
    }
    let _ = stop_tx.send(true);
    let mut total = Totals::new();
    for t in tasks {
        if let Ok(conn) = t.await {
            if conn.dropped_connection {
                report.connections_dropped += 1;
            }
            total.add(&conn);
        }
    }
    report.sent = total.sent;
    report.acked = total.acked;
    report.acked_per_s = total.acked as f64 / report.send_s.max(0.001);
    report.delivered = total.delivered;
    report.ops = total.ops;
    for (k, v) in total.errors {
        *report.errors.entry(k).or_default() += v;
    }
    report.ack = Latency::of(&total.ack);
    report.refused = Latency::of(&total.refused);
    report.ack_arrival = Latency::of(&total.ack_arrival);
    report.refused_arrival = Latency::of(&total.refused_arrival);
    report.read_lag = Latency::of(&total.read_lag);
    report.windows = total
        .windows
        .iter()
        .enumerate()
        .map(|(i, w)| WindowFigures {
            from_s: i as u64 * stats::WINDOW.as_secs(),
            ack: Latency::of(&w.ack),
            refused: Latency::of(&w.refused),
            refused_arrival: Latency::of(&w.refused_arrival),
        })
        .collect();
    let per = |cpu: Option<f64>| {
        cpu.filter(|_| acked_while_sending > 0)
            .map(|s| s * 1e6 / acked_while_sending as f64)
    };
    report.server_cpu_us_per_msg = per(report.server_cpu_s);
    report.pg_cpu_us_per_msg = per(report.pg_cpu_s);
    report.delivery = Latency::of(&total.delivery);
    {
        let mut last = stats::histogram();
        for us in total.per_message.values() {
            let _ = last.record(*us);
        }
        report.last_delivery = Latency::of(&last);
    }
    for (handle, slot) in [
        (rest_chats, &mut report.chats_rest),
        (rest_history, &mut report.history_rest),
    ] {
        if let Some(h) = handle
            && let Ok(s) = h.await
        {
            *slot = Some(RestFigures {
                requests_per_s: (s.ok + s.errors) as f64 / s.elapsed.as_secs_f64().max(0.001),
                errors: s.errors,
                latency: Latency::of(&s.latency),
            });
        }
    }
    if opts.catch_up > 0 {
        report.catch_up = Some(catch_up(&client, &opts, &users, &ws_url, target).await?);
    }
    Ok(report)
}

/// The first user makes the backlog in its direct chat; its partner catches up.
async fn catch_up(
    client: &reqwest::Client,
    opts: &Options,
    users: &[setup::LoadUser],
    ws_url: &str,
    target: SocketAddr,
) -> anyhow::Result<catchup::CatchUp> {
    let sender = users.first().context("no users")?;
    let chat = sender.direct.context("the first user has no direct chat")?;
    let reader = users
        .iter()
        .skip(1)
        .find(|u| u.direct == Some(chat))
        .context("the partner of the first user")?;
    eprintln!(
        "catch-up: {} changes, then one member fetches them…",
        opts.catch_up
    );
    let ws = conn::open(ws_url, target, opts.source_ips[0], &sender.token).await?;
    catchup::measure(client, &opts.server, ws, chat, reader, opts.catch_up).await
}

fn max_mb(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}
