//! `parlor bench-resilience`: what careless or hostile peers cost, measured on the real
//! `parlor connect` process and the core's transport, against the transport probe:
//!
//! - resident memory while the server floods events at a steady rate and nobody reads stdout
//!   (before the flood, after a warm-up, peak, at the end);
//! - the peak memory of one oversized input line (it is skipped, never held whole);
//! - how long a request whose ack never comes takes to fail, against its timeout;
//! - how long an emit takes to fail while the server is down (it must not wait).
//!
//! These are the speed and memory figures that tests must not assert tightly (the machine is
//! shared); the tests check the behaviour and only loose bounds.

use crate::bench::median_of;
use crate::servers::{RefServer, PROBE};
use parlor_core::transport::{ConnectionState, Socket, SocketConfig};
use parlor_core::StaticToken;
use serde::Serialize;
use serde_json::{json, Value};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Characters of padding in each flood event (about 1 KB per event on the wire).
const EVENT_PAD: u32 = 1000;

/// Memory of `parlor connect` during an unread flood, MB.
#[derive(Debug, Clone, Serialize)]
pub struct Flood {
    /// Events per second asked of the server.
    pub events_per_sec: u32,
    /// Events the server says it sent (its `GET /stats`): the rate it really kept.
    pub events_sent: u64,
    /// Seconds of flood.
    pub seconds: u32,
    /// Resident memory once connected, before the flood.
    pub rss_before_mb: f64,
    /// After two seconds of flood.
    pub rss_warm_mb: f64,
    /// Highest sample.
    pub rss_peak_mb: f64,
    /// Last sample, at the end of the flood.
    pub rss_end_mb: f64,
}

/// Peak memory around one oversized input line, MB.
#[derive(Debug, Clone, Serialize)]
pub struct LongLine {
    /// The line's length, MB.
    pub line_mb: f64,
    /// Peak resident memory before the line.
    pub peak_before_mb: f64,
    /// Peak after it was answered.
    pub peak_after_mb: f64,
}

/// How fast failures are reported.
#[derive(Debug, Clone, Serialize)]
pub struct Failures {
    /// The request timeout asked for, ms.
    pub ack_timeout_ms: u64,
    /// Median time until the request failed with `Timeout`, ms.
    pub ack_failed_after_ms: f64,
    /// Median time for an emit to fail while the server is down, µs.
    pub emit_while_down_us: f64,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Memory under an unread flood.
    pub flood: Flood,
    /// Memory of one oversized line.
    pub long_line: LongLine,
    /// Failure latencies.
    pub failures: Failures,
}

/// Runs the three measurements.
pub async fn run(events_per_sec: u32, seconds: u32, line_mb: u32) -> Result<Report, String> {
    let flood = flood(events_per_sec, seconds.max(3)).await?;
    let long_line = long_line(line_mb.max(1)).await?;
    let failures = failures().await?;
    Ok(Report {
        flood,
        long_line,
        failures,
    })
}

/// The table printed by `parlor bench-resilience`.
pub fn table(r: &Report) -> String {
    let f = &r.flood;
    let l = &r.long_line;
    let x = &r.failures;
    format!(
        "parlor connect, stdout unread, {} events/s of ~1 KB for {} s\n\
         \x20 events the server sent     {:>8} ({:.0}/s)\n\
         \x20 RSS before the flood      {:>8.1} MB\n\
         \x20 RSS after 2 s             {:>8.1} MB\n\
         \x20 RSS peak                  {:>8.1} MB\n\
         \x20 RSS at the end            {:>8.1} MB\n\
         parlor connect, one {:.0} MB input line\n\
         \x20 peak RSS before           {:>8.1} MB\n\
         \x20 peak RSS after            {:>8.1} MB\n\
         transport failures (median)\n\
         \x20 missing ack, timeout {} ms   failed after {:>8.1} ms\n\
         \x20 emit while the server is down   failed after {:>8.1} µs\n",
        f.events_per_sec,
        f.seconds,
        f.events_sent,
        f.events_sent as f64 / f64::from(f.seconds.max(1)),
        f.rss_before_mb,
        f.rss_warm_mb,
        f.rss_peak_mb,
        f.rss_end_mb,
        l.line_mb,
        l.peak_before_mb,
        l.peak_after_mb,
        x.ack_timeout_ms,
        x.ack_failed_after_ms,
        x.emit_while_down_us,
    )
}

/// A `kB` field of `/proc/<pid>/status`, in MB (Linux).
fn status_mb(pid: u32, field: &str) -> Result<f64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("cannot read /proc/{pid}/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .ok_or_else(|| format!("{field} not in /proc/{pid}/status"))
}

/// `parlor connect` against `url` as a child with piped stdio.
fn connect_child(url: &str) -> Result<tokio::process::Child, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    tokio::process::Command::new(exe)
        .args(["connect", "--url", url, "--dialect", "support-chat"])
        .env("PARLOR_TOKEN", "valid")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start parlor connect: {e}"))
}

async fn write_line(stdin: &mut tokio::process::ChildStdin, v: Value) -> Result<(), String> {
    stdin
        .write_all(format!("{v}\n").as_bytes())
        .await
        .map_err(|e| e.to_string())
}

async fn flood(events_per_sec: u32, seconds: u32) -> Result<Flood, String> {
    let server = RefServer::start(PROBE, &[])
        .await
        .map_err(|e| e.to_string())?;
    let mut child = connect_child(&server.url())?;
    let pid = child.id().ok_or("no pid")?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    // Read stdout until connected, then never again.
    let mut out = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    write_line(&mut stdin, json!({"id": 1, "cmd": "wait_connected"})).await?;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), out.next_line()).await {
            Ok(Ok(Some(l))) if l.contains("\"reply_to\":1") => break,
            Ok(Ok(Some(_))) => {}
            other => return Err(format!("parlor connect did not connect: {other:?}")),
        }
    }
    let rss_before_mb = status_mb(pid, "VmRSS")?;
    write_line(
        &mut stdin,
        json!({"id": 2, "cmd": "raw", "event": "flood-rate",
               "payload": {"perSecond": events_per_sec, "seconds": seconds, "bytes": EVENT_PAD}}),
    )
    .await?;
    let mut samples = Vec::new();
    for _ in 0..seconds * 4 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        samples.push(status_mb(pid, "VmRSS")?);
    }
    let events_sent = flood_sent(&server).await?;
    let _ = child.kill().await;
    Ok(Flood {
        events_per_sec,
        events_sent,
        seconds,
        rss_before_mb,
        rss_warm_mb: samples[7],
        rss_peak_mb: samples.iter().cloned().fold(0.0, f64::max),
        rss_end_mb: *samples.last().unwrap_or(&0.0),
    })
}

/// How many flood events the probe sent (`GET /stats`).
async fn flood_sent(server: &RefServer) -> Result<u64, String> {
    let stats: serde_json::Value = reqwest::get(format!("{}/stats", server.url()))
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    stats["floodSent"]
        .as_u64()
        .ok_or_else(|| format!("the probe's stats carry no flood count: {stats}"))
}

async fn long_line(line_mb: u32) -> Result<LongLine, String> {
    let server = RefServer::start(PROBE, &[])
        .await
        .map_err(|e| e.to_string())?;
    let mut child = connect_child(&server.url())?;
    let pid = child.id().ok_or("no pid")?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let mut out = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    write_line(&mut stdin, json!({"id": 1, "cmd": "wait_connected"})).await?;
    reply(&mut out, 1).await?;
    let peak_before_mb = status_mb(pid, "VmHWM")?;
    let mut line = vec![b'x'; line_mb as usize * 1024 * 1024];
    line.push(b'\n');
    stdin.write_all(&line).await.map_err(|e| e.to_string())?;
    reply(&mut out, -1).await?;
    write_line(&mut stdin, json!({"id": 2, "cmd": "state"})).await?;
    reply(&mut out, 2).await?;
    let peak_after_mb = status_mb(pid, "VmHWM")?;
    let _ = child.kill().await;
    Ok(LongLine {
        line_mb: line_mb as f64,
        peak_before_mb,
        peak_after_mb,
    })
}

type Lines = tokio::io::Lines<BufReader<tokio::process::ChildStdout>>;

/// Reads stdout up to the reply to `id` (or to the line-too-long error).
async fn reply(out: &mut Lines, id: i64) -> Result<(), String> {
    let want = format!("\"reply_to\":{id}");
    loop {
        match tokio::time::timeout(Duration::from_secs(30), out.next_line()).await {
            Ok(Ok(Some(l))) if l.contains(&want) || l.contains("line too long") => return Ok(()),
            Ok(Ok(Some(_))) => {}
            other => return Err(format!("no reply {id}: {other:?}")),
        }
    }
}

async fn failures() -> Result<Failures, String> {
    let mut server = RefServer::start(PROBE, &[])
        .await
        .map_err(|e| e.to_string())?;
    let (socket, _inbound) = Socket::start(
        SocketConfig::new(server.url(), "/"),
        Arc::new(StaticToken::new("valid")),
    );
    let timeout = Duration::from_millis(300);
    let mut acks = Vec::new();
    for _ in 0..5 {
        socket
            .wait_connected(Duration::from_secs(10))
            .await
            .map_err(|e| e.to_string())?;
        let t0 = Instant::now();
        let r = socket
            .request("no-ack", vec![json!({})], Some(timeout))
            .await;
        acks.push(t0.elapsed().as_secs_f64() * 1000.0);
        if r.is_ok() {
            return Err("no-ack was answered".into());
        }
    }
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .map_err(|e| e.to_string())?;
    server.stop().await;
    let mut states = socket.watch_state();
    tokio::time::timeout(
        Duration::from_secs(10),
        states.wait_for(|s| matches!(s, ConnectionState::Reconnecting { .. })),
    )
    .await
    .map_err(|_| "the drop was not noticed".to_string())?
    .map_err(|e| e.to_string())?;
    let mut emits = Vec::new();
    for _ in 0..100 {
        let t0 = Instant::now();
        let r = socket.emit("echo", vec![json!("down")]).await;
        emits.push(t0.elapsed().as_secs_f64() * 1e6);
        if r.is_ok() {
            return Err("an emit succeeded while the server was down".into());
        }
    }
    socket.shutdown().await;
    Ok(Failures {
        ack_timeout_ms: timeout.as_millis() as u64,
        ack_failed_after_ms: median_of(acks),
        emit_while_down_us: median_of(emits),
    })
}
