//! Call history in the cache: every call this account took part in, with its outcome,
//! duration and coins, upserted as the call moves on.

use crate::model::{CallMedia, CallPhase, CallRecord, CallRole, CallSnapshot, Money};
use crate::ranges;
use crate::store::quarantine::{self, Quarantined};
use crate::store::{Store, StoreError};
use rusqlite::{params, OptionalExtension};
use rust_decimal::Decimal;
use std::str::FromStr;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn role_text(r: CallRole) -> &'static str {
    r.as_str()
}

fn media_text(m: CallMedia) -> &'static str {
    m.as_str()
}

/// Records the snapshot of a call that has an id (calls that failed before the server gave
/// one are not history). Returns whether a row was written.
pub fn record(store: &Store, call: &CallSnapshot) -> Result<bool, StoreError> {
    let (Some(id), Some(role)) = (&call.call_id, call.role) else {
        return Ok(false);
    };
    let reason = match &call.phase {
        CallPhase::Failed { reason } => Some(reason.clone()),
        _ => None,
    };
    let now = now_ms();
    store.write(|tx| {
        tx.execute(
            "INSERT INTO call_history (call_id, role, media, peer_id, peer_name, outcome, reason,
                 duration_secs, coins, coins_unit, ended_by, started_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
             ON CONFLICT(call_id) DO UPDATE SET
                 media = COALESCE(excluded.media, media),
                 peer_id = COALESCE(excluded.peer_id, peer_id),
                 peer_name = COALESCE(excluded.peer_name, peer_name),
                 outcome = excluded.outcome,
                 reason = excluded.reason,
                 duration_secs = COALESCE(excluded.duration_secs, duration_secs),
                 coins = COALESCE(excluded.coins, coins),
                 coins_unit = COALESCE(excluded.coins_unit, coins_unit),
                 ended_by = COALESCE(excluded.ended_by, ended_by),
                 updated_at = excluded.updated_at",
            params![
                id,
                role_text(role),
                call.media.map(media_text),
                call.peer.as_ref().map(|p| p.id.clone()),
                call.peer.as_ref().and_then(|p| p.name.clone()),
                call.phase.name(),
                reason,
                call.duration_secs.and_then(|d| i64::try_from(d).ok()),
                call.coins.as_ref().map(|c| c.amount.to_string()),
                call.coins.as_ref().and_then(|c| c.unit.clone()),
                call.ended_by,
                now,
            ],
        )?;
        Ok(true)
    })
}

const COLUMNS: &str = "call_id, role, media, peer_id, peer_name, outcome, reason, duration_secs,
     coins, coins_unit, ended_by, started_at";

type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    row_at(r, 0)
}

/// The columns of [`COLUMNS`] starting at index `base`.
fn row_at(r: &rusqlite::Row<'_>, base: usize) -> rusqlite::Result<Row> {
    Ok((
        r.get(base)?,
        r.get(base + 1)?,
        r.get(base + 2)?,
        r.get(base + 3)?,
        r.get(base + 4)?,
        r.get(base + 5)?,
        r.get(base + 6)?,
        r.get(base + 7)?,
        r.get(base + 8)?,
        r.get(base + 9)?,
        r.get(base + 10)?,
        r.get(base + 11)?,
    ))
}

/// A stored row as a record; unreadable values are `Corrupt`, never a panic.
fn record_of(row: Row) -> Result<CallRecord, StoreError> {
    let (id, role, media, peer_id, peer_name, outcome, reason, dur, coins, unit, by, at) = row;
    let role = match role.as_str() {
        "caller" => CallRole::Caller,
        "callee" => CallRole::Callee,
        other => return Err(StoreError::Corrupt(format!("call role {other:?}"))),
    };
    let media = match media.as_deref() {
        None => None,
        Some("audio") => Some(CallMedia::Audio),
        Some("video") => Some(CallMedia::Video),
        Some(other) => return Err(StoreError::Corrupt(format!("call media {other:?}"))),
    };
    let coins = coins
        .map(|c| {
            Decimal::from_str(&c)
                .map(|amount| Money { amount, unit })
                .map_err(|e| StoreError::Corrupt(format!("call coins {c:?}: {e}")))
        })
        .transpose()?;
    if let Some(c) = &coins {
        ranges::check_amount("coins", c).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    }
    let duration_secs = dur
        .map(|d| {
            u64::try_from(d)
                .map_err(|_| StoreError::Corrupt(format!("call duration {d}")))
                .and_then(|s| {
                    ranges::check_call_seconds("duration_secs", s)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))
                })
        })
        .transpose()?;
    Ok(CallRecord {
        call_id: id,
        role,
        media,
        peer_id,
        peer_name,
        outcome,
        reason,
        duration_secs,
        coins,
        ended_by: by,
        started_at: at,
    })
}

/// The newest `limit` calls, newest first. A row that cannot be read back (a value of the wrong
/// type, figures out of [`crate::ranges`]) is quarantined and left out; the rest is listed.
pub fn list(store: &Store, limit: u32) -> Result<Vec<CallRecord>, StoreError> {
    list_reporting(store, limit).map(|(calls, _)| calls)
}

/// [`list`], with the rows it quarantined.
pub fn list_reporting(
    store: &Store,
    limit: u32,
) -> Result<(Vec<CallRecord>, Vec<Quarantined>), StoreError> {
    let sql = format!(
        "SELECT rowid, {COLUMNS} FROM call_history ORDER BY started_at DESC, rowid DESC LIMIT {limit}"
    );
    quarantine::load_tolerantly(store, "call_history", &sql, |r| {
        let fields = row_at(r, 1).map_err(|e| e.to_string())?;
        record_of(fields).map_err(|e| e.to_string())
    })
}

/// One call by id.
pub fn get(store: &Store, call_id: &str) -> Result<Option<CallRecord>, StoreError> {
    store.read(|c| {
        c.query_row(
            &format!("SELECT {COLUMNS} FROM call_history WHERE call_id = ?1"),
            [call_id],
            row,
        )
        .optional()?
        .map(record_of)
        .transpose()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LiveKitGrant, Party};

    fn temp_store() -> (Store, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("parlor-calls-{}", uuid::Uuid::new_v4()));
        (Store::open(&dir.join("cache.db")).unwrap(), dir)
    }

    #[test]
    fn records_a_call_as_it_moves_on_and_keeps_the_summary() {
        let (store, dir) = temp_store();
        let mut call = CallSnapshot {
            call_id: Some("c1".into()),
            phase: CallPhase::Ringing,
            role: Some(CallRole::Caller),
            media: Some(CallMedia::Video),
            peer: Some(Party {
                id: "tc".into(),
                name: Some("Jane Smith".into()),
                ..Party::default()
            }),
            ..CallSnapshot::default()
        };
        assert!(record(&store, &call).unwrap());
        call.phase = CallPhase::Accepted;
        call.livekit = Some(LiveKitGrant {
            url: "u".into(),
            token: "t".into(),
            room: "c1".into(),
        });
        record(&store, &call).unwrap();
        call.phase = CallPhase::Ended;
        call.duration_secs = Some(65);
        call.coins = Some(Money::with_unit(12.into(), "coins"));
        call.ended_by = Some("USER".into());
        record(&store, &call).unwrap();
        // A later snapshot without the summary does not erase it.
        call.coins = None;
        record(&store, &call).unwrap();
        let got = get(&store, "c1").unwrap().unwrap();
        assert_eq!(got.outcome, "ended");
        assert_eq!(got.duration_secs, Some(65));
        assert_eq!(got.coins, Some(Money::with_unit(12.into(), "coins")));
        assert_eq!(got.peer_name.as_deref(), Some("Jane Smith"));
        assert_eq!(got.media, Some(CallMedia::Video));
        // Calls without an id are not history.
        assert!(!record(&store, &CallSnapshot::default()).unwrap());
        let failed = CallSnapshot {
            call_id: Some("c2".into()),
            phase: CallPhase::Failed {
                reason: "why".into(),
            },
            role: Some(CallRole::Callee),
            ..CallSnapshot::default()
        };
        record(&store, &failed).unwrap();
        let all = list(&store, 10).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].call_id, "c2", "newest first");
        assert_eq!(all[0].reason.as_deref(), Some("why"));
        assert_eq!(list(&store, 1).unwrap().len(), 1);
        assert!(get(&store, "nope").unwrap().is_none());
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn unreadable_rows_are_quarantined_and_the_rest_is_listed() {
        let (store, dir) = temp_store();
        store
            .write(|tx| {
                tx.execute_batch(
                    "INSERT INTO call_history (call_id, role, outcome, coins, started_at, updated_at)
                     VALUES ('x', 'pilot', 'ended', 'lots', 1, 1);
                     INSERT INTO call_history (call_id, role, outcome, duration_secs, started_at, updated_at)
                     VALUES ('neg', 'caller', 'ended', -5, 2, 2);
                     INSERT INTO call_history (call_id, role, outcome, duration_secs, started_at, updated_at)
                     VALUES ('long', 'caller', 'ended', 9000000000, 3, 3);
                     INSERT INTO call_history (call_id, role, outcome, started_at, updated_at)
                     VALUES ('typed', 'caller', 'ended', 'yesterday', 4);
                     INSERT INTO call_history (call_id, role, outcome, duration_secs, coins, started_at, updated_at)
                     VALUES ('ok', 'callee', 'ended', 65, '12', 5, 5);",
                )?;
                Ok(())
            })
            .unwrap();
        let (calls, moved) = list_reporting(&store, 50).unwrap();
        assert_eq!(
            calls.iter().map(|c| c.call_id.as_str()).collect::<Vec<_>>(),
            vec!["ok"]
        );
        assert_eq!(moved.len(), 4, "{moved:?}");
        assert!(
            get(&store, "x").unwrap().is_none(),
            "moved out of the table"
        );
        assert_eq!(list(&store, 50).unwrap().len(), 1, "and stays out");
        assert_eq!(quarantine::list(&store).unwrap().len(), 4);
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
