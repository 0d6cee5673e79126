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

/// The store's checkpointing thread. It ends once the writer is closed (the writer's hook holds
/// the signal's sender); dropping this waits for that, so the thread's connection never
/// outlives the store (nor the data dir's lock, which a second process may then take).
pub(super) struct Checkpointer(Option<std::thread::JoinHandle<()>>);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

/// Gives `writer` a checkpointing thread: its commits signal once the log holds
/// [`CHECKPOINT_PAGES`]. Drop the writer before the returned [`Checkpointer`].
pub(super) fn start(writer: &mut Connection, path: &Path) -> Result<Checkpointer, StoreError> {
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
    let thread = std::thread::Builder::new()
        .name("parlor-checkpoint".into())
        .spawn(move || run(checkpointer, wanted))?;
    Ok(Checkpointer(Some(thread)))
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
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    fn fresh(tag: &str) -> (PathBuf, Store) {
        let dir =
            std::env::temp_dir().join(format!("parlor-checkpoint-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("cache.sqlite3");
        let store = Store::open(&path).unwrap();
        (path, store)
    }

    /// `commits` writes of a 3,000-byte value, each its own commit (one log frame or more).
    fn write_rows(store: &Store, commits: usize) {
        let value = "v".repeat(3000);
        for i in 0..commits {
            store
                .write(|tx| {
                    Ok(tx.execute(
                        "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
                        params![format!("key {}", i % 200), value],
                    )?)
                })
                .unwrap();
        }
    }

    fn size(path: &Path) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }

    /// Fewer frames than the writer's own threshold: only the thread can have copied them
    /// into the database file (the hook replaced SQLite's automatic checkpoint).
    #[test]
    fn the_thread_copies_the_log_into_the_database() {
        let (path, store) = fresh("thread");
        let before = size(&path);
        write_rows(&store, 1200);
        let deadline = Instant::now() + Duration::from_secs(10);
        while size(&path) <= before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            size(&path) > before + 200 * 3000,
            "the database file holds the rows: {before} → {} bytes",
            size(&path)
        );
        drop(store);
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    /// Writes without a pause: the writer checkpoints itself at its threshold, so the log
    /// restarts instead of holding every commit.
    #[test]
    fn the_log_stays_bounded_under_a_steady_stream() {
        let (path, store) = fresh("bounded");
        write_rows(&store, 12_000);
        let wal = size(&path.with_extension("sqlite3-wal"));
        assert!(
            // A frame is a page and its 24-byte header; each of the 12,000 commits adds at
            // least one. The bound leaves room for commits made while a checkpoint ran.
            wal <= 2 * super::INLINE_CHECKPOINT_PAGES as u64 * (4096 + 24),
            "the log restarts after checkpoints instead of holding every commit: {wal} bytes"
        );
        drop(store);
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    /// Dropping the store ends the thread and closes its connection before returning: the
    /// last connection's close removes the log, so it is gone once `drop` returns.
    #[test]
    fn dropping_the_store_ends_the_thread_with_its_connection() {
        let (path, store) = fresh("drop");
        write_rows(&store, 10);
        assert!(path.with_extension("sqlite3-wal").exists());
        drop(store);
        assert!(
            !path.with_extension("sqlite3-wal").exists(),
            "every connection, the checkpointer's too, closed with the store"
        );
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
