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
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod actors;
mod report;
#[cfg(test)]
mod tests;

use actors::{expert, mint_all, user};
use report::picture;
pub use report::table;

/// A load scenario: flags, or a TOML file with the same field names.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Simulated users.
    pub users: usize,
    /// Simulated experts (the 001 server broadcasts the whole online list to every socket on
    /// each presence change, so keep them a realistic fraction of the users).
    pub experts: usize,
    /// Seconds over which clients connect.
    pub ramp_secs: u64,
    /// Seconds the scenario runs after the ramp.
    pub duration_secs: u64,
    /// Messages per side in a session.
    pub messages_per_session: usize,
    /// Pause between a user's messages, ms (uniform between the two).
    pub message_gap_ms: (u64, u64),
    /// A user's pause between sessions or after a busy expert, ms.
    pub think_ms: (u64, u64),
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            users: 200,
            experts: 20,
            ramp_secs: 10,
            duration_secs: 30,
            messages_per_session: 3,
            message_gap_ms: (1500, 3500),
            think_ms: (3000, 10000),
        }
    }
}

/// Collected figures.
#[derive(Default)]
struct Metrics {
    histograms: Mutex<BTreeMap<&'static str, Histogram<u64>>>,
    /// Second since start → message latencies in that second.
    timeline: Mutex<BTreeMap<u64, Histogram<u64>>>,
    errors: Mutex<BTreeMap<String, u64>>,
    connected: AtomicU64,
    requests: AtomicU64,
    sessions: AtomicU64,
    messages: AtomicU64,
    busy: AtomicU64,
    /// Online lists decoded by all users together (seed 001 sends the whole list to every
    /// socket on each presence change: the fan-out that bounds this server).
    presence_lists: AtomicU64,
}

impl Metrics {
    fn record(&self, kind: &'static str, d: Duration, start: Instant) {
        let us = (d.as_micros() as u64).max(1);
        let mut h = self.histograms.lock().expect("metrics");
        let hist = h.entry(kind).or_insert_with(new_histogram);
        let _ = hist.record(us.min(hist.high()));
        if kind == "message" {
            let sec = start.elapsed().as_secs();
            let mut t = self.timeline.lock().expect("timeline");
            let _ = t
                .entry(sec)
                .or_insert_with(new_histogram)
                .record(us.min(3_600_000_000));
        }
    }

    fn error(&self, kind: impl Into<String>) {
        *self
            .errors
            .lock()
            .expect("errors")
            .entry(kind.into())
            .or_insert(0) += 1;
    }
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid bounds")
}

/// One kind of operation's latency summary, microseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    /// Operation (connect, session_start, accept_seen, message, session_end).
    pub kind: String,
    /// Samples.
    pub count: u64,
    /// Median.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// Worst.
    pub max_us: u64,
}

/// The load report (also written as JSON).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The scenario run.
    pub scenario: Scenario,
    /// Clients connected at the peak.
    pub connected: u64,
    /// REST requests made.
    pub requests: u64,
    /// Sessions completed.
    pub sessions: u64,
    /// Chat messages delivered (own echo seen).
    pub messages: u64,
    /// Session requests refused because the expert was busy or offline (normal in a market).
    pub busy_refusals: u64,
    /// Errors by kind.
    pub errors: BTreeMap<String, u64>,
    /// Latencies.
    pub latencies: Vec<Latency>,
    /// Online lists decoded by all users together.
    pub presence_lists: u64,
    /// Resident memory of this process per connected client, bytes.
    pub rss_per_client_bytes: u64,
    /// Resident memory at the peak, bytes.
    pub rss_peak_bytes: u64,
    /// Wall time, seconds.
    pub wall_secs: f64,
    /// Second by second: clients, presence fan-out, message latency.
    pub timeline: Vec<Second>,
}

/// One second of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Second {
    /// Seconds since the start.
    pub second: u64,
    /// Clients connected at the end of that second.
    pub connected: u64,
    /// Online lists the users decoded in that second.
    pub presence_lists: u64,
    /// Message round trips completed in that second.
    pub messages: u64,
    /// Their median, microseconds (0 without messages).
    pub message_p50_us: u64,
    /// Their 99th percentile, microseconds (0 without messages).
    pub message_p99_us: u64,
}

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

/// Runs `scenario` against a fresh reference server (or `url`), writing files to `out`.
pub async fn run(scenario: Scenario, url: Option<String>, out: &Path) -> Result<Report, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
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
    let metrics = Arc::new(Metrics::default());
    let start = Instant::now();
    let rss_base = rss_bytes();
    let total = (scenario.users + scenario.experts) as u64;
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
    for i in 1..=scenario.experts {
        let at = start
            + Duration::from_millis(
                scenario.ramp_secs * 100 * i as u64 / scenario.experts.max(1) as u64,
            );
        let token = tokens
            .get(&format!("load_astro_{i}"))
            .cloned()
            .ok_or("missing expert token")?;
        tasks.spawn(expert(
            url.clone(),
            token,
            at,
            stop_at,
            metrics.clone(),
            start,
        ));
    }
    for i in 1..=scenario.users {
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
            start,
        ));
    }
    let mut peak_rss = 0;
    let mut rss_at_full = 0;
    // Second → (clients connected, online lists decoded so far), the last sample in it.
    let mut samples = BTreeMap::<u64, (u64, u64)>::new();
    while Instant::now() < stop_at + Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let connected = metrics.connected.load(Ordering::Relaxed);
        samples.insert(
            start.elapsed().as_secs(),
            (connected, metrics.presence_lists.load(Ordering::Relaxed)),
        );
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
    let connected = metrics.connected.load(Ordering::Relaxed);
    let rss_full = if rss_at_full == 0 {
        peak_rss
    } else {
        rss_at_full
    };
    let latencies = metrics
        .histograms
        .lock()
        .expect("metrics")
        .iter()
        .map(|(k, h)| Latency {
            kind: (*k).to_owned(),
            count: h.len(),
            p50_us: h.value_at_quantile(0.5),
            p90_us: h.value_at_quantile(0.9),
            p99_us: h.value_at_quantile(0.99),
            max_us: h.max(),
        })
        .collect();
    let timeline = timeline_of(&samples, &metrics.timeline.lock().expect("timeline"));
    let report = Report {
        scenario,
        connected,
        requests: metrics.requests.load(Ordering::Relaxed),
        sessions: metrics.sessions.load(Ordering::Relaxed),
        messages: metrics.messages.load(Ordering::Relaxed),
        busy_refusals: metrics.busy.load(Ordering::Relaxed),
        presence_lists: metrics.presence_lists.load(Ordering::Relaxed),
        errors: metrics.errors.lock().expect("errors").clone(),
        latencies,
        rss_per_client_bytes: rss_full.saturating_sub(rss_base) / connected.max(1),
        rss_peak_bytes: peak_rss,
        wall_secs: start.elapsed().as_secs_f64(),
        timeline,
    };
    std::fs::write(
        out.join("load-report.json"),
        serde_json::to_string_pretty(&report).expect("report serializes"),
    )
    .map_err(|e| e.to_string())?;
    let hist = metrics
        .histograms
        .lock()
        .expect("metrics")
        .get("message")
        .cloned();
    picture(
        &out.join("load-latency.svg"),
        &report.timeline,
        hist.as_ref(),
    )
    .map_err(|e| format!("picture: {e}"))?;
    Ok(report)
}

/// Per-second rows from the monitor's samples and the per-second message histograms.
fn timeline_of(
    samples: &BTreeMap<u64, (u64, u64)>,
    messages: &BTreeMap<u64, Histogram<u64>>,
) -> Vec<Second> {
    let mut lists_before = 0;
    let last = samples.keys().next_back().copied().unwrap_or(0);
    // A second the monitor missed (a stalled machine) repeats the sample before it.
    (0..=last)
        .map(|second| {
            let (connected, lists) = samples
                .range(..=second)
                .next_back()
                .map(|(_, v)| *v)
                .unwrap_or((0, 0));
            let h = messages.get(&second);
            let q = |q: f64| h.map(|h| h.value_at_quantile(q)).unwrap_or(0);
            let row = Second {
                second,
                connected,
                presence_lists: lists.saturating_sub(lists_before),
                messages: h.map(|h| h.len()).unwrap_or(0),
                message_p50_us: q(0.5),
                message_p99_us: q(0.99),
            };
            lists_before = lists;
            row
        })
        .collect()
}

/// Parses a pause in milliseconds for the command line: `1500-3500` (uniform between the
/// two) or `2000` (always that long).
pub fn parse_ms_range(text: &str) -> Result<(u64, u64), String> {
    let num = |t: &str| {
        t.trim()
            .parse::<u64>()
            .map_err(|_| format!("{t:?} is not a number of milliseconds"))
    };
    let (lo, hi) = match text.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => {
            let v = num(text)?;
            (v, v)
        }
    };
    if lo > hi {
        return Err(format!(
            "{text:?}: the first bound is larger than the second"
        ));
    }
    Ok((lo, hi))
}

/// Reads a scenario file.
pub fn scenario_from_file(path: &PathBuf) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
