//! The load test's report: its summary from the histograms, its rows second by second, and
//! its table.

use super::codec::encode;
use super::model::{Latency, Report, Second, SecondLatency, TIMED};
use super::usage::Usage;
use hdrhistogram::Histogram;
use std::collections::BTreeMap;

/// The latency summary of each kind.
pub(super) fn latencies_of(histograms: &BTreeMap<String, Histogram<u64>>) -> Vec<Latency> {
    histograms
        .iter()
        .map(|(k, h)| Latency {
            kind: k.clone(),
            count: h.len(),
            p50_us: h.value_at_quantile(0.5),
            p90_us: h.value_at_quantile(0.9),
            p99_us: h.value_at_quantile(0.99),
            max_us: h.max(),
        })
        .collect()
}

/// Per-second rows from the monitor's samples (second → clients connected, online lists
/// decoded so far), the per-second histograms of each kind and the errors of each second.
pub(super) fn timeline_of(
    samples: &BTreeMap<u64, (u64, u64)>,
    per_second: &BTreeMap<(String, u64), Histogram<u64>>,
    errors: &BTreeMap<u64, u64>,
    usage: &BTreeMap<u64, Usage>,
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
            let mut row = Second {
                second,
                connected,
                presence_lists: lists.saturating_sub(lists_before),
                errors: errors.get(&second).copied().unwrap_or(0),
                generator_cores: usage.get(&second).map_or(0.0, |u| u.generator_cores),
                server_loop: usage.get(&second).and_then(|u| u.server_loop),
                ..Second::default()
            };
            for kind in TIMED {
                if let Some(h) = per_second.get(&(kind.to_owned(), second)) {
                    row.latency.insert(kind.to_owned(), summary(h));
                    row.histograms.insert(kind.to_owned(), encode(h));
                }
            }
            row.messages = row.latency.get("message").map_or(0, |l| l.count);
            lists_before = lists;
            row
        })
        .collect()
}

/// Count, p50 and p99 of one second's histogram.
pub(super) fn summary(h: &Histogram<u64>) -> SecondLatency {
    SecondLatency {
        count: h.len(),
        p50_us: h.value_at_quantile(0.5),
        p99_us: h.value_at_quantile(0.99),
    }
}

/// The report as a table.
pub fn table(r: &Report) -> String {
    let mut s = format!(
        "load: {} users + {} experts on seed 001, ramp {} s, run {} s (wall {:.0} s)",
        r.scenario.users,
        r.scenario.experts,
        r.scenario.ramp_secs,
        r.scenario.duration_secs,
        r.wall_secs
    );
    match (r.shard, r.merged_from) {
        (Some(shard), _) if shard.count > 1 => {
            s.push_str(&format!("; shard {} of {}", shard.index, shard.count))
        }
        (_, n) if n > 1 => s.push_str(&format!("; {n} shards merged")),
        _ => {}
    }
    s.push('\n');
    s.push_str(&format!(
        "connected {}  requests {}  sessions {}  messages {}  busy refusals {}  late answers {}\n",
        r.connected, r.requests, r.sessions, r.messages, r.busy_refusals, r.late_answers
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
