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
