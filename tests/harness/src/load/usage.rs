//! Where a run's time goes, second by second: this process's CPU (in cores) and the server's
//! event-loop utilization (0 to 1, from the reference servers' `GET /debug/loop`), so that the
//! picture tells whether the generator or the server limits a run.

use std::time::{Duration, Instant};

/// One second's usage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Usage {
    /// CPU this process used, in cores (1.0 = one core busy all second).
    pub(super) generator_cores: f64,
    /// How busy the server's event loop was, 0 to 1; absent when the server does not say.
    pub(super) server_loop: Option<f64>,
}

/// Samples [`Usage`] at most once a second.
pub(super) struct UsageProbe {
    http: reqwest::Client,
    loop_url: String,
    last: (Instant, f64),
    /// False once the server answered something else than a utilization (not ours).
    server_says: bool,
}

impl UsageProbe {
    pub(super) fn new(server_url: &str) -> UsageProbe {
        UsageProbe {
            http: reqwest::Client::new(),
            loop_url: format!("{}/debug/loop", server_url.trim_end_matches('/')),
            last: (Instant::now(), cpu_seconds()),
            server_says: true,
        }
    }

    /// The usage since the last sample, once a second has passed.
    pub(super) async fn sample(&mut self) -> Option<Usage> {
        let elapsed = self.last.0.elapsed();
        if elapsed < Duration::from_secs(1) {
            return None;
        }
        let cpu = cpu_seconds();
        let generator_cores = (cpu - self.last.1).max(0.0) / elapsed.as_secs_f64();
        self.last = (Instant::now(), cpu);
        let server_loop = if self.server_says {
            let got = self.server_loop().await;
            self.server_says = got.is_some();
            got
        } else {
            None
        };
        Some(Usage {
            generator_cores,
            server_loop,
        })
    }

    async fn server_loop(&self) -> Option<f64> {
        let answer = self
            .http
            .get(&self.loop_url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .ok()?;
        let body: serde_json::Value = answer.error_for_status().ok()?.json().await.ok()?;
        body["utilization"].as_f64().filter(|u| u.is_finite())
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
