//! The local cache: one SQLite database per account and server (rusqlite, bundled SQLite).
//! WAL, one writer and a small pool of readers, migrations as numbered `.sql` files applied
//! in one transaction each, and a corrupt file moved aside and rebuilt instead of a crash
//! (the server is the source of truth; the cache can always be refilled).

mod batch;
mod checkpoint;
mod migrations;
pub mod owner;
pub mod quarantine;

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use migrations::MIGRATIONS;
pub use owner::cache_path;

/// Errors of the cache.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite refused.
    #[error("cache database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file system refused.
    #[error("cache file error: {0}")]
    Io(#[from] std::io::Error),
    /// A stored value could not be read back.
    #[error("cache holds an unreadable value: {0}")]
    Corrupt(String),
    /// Another process owns the data dir (one process per data dir: two would both send
    /// the outbox).
    #[error("the data dir {dir} is in use by another Parlor process{}; one process per data dir", holder.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Locked {
        /// The data dir.
        dir: String,
        /// The owner's process id, when it wrote one.
        holder: Option<u32>,
    },
}

/// Prepared statements kept per connection. rusqlite keeps 16 by default, fewer than the
/// receive path alone uses, so statements were parsed again for every message.
const STATEMENT_CACHE: usize = 128;

/// Readers kept open besides the writer.
const READERS: usize = 3;

struct Inner {
    path: PathBuf,
    writer: batch::WriterSlot,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    rebuilt: bool,
    /// Declared after the connections: dropped once they are closed, it waits for its
    /// thread's connection to close too, before the lock below is let go.
    _checkpointer: checkpoint::Checkpointer,
    /// The data dir's lock, when opened as its owner ([`Store::open_for`]).
    owner: Option<Arc<owner::DataDirLock>>,
}

/// A handle to one cache database. Cheap to clone; blocking calls (run them off the async
/// executor for large batches).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish()
    }
}

impl Store {
    /// Opens (creating and migrating as needed) the cache at `path`. A file that is not a
    /// readable SQLite database is moved aside to `<path>.corrupt-<unix time>` and rebuilt.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let ((writer, checkpointer), rebuilt) = match open_writer(path) {
            Ok(c) => (c, false),
            Err(e) if is_corruption(&e) => {
                let aside = path.with_extension(format!(
                    "corrupt-{}",
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0)
                ));
                tracing::warn!(path = %path.display(), error = %e, "cache is corrupt; moving it aside and rebuilding");
                std::fs::rename(path, &aside)?;
                for suffix in ["-wal", "-shm"] {
                    let side = PathBuf::from(format!("{}{suffix}", path.display()));
                    let _ = std::fs::remove_file(side);
                }
                (open_writer(path)?, true)
            }
            Err(e) => return Err(e),
        };
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                c.busy_timeout(Duration::from_secs(5))?;
                c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                Ok(Mutex::new(c))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: batch::WriterSlot::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
                rebuilt,
                _checkpointer: checkpointer,
                owner: None,
            }),
        })
    }

    /// Keeps `lock` for as long as this store (any clone) lives. Only right after open.
    fn hold(&mut self, lock: Arc<owner::DataDirLock>) {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.owner = Some(lock);
        }
    }

    /// The data dir this store holds the lock of, when opened with [`Store::open_for`].
    pub fn owned_dir(&self) -> Option<&Path> {
        self.inner.owner.as_deref().map(owner::DataDirLock::dir)
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// True when the file was found corrupt at open and rebuilt empty.
    pub fn was_rebuilt(&self) -> bool {
        self.inner.rebuilt
    }

    /// Runs `f` in one write transaction (committed when `f` returns Ok; inside a
    /// [`batch`](Store::batch), with the batch).
    pub fn write<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write_conn(true, f)
    }

    /// [`write`](Store::write) without a savepoint of its own inside a batch: for a write
    /// whose statements each stand alone (an error part way leaves the earlier ones, which
    /// must be harmless). A savepoint makes FTS5 write out its pending terms, so the receive
    /// path's writes, made hundreds to a burst, would index message by message.
    pub fn write_unguarded<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write_conn(false, f)
    }

    /// Runs `f` on a reader connection (sees every committed write; inside this thread's
    /// batch, the batch's writes too).
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.in_batch_here() {
            return self.read_in_batch(f);
        }
        let i = self.inner.next_reader.fetch_add(1, Ordering::Relaxed) % self.inner.readers.len();
        let conn = self.inner.readers[i]
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        f(&conn)
    }

    /// [`read`](Store::read) for a small read of what was likely just written (a message
    /// after its change, the outbox's next message): on the writer connection when no write
    /// holds it, else on a reader. A reader discards its whole page cache whenever another
    /// connection committed and reads every page again (about twenty `pread`s for one
    /// message); the writer's cache holds what it wrote. A large read belongs on a reader:
    /// writes wait while the writer reads. (Inside a batch the writer is not free: `read`
    /// then reads on the batch's connection.)
    pub fn read_fresh<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match self.inner.writer.try_free() {
            Some(w) => f(&w.conn),
            None => self.read(f),
        }
    }

    /// The schema version (number of migrations applied).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.read(|c| Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))?))
    }
}

/// The writer connection, and its checkpointer (drop the writer first).
fn open_writer(path: &Path) -> Result<(Connection, checkpoint::Checkpointer), StoreError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // WAL: readers never block the writer. temp_store=2 keeps temp tables in memory (Android
    // has no writable /tmp for SQLite). NORMAL sync is durable under WAL across app crashes.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = 2;",
    )?;
    migrations::apply(&mut conn)?;
    let checkpointer = checkpoint::start(&mut conn, path)?;
    Ok((conn, checkpointer))
}

fn is_corruption(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if matches!(f.code, rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

/// The platform's data directory for Parlor (`PARLOR_DATA_DIR` overrides): on Linux
/// `$XDG_DATA_HOME/parlor` or `~/.local/share/parlor`.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PARLOR_DATA_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(dir).join("parlor");
    }
    if let Some(home) = std::env::var_os("HOME") {
        return PathBuf::from(home).join(".local/share/parlor");
    }
    std::env::temp_dir().join("parlor")
}

/// The database file of `account` on the server at `server_url` under `data_dir` as earlier
/// builds named it (`<host>_<port>/<account>.sqlite3`): a server back on another port lost its
/// cache. Open caches with [`Store::open_for`], which names them by identity
/// ([`owner::cache_path`]) and moves a cache found here.
pub fn database_path(data_dir: &Path, server_url: &str, account: &str) -> PathBuf {
    let server = url::Url::parse(server_url)
        .ok()
        .map(|u| {
            format!(
                "{}_{}",
                u.host_str().unwrap_or("server"),
                u.port_or_known_default().unwrap_or(0)
            )
        })
        .unwrap_or_else(|| server_url.to_owned());
    data_dir
        .join(safe_name(&server))
        .join(format!("{}.sqlite3", safe_name(account)))
}

fn safe_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_matches('.');
    if trimmed.is_empty() {
        "_".into()
    } else {
        trimmed.chars().take(100).collect()
    }
}

#[cfg(test)]
mod tests;
