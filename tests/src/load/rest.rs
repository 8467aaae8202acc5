//! REST load: `GET /chats` and history pages at a target rate, with latency percentiles.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use natter_shared::API_PREFIX;
use tokio::sync::{Mutex, Semaphore};

use super::setup::LoadUser;
use super::stats::histogram;

/// What one REST stream measured.
pub struct RestStats {
    pub latency: Histogram<u64>,
    pub ok: u64,
    pub errors: u64,
    pub elapsed: Duration,
}

/// Issues `rate` requests per second for `duration`, each from a user chosen in turn; the
/// URL of a request comes from `path(user)`. At most 512 are in flight.
pub async fn run(
    client: reqwest::Client,
    server: String,
    users: Arc<Vec<LoadUser>>,
    rate: u64,
    duration: Duration,
    path: fn(&LoadUser) -> Option<String>,
) -> RestStats {
    let stats = Arc::new(Mutex::new(RestStats {
        latency: histogram(),
        ok: 0,
        errors: 0,
        elapsed: Duration::ZERO,
    }));
    let limit = Arc::new(Semaphore::new(512));
    let started = Instant::now();
    let period = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let mut tick = tokio::time::interval(period.max(Duration::from_micros(100)));
    let per_tick =
        ((rate as f64) * period.max(Duration::from_micros(100)).as_secs_f64()).max(1.0) as u64;
    let mut i = 0usize;
    let mut tasks = Vec::new();
    while started.elapsed() < duration {
        tick.tick().await;
        for _ in 0..per_tick {
            let user = &users[i % users.len()];
            i += 1;
            let Some(p) = path(user) else { continue };
            let Ok(permit) = limit.clone().acquire_owned().await else {
                break;
            };
            let (client, stats) = (client.clone(), stats.clone());
            let url = format!("{server}{API_PREFIX}{p}");
            let token = user.token.clone();
            tasks.push(tokio::spawn(async move {
                let at = Instant::now();
                let ok = client
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                let took = at.elapsed().as_micros().max(1) as u64;
                let mut s = stats.lock().await;
                if ok {
                    s.ok += 1;
                    let _ = s.latency.record(took);
                } else {
                    s.errors += 1;
                }
                drop(permit);
            }));
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let mut out = stats.lock().await;
    out.elapsed = started.elapsed();
    RestStats {
        latency: out.latency.clone(),
        ok: out.ok,
        errors: out.errors,
        elapsed: out.elapsed,
    }
}
