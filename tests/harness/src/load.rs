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
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod actors;
mod metrics;
mod report;
mod scenario;
#[cfg(test)]
mod tests;

use actors::{expert, mint_all, user};
use metrics::Metrics;
pub use report::table;
use report::{picture, timeline_of};
pub use scenario::{parse_ms_range, scenario_from_file, Scenario};

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
