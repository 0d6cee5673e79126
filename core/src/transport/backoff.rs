//! Reconnection delays, computed exactly as socket.io-client 4 does (its `backo2` port):
//! `min * 2^attempt`, randomized by ±`jitter`, capped at `max`.

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Reconnection policy. The defaults are socket.io-client's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BackoffPolicy {
    /// First delay in milliseconds (socket.io-client `reconnectionDelay`, 1000).
    pub min_ms: u64,
    /// Largest delay in milliseconds (`reconnectionDelayMax`, 5000).
    pub max_ms: u64,
    /// Randomization factor in 0..=1 (`randomizationFactor`, 0.5).
    pub jitter: f64,
    /// Give up after this many failed tries in a row; `None` tries forever (the default).
    pub max_attempts: Option<u32>,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            min_ms: 1000,
            max_ms: 5000,
            jitter: 0.5,
            max_attempts: None,
        }
    }
}

impl BackoffPolicy {
    /// Delay before try number `attempt` (0-based), drawing randomness from `rng`.
    pub fn delay_with<R: Rng + ?Sized>(&self, attempt: u32, rng: &mut R) -> Duration {
        let base = (self.min_ms as f64) * 2f64.powi(attempt.min(62) as i32);
        let jitter = self.jitter.clamp(0.0, 1.0);
        let ms = if jitter > 0.0 {
            let r: f64 = rng.random();
            let deviation = (r * jitter * base).floor();
            // backo2 picks the sign from the same draw: even tenths subtract, odd ones add.
            if ((r * 10.0).floor() as u64) & 1 == 0 {
                base - deviation
            } else {
                base + deviation
            }
        } else {
            base
        };
        Duration::from_millis(ms.min(self.max_ms as f64).max(0.0) as u64)
    }

    /// Delay before try number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        self.delay_with(attempt, &mut rand::rng())
    }

    /// True when `failed` tries in a row exhaust the policy.
    pub fn exhausted(&self, failed: u32) -> bool {
        self.max_attempts.is_some_and(|max| failed >= max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn grows_doubles_and_caps_without_jitter() {
        let p = BackoffPolicy {
            jitter: 0.0,
            ..Default::default()
        };
        let ms: Vec<u64> = (0..5).map(|a| p.delay(a).as_millis() as u64).collect();
        assert_eq!(ms, vec![1000, 2000, 4000, 5000, 5000]);
    }

    #[test]
    fn jitter_stays_within_half_either_way() {
        let p = BackoffPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        let mut below = 0;
        let mut above = 0;
        for _ in 0..1000 {
            let d = p.delay_with(0, &mut rng).as_millis() as u64;
            assert!((500..=1500).contains(&d), "{d}");
            if d < 1000 {
                below += 1
            } else if d > 1000 {
                above += 1
            }
        }
        assert!(
            below > 300 && above > 300,
            "both signs drawn: {below} {above}"
        );
        for _ in 0..100 {
            assert!(p.delay_with(10, &mut rng).as_millis() as u64 <= 5000);
        }
    }

    #[test]
    fn exhaustion_follows_max_attempts() {
        let forever = BackoffPolicy::default();
        assert!(!forever.exhausted(1_000_000));
        let three = BackoffPolicy {
            max_attempts: Some(3),
            ..Default::default()
        };
        assert!(!three.exhausted(2));
        assert!(three.exhausted(3));
    }
}
