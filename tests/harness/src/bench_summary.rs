//! The one table `parlor bench` prints: every figure of the transport, cache and voice-note
//! halves side by side with what it is compared against (Node's socket.io-client in the same
//! run, or the target), and the ratio.

use crate::bench::Report;
use crate::bench_cache::CacheReport;
use crate::bench_chat::ChatReport;
use crate::bench_voice::VoiceReport;

/// What a row's ratio must be for its goal to be met.
#[derive(Clone, Copy)]
enum Goal {
    /// Ours / theirs at most this (times, sizes, memory).
    AtMost(f64),
    /// Ours / theirs at least this (throughput).
    AtLeast(f64),
    /// No goal: shown for information.
    None,
}

/// One row: the measure, ours, what it is compared with, the ratio ours / theirs, and the
/// goal for that ratio with whether this run met it.
struct Row {
    measure: String,
    ours: String,
    against: String,
    ratio: String,
    goal: String,
    met: String,
}

fn ratio_of(a: f64, b: f64) -> Option<f64> {
    (b > 0.0 && a.is_finite()).then(|| a / b)
}

fn row(measure: &str, ours: String, against: String, ratio: Option<f64>, goal: Goal) -> Row {
    let (goal_text, met) = match (goal, ratio) {
        (Goal::AtMost(g), r) => (format!("<={g:.2}"), r.map(|r| r <= g)),
        (Goal::AtLeast(g), r) => (format!(">={g:.2}"), r.map(|r| r >= g)),
        (Goal::None, _) => (String::new(), None),
    };
    Row {
        measure: measure.into(),
        ours,
        against,
        ratio: ratio.map_or_else(|| "n/a".into(), |r| format!("{r:.2}")),
        goal: goal_text,
        met: match met {
            Some(true) => "yes".into(),
            Some(false) => "NO".into(),
            None => String::new(),
        },
    }
}

fn versus_node(measure: &str, ours: f64, node: f64, digits: usize, goal: Goal) -> Row {
    row(
        measure,
        format!("{ours:.digits$}"),
        format!("{node:.digits$} (node)"),
        ratio_of(ours, node),
        goal,
    )
}

/// Against a target: the goal is to be at or under it (`at_most`), or at or over it.
fn versus_target(
    measure: &str,
    ours: f64,
    target: f64,
    unit: &str,
    digits: usize,
    at_most: bool,
) -> Row {
    row(
        measure,
        format!("{ours:.digits$}{unit}"),
        format!("{target}{unit} (target)"),
        ratio_of(ours, target),
        if at_most {
            Goal::AtMost(1.0)
        } else {
            Goal::AtLeast(1.0)
        },
    )
}

fn alone(measure: &str, ours: String) -> Row {
    Row {
        measure: measure.into(),
        ours,
        against: String::new(),
        ratio: String::new(),
        goal: String::new(),
        met: String::new(),
    }
}

/// The table. Ratios are ours / theirs: below 1 is better for times, sizes and memory, above
/// 1 for throughput.
pub fn table(
    t: &Report,
    chat: Option<&ChatReport>,
    cache: Option<&CacheReport>,
    voice: Option<&VoiceReport>,
) -> String {
    // The goals: the full client's round trip at most 0.8 of Node's; memory per connection at
    // most Node's for now (the plan goes on to a tenth); the cache and voice targets as stated.
    // The transport's echo is shown beside it without a goal of its own.
    let mut rows = vec![
        versus_node(
            "echo RTT p50, transport (µs)",
            t.parlor.p50_us,
            t.node.p50_us,
            1,
            Goal::None,
        ),
        versus_node(
            "echo RTT p99, transport (µs)",
            t.parlor.p99_us,
            t.node.p99_us,
            1,
            Goal::None,
        ),
        versus_node(
            "one-way events/s",
            t.parlor.oneway_per_sec,
            t.node.oneway_per_sec,
            0,
            Goal::None,
        ),
        versus_node(
            &format!("idle RSS per client, first {} (KiB)", t.idle.clients),
            t.parlor.idle_rss_per_client / 1024.0,
            t.node.idle_rss_per_client / 1024.0,
            1,
            Goal::AtMost(1.0),
        ),
        versus_node(
            &format!(
                "connect, one after another, first {} (ms each)",
                t.idle.clients
            ),
            t.parlor.connect_ms,
            t.node.connect_ms,
            2,
            Goal::AtMost(1.0),
        ),
    ];
    if let (Some(ours), Some(node)) = (t.parlor.idle_slope, t.node.idle_slope) {
        rows.push(versus_node(
            &format!(
                "idle RSS per extra client, {} → {} (KiB)",
                t.idle.clients, t.idle.total
            ),
            ours / 1024.0,
            node / 1024.0,
            1,
            Goal::AtMost(1.0),
        ));
    }
    if let Some(c) = chat {
        rows.push(versus_node(
            "chat send→confirmed p50, full client (µs)",
            c.full.p50_us,
            c.node.p50_us,
            1,
            Goal::AtMost(0.8),
        ));
        rows.push(versus_node(
            "chat send→confirmed p99, full client (µs)",
            c.full.p99_us,
            c.node.p99_us,
            1,
            Goal::AtMost(0.8),
        ));
        rows.push(versus_node(
            "chat send→ack p50, transport alone (µs)",
            c.raw.p50_us,
            c.node.p50_us,
            1,
            Goal::None,
        ));
        rows.push(versus_node(
            "chat send→ack p99, transport alone (µs)",
            c.raw.p99_us,
            c.node.p99_us,
            1,
            Goal::None,
        ));
    }
    if let Some(c) = cache {
        rows.push(versus_target(
            &format!("cache ingest, {} per write (msg/s)", c.batch),
            c.ingest_per_sec,
            50_000.0,
            "",
            0,
            false,
        ));
        rows.push(alone(
            "cache ingest live, one commit each (msg/s)",
            format!("{:.0}", c.live_per_sec),
        ));
        rows.push(versus_target(
            "cache ingest live, group commit (msg/s)",
            c.grouped_per_sec,
            50_000.0,
            "",
            0,
            false,
        ));
        rows.push(versus_target(
            "cache latest 50, p50",
            c.latest_page_ms.0,
            2.0,
            " ms",
            3,
            true,
        ));
        rows.push(alone(
            "cache middle page of 50, p50",
            format!("{:.3} ms", c.middle_page_ms.0),
        ));
        rows.push(alone(
            "cache: outbox picks the next message, p50",
            format!("{:.3} ms", c.queue_pick_ms.0),
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
            true,
        ));
        // The target: encoding takes at most 2% of the speech's own length.
        rows.push(versus_target(
            "Opus encode time / real time",
            v.encode_rt_fraction,
            0.02,
            "",
            4,
            true,
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
        "{:<42} {:>16} {:>22} {:>8} {:>8} {:>4}\n",
        "measure", "parlor", "compared with", "ratio", "goal", "met"
    );
    for r in rows {
        s += &format!(
            "{:<42} {:>16} {:>22} {:>8} {:>8} {:>4}\n",
            r.measure, r.ours, r.against, r.ratio, r.goal, r.met
        );
    }
    if let Some(c) = chat.filter(|c| !c.full_steps.is_empty()) {
        s += &steps_table(c);
    }
    s
}

/// Where the full client's chat round trip goes: each step's median time since the send and
/// the median of what it added in each send, beside the transport alone and Node.
fn steps_table(c: &ChatReport) -> String {
    let mut s = String::from(
        "\nfull client's chat send, step by step (µs): median time since the send; added = median of what the step added to the one before in each send; seen = share of sends in which the step came before the caller saw the message settled (the server's echo can settle it first)\n",
    );
    s += &format!(
        "{:<12} {:>10} {:>10} {:>8}\n",
        "step", "since send", "added", "seen"
    );
    for st in &c.full_steps {
        s += &format!(
            "{:<12} {:>10.0} {:>10.0} {:>7.0}%\n",
            st.step,
            st.p50_us,
            st.added_us,
            st.seen * 100.0
        );
    }
    s += &format!(
        "whole round trip, transport alone {:.0} µs, Node {:.0} µs\n",
        c.raw.p50_us, c.node.p50_us
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::{Figures, IdleSizes};

    #[test]
    fn every_half_is_a_row_with_its_ratio() {
        let f = |p50, oneway, slope| Figures {
            p50_us: p50,
            p99_us: p50 * 10.0,
            oneway_per_sec: oneway,
            idle_rss_per_client: 64.0 * 1024.0,
            idle_slope: Some(slope * 1024.0),
            connect_ms: p50 / 100.0,
        };
        let t = Report {
            rounds: 3,
            rtt_samples: 10,
            oneway_events: 10,
            idle: IdleSizes {
                clients: 500,
                total: 5000,
            },
            parlor: f(50.0, 60_000.0, 30.0),
            node: f(100.0, 40_000.0, 40.0),
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
        let chat = ChatReport {
            samples: 10,
            rounds: 3,
            full: crate::bench_chat::RoundTrip {
                p50_us: 300.0,
                p99_us: 900.0,
            },
            full_steps: ["queued", "picked", "written", "answered", "settled"]
                .iter()
                .zip([
                    (40.0, 40.0),
                    (60.0, 20.0),
                    (100.0, 40.0),
                    (250.0, 150.0),
                    (300.0, 50.0),
                ])
                .map(|(step, (p50_us, added_us))| crate::bench_chat::StepTime {
                    step: (*step).into(),
                    p50_us,
                    added_us,
                    seen: 0.75,
                })
                .collect(),
            raw: crate::bench_chat::RoundTrip {
                p50_us: 150.0,
                p99_us: 300.0,
            },
            node: crate::bench_chat::RoundTrip {
                p50_us: 200.0,
                p99_us: 1000.0,
            },
        };
        let s = table(&t, Some(&chat), None, Some(&v));
        let line = |m: &str| s.lines().find(|l| l.starts_with(m)).unwrap().to_owned();
        let cells = |m: &str| {
            line(m)
                .split_whitespace()
                .rev()
                .take(3)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        // Columns from the right: met, goal, ratio.
        // The transport's echo has no goal; the full client's chat round trip has 0.8.
        assert_eq!(cells("echo RTT p50, transport")[0], "0.50");
        assert_eq!(cells("chat send→confirmed p50"), ["NO", "<=0.80", "1.50"]);
        assert_eq!(cells("chat send→confirmed p99"), ["NO", "<=0.80", "0.90"]);
        assert_eq!(cells("chat send→ack p50, transport alone")[0], "0.75");
        // No goal: the ratio is the last cell.
        assert_eq!(cells("one-way events/s")[0], "1.50");
        // Connect time and the memory slope, side by side with their goals.
        assert_eq!(
            cells("connect, one after another, first 500"),
            ["yes", "<=1.00", "0.50"]
        );
        assert_eq!(
            cells("idle RSS per extra client, 500 → 5000"),
            ["yes", "<=1.00", "0.75"]
        );
        assert!(line("Opus voice note, 60 s speech").contains("185.8"));
        // The steps: time since the send and what each added; the last step to the settle.
        assert_eq!(
            line("answered").split_whitespace().collect::<Vec<_>>(),
            ["answered", "250", "150", "75%"]
        );
        assert!(line("settled").starts_with("settled             300         50"));
        assert_eq!(
            cells("Opus voice note, 60 s speech"),
            ["yes", "<=1.00", "0.93"]
        );
        // Encoding is held to its real target, 2% of real time: 2.3% misses it.
        assert_eq!(cells("Opus encode time"), ["NO", "<=1.00", "1.15"]);
        assert!(line("Opus encode time").contains("0.02 (target)"));
        assert!(!s.contains("cache ingest"));
    }
}
