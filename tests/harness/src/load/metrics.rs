//! The figures a load run collects while it runs: latency histograms by kind, message
//! latencies second by second, errors by kind, and counters.

use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Collected figures.
#[derive(Default)]
pub(super) struct Metrics {
    pub(super) histograms: Mutex<BTreeMap<&'static str, Histogram<u64>>>,
    /// Second since start → message latencies in that second.
    pub(super) timeline: Mutex<BTreeMap<u64, Histogram<u64>>>,
    pub(super) errors: Mutex<BTreeMap<String, u64>>,
    pub(super) connected: AtomicU64,
    pub(super) requests: AtomicU64,
    pub(super) sessions: AtomicU64,
    pub(super) messages: AtomicU64,
    pub(super) busy: AtomicU64,
    /// Online lists decoded by all users together (seed 001 sends the whole list to every
    /// socket on each presence change: the fan-out that bounds this server).
    pub(super) presence_lists: AtomicU64,
}

impl Metrics {
    pub(super) fn record(&self, kind: &'static str, d: Duration, start: Instant) {
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

    pub(super) fn error(&self, kind: impl Into<String>) {
        *self
            .errors
            .lock()
            .expect("errors")
            .entry(kind.into())
            .or_insert(0) += 1;
    }
}

pub(super) fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid bounds")
}
