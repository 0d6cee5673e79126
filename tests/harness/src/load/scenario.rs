//! What a load run does: the scenario (flags or a TOML file with the same field names), and
//! the parsing of its command-line pauses and its file.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A load scenario: flags, or a TOML file with the same field names.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Simulated users.
    pub users: usize,
    /// Simulated experts (the 001 server broadcasts the whole online list to every socket on
    /// each presence change, so keep them a realistic fraction of the users).
    pub experts: usize,
    /// Seconds over which clients connect.
    pub ramp_secs: u64,
    /// Seconds the scenario runs after the ramp.
    pub duration_secs: u64,
    /// Messages per side in a session.
    pub messages_per_session: usize,
    /// Pause between a user's messages, ms (uniform between the two).
    pub message_gap_ms: (u64, u64),
    /// A user's pause between sessions or after a busy expert, ms.
    pub think_ms: (u64, u64),
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            users: 200,
            experts: 20,
            ramp_secs: 10,
            duration_secs: 30,
            messages_per_session: 3,
            message_gap_ms: (1500, 3500),
            think_ms: (3000, 10000),
        }
    }
}

/// Parses a pause in milliseconds for the command line: `1500-3500` (uniform between the
/// two) or `2000` (always that long).
pub fn parse_ms_range(text: &str) -> Result<(u64, u64), String> {
    let num = |t: &str| {
        t.trim()
            .parse::<u64>()
            .map_err(|_| format!("{t:?} is not a number of milliseconds"))
    };
    let (lo, hi) = match text.split_once('-') {
        Some((a, b)) => (num(a)?, num(b)?),
        None => {
            let v = num(text)?;
            (v, v)
        }
    };
    if lo > hi {
        return Err(format!(
            "{text:?}: the first bound is larger than the second"
        ));
    }
    Ok((lo, hi))
}

/// Reads a scenario file.
pub fn scenario_from_file(path: &PathBuf) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
