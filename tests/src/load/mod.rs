//! The load generator behind `natter-load`: registers users, opens WebSocket connections
//! (spread over loopback source addresses), sends at a target rate into direct and group
//! chats, and measures send→ack and send→delivery latency, throughput, errors, the server's
//! memory, and REST latency of `GET /chats` and history.

pub mod arrival;
pub mod catchup;
pub mod conn;
pub mod files;
pub mod report;
pub mod rest;
pub mod search;
pub mod setup;
pub mod stats;

use std::net::IpAddr;
use std::time::Duration;

use clap::Parser;

/// Command-line options.
#[derive(Debug, Clone, Parser)]
#[command(name = "natter-load", about = "Load generator for a Natter server")]
pub struct Options {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// Users to register (names get a random run prefix).
    #[arg(long, default_value_t = 200)]
    pub users: usize,
    /// WebSocket connections in all, spread round-robin over the users (devices).
    #[arg(long, default_value_t = 200)]
    pub connections: usize,
    /// Messages per second to send (0: connections only).
    #[arg(long, default_value_t = 100)]
    pub rate: u64,
    /// Seconds to send for, after set-up.
    #[arg(long, default_value_t = 20)]
    pub duration: u64,
    /// Members per group chat; each user is in one group and one direct chat.
    #[arg(long, default_value_t = 8)]
    pub group_size: usize,
    /// Share of messages that go to group chats (0.0–1.0), the rest to direct chats.
    #[arg(long, default_value_t = 0.2)]
    pub group_share: f64,
    /// `GET /chats` requests per second during the run (0: none).
    #[arg(long, default_value_t = 0)]
    pub rest_rate: u64,
    /// History requests (`GET /chats/{id}/messages`) per second during the run (0: none).
    #[arg(long, default_value_t = 0)]
    pub history_rate: u64,
    /// Local addresses to connect from, comma separated (127.0.0.2,127.0.0.3 …), to pass the
    /// ephemeral-port limit of one source address.
    #[arg(long, value_delimiter = ',', default_value = "127.0.0.1")]
    pub source_ips: Vec<IpAddr>,
    /// PID of the server process, to report its memory (same machine only).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// PostgreSQL's CPU per message counts the backends connected to this database (and
    /// PostgreSQL's own writer processes), so other databases' work on a shared machine is
    /// left out; empty: every postgres process.
    #[arg(long, default_value = "natter_bench")]
    pub pg_database: String,
    /// Connections opened at once during set-up.
    #[arg(long, default_value_t = 256)]
    pub connect_concurrency: usize,
    /// Shares of operations that edit, react to and delete earlier messages instead of
    /// sending (e.g. `0.15,0.10,0.05`; the rest are sends).
    #[arg(long, value_delimiter = ',', default_values_t = [0.0, 0.0, 0.0])]
    pub mix: Vec<f64>,
    /// After the run, make this many changes in one chat and time one member catching up on
    /// them by `GET /chats/{id}/events` (0: skip).
    #[arg(long, default_value_t = 0)]
    pub catch_up: usize,
    /// While sending, the first group's owner removes this many members one by one and has
    /// each join again (invite, accept) (0: none).
    #[arg(long, default_value_t = 0)]
    pub churn: usize,
    /// Files instead of messages: upload this many files (tus), download them back, check
    /// them (0: a messaging run).
    #[arg(long, default_value_t = 0)]
    pub files: usize,
    /// The size of each file, in MiB.
    #[arg(long, default_value_t = 1)]
    pub file_mib: u64,
    /// Files moved at once.
    #[arg(long, default_value_t = 1)]
    pub parallel: usize,
    /// Also time a 12-megapixel JPEG from its last byte to a ready file with a thumbnail.
    #[arg(long)]
    pub thumbnail: bool,
    /// Search instead of messages: sign in as this user (a member of the chats made by
    /// `scripts/sql/search-data.sql`) and time `--searches` queries of each class.
    #[arg(long)]
    pub search_as: Option<String>,
    /// The password of `--search-as`.
    #[arg(long, default_value = "correct horse battery")]
    pub search_password: String,
    /// Queries of each class.
    #[arg(long, default_value_t = 200)]
    pub searches: usize,
    /// Write the report as JSON to this file too.
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
}

impl Options {
    pub fn duration(&self) -> Duration {
        Duration::from_secs(self.duration)
    }

    pub fn mix(&self) -> conn::Mix {
        let share = |i: usize| self.mix.get(i).copied().unwrap_or(0.0).clamp(0.0, 1.0);
        conn::Mix {
            edit: share(0),
            react: share(1),
            delete: share(2),
        }
    }
}
