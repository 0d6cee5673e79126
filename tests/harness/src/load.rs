//! `parlor load`: many simulated users and experts against a seed-001 server (presence,
//! REST sessions, session chat), each running a marketplace scenario: browse the live expert
//! list, request a session from a free expert (retrying later when busy), chat at a human
//! pace, end, think, repeat. Reports requests, messages, errors by kind, latency percentiles
//! (HdrHistogram), a latency-over-time and histogram picture (SVG) and a JSON file.

use crate::servers::{servers_dir, RefServer};
use hdrhistogram::Histogram;
use indicatif::{ProgressBar, ProgressStyle};
use parlor_core::model::{ConsultationKind, Presence, RequestOutcome};
use parlor_core::{Client, Command, DialectId, DomainEvent, ServerProfile, StaticToken};
use rand::Rng;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod actors;
mod codec;
mod merge;
mod metrics;
mod model;
mod picture;
mod report;
mod scenario;
mod shard;
#[cfg(test)]
mod tests;
mod usage;

use actors::{expert, mint_all, user};
pub use merge::merge;
use metrics::Metrics;
pub use model::{Latency, Report, Second, SecondLatency, TIMED};
use picture::picture;
pub use report::table;
use report::{latencies_of, timeline_of};
pub use scenario::{parse_ms_range, scenario_from_file, Scenario};
pub use shard::Shard;
use usage::UsageProbe;

/// Resident set size of this process, bytes (Linux).
pub fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// Runs `shard`'s part of `scenario` against a fresh reference server (or `url`, which
/// several shards need to share), writing the report and the picture to `out`.
pub async fn run(
    scenario: Scenario,
    shard: Shard,
    url: Option<String>,
    out: &Path,
) -> Result<Report, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    if shard.count > 1 && url.is_none() {
        return Err("shards share one server: give its --url".into());
    }
    let accounts = scenario.users.max(scenario.experts).to_string();
    let _server;
    let url = match url {
        Some(u) => u,
        None => {
            let s = RefServer::start(
                "001_presence_sessions.js",
                &[
                    ("PARLOR_LOAD_ACCOUNTS", &accounts),
                    ("PARLOR_REQUEST_TIMEOUT_MS", "15000"),
                ],
            )
            .await
            .map_err(|e| e.to_string())?;
            let u = s.url();
            _server = s;
            u
        }
    };
    let tokens = mint_all(&accounts).await?;
    let start = Instant::now();
    let started_unix_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let metrics = Arc::new(Metrics::new(start));
    let rss_base = rss_bytes();
    let mine = |n: usize| (1..=n).filter(|k| shard.takes(*k)).count() as u64;
    let total = mine(scenario.users) + mine(scenario.experts);
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} connected {msg}")
            .map_err(|e| e.to_string())?
            .progress_chars("=> "),
    );
    let ramp_end = start + Duration::from_secs(scenario.ramp_secs);
    let stop_at = ramp_end + Duration::from_secs(scenario.duration_secs);
    let mut tasks = tokio::task::JoinSet::new();
    // Experts first (over the first tenth of the ramp), so users find someone online.
    for i in (1..=scenario.experts).filter(|i| shard.takes(*i)) {
        let at = start
            + Duration::from_millis(
                scenario.ramp_secs * 100 * i as u64 / scenario.experts.max(1) as u64,
            );
        let token = tokens
            .get(&format!("load_astro_{i}"))
            .cloned()
            .ok_or("missing expert token")?;
        tasks.spawn(expert(url.clone(), token, at, stop_at, metrics.clone()));
    }
    for i in (1..=scenario.users).filter(|i| shard.takes(*i)) {
        let at = start
            + Duration::from_millis(
                scenario.ramp_secs * 100
                    + scenario.ramp_secs * 900 * i as u64 / scenario.users.max(1) as u64,
            );
        let token = tokens
            .get(&format!("load_user_{i}"))
            .cloned()
            .ok_or("missing user token")?;
        tasks.spawn(user(
            url.clone(),
            format!("load_user_{i}"),
            token,
            at,
            stop_at,
            scenario.clone(),
            metrics.clone(),
        ));
    }
    let mut peak_rss = 0;
    let mut rss_at_full = 0;
    // Second → (clients connected, online lists decoded so far), the last sample in it.
    let mut samples = BTreeMap::<u64, (u64, u64)>::new();
    // Second → (this process's CPU in cores, the server's event-loop utilization if it says).
    let mut usage_probe = UsageProbe::new(&url, start);
    while Instant::now() < stop_at + Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let connected = metrics.connected.load(Ordering::Relaxed);
        samples.insert(
            start.elapsed().as_secs(),
            (connected, metrics.presence_lists.load(Ordering::Relaxed)),
        );
        usage_probe.sample();
        let rss = rss_bytes();
        peak_rss = peak_rss.max(rss);
        if connected >= total && rss_at_full == 0 {
            rss_at_full = rss;
        }
        bar.set_position(connected);
        bar.set_message(format!(
            "| sessions {} | messages {} | busy {} | lists {} | errors {}",
            metrics.sessions.load(Ordering::Relaxed),
            metrics.messages.load(Ordering::Relaxed),
            metrics.busy.load(Ordering::Relaxed),
            metrics.presence_lists.load(Ordering::Relaxed),
            metrics.errors.lock().expect("errors").values().sum::<u64>()
        ));
    }
    bar.finish();
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    let usage = usage_probe.finish();
    let connected = metrics.connected.load(Ordering::Relaxed);
    let rss_full = if rss_at_full == 0 {
        peak_rss
    } else {
        rss_at_full
    };
    let histograms: BTreeMap<String, Histogram<u64>> = metrics
        .histograms
        .lock()
        .expect("metrics")
        .iter()
        .map(|(k, h)| ((*k).to_owned(), h.clone()))
        .collect();
    let per_second: BTreeMap<(String, u64), Histogram<u64>> = metrics
        .timeline
        .lock()
        .expect("timeline")
        .iter()
        .map(|((k, s), h)| (((*k).to_owned(), *s), h.clone()))
        .collect();
    let timeline = timeline_of(
        &samples,
        &per_second,
        &metrics.errors_by_second.lock().expect("errors"),
        &usage,
    );
    let report = Report {
        scenario,
        shard: (shard.count > 1).then_some(shard),
        merged_from: 1,
        started_unix_ms,
        connected,
        requests: metrics.requests.load(Ordering::Relaxed),
        sessions: metrics.sessions.load(Ordering::Relaxed),
        messages: metrics.messages.load(Ordering::Relaxed),
        busy_refusals: metrics.busy.load(Ordering::Relaxed),
        late_answers: metrics.late_answers.load(Ordering::Relaxed),
        presence_lists: metrics.presence_lists.load(Ordering::Relaxed),
        errors: metrics.errors.lock().expect("errors").clone(),
        latencies: latencies_of(&histograms),
        rss_per_client_bytes: rss_full.saturating_sub(rss_base) / connected.max(1),
        rss_peak_bytes: peak_rss,
        wall_secs: start.elapsed().as_secs_f64(),
        histograms: histograms
            .iter()
            .map(|(k, h)| (k.clone(), codec::encode(h)))
            .collect(),
        timeline,
    };
    write(&report, out)?;
    Ok(report)
}

/// Writes `report` to `out`: load-report.json and its picture, load-latency.svg.
pub fn write(report: &Report, out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::write(
        out.join("load-report.json"),
        serde_json::to_string_pretty(report).map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("{}: {e}", out.display()))?;
    picture(&out.join("load-latency.svg"), report).map_err(|e| format!("picture: {e}"))
}

/// Reads a report written by [`write`].
pub fn read(path: &Path) -> Result<Report, String> {
    let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
}
