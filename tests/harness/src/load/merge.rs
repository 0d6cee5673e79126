//! `parlor load-merge`: the reports of a run's shards combined into one report and picture,
//! as if one process had run the whole population. Histograms are added (exact percentiles,
//! not averages of percentiles); timelines are aligned by each shard's start time; counters
//! and errors are summed.

use super::codec::{decode, encode};
use super::metrics::new_histogram;
use super::model::{Report, Second, TIMED};
use super::report::{latencies_of, summary};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;

/// One report of the shards' `reports` (each shard of one run exactly once).
pub fn merge(reports: &[Report]) -> Result<Report, String> {
    let first = reports.first().ok_or("no reports to merge")?;
    let count = first
        .shard
        .map(|s| s.count)
        .ok_or("the first report is not a shard's (run `parlor load --shard I/N`)")?;
    let scenario = serde_json::to_value(&first.scenario).map_err(|e| e.to_string())?;
    let mut seen = vec![false; count as usize];
    for r in reports {
        let shard = r.shard.ok_or("a report is not a shard's")?;
        if shard.count != count {
            return Err(format!(
                "shards of {count} and of {} cannot merge",
                shard.count
            ));
        }
        if serde_json::to_value(&r.scenario).map_err(|e| e.to_string())? != scenario {
            return Err("the shards ran different scenarios".into());
        }
        let slot = &mut seen[shard.index as usize];
        if *slot {
            return Err(format!("shard {} of {count} is given twice", shard.index));
        }
        *slot = true;
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(format!("shard {missing} of {count} is missing"));
    }

    let start = reports.iter().map(|r| r.started_unix_ms).min().unwrap_or(0);
    let offset = |r: &Report| (r.started_unix_ms - start + 500) / 1000;
    let mut histograms = BTreeMap::<String, Histogram<u64>>::new();
    let mut per_second = BTreeMap::<(String, u64), Histogram<u64>>::new();
    let mut rows = BTreeMap::<u64, Second>::new();
    let mut errors = BTreeMap::<String, u64>::new();
    let last = reports
        .iter()
        .map(|r| offset(r) + r.timeline.last().map_or(0, |s| s.second))
        .max()
        .unwrap_or(0);
    for r in reports {
        for (kind, text) in &r.histograms {
            add(&mut histograms, kind.clone(), text)?;
        }
        for (kind, n) in &r.errors {
            *errors.entry(kind.clone()).or_insert(0) += n;
        }
        let o = offset(r);
        let mut connected = 0;
        let mut by_second = r.timeline.iter().peekable();
        // Every merged second, so that a shard's clients count until its timeline ends.
        for t in 0..=last {
            let row = rows.entry(t).or_insert_with(|| Second {
                second: t,
                ..Second::default()
            });
            if let Some(s) = by_second.next_if(|s| s.second + o == t) {
                connected = s.connected;
                row.presence_lists += s.presence_lists;
                row.errors += s.errors;
                row.generator_cores += s.generator_cores;
                row.server_loop = match (row.server_loop, s.server_loop) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                for (kind, text) in &s.histograms {
                    add(&mut per_second, (kind.clone(), t), text)?;
                }
            }
            if t >= o {
                row.connected += connected;
            }
        }
    }
    for row in rows.values_mut() {
        for kind in TIMED {
            if let Some(h) = per_second.get(&(kind.to_owned(), row.second)) {
                row.latency.insert(kind.to_owned(), summary(h));
                row.histograms.insert(kind.to_owned(), encode(h));
            }
        }
        row.messages = row.latency.get("message").map_or(0, |l| l.count);
    }
    let connected: u64 = reports.iter().map(|r| r.connected).sum();
    let sum = |f: fn(&Report) -> u64| reports.iter().map(f).sum::<u64>();
    Ok(Report {
        scenario: first.scenario.clone(),
        shard: None,
        merged_from: count,
        started_unix_ms: start,
        connected,
        requests: sum(|r| r.requests),
        sessions: sum(|r| r.sessions),
        messages: sum(|r| r.messages),
        busy_refusals: sum(|r| r.busy_refusals),
        late_answers: sum(|r| r.late_answers),
        errors,
        latencies: latencies_of(&histograms),
        presence_lists: sum(|r| r.presence_lists),
        rss_per_client_bytes: reports
            .iter()
            .map(|r| r.rss_per_client_bytes.saturating_mul(r.connected))
            .fold(0u64, u64::saturating_add)
            / connected.max(1),
        rss_peak_bytes: sum(|r| r.rss_peak_bytes),
        wall_secs: reports
            .iter()
            .map(|r| offset(r) as f64 + r.wall_secs)
            .fold(0.0, f64::max),
        histograms: histograms
            .iter()
            .map(|(k, h)| (k.clone(), encode(h)))
            .collect(),
        timeline: rows.into_values().collect(),
    })
}

fn add<K: Ord>(into: &mut BTreeMap<K, Histogram<u64>>, key: K, text: &str) -> Result<(), String> {
    let h = decode(text)?;
    into.entry(key)
        .or_insert_with(new_histogram)
        .add(&h)
        .map_err(|e| format!("histograms do not add: {e:?}"))
}
