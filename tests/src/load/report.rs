//! The run's figures: printed as a table and optionally written as JSON.

use std::collections::HashMap;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Percentiles in milliseconds.
#[derive(Debug, Default, Serialize)]
pub struct Latency {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    pub fn of(h: &Histogram<u64>) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p95_ms: ms(h.value_at_quantile(0.95)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
        }
    }

    fn row(&self, name: &str) -> String {
        format!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            self.count, self.p50_ms, self.p95_ms, self.p99_ms, self.max_ms
        )
    }
}

/// The acks and refusals of the sends of one window of the run.
#[derive(Debug, Default, Serialize)]
pub struct WindowFigures {
    /// The window's start, s after sending began.
    pub from_s: u64,
    pub ack: Latency,
    pub refused: Latency,
    /// `refused` up to the refusal's arrival in the generator's socket.
    pub refused_arrival: Latency,
}

/// REST figures for one endpoint.
#[derive(Debug, Default, Serialize)]
pub struct RestFigures {
    pub requests_per_s: f64,
    pub errors: u64,
    pub latency: Latency,
}

/// Everything a run measured.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub users: usize,
    pub connections_open: usize,
    pub connect_failures: usize,
    pub connections_dropped: usize,
    pub setup_s: f64,
    /// Frames the connections read after opening, before the sending began
    /// (`conn::settle`).
    pub settle_frames: u64,
    pub send_s: f64,
    pub target_rate: u64,
    pub sent: u64,
    pub acked: u64,
    pub acked_per_s: f64,
    pub delivered: u64,
    pub errors: HashMap<String, u64>,
    pub ack: Latency,
    pub delivery: Latency,
    /// send→delivery to the last member reached, per message.
    pub last_delivery: Latency,
    /// The server process's CPU time during the sending phase, s.
    pub server_cpu_s: Option<f64>,
    /// natter-load's own CPU time during the sending phase, s: near one core per core it may
    /// use, the generator is the bottleneck and its latencies include its own queueing.
    pub generator_cpu_s: Option<f64>,
    /// PostgreSQL's CPU time during the sending phase (see `pg_cpu_seconds`), s.
    pub pg_cpu_s: Option<f64>,
    /// Server CPU per acknowledged send during the sending phase (set-up excluded), µs.
    pub server_cpu_us_per_msg: Option<f64>,
    /// PostgreSQL CPU per acknowledged send during the sending phase, µs.
    pub pg_cpu_us_per_msg: Option<f64>,
    /// Sends refused with `overloaded`: send→error latency.
    pub refused: Latency,
    /// `ack` and `refused` up to the answer's arrival in the generator's socket (its kernel
    /// receive time), without the time it waited there for the generator to read it.
    pub ack_arrival: Latency,
    pub refused_arrival: Latency,
    /// How long acks and refusals waited in the generator's sockets before it read them.
    pub read_lag: Latency,
    /// `ack` and `refused` by 10-second window of the send time, from the start of sending.
    pub windows: Vec<WindowFigures>,
    /// The machine's load average (1 minute) at the start and the end of the sending phase.
    pub load_average: (Option<f64>, Option<f64>),
    pub server_rss_mb_idle: Option<f64>,
    pub server_rss_mb_peak: Option<f64>,
    pub chats_rest: Option<RestFigures>,
    pub history_rest: Option<RestFigures>,
    /// Operations sent by kind (send, edit, react, delete).
    pub ops: HashMap<String, u64>,
    pub catch_up: Option<super::catchup::CatchUp>,
    /// Members removed and joined again during the run, the latency of each of those
    /// requests (remove; invite and accept), and when the churn had finished, s.
    pub churn: Option<(usize, Latency, f64)>,
}

impl Report {
    pub fn print(&self) {
        println!("\n## natter-load report\n");
        println!("| | |\n|---|---|");
        println!("| users | {} |", self.users);
        println!(
            "| connections open | {} (failed {}, dropped during run {}) |",
            self.connections_open, self.connect_failures, self.connections_dropped
        );
        println!("| set-up | {:.1} s |", self.setup_s);
        println!(
            "| sending | {:.1} s at a target of {} msg/s |",
            self.send_s, self.target_rate
        );
        println!(
            "| sent / acked | {} / {} ({:.0} acked msg/s) |",
            self.sent, self.acked, self.acked_per_s
        );
        println!("| deliveries | {} |", self.delivered);
        if self.ops.len() > 1 {
            let mut ops: Vec<_> = self.ops.iter().collect();
            ops.sort();
            println!("| operations | {ops:?} |");
        }
        if let Some(c) = &self.catch_up {
            println!(
                "| catch-up | {} events in {} requests, {:.1} MiB, {:.2} s ({:.0} events/s) |",
                c.events,
                c.requests,
                c.bytes as f64 / (1024.0 * 1024.0),
                c.seconds,
                c.events_per_s
            );
        }
        println!("| errors | {:?} |", self.errors);
        if let Some(cpu) = self.server_cpu_s {
            println!(
                "| server CPU while sending | {cpu:.1} s ({:.0} % of one core) |",
                100.0 * cpu / self.send_s.max(0.001)
            );
        }
        if let Some(pg) = self.pg_cpu_s {
            println!(
                "| PostgreSQL CPU while sending | {pg:.1} s ({:.0} % of one core) |",
                100.0 * pg / self.send_s.max(0.001)
            );
        }
        if let Some(cpu) = self.generator_cpu_s {
            println!(
                "| natter-load's own CPU while sending | {cpu:.1} s ({:.0} % of one core) |",
                100.0 * cpu / self.send_s.max(0.001)
            );
        }
        if let Some(us) = self.server_cpu_us_per_msg {
            println!(
                "| CPU per acked message | server {us:.1} µs, PostgreSQL {} µs |",
                self.pg_cpu_us_per_msg
                    .map_or("?".into(), |p| format!("{p:.1}"))
            );
        }
        let la = |l: Option<f64>| l.map_or("?".into(), |l| format!("{l:.2}"));
        println!(
            "| load average (1 min) | {} at start, {} at end of sending |",
            la(self.load_average.0),
            la(self.load_average.1)
        );
        if let (Some(idle), Some(peak)) = (self.server_rss_mb_idle, self.server_rss_mb_peak) {
            println!("| server RSS | {idle:.0} MiB with connections open, {peak:.0} MiB peak |");
        }
        println!(
            "\n| latency | count | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|"
        );
        println!("{}", self.ack.row("send → ack"));
        println!("{}", self.delivery.row("send → delivery"));
        println!("{}", self.last_delivery.row("send → last member"));
        if self.refused.count > 0 {
            println!("{}", self.refused.row("send → `overloaded` refusal"));
        }
        println!(
            "{}",
            self.ack_arrival
                .row("send → ack, at arrival in the generator's socket")
        );
        if self.refused.count > 0 {
            println!(
                "{}",
                self.refused_arrival
                    .row("send → refusal, at arrival in the generator's socket")
            );
        }
        println!(
            "{}",
            self.read_lag
                .row("arrival → read by the generator (acks and refusals)")
        );
        if self.windows.len() > 1 {
            println!(
                "\n| sent at (s) | acked | ack p50 / p99 ms | refused | refusal p50 / p99 ms | refusal p99 at arrival, ms |\n|---|---|---|---|---|---|"
            );
            for w in &self.windows {
                println!(
                    "| {}– | {} | {:.1} / {:.1} | {} | {:.1} / {:.1} | {:.1} |",
                    w.from_s,
                    w.ack.count,
                    w.ack.p50_ms,
                    w.ack.p99_ms,
                    w.refused.count,
                    w.refused.p50_ms,
                    w.refused.p99_ms,
                    w.refused_arrival.p99_ms
                );
            }
        }
        if let Some((done, took, at)) = &self.churn {
            println!(
                "{}",
                took.row(&format!(
                    "member removed / joined again ({done} each, done at {at:.1} s)"
                ))
            );
        }
        for (name, r) in [
            ("GET /chats", &self.chats_rest),
            ("GET history", &self.history_rest),
        ] {
            if let Some(r) = r {
                println!(
                    "{}",
                    r.latency.row(&format!(
                        "{name} ({:.0} req/s, {} errors)",
                        r.requests_per_s, r.errors
                    ))
                );
            }
        }
    }
}

/// The CPU time (user + system) a process has used, s, from /proc (Linux; 100 ticks/s).
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the fields after the command name, which is in parentheses and may hold spaces
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// The CPU time (user + system) of PostgreSQL, s, from /proc: the backends connected to
/// `database` and PostgreSQL's own processes (checkpointer, writers …), or every postgres
/// process when `database` is empty. Backends that ended during the run are not counted.
pub fn pg_cpu_seconds(database: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut any = false;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(comm) = std::fs::read_to_string(format!("/proc/{pid}/comm")) else {
            continue;
        };
        if comm.trim() != "postgres" {
            continue;
        }
        if !database.is_empty() {
            let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
                .unwrap_or_default()
                .replace('\0', " ");
            // "postgres: 15/main: <user> <database> <address> <state>" for a backend
            let backend = cmdline.contains('(') || cmdline.contains("[local]");
            if backend && !cmdline.split_whitespace().any(|w| w == database) {
                continue;
            }
        }
        if let Some(s) = cpu_seconds(pid) {
            total += s;
            any = true;
        }
    }
    any.then_some(total)
}

/// The machine's load average over the last minute, from /proc.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The resident memory of a process, from /proc (Linux).
pub fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
