//! The one table `parlor bench` prints: every figure of the transport, cache and voice-note
//! halves side by side with what it is compared against (Node's socket.io-client in the same
//! run, or the target), and the ratio.

use crate::bench::Report;
use crate::bench_cache::CacheReport;
use crate::bench_voice::VoiceReport;

/// One row: the measure, ours, what it is compared with, and the ratio ours / theirs.
struct Row {
    measure: String,
    ours: String,
    against: String,
    ratio: String,
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() {
        format!("{:.2}", a / b)
    } else {
        "n/a".into()
    }
}

fn versus_node(measure: &str, ours: f64, node: f64, digits: usize) -> Row {
    Row {
        measure: measure.into(),
        ours: format!("{ours:.digits$}"),
        against: format!("{node:.digits$} (node)"),
        ratio: ratio(ours, node),
    }
}

fn versus_target(measure: &str, ours: f64, target: f64, unit: &str, digits: usize) -> Row {
    Row {
        measure: measure.into(),
        ours: format!("{ours:.digits$}{unit}"),
        against: format!("{target}{unit} (target)"),
        ratio: ratio(ours, target),
    }
}

fn alone(measure: &str, ours: String) -> Row {
    Row {
        measure: measure.into(),
        ours,
        against: String::new(),
        ratio: String::new(),
    }
}

/// The table. Ratios are ours / theirs: below 1 is better for times, sizes and memory, above
/// 1 for throughput.
pub fn table(t: &Report, cache: Option<&CacheReport>, voice: Option<&VoiceReport>) -> String {
    let mut rows = vec![
        versus_node("echo RTT p50 (µs)", t.parlor.p50_us, t.node.p50_us, 1),
        versus_node("echo RTT p99 (µs)", t.parlor.p99_us, t.node.p99_us, 1),
        versus_node(
            "one-way events/s",
            t.parlor.oneway_per_sec,
            t.node.oneway_per_sec,
            0,
        ),
        versus_node(
            "idle RSS per client (KiB)",
            t.parlor.idle_rss_per_client / 1024.0,
            t.node.idle_rss_per_client / 1024.0,
            1,
        ),
    ];
    if let Some(c) = cache {
        rows.push(versus_target(
            &format!("cache ingest, {} msgs (msg/s)", c.messages),
            c.ingest_per_sec,
            50_000.0,
            "",
            0,
        ));
        rows.push(versus_target(
            "cache latest 50, p50",
            c.latest_page_ms.0,
            2.0,
            " ms",
            3,
        ));
        rows.push(alone(
            "cache middle page of 50, p50",
            format!("{:.3} ms", c.middle_page_ms.0),
        ));
        rows.push(alone(
            "cache search rare word, p50",
            format!("{:.3} ms", c.search_rare_ms.0),
        ));
        rows.push(alone(
            "cache search common word, p50",
            format!("{:.3} ms", c.search_common_ms.0),
        ));
    }
    if let Some(v) = voice {
        rows.push(versus_target(
            &format!("Opus voice note, {:.0} s speech (KB)", v.seconds),
            v.encoded_bytes as f64 / 1000.0,
            // The target is 200 KB for a minute.
            (200.0 * v.seconds / 60.0).round(),
            "",
            1,
        ));
        rows.push(versus_target(
            "Opus encode time / real time",
            v.encode_rt_fraction,
            1.0,
            "",
            4,
        ));
        rows.push(alone(
            "Opus decode time / real time",
            format!("{:.4}", v.decode_rt_fraction),
        ));
    }
    let mut s = format!(
        "parlor bench: medians of {} alternating rounds ({} echo round trips, {} one-way events per client and round); ratio = parlor / compared\n",
        t.rounds, t.rtt_samples, t.oneway_events
    );
    s += &format!(
        "{:<40} {:>16} {:>22} {:>8}\n",
        "measure", "parlor", "compared with", "ratio"
    );
    for r in rows {
        s += &format!(
            "{:<40} {:>16} {:>22} {:>8}\n",
            r.measure, r.ours, r.against, r.ratio
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::Figures;

    #[test]
    fn every_half_is_a_row_with_its_ratio() {
        let f = |p50, oneway| Figures {
            p50_us: p50,
            p99_us: p50 * 10.0,
            oneway_per_sec: oneway,
            idle_rss_per_client: 64.0 * 1024.0,
        };
        let t = Report {
            rounds: 3,
            rtt_samples: 10,
            oneway_events: 10,
            parlor: f(50.0, 60_000.0),
            node: f(100.0, 40_000.0),
        };
        let v = VoiceReport {
            seconds: 60.0,
            pcm_bytes: 5_760_000,
            encoded_bytes: 185_800,
            kbit_per_sec: 24.8,
            encode_ms: 1380.0,
            encode_rt_fraction: 0.023,
            decode_ms: 600.0,
            decode_rt_fraction: 0.01,
            runs: 1,
        };
        let s = table(&t, None, Some(&v));
        let line = |m: &str| s.lines().find(|l| l.starts_with(m)).unwrap().to_owned();
        assert!(line("echo RTT p50").ends_with("0.50"));
        assert!(line("one-way events/s").ends_with("1.50"));
        assert!(line("Opus voice note, 60 s speech").contains("185.8"));
        assert!(line("Opus voice note, 60 s speech").ends_with("0.93"));
        assert!(line("Opus encode time").ends_with("0.02"));
        assert!(!s.contains("cache ingest"));
    }
}
