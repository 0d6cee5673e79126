use super::codec::{decode, encode};
use super::metrics::new_histogram;
use super::*;

#[test]
fn pauses_parse_as_ranges_or_single_values() {
    assert_eq!(parse_ms_range("1500-3500"), Ok((1500, 3500)));
    assert_eq!(parse_ms_range(" 2000 "), Ok((2000, 2000)));
    assert!(parse_ms_range("3500-1500").unwrap_err().contains("larger"));
    assert!(parse_ms_range("fast").unwrap_err().contains("not a number"));
    assert!(parse_ms_range("-5").is_err());
}

fn histogram_of(values_us: &[u64]) -> Histogram<u64> {
    let mut h = new_histogram();
    for v in values_us {
        h.record(*v).unwrap();
    }
    h
}

#[test]
fn timeline_rows_are_per_second_with_list_deltas_errors_and_gaps_filled() {
    // Samples at seconds 0, 1 and 3 (second 2 missed by a stalled monitor).
    let samples = BTreeMap::from([(0, (2, 2)), (1, (5, 9)), (3, (5, 30))]);
    let per_second = BTreeMap::from([
        (("message".to_owned(), 1), histogram_of(&[4_000, 6_000])),
        (("session_start".to_owned(), 3), histogram_of(&[20_000])),
    ]);
    let errors = BTreeMap::from([(2, 3)]);
    let usage = BTreeMap::from([(
        1,
        super::usage::Usage {
            generator_cores: 0.5,
            server_loop: Some(0.25),
        },
    )]);
    let rows = timeline_of(&samples, &per_second, &errors, &usage);
    assert_eq!(
        (rows[1].generator_cores, rows[1].server_loop),
        (0.5, Some(0.25))
    );
    assert_eq!((rows[2].generator_cores, rows[2].server_loop), (0.0, None));
    let seconds: Vec<u64> = rows.iter().map(|r| r.second).collect();
    assert_eq!(seconds, vec![0, 1, 2, 3]);
    let connected: Vec<u64> = rows.iter().map(|r| r.connected).collect();
    assert_eq!(connected, vec![2, 5, 5, 5]);
    let lists: Vec<u64> = rows.iter().map(|r| r.presence_lists).collect();
    assert_eq!(lists, vec![2, 7, 0, 21]);
    let errs: Vec<u64> = rows.iter().map(|r| r.errors).collect();
    assert_eq!(errs, vec![0, 0, 3, 0]);
    assert_eq!(rows[1].messages, 2);
    let m = rows[1].latency["message"];
    assert!((3_990..=4_010).contains(&m.p50_us));
    assert!((5_990..=6_010).contains(&m.p99_us));
    assert_eq!(rows[3].latency["session_start"].count, 1);
    assert!(rows[2].latency.is_empty() && rows[2].messages == 0);
}

#[test]
fn shards_split_the_population_and_read_their_index() {
    let shards: Vec<Shard> = (0..3).map(|i| Shard::new(i, 3).unwrap()).collect();
    // Every user in exactly one shard.
    for k in 1..=10 {
        assert_eq!(shards.iter().filter(|s| s.takes(k)).count(), 1, "user {k}");
    }
    assert!(shards[0].takes(1) && shards[1].takes(2) && shards[0].takes(4));
    assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
    assert!(Shard::parse("8/8").is_err() && Shard::parse("1-2").is_err());
    assert!(Shard::parse("0/0").is_err());
    assert_eq!(
        Shard::from_job_index(4, Some("3")),
        Ok(Shard { index: 3, count: 4 })
    );
    assert!(Shard::from_job_index(4, None)
        .unwrap_err()
        .contains("JOB_COMPLETION_INDEX"));
    assert!(Shard::from_job_index(4, Some("x")).is_err());
}

#[test]
fn histograms_survive_the_report() {
    let h = histogram_of(&[1, 500, 70_000, 3_000_000]);
    let back = decode(&encode(&h)).unwrap();
    assert_eq!(back.len(), 4);
    assert_eq!(back.value_at_quantile(0.99), h.value_at_quantile(0.99));
    assert!(decode("not base64!").is_err());
}

/// A shard's report: `messages_us` in its second 1, `connected` clients, started at `at_ms`.
fn shard_report(index: u32, at_ms: u64, connected: u64, messages_us: &[u64]) -> Report {
    let h = histogram_of(messages_us);
    let mut second1 = Second {
        second: 1,
        connected,
        presence_lists: 10,
        errors: index as u64,
        generator_cores: 0.5,
        server_loop: Some(0.2 + index as f64 / 10.0),
        ..Second::default()
    };
    second1
        .latency
        .insert("message".into(), report::summary(&h));
    second1.histograms.insert("message".into(), encode(&h));
    second1.messages = h.len();
    Report {
        scenario: Scenario::default(),
        shard: Some(Shard { index, count: 2 }),
        merged_from: 1,
        started_unix_ms: at_ms,
        connected,
        requests: 5,
        sessions: 2,
        messages: h.len(),
        busy_refusals: 1,
        late_answers: u64::from(index) + 2,
        errors: BTreeMap::from([("message:timeout".to_owned(), index as u64 + 1)]),
        latencies: vec![],
        presence_lists: 10,
        rss_per_client_bytes: 1000 * (index as u64 + 1),
        rss_peak_bytes: 1 << 20,
        wall_secs: 2.0,
        histograms: BTreeMap::from([("message".to_owned(), encode(&h))]),
        timeline: vec![
            Second {
                second: 0,
                connected: connected / 2,
                ..Second::default()
            },
            second1,
        ],
    }
}

#[test]
fn a_report_from_before_late_answers_were_counted_still_reads() {
    let mut old = serde_json::to_value(shard_report(0, 1_000_000, 10, &[1_000])).unwrap();
    old.as_object_mut().unwrap().remove("late_answers");
    let read: Report = serde_json::from_value(old).unwrap();
    assert_eq!((read.late_answers, read.busy_refusals), (0, 1));
}

#[test]
fn a_merge_adds_the_shards_as_one_run() {
    // Shard 1 started a second after shard 0: its seconds shift by one.
    let a = shard_report(0, 1_000_000, 10, &[1_000, 2_000, 3_000]);
    let b = shard_report(1, 1_001_000, 20, &[50_000]);
    let m = merge(&[a.clone(), b.clone()]).unwrap();
    assert_eq!((m.merged_from, m.shard), (2, None));
    assert_eq!((m.connected, m.requests, m.messages), (30, 10, 4));
    assert_eq!(m.errors["message:timeout"], 3);
    assert_eq!((m.busy_refusals, m.late_answers), (2, 2 + 3));
    // Exact percentiles of all four round trips, not an average of the shards'.
    let message = m.latencies.iter().find(|l| l.kind == "message").unwrap();
    assert_eq!(message.count, 4);
    assert!((49_000..=51_000).contains(&message.p99_us), "{message:?}");
    assert!((1_990..=2_010).contains(&message.p50_us), "{message:?}");
    // The timeline: seconds 0..=2; shard 1's second 1 is the merged second 2.
    let rows: Vec<(u64, u64, u64)> = m
        .timeline
        .iter()
        .map(|s| (s.second, s.connected, s.messages))
        .collect();
    assert_eq!(rows, vec![(0, 5, 0), (1, 10 + 10, 3), (2, 10 + 20, 1)]);
    assert_eq!(m.timeline[2].errors, 1);
    // Second 1 holds shard 0's second 1 only; each shard's CPU adds, the server's busiest counts.
    assert_eq!(
        (m.timeline[1].generator_cores, m.timeline[1].server_loop),
        (0.5, Some(0.2))
    );
    assert!((m.timeline[2].server_loop.unwrap() - 0.3).abs() < 1e-9);
    // Weighted memory per client: (1000·10 + 2000·20) / 30.
    assert_eq!(m.rss_per_client_bytes, 1666);
    assert_eq!(m.wall_secs, 3.0);

    // Wrong sets of shards are refused, not merged.
    assert!(merge(std::slice::from_ref(&a))
        .unwrap_err()
        .contains("shard 1 of 2 is missing"));
    assert!(merge(&[a.clone(), a.clone()])
        .unwrap_err()
        .contains("twice"));
    let mut whole = a.clone();
    whole.shard = None;
    assert!(merge(&[whole]).is_err());
    let mut other = b;
    other.scenario.users += 1;
    assert!(merge(&[a, other])
        .unwrap_err()
        .contains("different scenarios"));
    assert!(merge(&[]).is_err());
}

#[test]
fn the_picture_draws_a_merged_run() {
    let a = shard_report(0, 1_000_000, 10, &[1_000, 2_000, 3_000]);
    let b = shard_report(1, 1_001_000, 20, &[50_000]);
    let m = merge(&[a, b]).unwrap();
    let dir = std::env::temp_dir().join(format!("parlor-load-picture-{}", std::process::id()));
    write(&m, &dir).unwrap();
    let svg = std::fs::read_to_string(dir.join("load-latency.svg")).unwrap();
    for text in [
        "latency over time",
        "message round trip p99",
        "request p50",
        "errors / s",
        "generator CPU (cores)",
        "server event loop busy",
        "4 round trips",
    ] {
        assert!(svg.contains(text), "{text} missing from the picture");
    }
    let back = read(&dir.join("load-report.json")).unwrap();
    assert_eq!(back.messages, 4);
    let _ = std::fs::remove_dir_all(dir);
}
