//! Schema migrations: numbered `.sql` files compiled in, applied in order, each in its own
//! transaction, tracked by `PRAGMA user_version`. To change the schema, add a file and a line.

use super::StoreError;
use rusqlite::Connection;

/// Every migration, in order: (file name, SQL).
#[rustfmt::skip]
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_meta.sql", include_str!("migrations/0001_meta.sql")),
    ("0002_consultations.sql", include_str!("migrations/0002_consultations.sql")),
    ("0003_calls.sql", include_str!("migrations/0003_calls.sql")),
    ("0004_messaging.sql", include_str!("migrations/0004_messaging.sql")),
    ("0005_voice_notes.sql", include_str!("migrations/0005_voice_notes.sql")),
    ("0006_delivery.sql", include_str!("migrations/0006_delivery.sql")),
    ("0007_quarantine.sql", include_str!("migrations/0007_quarantine.sql")),
    ("0008_adoptable_index.sql", include_str!("migrations/0008_adoptable_index.sql")),
    ("0009_queue_index.sql", include_str!("migrations/0009_queue_index.sql")),
];

/// Applies the migrations `conn` has not seen yet.
pub(super) fn apply(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > MIGRATIONS.len() as i64 {
        return Err(StoreError::Corrupt(format!(
            "cache schema version {current} is newer than this build knows ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as i64 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Corrupt(format!("migration {name} failed: {e}")))?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::debug!(migration = name, "applied");
    }
    Ok(())
}
