//! `parlor bench`: the Parlor client and Node's socket.io-client 4, side by side in one run
//! against the same transport probe server: echo round trip (ack) p50/p99 and one-way
//! throughput. The two clients alternate over several rounds (this machine is shared and
//! noisy) and the table shows each metric's median over the rounds, with ratios.

use crate::servers::{servers_dir, RefServer, PROBE};
use hdrhistogram::Histogram;
use parlor_core::transport::{Socket, SocketConfig};
use parlor_core::StaticToken;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One client's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// Echo round trip, median, microseconds.
    pub p50_us: f64,
    /// Echo round trip, 99th percentile, microseconds.
    pub p99_us: f64,
    /// One-way events per second, counted by the server.
    pub oneway_per_sec: f64,
    /// Resident memory per idle connected client, bytes (growth over the first clients).
    pub idle_rss_per_client: f64,
    /// Resident memory per extra idle client between the two sizes, bytes (the slope: what
    /// one more connection costs, without the start-up cost spread over the first ones).
    pub idle_slope: Option<f64>,
    /// Opening a connection, one after another, milliseconds each on average.
    pub connect_ms: f64,
}

/// The idle figures of one client kind at two sizes.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize)]
pub struct IdleFigures {
    /// RSS growth per client over the first `clients`, bytes.
    pub idle_rss_per_client_bytes: f64,
    /// RSS growth per client from `clients` to `total`, bytes (none when `total` ≤ `clients`).
    pub idle_slope_bytes: Option<f64>,
    /// Milliseconds per connection while the first `clients` were opened one after another.
    pub connect_ms: f64,
}

/// How many idle clients to open: the first size, and the size the slope is measured to.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct IdleSizes {
    /// Clients opened first (per-client memory and connect time).
    pub clients: usize,
    /// Clients open in the end (the slope from `clients`); at most `clients` skips it.
    pub total: usize,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Alternating rounds run; the figures are medians over them.
    pub rounds: u32,
    /// Round trips measured per client and round.
    pub rtt_samples: u32,
    /// One-way events sent per client.
    pub oneway_events: u32,
    /// Idle clients opened.
    pub idle: IdleSizes,
    /// Parlor (Rust core transport).
    pub parlor: Figures,
    /// socket.io-client 4 on Node.js.
    pub node: Figures,
}

/// Runs both clients against one probe server, alternating for `rounds` rounds.
pub async fn run(rtt: u32, oneway: u32, rounds: u32, idle: IdleSizes) -> Result<Report, String> {
    let server = RefServer::start(PROBE, &[])
        .await
        .map_err(|e| e.to_string())?;
    let rounds = rounds.max(1);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Who goes first alternates, so a warming (or tiring) machine favours neither.
        if round % 2 == 0 {
            ours.push(parlor_figures(&server.url(), rtt, oneway, idle).await?);
            theirs.push(node_figures(&server.url(), rtt, oneway, idle).await?);
        } else {
            theirs.push(node_figures(&server.url(), rtt, oneway, idle).await?);
            ours.push(parlor_figures(&server.url(), rtt, oneway, idle).await?);
        }
    }
    Ok(Report {
        rounds,
        rtt_samples: rtt,
        oneway_events: oneway,
        idle,
        parlor: median(&ours),
        node: median(&theirs),
    })
}

/// The median of `v` (the upper one of an even count; NaN when empty): every benchmark's.
pub(crate) fn median_of(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Each metric's median over the rounds.
fn median(all: &[Figures]) -> Figures {
    let mid = |f: fn(&Figures) -> f64| median_of(all.iter().map(f).collect());
    let slopes: Vec<f64> = all.iter().filter_map(|f| f.idle_slope).collect();
    Figures {
        p50_us: mid(|f| f.p50_us),
        p99_us: mid(|f| f.p99_us),
        oneway_per_sec: mid(|f| f.oneway_per_sec),
        idle_rss_per_client: mid(|f| f.idle_rss_per_client),
        idle_slope: (!slopes.is_empty()).then(|| median_of(slopes)),
        connect_ms: mid(|f| f.connect_ms),
    }
}

/// Idle memory and connect time of Parlor sockets, measured in a fresh `parlor bench-idle`
/// process (as Node's is), so memory freed by earlier rounds cannot hide the cost.
async fn parlor_idle(url: &str, idle: IdleSizes) -> Result<IdleFigures, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = tokio::process::Command::new(exe)
        .args(["bench-idle", "--url", url])
        .args(["--clients", &idle.clients.to_string()])
        .args(["--total", &idle.total.to_string()])
        .output()
        .await
        .map_err(|e| format!("cannot run parlor bench-idle: {e}"))?;
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "bench-idle output: {e} ({})",
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })
}

/// Opens `n` more sockets to `url`, one after another; the time that took.
async fn open_more(
    url: &str,
    sockets: &mut Vec<(Socket, parlor_core::transport::InboundReceiver)>,
    n: usize,
) -> Result<Duration, String> {
    let t0 = Instant::now();
    for _ in 0..n {
        let (socket, inbound) = Socket::start(
            SocketConfig::new(url, "/"),
            Arc::new(StaticToken::new("valid")),
        );
        socket
            .wait_connected(Duration::from_secs(10))
            .await
            .map_err(|e| e.to_string())?;
        sockets.push((socket, inbound));
    }
    Ok(t0.elapsed())
}

/// RSS after a second of quiet.
async fn settled_rss() -> u64 {
    tokio::time::sleep(Duration::from_secs(1)).await;
    crate::load::rss_bytes()
}

/// `parlor bench-idle`: opens `idle.clients` sockets to `url` one after another (time each,
/// RSS growth per socket), then up to `idle.total` (RSS growth per extra socket).
pub async fn idle_in_this_process(url: &str, idle: IdleSizes) -> Result<IdleFigures, String> {
    let n = idle.clients.max(1);
    let before = crate::load::rss_bytes();
    let mut sockets = Vec::with_capacity(idle.total.max(n));
    let took = open_more(url, &mut sockets, n).await?;
    let at_n = settled_rss().await;
    let mut slope = None;
    if idle.total > n {
        open_more(url, &mut sockets, idle.total - n).await?;
        let at_total = settled_rss().await;
        slope = Some(at_total.saturating_sub(at_n) as f64 / (idle.total - n) as f64);
    }
    Ok(IdleFigures {
        idle_rss_per_client_bytes: at_n.saturating_sub(before) as f64 / n as f64,
        idle_slope_bytes: slope,
        connect_ms: took.as_secs_f64() * 1000.0 / n as f64,
    })
}

async fn parlor_figures(
    url: &str,
    rtt: u32,
    oneway: u32,
    idle: IdleSizes,
) -> Result<Figures, String> {
    let (socket, _inbound) = Socket::start(
        SocketConfig::new(url, "/"),
        Arc::new(StaticToken::new("valid")),
    );
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .map_err(|e| e.to_string())?;
    for i in 0..100 {
        socket
            .request("echo", vec![json!({ "i": i })], None)
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut hist =
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).map_err(|e| e.to_string())?;
    for i in 0..rtt {
        let t0 = Instant::now();
        socket
            .request("echo", vec![json!({ "i": i })], None)
            .await
            .map_err(|e| e.to_string())?;
        hist.record(t0.elapsed().as_micros().max(1) as u64)
            .map_err(|e| e.to_string())?;
    }
    socket
        .request("sink-count", vec![], None)
        .await
        .map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    for i in 0..oneway {
        socket
            .emit("sink", vec![json!({ "i": i })])
            .await
            .map_err(|e| e.to_string())?;
    }
    let counted = socket
        .request("sink-count", vec![], Some(Duration::from_secs(60)))
        .await
        .map_err(|e| e.to_string())?;
    let secs = t0.elapsed().as_secs_f64();
    let received = counted
        .first()
        .and_then(|v| v.get("count"))
        .and_then(|c| c.as_f64())
        .unwrap_or(0.0);
    socket.shutdown().await;
    let i = parlor_idle(url, idle).await?;
    Ok(Figures {
        p50_us: hist.value_at_quantile(0.50) as f64,
        p99_us: hist.value_at_quantile(0.99) as f64,
        oneway_per_sec: received / secs,
        idle_rss_per_client: i.idle_rss_per_client_bytes,
        idle_slope: i.idle_slope_bytes,
        connect_ms: i.connect_ms,
    })
}

async fn node_figures(
    url: &str,
    rtt: u32,
    oneway: u32,
    idle: IdleSizes,
) -> Result<Figures, String> {
    let rtt = rtt.to_string();
    let oneway = oneway.to_string();
    let v = node_json(
        &[],
        "bench_client.js",
        &["--url", url, "--rtt", &rtt, "--oneway", &oneway],
    )
    .await?;
    let f = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_f64())
            .ok_or_else(|| format!("node bench output lacks {k}"))
    };
    // --expose-gc: the client collects garbage before its first reading (without the flag
    // `global.gc` does not exist and the "before" figure would hold garbage).
    let (clients, total) = (idle.clients.to_string(), idle.total.to_string());
    let idle = node_json(
        &["--expose-gc"],
        "bench_client.js",
        &["--url", url, "--idle", &clients, "--more", &total],
    )
    .await?;
    let i: IdleFigures =
        serde_json::from_value(idle).map_err(|e| format!("node idle output: {e}"))?;
    Ok(Figures {
        p50_us: f("p50_us")?,
        p99_us: f("p99_us")?,
        oneway_per_sec: f("oneway_per_sec")?,
        idle_rss_per_client: i.idle_rss_per_client_bytes,
        idle_slope: i.idle_slope_bytes,
        connect_ms: i.connect_ms,
    })
}

/// Runs `node [flags] tests/servers/<script> [args]` and reads the one JSON line it prints.
pub(crate) async fn node_json(
    flags: &[&str],
    script: &str,
    args: &[&str],
) -> Result<serde_json::Value, String> {
    let out = tokio::process::Command::new("node")
        .args(flags)
        .arg(servers_dir().join(script))
        .args(args)
        .output()
        .await
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "node {script} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("node {script} output: {e}"))
}

/// The report as a table; ratios are Parlor relative to Node (below 1 is faster for times).
pub fn table(r: &Report) -> String {
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            format!("{:.2}", a / b)
        } else {
            "n/a".into()
        }
    };
    let mut s = String::new();
    s.push_str(&format!(
        "transport benchmark: {} echo round trips and {} one-way events per client and round; medians of {} alternating rounds against one probe server\n",
        r.rtt_samples, r.oneway_events, r.rounds
    ));
    s.push_str(&format!(
        "{:<28} {:>14} {:>20} {:>14}\n",
        "metric", "parlor (Rust)", "socket.io-client 4", "parlor/node"
    ));
    s.push_str(&format!(
        "{:<28} {:>14.1} {:>20.1} {:>14}\n",
        "echo RTT p50 (µs)",
        r.parlor.p50_us,
        r.node.p50_us,
        ratio(r.parlor.p50_us, r.node.p50_us)
    ));
    s.push_str(&format!(
        "{:<28} {:>14.1} {:>20.1} {:>14}\n",
        "echo RTT p99 (µs)",
        r.parlor.p99_us,
        r.node.p99_us,
        ratio(r.parlor.p99_us, r.node.p99_us)
    ));
    s.push_str(&format!(
        "{:<28} {:>14.0} {:>20.0} {:>14}\n",
        "one-way events/s",
        r.parlor.oneway_per_sec,
        r.node.oneway_per_sec,
        ratio(r.parlor.oneway_per_sec, r.node.oneway_per_sec)
    ));
    s.push_str(&format!(
        "{:<28} {:>14.1} {:>20.1} {:>14}\n",
        format!("idle RSS per client (KiB, {} open)", r.idle.clients),
        r.parlor.idle_rss_per_client / 1024.0,
        r.node.idle_rss_per_client / 1024.0,
        ratio(r.parlor.idle_rss_per_client, r.node.idle_rss_per_client)
    ));
    s
}
