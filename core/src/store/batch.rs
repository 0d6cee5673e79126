//! Group commit: [`Store::batch`] runs a burst of work (the events that arrived while the
//! previous burst was written) as one transaction, so a message that arrives alone costs one
//! commit and a thousand that arrive together cost one too. Each write inside keeps its own
//! all-or-nothing (a savepoint), reads on the batch's thread see its writes, other threads'
//! writes wait for the commit, and work that must follow durability (waking a task that reads
//! the cache) waits in [`Store::after_commit`] until then.
//!
//! The batch belongs to one thread: the client's pump runs a burst without awaiting, so no
//! other task can run on that thread in between.

use super::{Store, StoreError};
use rusqlite::Connection;
use std::cell::RefCell;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::ThreadId;

/// The writer connection and who has a batch open on it.
pub(super) struct Writer {
    pub(super) conn: Connection,
    /// The thread whose batch is open, if any: other threads' writes wait for it to end.
    batch: Option<ThreadId>,
    /// True once the open batch began its transaction (a batch that writes nothing commits
    /// nothing).
    begun: bool,
}

impl Writer {
    pub(super) fn new(conn: Connection) -> Writer {
        Writer {
            conn,
            batch: None,
            begun: false,
        }
    }
}

/// The writer behind its lock, and the signal that a batch ended.
pub(super) struct WriterSlot {
    writer: Mutex<Writer>,
    batch_ended: Condvar,
}

/// Work waiting for a batch's commit, per store (by address) with a batch open on this thread.
type Deferred = Vec<Box<dyn FnOnce() + Send>>;

thread_local! {
    static OPEN: RefCell<Vec<(usize, Deferred)>> = const { RefCell::new(Vec::new()) };
}

impl WriterSlot {
    pub(super) fn new(conn: Connection) -> WriterSlot {
        WriterSlot {
            writer: Mutex::new(Writer::new(conn)),
            batch_ended: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Writer> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The writer, when no one holds it and no batch is open on it (never waits).
    pub(super) fn try_free(&self) -> Option<MutexGuard<'_, Writer>> {
        let w = match self.writer.try_lock() {
            Ok(w) => w,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        w.batch.is_none().then_some(w)
    }

    /// The writer, once no other thread has a batch open on it.
    fn lock_free_of_batches(&self) -> MutexGuard<'_, Writer> {
        let me = std::thread::current().id();
        let mut w = self.lock();
        while w.batch.is_some_and(|t| t != me) {
            w = self.batch_ended.wait(w).unwrap_or_else(|p| p.into_inner());
        }
        w
    }
}

impl Store {
    fn key(&self) -> usize {
        std::sync::Arc::as_ptr(&self.inner) as usize
    }

    /// True while this thread runs a batch of this store.
    pub(super) fn in_batch_here(&self) -> bool {
        let key = self.key();
        OPEN.with(|open| open.borrow().iter().any(|(k, _)| *k == key))
    }

    /// Runs `f` as one transaction: every [`write`](Store::write) inside joins it (each as a
    /// savepoint: a failed write undoes only itself) and commits when `f` returns, also when
    /// it panics. A batch inside a batch of the same store is part of the outer one. A failed
    /// commit loses the batch's writes (the cache is a copy; they are logged).
    pub fn batch<T>(&self, f: impl FnOnce() -> T) -> T {
        if self.in_batch_here() {
            return f();
        }
        {
            let mut w = self.inner.writer.lock_free_of_batches();
            w.batch = Some(std::thread::current().id());
            w.begun = false;
        }
        OPEN.with(|open| open.borrow_mut().push((self.key(), Vec::new())));
        let _end = EndBatch(self);
        f()
    }

    /// Runs `then` once what was written so far is committed: at once outside a batch, after
    /// the commit inside one (a task woken earlier would read the cache before it holds the
    /// batch's writes).
    pub fn after_commit(&self, then: impl FnOnce() + Send + 'static) {
        let key = self.key();
        let deferred = OPEN.with(|open| {
            let mut open = open.borrow_mut();
            match open.iter_mut().find(|(k, _)| *k == key) {
                Some((_, waiting)) => {
                    waiting.push(Box::new(then));
                    None
                }
                None => Some(then),
            }
        });
        if let Some(then) = deferred {
            then();
        }
    }

    /// One write: its own transaction, or part of this thread's open batch, in a savepoint
    /// when `guarded` (else each of its statements stands alone).
    pub(super) fn write_conn<T>(
        &self,
        guarded: bool,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut w = self.inner.writer.lock_free_of_batches();
        if w.batch.is_none() {
            let tx = w.conn.transaction()?;
            let out = f(&tx)?;
            tx.commit()?;
            return Ok(out);
        }
        if !w.begun {
            w.conn.execute_batch("BEGIN")?;
            w.begun = true;
        }
        if !guarded {
            return f(&w.conn);
        }
        // A savepoint per write (statements prepared once: a burst makes hundreds).
        w.conn
            .prepare_cached("SAVEPOINT parlor_write")?
            .execute([])?;
        let undo = UndoUnlessReleased(&w.conn);
        let out = f(&w.conn)?;
        undo.release()?;
        Ok(out)
    }

    /// Reads on the batch's own connection, so a batch sees its own writes.
    pub(super) fn read_in_batch<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let w = self.inner.writer.lock();
        f(&w.conn)
    }
}

/// Rolls the write's savepoint back when dropped before [`release`](Self::release): an
/// error or a panic in the write undoes only the write.
struct UndoUnlessReleased<'a>(&'a Connection);

impl UndoUnlessReleased<'_> {
    fn release(self) -> Result<(), StoreError> {
        let conn = self.0;
        std::mem::forget(self);
        conn.prepare_cached("RELEASE parlor_write")?.execute([])?;
        Ok(())
    }
}

impl Drop for UndoUnlessReleased<'_> {
    fn drop(&mut self) {
        let undone = self
            .0
            .prepare_cached("ROLLBACK TO parlor_write")
            .and_then(|mut s| s.execute([]))
            .and_then(|_| self.0.prepare_cached("RELEASE parlor_write")?.execute([]));
        if let Err(e) = undone {
            tracing::warn!(error = %e, "a failed write's savepoint could not be undone");
        }
    }
}

/// Ends this thread's batch when dropped: commits (or undoes, when the commit fails), lets
/// other threads' writes in, then runs what waited for the commit.
struct EndBatch<'a>(&'a Store);

impl Drop for EndBatch<'_> {
    fn drop(&mut self) {
        let store = self.0;
        {
            let mut w = store.inner.writer.lock();
            if w.begun {
                if let Err(e) = w.conn.execute_batch("COMMIT") {
                    tracing::warn!(error = %e, "a batch of cache writes could not be committed");
                    let _ = w.conn.execute_batch("ROLLBACK");
                }
            }
            w.batch = None;
            w.begun = false;
        }
        store.inner.writer.batch_ended.notify_all();
        let key = store.key();
        let waiting = OPEN.with(|open| {
            let mut open = open.borrow_mut();
            let i = open.iter().position(|(k, _)| *k == key)?;
            Some(open.remove(i).1)
        });
        for then in waiting.into_iter().flatten() {
            then();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    fn store(tag: &str) -> Store {
        let dir = std::env::temp_dir().join(format!("parlor-batch-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Store::open(&dir.join("c.sqlite3")).unwrap()
    }

    fn count(s: &Store) -> i64 {
        s.read(|c| Ok(c.query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))?))
            .unwrap()
    }

    fn add(s: &Store, id: &str) -> Result<(), StoreError> {
        s.write(|tx| {
            tx.execute("INSERT INTO conversations(id) VALUES (?1)", [id])?;
            Ok(())
        })
    }

    #[test]
    fn a_batch_commits_once_and_sees_its_own_writes_while_others_see_them_after() {
        let s = store("commit");
        let seen_outside = Arc::new(AtomicBool::new(true));
        let seen_after_commit = Arc::new(AtomicBool::new(false));
        s.batch(|| {
            add(&s, "a").unwrap();
            add(&s, "b").unwrap();
            // This thread reads its batch's writes.
            assert_eq!(count(&s), 2);
            // Another thread's reader does not see them before the commit.
            let other = s.clone();
            let flag = seen_outside.clone();
            std::thread::spawn(move || flag.store(count(&other) > 0, Ordering::SeqCst))
                .join()
                .unwrap();
            // Work after the commit sees them from any connection.
            let (other, flag) = (s.clone(), seen_after_commit.clone());
            s.after_commit(move || {
                let n = std::thread::spawn(move || count(&other)).join().unwrap();
                flag.store(n == 2, Ordering::SeqCst);
            });
            assert!(
                !seen_after_commit.load(Ordering::SeqCst),
                "ran before the commit"
            );
        });
        assert!(
            !seen_outside.load(Ordering::SeqCst),
            "a reader saw uncommitted writes"
        );
        assert!(seen_after_commit.load(Ordering::SeqCst));
        assert_eq!(count(&s), 2);
    }

    #[test]
    fn a_failed_write_in_a_batch_undoes_only_itself() {
        let s = store("savepoint");
        s.batch(|| {
            add(&s, "a").unwrap();
            let failed = s.write(|tx| {
                tx.execute("INSERT INTO conversations(id) VALUES ('half')", [])?;
                // The same id again: a constraint error after half the work.
                tx.execute("INSERT INTO conversations(id) VALUES ('a')", [])?;
                Ok(())
            });
            assert!(failed.is_err());
            add(&s, "b").unwrap();
        });
        let ids: Vec<String> = s
            .read(|c| {
                let mut st = c.prepare("SELECT id FROM conversations ORDER BY id")?;
                let rows = st.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .unwrap();
        assert_eq!(ids, vec!["a", "b"]);
    }

    #[test]
    fn an_unguarded_write_keeps_its_statements_that_stood_and_outside_a_batch_is_atomic() {
        let s = store("unguarded");
        let half = |s: &Store| {
            s.write_unguarded(|tx| {
                tx.execute("INSERT INTO conversations(id) VALUES ('half')", [])?;
                tx.execute("INSERT INTO conversations(id) VALUES ('half')", [])?;
                Ok(())
            })
        };
        // Alone it is one transaction: nothing stays.
        assert!(half(&s).is_err());
        assert_eq!(count(&s), 0);
        // In a batch its first statement stays, and the batch goes on.
        s.batch(|| {
            assert!(half(&s).is_err());
            add(&s, "after").unwrap();
        });
        assert_eq!(count(&s), 2);
    }

    #[test]
    fn another_threads_write_waits_for_the_batch_and_a_panic_still_commits_the_batch() {
        let s = store("wait");
        let other = s.clone();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            s.batch(|| {
                add(&s, "first").unwrap();
                let writer = std::thread::spawn(move || {
                    add(&other, "second").unwrap();
                    count(&other)
                });
                // The other write cannot land inside this batch; give it time to try.
                std::thread::sleep(std::time::Duration::from_millis(100));
                assert_eq!(count(&s), 1);
                std::mem::forget(writer);
                panic!("a bug in the middle of a burst");
            })
        }));
        assert!(result.is_err());
        // The batch ended (committed what it wrote) and the waiting write went in after it.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while count(&s) < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(count(&s), 2);
        // Outside a batch, after_commit runs at once.
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        s.after_commit(move || flag.store(true, Ordering::SeqCst));
        assert!(ran.load(Ordering::SeqCst));
    }
}
