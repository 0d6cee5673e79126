//! The 000 reference server's own ledger (its `PARLOR_STATE_FILE`, written after every billed
//! minute): what the server really billed, read without the client's decoder in the way.

use rust_decimal::Decimal;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One room as the server's ledger has it.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerRoom {
    /// Whole minutes billed.
    pub minutes: u64,
    /// Billed so far.
    pub cost: Decimal,
    /// Price per minute.
    pub rate: Decimal,
    /// pending, accepted, active, paused, ended …
    pub status: String,
}

/// The ledger file of one server run.
pub struct Ledger {
    file: PathBuf,
}

fn cents(v: &Value) -> Option<Decimal> {
    v.as_i64().map(|c| Decimal::new(c, 2))
}

impl Ledger {
    /// The ledger the server keeps in `file`.
    pub fn new(file: &Path) -> Ledger {
        Ledger {
            file: file.to_owned(),
        }
    }

    fn state(&self) -> Option<Value> {
        serde_json::from_str(&std::fs::read_to_string(&self.file).ok()?).ok()
    }

    /// `room` now, when the server has written it.
    pub fn room(&self, room: &str) -> Option<LedgerRoom> {
        let r = self.state()?.get("rooms")?.get(room)?.clone();
        Some(LedgerRoom {
            minutes: r["minutesBilled"].as_u64()?,
            cost: cents(&r["costCents"])?,
            rate: cents(&r["rateCents"])?,
            status: r["status"].as_str()?.to_owned(),
        })
    }

    /// A user's wallet now.
    pub fn wallet(&self, user: &str) -> Option<Decimal> {
        cents(self.state()?.get("wallets")?.get(user)?)
    }

    /// Waits (up to 5 s) until the ledger shows `room` satisfying `ok`: the server writes its
    /// ledger right after it sends the event the client reacts to.
    pub async fn wait_for(&self, room: &str, ok: impl Fn(&LedgerRoom) -> bool) -> LedgerRoom {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(r) = self.room(room).filter(|r| ok(r)) {
                return r;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the ledger never showed the expected state of {room}: {:?}",
                self.room(room)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
