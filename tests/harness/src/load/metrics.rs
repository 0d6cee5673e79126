//! The figures a load run collects while it runs: latency histograms by kind, the same second
//! by second, errors by kind and by second, and counters.

use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Collected figures.
pub(super) struct Metrics {
    start: Instant,
    pub(super) histograms: Mutex<BTreeMap<&'static str, Histogram<u64>>>,
    /// (kind, second since start) → the latencies of that kind in that second.
    pub(super) timeline: Mutex<BTreeMap<(&'static str, u64), Histogram<u64>>>,
    pub(super) errors: Mutex<BTreeMap<String, u64>>,
    /// Second since start → errors in that second.
    pub(super) errors_by_second: Mutex<BTreeMap<u64, u64>>,
    pub(super) connected: AtomicU64,
    pub(super) requests: AtomicU64,
    pub(super) sessions: AtomicU64,
    pub(super) messages: AtomicU64,
    pub(super) busy: AtomicU64,
    /// Experts' answers that came after the session had moved on (expired or withdrawn).
    pub(super) late_answers: AtomicU64,
    /// Online lists decoded by all users together (seed 001 sends the whole list to every
    /// socket on each presence change: the fan-out that bounds this server).
    pub(super) presence_lists: AtomicU64,
}

impl Metrics {
    /// Figures of a run that started at `start`.
    pub(super) fn new(start: Instant) -> Metrics {
        Metrics {
            start,
            histograms: Mutex::default(),
            timeline: Mutex::default(),
            errors: Mutex::default(),
            errors_by_second: Mutex::default(),
            connected: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            sessions: AtomicU64::new(0),
            messages: AtomicU64::new(0),
            busy: AtomicU64::new(0),
            late_answers: AtomicU64::new(0),
            presence_lists: AtomicU64::new(0),
        }
    }

    fn second(&self) -> u64 {
        self.start.elapsed().as_secs()
    }

    pub(super) fn record(&self, kind: &'static str, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1);
        let mut h = self.histograms.lock().expect("metrics");
        let hist = h.entry(kind).or_insert_with(new_histogram);
        let _ = hist.record(us.min(hist.high()));
        drop(h);
        let second = self.second();
        let mut t = self.timeline.lock().expect("timeline");
        let hist = t.entry((kind, second)).or_insert_with(new_histogram);
        let _ = hist.record(us.min(hist.high()));
    }

    pub(super) fn error(&self, kind: impl Into<String>) {
        *self
            .errors
            .lock()
            .expect("errors")
            .entry(kind.into())
            .or_insert(0) += 1;
        let second = self.second();
        *self
            .errors_by_second
            .lock()
            .expect("errors")
            .entry(second)
            .or_insert(0) += 1;
    }
}

pub(super) fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid bounds")
}
