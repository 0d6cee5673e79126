//! Where a run's time goes, second by second: this process's CPU (in cores) and the server's
//! event-loop utilization (0 to 1, from the reference servers' `GET /debug/loop`), so that the
//! picture tells whether the generator or the server limits a run.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One second's usage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Usage {
    /// CPU this process used, in cores (1.0 = one core busy all second).
    pub(super) generator_cores: f64,
    /// How busy the server's event loop was, 0 to 1; absent when the server does not say.
    pub(super) server_loop: Option<f64>,
}

/// Samples the generator's CPU as the run's monitor ticks, and the server's event loop from a
/// task of its own (a saturated server answers late: the monitor must not wait for it).
pub(super) struct UsageProbe {
    start: Instant,
    last: (u64, Instant, f64),
    cores: BTreeMap<u64, f64>,
    server: Arc<Mutex<BTreeMap<u64, f64>>>,
    asking: tokio::task::JoinHandle<()>,
}

impl UsageProbe {
    /// Starts asking `server_url` once a second, with seconds counted from `start`.
    pub(super) fn new(server_url: &str, start: Instant) -> UsageProbe {
        let server = Arc::new(Mutex::new(BTreeMap::new()));
        let asking = tokio::spawn(ask_server(
            format!("{}/debug/loop", server_url.trim_end_matches('/')),
            start,
            server.clone(),
        ));
        UsageProbe {
            start,
            last: (0, Instant::now(), cpu_seconds()),
            cores: BTreeMap::new(),
            server,
            asking,
        }
    }

    /// Notes the CPU used since the last call, spread over the seconds it covers (a monitor
    /// that was itself held up does not leave seconds at zero).
    pub(super) fn sample(&mut self) {
        let elapsed = self.last.1.elapsed();
        if elapsed < Duration::from_secs(1) {
            return;
        }
        let cpu = cpu_seconds();
        let cores = (cpu - self.last.2).max(0.0) / elapsed.as_secs_f64();
        let second = self.start.elapsed().as_secs();
        for s in self.last.0..=second {
            self.cores.insert(s, cores);
        }
        self.last = (second + 1, Instant::now(), cpu);
    }

    /// Each second's usage, once the run is over.
    pub(super) fn finish(self) -> BTreeMap<u64, Usage> {
        self.asking.abort();
        let server = self.server.lock().expect("usage").clone();
        self.cores
            .iter()
            .map(|(s, c)| {
                let usage = Usage {
                    generator_cores: *c,
                    server_loop: server.get(s).copied(),
                };
                (*s, usage)
            })
            .collect()
    }
}

/// Asks the server once a second how busy its event loop was since the last ask. An answer
/// that takes over a second counts as a busy loop (1.0: it had no time to answer a trivial
/// request); a server that answers something else (not a reference server) is not asked again.
async fn ask_server(url: String, start: Instant, into: Arc<Mutex<BTreeMap<u64, f64>>>) {
    let http = reqwest::Client::new();
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let second = start.elapsed().as_secs().saturating_sub(1);
        let answer = http.get(&url).timeout(Duration::from_secs(1)).send().await;
        let utilization = match answer {
            Err(e) if e.is_timeout() => 1.0,
            Err(_) => continue,
            Ok(r) => match r.error_for_status() {
                Err(_) => return,
                Ok(r) => match r.json::<serde_json::Value>().await {
                    Ok(body) => match body["utilization"].as_f64() {
                        Some(u) if u.is_finite() => u.clamp(0.0, 1.0),
                        _ => return,
                    },
                    Err(e) if e.is_timeout() => 1.0,
                    Err(_) => return,
                },
            },
        };
        into.lock().expect("usage").insert(second, utilization);
    }
}

/// CPU time this process has used (user and system), seconds (Linux: /proc/self/stat counts in
/// USER_HZ, 100 a second).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_cpu_time_grows_with_work() {
        let before = super::cpu_seconds();
        let mut x = 0u64;
        let until = std::time::Instant::now() + std::time::Duration::from_millis(300);
        while std::time::Instant::now() < until {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        assert!(x != 1);
        assert!(super::cpu_seconds() - before >= 0.1);
    }
}
