//! The Redis handle: a lazily connecting, self-reconnecting connection manager and the key
//! prefix of this deployment (tests use one prefix each).
//!
//! Redis is a cache and a bus, never the truth: the server starts and serves while Redis is
//! down, and `/readyz` says so.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// A cheap-to-clone handle to Redis.
#[derive(Clone)]
pub struct Redis {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: Arc<str>,
}

impl Redis {
    /// Parses the URL and prepares a connection; connecting happens on first use, so a Redis
    /// that is down at start-up does not stop the server.
    pub fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url).context("invalid REDIS_URL")?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(1)))
            .set_number_of_retries(1);
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .context("creating the Redis connection manager")?;
        Ok(Self {
            client,
            conn,
            prefix: prefix.into(),
        })
    }

    /// A key under this deployment's prefix.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// A key under this deployment's prefix, formatted in place (one allocation: keys built
    /// per message use this).
    pub fn key_with(&self, suffix: std::fmt::Arguments<'_>) -> String {
        use std::fmt::Write as _;
        let mut key = String::with_capacity(self.prefix.len() + 48);
        key.push_str(&self.prefix);
        // writing to a String cannot fail
        let _ = key.write_fmt(suffix);
        key
    }

    /// A connection to run commands on (clones share one multiplexed connection).
    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// The client, for connections of their own (pub/sub).
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// Round-trips a PING.
    pub async fn ping(&self) -> anyhow::Result<()> {
        let mut conn = self.conn();
        let _: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .context("Redis PING")?;
        Ok(())
    }
}
