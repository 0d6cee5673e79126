//! What a load run reports (also written as JSON, and what `parlor load-merge` reads back).

use super::{Scenario, Shard};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The operations timed second by second and drawn: a session requested (the REST answer),
/// its acceptance seen by the user, a chat message's round trip.
pub const TIMED: [&str; 3] = ["session_start", "accept_seen", "message"];

/// One kind of operation's latency summary, microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Operation (connect, session_start, accept_seen, message, session_end, session_accept).
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

/// The load report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The scenario run (the whole population, whatever the shard).
    pub scenario: Scenario,
    /// The part of the population this process ran (absent: all of it, or a merge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// How many shard reports were merged into this one (1 for a single run).
    #[serde(default = "one")]
    pub merged_from: u32,
    /// When the run started, ms since the epoch (aligns shards' timelines).
    pub started_unix_ms: u64,
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
    /// Experts' answers the server refused because the session had moved on (HTTP 409: it
    /// expired or was withdrawn while the answer was on its way): the market's outcome under
    /// load, counted apart from errors.
    #[serde(default)]
    pub late_answers: u64,
    /// Errors by kind.
    pub errors: BTreeMap<String, u64>,
    /// Latencies.
    pub latencies: Vec<Latency>,
    /// Online lists decoded by all users together.
    pub presence_lists: u64,
    /// Resident memory per connected client, bytes (of each process, weighted in a merge).
    pub rss_per_client_bytes: u64,
    /// Resident memory at the peak, bytes (the processes' sum in a merge).
    pub rss_peak_bytes: u64,
    /// Wall time, seconds.
    pub wall_secs: f64,
    /// The whole run's latency histograms by kind, encoded (`codec`), for merging.
    #[serde(default)]
    pub histograms: BTreeMap<String, String>,
    /// Second by second.
    pub timeline: Vec<Second>,
}

fn one() -> u32 {
    1
}

/// One second of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Second {
    /// Seconds since the start.
    pub second: u64,
    /// Clients connected at the end of that second.
    pub connected: u64,
    /// Online lists the users decoded in that second.
    pub presence_lists: u64,
    /// Errors in that second.
    #[serde(default)]
    pub errors: u64,
    /// CPU the generator used in that second, in cores (the shards' sum in a merge).
    #[serde(default)]
    pub generator_cores: f64,
    /// How busy the server's event loop was in that second, 0 to 1, when it says (the
    /// reference servers' `GET /debug/loop`); 1 is a server with no time left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_loop: Option<f64>,
    /// Message round trips completed in that second.
    pub messages: u64,
    /// The timed operations ([`TIMED`]) of that second: count, p50, p99.
    #[serde(default)]
    pub latency: BTreeMap<String, SecondLatency>,
    /// Their histograms, encoded, for merging.
    #[serde(default)]
    pub histograms: BTreeMap<String, String>,
}

/// One operation's latencies within one second, microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SecondLatency {
    /// How many completed in that second.
    pub count: u64,
    /// Their median.
    pub p50_us: u64,
    /// Their 99th percentile.
    pub p99_us: u64,
}
