//! Quarantine: a stored row that cannot be loaded back (an unreadable value, a figure out of
//! the sane ranges of [`crate::ranges`]) is moved, whole and as JSON, into the `quarantine`
//! table, so the rest of the cache loads and the app starts. The move is reported (a log line,
//! and the loading service publishes it as a `protocol_error` with `wire_event` `cache`); the
//! row stays there for diagnosis.

use super::{Store, StoreError};
use rusqlite::types::ValueRef;
use serde_json::{Map, Value};

/// A row moved out of its table.
#[derive(Debug, Clone, PartialEq)]
pub struct Quarantined {
    /// The table it came from.
    pub table: String,
    /// Its rowid there.
    pub key: String,
    /// Why it could not be loaded.
    pub reason: String,
    /// Every column, as JSON (blobs as arrays of bytes).
    pub row: Value,
}

impl Quarantined {
    /// The report a service publishes: a `protocol_error` from the `cache`, carrying the row.
    pub fn event(&self) -> crate::event::DomainEvent {
        crate::event::DomainEvent::ProtocolError {
            wire_event: "cache".into(),
            reason: format!(
                "{} row {} could not be loaded and was quarantined: {}",
                self.table, self.key, self.reason
            ),
            raw: self.row.clone(),
        }
    }
}

fn json_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.to_string())),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::from(b.to_vec()),
    }
}

/// Moves the row `rowid` of `table` (one of this crate's tables, never user input) into the
/// quarantine with `reason`, in one transaction. Returns what was moved (`None`: no such row).
pub fn quarantine(
    store: &Store,
    table: &'static str,
    rowid: i64,
    reason: &str,
) -> Result<Option<Quarantined>, StoreError> {
    let moved = store.write(|tx| {
        let row = {
            let mut stmt = tx.prepare(&format!("SELECT * FROM {table} WHERE rowid = ?1"))?;
            let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
            let mut rows = stmt.query([rowid])?;
            match rows.next()? {
                None => return Ok(None),
                Some(r) => {
                    let mut obj = Map::new();
                    for (i, name) in names.iter().enumerate() {
                        obj.insert(name.clone(), json_of(r.get_ref(i)?));
                    }
                    Value::Object(obj)
                }
            }
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        tx.execute(
            "INSERT INTO quarantine (source, row_key, reason, row_json, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![table, rowid.to_string(), reason, row.to_string(), now],
        )?;
        tx.execute(&format!("DELETE FROM {table} WHERE rowid = ?1"), [rowid])?;
        Ok(Some(Quarantined {
            table: table.into(),
            key: rowid.to_string(),
            reason: reason.into(),
            row,
        }))
    })?;
    if let Some(q) = &moved {
        tracing::warn!(table = %q.table, row = %q.key, reason = %q.reason, "cache row quarantined");
    }
    Ok(moved)
}

/// Every quarantined row, oldest first.
pub fn list(store: &Store) -> Result<Vec<Quarantined>, StoreError> {
    store.read(|c| {
        let mut stmt =
            c.prepare("SELECT source, row_key, reason, row_json FROM quarantine ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            let json: String = r.get(3)?;
            Ok(Quarantined {
                table: r.get(0)?,
                key: r.get(1)?,
                reason: r.get(2)?,
                row: serde_json::from_str(&json).unwrap_or(Value::String(json)),
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    })
}

/// Loads every row of a query tolerantly: `read` turns one row into a value or the reason it
/// cannot be loaded; rows that cannot be loaded are quarantined by their rowid (the query's
/// first column) and the rest are returned, in order.
pub fn load_tolerantly<T>(
    store: &Store,
    table: &'static str,
    sql: &str,
    read: impl Fn(&rusqlite::Row<'_>) -> Result<T, String>,
) -> Result<(Vec<T>, Vec<Quarantined>), StoreError> {
    let (good, bad) = store.read(|c| {
        let mut stmt = c.prepare(sql)?;
        let mut rows = stmt.query([])?;
        let (mut good, mut bad) = (Vec::new(), Vec::new());
        while let Some(r) = rows.next()? {
            // The rowid itself may be all that is readable; a row without one cannot be named.
            let rowid: i64 = r.get(0)?;
            // A panic while reading one row (a bug) quarantines that row, not the app.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(r)))
                .unwrap_or_else(|_| Err("reading it panicked".into()));
            match outcome {
                Ok(v) => good.push(v),
                Err(reason) => bad.push((rowid, reason)),
            }
        }
        Ok((good, bad))
    })?;
    let mut moved = Vec::new();
    for (rowid, reason) in bad {
        match quarantine(store, table, rowid, &reason) {
            Ok(Some(q)) => moved.push(q),
            Ok(None) => {}
            // Read-only or full disk: the row is skipped this time and tried again next start.
            Err(e) => tracing::warn!(table, rowid, error = %e, reason, "cannot quarantine a row"),
        }
    }
    Ok((good, moved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_rows_move_to_the_quarantine_and_the_rest_loads() {
        let dir = std::env::temp_dir().join(format!("parlor-quarantine-{}", uuid::Uuid::new_v4()));
        let store = Store::open(&dir.join("c.sqlite3")).unwrap();
        store
            .write(|tx| {
                tx.execute_batch(
                    "INSERT INTO meta(key, value) VALUES ('a', '1'), ('b', 'two'), ('c', '3');",
                )?;
                Ok(())
            })
            .unwrap();
        let (good, moved) = load_tolerantly(
            &store,
            "meta",
            "SELECT rowid, key, value FROM meta ORDER BY key",
            |r| {
                let v: String = r.get(2).map_err(|e| e.to_string())?;
                v.parse::<i64>().map_err(|e| format!("value {v:?}: {e}"))
            },
        )
        .unwrap();
        assert_eq!(good, vec![1, 3]);
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].row["value"], "two");
        assert!(moved[0].reason.contains("two"));
        let kept = list(&store).unwrap();
        assert_eq!(kept, moved);
        let left: i64 = store
            .read(|c| Ok(c.query_row("SELECT count(*) FROM meta", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(left, 2, "the bad row left its table");
        assert!(matches!(
            moved[0].event(),
            crate::event::DomainEvent::ProtocolError { ref wire_event, .. } if wire_event == "cache"
        ));
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }
}
