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

async fn mint_all(accounts: &str) -> Result<HashMap<String, String>, String> {
    let out = tokio::process::Command::new("node")
        .arg(servers_dir().join("001_presence_sessions.js"))
        .arg("--mint-all")
        .env("PARLOR_LOAD_ACCOUNTS", accounts)
        .output()
        .await
        .map_err(|e| format!("cannot run node: {e}"))?;
    serde_json::from_slice(&out.stdout).map_err(|e| format!("--mint-all: {e}"))
}

async fn connect(
    url: &str,
    token: String,
    metrics: &Metrics,
    start: Instant,
) -> Option<(Client, parlor_core::EventStream)> {
    let mut p = ServerProfile::new(DialectId::PresenceSessions, url);
    p.rest_url = Some(url.to_owned());
    p.connect_timeout_ms = 30_000;
    let client = Client::connect(p, Arc::new(StaticToken::new(token))).ok()?;
    let events = client.subscribe();
    let t0 = Instant::now();
    match client.wait_connected(Duration::from_secs(60)).await {
        Ok(()) => {
            metrics.record("connect", t0.elapsed(), start);
            metrics.connected.fetch_add(1, Ordering::Relaxed);
            Some((client, events))
        }
        Err(e) => {
            metrics.error(format!("connect:{}", e.code()));
            None
        }
    }
}

async fn expert(
    url: String,
    token: String,
    at: Instant,
    stop_at: Instant,
    metrics: Arc<Metrics>,
    start: Instant,
) {
    tokio::time::sleep_until(at.into()).await;
    let Some((client, mut events)) = connect(&url, token, &metrics, start).await else {
        return;
    };
    if client
        .send(Command::SetPresence { online: true })
        .await
        .is_err()
    {
        metrics.error("presence");
    }
    // One session at a time: requests arriving while busy are declined at once, so the user
    // can try someone else (what a real expert's app does).
    let mut current: Option<String> = None;
    while Instant::now() < stop_at {
        let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(1), events.recv()).await
        else {
            continue;
        };
        match event {
            DomainEvent::ConsultationRequested {
                consultation_id, ..
            } => {
                let t0 = Instant::now();
                metrics.requests.fetch_add(1, Ordering::Relaxed);
                let accept = current.is_none();
                match client
                    .send(Command::AnswerConsultation {
                        consultation_id: consultation_id.clone(),
                        accept,
                    })
                    .await
                {
                    Ok(_) if accept => {
                        metrics.record("session_accept", t0.elapsed(), start);
                        current = Some(consultation_id.clone());
                        if let Err(e) = client
                            .send(Command::JoinConversation {
                                conversation_id: consultation_id,
                            })
                            .await
                        {
                            metrics.error(format!("join:{}", e.code()));
                        }
                    }
                    Ok(_) => {}
                    Err(e) => metrics.error(format!("answer:{}", e.code())),
                }
            }
            DomainEvent::ConsultationEnded {
                consultation_id, ..
            } if consultation_id == current => current = None,
            DomainEvent::MessageReceived { message }
                if message.sender.id.starts_with("load_user_") =>
            {
                // Reply at once; the user's side measures the round trip of its own message.
                let _ = client
                    .send(Command::SendMessage {
                        conversation_id: message.conversation_id,
                        client_id: uuid::Uuid::new_v4().to_string(),
                        text: Some("Let me look at your chart.".into()),
                        reply_to: None,
                        file_id: None,
                    })
                    .await;
            }
            _ => {}
        }
    }
    client.disconnect().await;
}

#[allow(clippy::too_many_arguments)]
async fn user(
    url: String,
    me: String,
    token: String,
    at: Instant,
    stop_at: Instant,
    s: Scenario,
    metrics: Arc<Metrics>,
    start: Instant,
) {
    tokio::time::sleep_until(at.into()).await;
    let Some((client, raw)) = connect(&url, token, &metrics, start).await else {
        return;
    };
    // A listener consumes every event at once, as an app would: it keeps only the latest list
    // of free experts and passes on the events this script waits for. (Left unread, seed 001's
    // whole-list broadcasts would pile up per simulated user.)
    let free = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut events = listen(raw, free.clone(), metrics.clone());
    let pause = |range: (u64, u64)| {
        Duration::from_millis(rand::rng().random_range(range.0..=range.1.max(range.0)))
    };
    'sessions: while Instant::now() < stop_at {
        let free = free.lock().expect("free experts").clone();
        if free.is_empty() {
            tokio::time::sleep(pause(s.think_ms)).await;
            continue;
        }
        let expert_id = free[rand::rng().random_range(0..free.len())].clone();
        let t0 = Instant::now();
        metrics.requests.fetch_add(1, Ordering::Relaxed);
        let id = match client
            .send(Command::RequestConsultation {
                expert_id,
                kind: ConsultationKind::Text,
                rate_per_minute: Some(Decimal::ONE),
            })
            .await
        {
            Ok(answer) => {
                metrics.record("session_start", t0.elapsed(), start);
                match answer.iter().find_map(|e| match e {
                    DomainEvent::ConsultationRequestSent {
                        consultation_id, ..
                    } => Some(consultation_id.clone()),
                    _ => None,
                }) {
                    Some(id) => id,
                    None => {
                        metrics.error("start:no_id");
                        continue;
                    }
                }
            }
            Err(parlor_core::Error::Rejected {
                status: Some(409), ..
            }) => {
                metrics.busy.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(pause(s.think_ms)).await;
                continue;
            }
            Err(e) => {
                metrics.error(format!("start:{}", e.code()));
                tokio::time::sleep(pause(s.think_ms)).await;
                continue;
            }
        };
        // Wait for the expert to accept.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(Some(DomainEvent::ConsultationAnswered {
                    consultation_id,
                    outcome,
                    ..
                })) if consultation_id == id => {
                    if outcome == RequestOutcome::Accepted {
                        metrics.record("accept_seen", t0.elapsed(), start);
                        break;
                    }
                    // Declined (the expert is busy) or expired: a normal market outcome.
                    metrics.busy.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(pause(s.think_ms)).await;
                    continue 'sessions;
                }
                Ok(Some(_)) => {}
                _ => {
                    metrics.error("answer:timeout");
                    continue 'sessions;
                }
            }
        }
        if let Err(e) = client
            .send(Command::JoinConversation {
                conversation_id: id.clone(),
            })
            .await
        {
            metrics.error(format!("join:{}", e.code()));
        }
        for _ in 0..s.messages_per_session {
            let cid = uuid::Uuid::new_v4().to_string();
            let t1 = Instant::now();
            if let Err(e) = client
                .send(Command::SendMessage {
                    conversation_id: id.clone(),
                    client_id: cid.clone(),
                    text: Some("Will this year be good for me?".into()),
                    reply_to: None,
                    file_id: None,
                })
                .await
            {
                metrics.error(format!("message:{}", e.code()));
                continue;
            }
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                match tokio::time::timeout_at(deadline, events.recv()).await {
                    Ok(Some(DomainEvent::MessageReceived { message }))
                        if message.client_id.as_deref() == Some(cid.as_str())
                            && message.sender.id == me =>
                    {
                        metrics.record("message", t1.elapsed(), start);
                        metrics.messages.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    Ok(Some(_)) => {}
                    _ => {
                        metrics.error("message:timeout");
                        break;
                    }
                }
            }
            tokio::time::sleep(pause(s.message_gap_ms)).await;
        }
        let t2 = Instant::now();
        metrics.requests.fetch_add(1, Ordering::Relaxed);
        match client
            .send(Command::EndConsultation {
                consultation_id: id,
                rate_per_minute: Some(Decimal::ONE),
                duration_minutes: None,
            })
            .await
        {
            Ok(_) => {
                metrics.record("session_end", t2.elapsed(), start);
                metrics.sessions.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => metrics.error(format!("end:{}", e.code())),
        }
        tokio::time::sleep(pause(s.think_ms)).await;
    }
    client.disconnect().await;
}

/// Consumes `raw` in its own task: keeps `free` (online, not busy experts) current and
/// forwards only the events a user's script waits for.
fn listen(
    mut raw: parlor_core::EventStream,
    free: Arc<Mutex<Vec<String>>>,
    metrics: Arc<Metrics>,
) -> tokio::sync::mpsc::UnboundedReceiver<DomainEvent> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(e) = raw.recv().await {
            if tx.is_closed() {
                return;
            }
            match e {
                DomainEvent::ExpertsOnline { experts } => {
                    metrics.presence_lists.fetch_add(1, Ordering::Relaxed);
                    *free.lock().expect("free experts") = experts
                        .into_iter()
                        .filter(|x| x.presence == Presence::Online)
                        .map(|x| x.party.id)
                        .collect();
                }
                DomainEvent::ConsultationAnswered { .. } | DomainEvent::MessageReceived { .. } => {
                    let _ = tx.send(e);
                }
                _ => {}
            }
        }
    });
    rx
}

/// The picture: message round trips per second (p50/p99), clients connected and the presence
/// fan-out per second (what the latency spikes line up with), and the round-trip histogram.
fn picture(
    path: &Path,
    timeline: &[Second],
    hist: Option<&Histogram<u64>>,
) -> Result<(), Box<dyn std::error::Error>> {
    use plotters::prelude::*;
    let root = SVGBackend::new(path, (1000, 1000)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, rest) = root.split_vertically(350);
    let (middle, bottom) = rest.split_vertically(320);
    let ms = |us: u64| us as f64 / 1000.0;
    let with_messages = || timeline.iter().filter(|s| s.messages > 0);
    let p50: Vec<(f64, f64)> = with_messages()
        .map(|s| (s.second as f64, ms(s.message_p50_us)))
        .collect();
    let p99: Vec<(f64, f64)> = with_messages()
        .map(|s| (s.second as f64, ms(s.message_p99_us)))
        .collect();
    let x_max = timeline
        .last()
        .map(|s| s.second as f64 + 1.0)
        .unwrap_or(1.0);
    let y_max = p99.iter().map(|p| p.1).fold(1.0, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(&top)
        .caption("message round trip over time (ms)", ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc("ms")
        .draw()?;
    chart
        .draw_series(LineSeries::new(p50, &BLUE))?
        .label("p50")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(LineSeries::new(p99, &RED))?
        .label("p99")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;

    let clients_max = timeline
        .iter()
        .map(|s| s.connected)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let lists_max = timeline
        .iter()
        .map(|s| s.presence_lists)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let mut chart = ChartBuilder::on(&middle)
        .caption(
            "clients connected, and online lists decoded per second",
            ("sans-serif", 20),
        )
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .right_y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, 0.0..clients_max * 1.1)?
        .set_secondary_coord(0.0..x_max, 0.0..lists_max * 1.1);
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc("clients")
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("lists / s")
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            timeline
                .iter()
                .map(|s| (s.second as f64, s.connected as f64)),
            &BLACK,
        ))?
        .label("clients")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    chart
        .draw_secondary_series(LineSeries::new(
            timeline
                .iter()
                .map(|s| (s.second as f64, s.presence_lists as f64)),
            &GREEN,
        ))?
        .label("online lists / s")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREEN));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;

    let buckets: Vec<(u32, u32)> = match hist {
        Some(h) => {
            let max_ms = (ms(h.value_at_quantile(0.999)).ceil() as u32).max(1);
            let width = (max_ms / 40).max(1);
            let mut counts = vec![0u32; (max_ms / width + 1) as usize];
            for v in h.iter_recorded() {
                let b = ((ms(v.value_iterated_to()) as u32) / width).min(counts.len() as u32 - 1);
                counts[b as usize] += v.count_at_value() as u32;
            }
            counts
                .into_iter()
                .enumerate()
                .map(|(i, c)| (i as u32 * width, c))
                .collect()
        }
        None => vec![],
    };
    let x_top = buckets.last().map(|b| b.0 + 1).unwrap_or(1);
    let y_top = buckets.iter().map(|b| b.1).max().unwrap_or(1).max(1);
    let width = buckets.get(1).map(|b| b.0).unwrap_or(1).max(1);
    let mut chart = ChartBuilder::on(&bottom)
        .caption("message round trip histogram", ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(0u32..x_top + width, 0u32..y_top + y_top / 10 + 1)?;
    chart
        .configure_mesh()
        .x_desc("ms")
        .y_desc("messages")
        .draw()?;
    chart.draw_series(
        buckets
            .iter()
            .map(|(x, c)| Rectangle::new([(*x, 0), (*x + width, *c)], BLUE.mix(0.6).filled())),
    )?;
    root.present()?;
    Ok(())
}

/// The report as a table.
pub fn table(r: &Report) -> String {
    let mut s = format!(
        "load: {} users + {} experts on seed 001, ramp {} s, run {} s (wall {:.0} s)\n",
        r.scenario.users,
        r.scenario.experts,
        r.scenario.ramp_secs,
        r.scenario.duration_secs,
        r.wall_secs
    );
    s.push_str(&format!(
        "connected {}  requests {}  sessions {}  messages {}  busy refusals {}\n",
        r.connected, r.requests, r.sessions, r.messages, r.busy_refusals
    ));
    let lists_peak = r
        .timeline
        .iter()
        .map(|s| s.presence_lists)
        .max()
        .unwrap_or(0);
    s.push_str(&format!(
        "presence fan-out: {} online lists decoded by the users (peak {} in one second)\n",
        r.presence_lists, lists_peak
    ));
    s.push_str(&format!(
        "memory: {:.0} KiB per client (RSS), peak {:.0} MiB\n",
        r.rss_per_client_bytes as f64 / 1024.0,
        r.rss_peak_bytes as f64 / 1048576.0
    ));
    s.push_str(&format!(
        "{:<16} {:>8} {:>10} {:>10} {:>10} {:>10}\n",
        "operation", "count", "p50 ms", "p90 ms", "p99 ms", "max ms"
    ));
    for l in &r.latencies {
        let ms = |us: u64| us as f64 / 1000.0;
        s.push_str(&format!(
            "{:<16} {:>8} {:>10.2} {:>10.2} {:>10.2} {:>10.2}\n",
            l.kind,
            l.count,
            ms(l.p50_us),
            ms(l.p90_us),
            ms(l.p99_us),
            ms(l.max_us)
        ));
    }
    if r.errors.is_empty() {
        s.push_str("errors: none\n");
    } else {
        s.push_str("errors:\n");
        for (k, n) in &r.errors {
            s.push_str(&format!("  {k:<28} {n}\n"));
        }
    }
    s
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_parse_as_ranges_or_single_values() {
        assert_eq!(parse_ms_range("1500-3500"), Ok((1500, 3500)));
        assert_eq!(parse_ms_range(" 2000 "), Ok((2000, 2000)));
        assert!(parse_ms_range("3500-1500").unwrap_err().contains("larger"));
        assert!(parse_ms_range("fast").unwrap_err().contains("not a number"));
        assert!(parse_ms_range("-5").is_err());
    }

    #[test]
    fn timeline_rows_are_per_second_with_list_deltas_and_gaps_filled() {
        // Samples at seconds 0, 1 and 3 (second 2 missed by a stalled monitor).
        let samples = BTreeMap::from([(0, (2, 2)), (1, (5, 9)), (3, (5, 30))]);
        let mut h = new_histogram();
        h.record(4_000).unwrap();
        h.record(6_000).unwrap();
        let messages = BTreeMap::from([(1, h)]);
        let rows = timeline_of(&samples, &messages);
        let seconds: Vec<u64> = rows.iter().map(|r| r.second).collect();
        assert_eq!(seconds, vec![0, 1, 2, 3]);
        let connected: Vec<u64> = rows.iter().map(|r| r.connected).collect();
        assert_eq!(connected, vec![2, 5, 5, 5]);
        let lists: Vec<u64> = rows.iter().map(|r| r.presence_lists).collect();
        assert_eq!(lists, vec![2, 7, 0, 21]);
        assert_eq!(rows[1].messages, 2);
        assert!((3_990..=4_010).contains(&rows[1].message_p50_us));
        assert!((5_990..=6_010).contains(&rows[1].message_p99_us));
        assert_eq!((rows[2].messages, rows[2].message_p99_us), (0, 0));
    }
}
