//! Sharding a load run over several processes or machines: shard `i` of `n` runs the users
//! and experts whose number `k` (1-based) has `(k - 1) % n == i`, against one shared server,
//! and writes its own report; `parlor load-merge` combines the reports into one.

use serde::{Deserialize, Serialize};

/// Which part of the simulated population this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, from 0.
    pub index: u32,
    /// How many shards run together.
    pub count: u32,
}

impl Shard {
    /// The whole population in one process.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Reads `i/n` (`--shard 2/8`).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?}: a shard is written INDEX/COUNT, e.g. 0/4"))?;
        let num = |t: &str| {
            t.trim()
                .parse::<u32>()
                .map_err(|_| format!("{text:?}: {t:?} is not a whole number"))
        };
        Shard::new(num(i)?, num(n)?)
    }

    /// Shard `index` of `count`, checked.
    pub fn new(index: u32, count: u32) -> Result<Shard, String> {
        if count == 0 || index >= count {
            return Err(format!(
                "shard {index} of {count}: the index must be below the count"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Shard `JOB_COMPLETION_INDEX` of `count` (a Kubernetes Indexed Job gives each pod its
    /// index in that variable).
    pub fn from_job_index(count: u32, job_index: Option<&str>) -> Result<Shard, String> {
        let index = job_index
            .ok_or("--shards needs JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job)")?;
        let index = index
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("JOB_COMPLETION_INDEX={index:?} is not a whole number"))?;
        Shard::new(index, count)
    }

    /// Whether the `number`th user or expert (1-based) is this shard's.
    pub fn takes(&self, number: usize) -> bool {
        (number.saturating_sub(1) as u64) % u64::from(self.count) == u64::from(self.index)
    }
}
