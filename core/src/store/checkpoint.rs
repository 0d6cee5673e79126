//! Checkpoints off the writer's path. SQLite's automatic checkpoint runs inside the commit
//! that crosses its threshold, so that one write (a message on its way) pays for copying the
//! whole log into the database and two `fsync`s: milliseconds, the chat round trip's 99th
//! percentile. Here the writer's commit only signals; a thread of the store, on a connection
//! of its own, runs a passive checkpoint (it never blocks the writer or a reader); the log
//! restarts at the next write once a checkpoint copied all of it, that is between bursts.

use super::StoreError;
use rusqlite::{wal::CheckpointMode, Connection};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, TrySendError};
use std::time::Duration;

/// Pages in the log after which a checkpoint runs (SQLite's own default threshold).
pub(super) const CHECKPOINT_PAGES: i32 = 1000;

/// Pages after which the writer checkpoints in its commit after all, like SQLite does (16 MB
/// of log at 4 KiB pages): under a steady stream of writes the thread never catches up.
const INLINE_CHECKPOINT_PAGES: i32 = 4 * CHECKPOINT_PAGES;

/// Gives `writer` a checkpointing thread: its commits signal once the log holds
/// [`CHECKPOINT_PAGES`]; the thread ends with the writer (its hook, holding the signal's
/// sender, is dropped with the connection).
pub(super) fn start(writer: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let checkpointer = Connection::open(path)?;
    checkpointer.busy_timeout(Duration::from_secs(5))?;
    // A connection knows the file is in WAL mode (and can checkpoint it) once it has read it.
    checkpointer.query_row("PRAGMA schema_version", [], |_| Ok(()))?;
    let (signal, wanted) = sync_channel::<()>(1);
    writer.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: i32| {
        if pages >= INLINE_CHECKPOINT_PAGES {
            // Writes without a pause: the log restarts only once a checkpoint caught up with
            // every frame, which the thread never does while the writer goes on.
            if let Err(e) = wal.checkpoint_v2(CheckpointMode::PASSIVE) {
                tracing::debug!(error = %e, "a cache checkpoint failed");
            }
        } else if pages >= CHECKPOINT_PAGES {
            // A checkpoint already asked for covers this commit too.
            if let Err(TrySendError::Disconnected(())) = signal.try_send(()) {
                tracing::debug!("the cache's checkpointer has stopped");
            }
        }
        Ok(())
    }))?;
    std::thread::Builder::new()
        .name("parlor-checkpoint".into())
        .spawn(move || run(checkpointer, wanted))?;
    Ok(())
}

fn run(conn: Connection, wanted: Receiver<()>) {
    while wanted.recv().is_ok() {
        if let Err(e) = conn.wal_checkpoint_v2(None::<&str>, CheckpointMode::PASSIVE) {
            tracing::debug!(error = %e, "a cache checkpoint failed; the next commit asks again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Store;
    use rusqlite::params;
    use std::time::{Duration, Instant};

    /// The hook replaces SQLite's automatic checkpoint: without the thread the database file
    /// would never grow, every page staying in an ever longer log.
    #[test]
    fn the_log_is_copied_into_the_database_by_the_checkpointer() {
        let dir = std::env::temp_dir().join(format!("parlor-checkpoint-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("cache.sqlite3");
        let store = Store::open(&path).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        let value = "v".repeat(3000);
        for i in 0..12_000 {
            store
                .write(|tx| {
                    Ok(tx.execute(
                        "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
                        params![format!("key {}", i % 200), value],
                    )?)
                })
                .unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&path).unwrap().len() <= before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(
            after > before + 200 * 3000,
            "the database file holds the rows: {before} → {after} bytes"
        );
        let wal = std::fs::metadata(dir.join("cache.sqlite3-wal"))
            .unwrap()
            .len();
        assert!(
            // A frame is a page and its 24-byte header; each of the 12,000 commits adds at
            // least one. The bound leaves room for commits made while a checkpoint ran.
            wal <= 2 * super::INLINE_CHECKPOINT_PAGES as u64 * (4096 + 24),
            "the log restarts after checkpoints instead of holding every commit: {wal} bytes"
        );
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
