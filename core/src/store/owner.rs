//! Where an account's cache lives, and who owns it.
//!
//! **Identity, not address.** A cache is named by the server's *host* (without the port), the
//! dialect and the account: `<data dir>/<host>.<dialect>/<account>.sqlite3`. A server that comes
//! back on another port (a restart, a new deployment) finds the same cache, so messages queued
//! against the old port are still pending and are sent. The dialect keeps two servers on one
//! host apart. Earlier builds named the folder `<host>_<port>`; [`Store::open_for`] moves such a
//! cache (database, WAL, voice notes) to the new name the first time it is opened.
//!
//! **One owner per data dir.** Two processes writing one cache would both send its outbox
//! (duplicates). [`Store::open_for`] takes an exclusive advisory lock on `<data dir>/.lock`
//! (`flock` / `LockFileEx`, released by the OS when the process dies, even by `kill -9`) and
//! holds it as long as any store of the process uses that dir; a second process gets
//! [`StoreError::Locked`] naming the holder's pid. Stores of one process share the lock.

use super::{safe_name, Store, StoreError};
use crate::profile::ServerProfile;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// The name of the lock file in a data dir.
pub const LOCK_FILE: &str = ".lock";

/// The exclusive hold of this process on one data dir; released when the last store using
/// the dir is dropped.
#[derive(Debug)]
pub struct DataDirLock {
    dir: PathBuf,
    _file: File,
}

impl DataDirLock {
    /// The data dir held.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The locks this process holds, by canonical dir (flock conflicts between two opens of one
/// file even within a process, so every store of the process shares one).
fn held() -> &'static Mutex<HashMap<PathBuf, Weak<DataDirLock>>> {
    static HELD: std::sync::OnceLock<Mutex<HashMap<PathBuf, Weak<DataDirLock>>>> =
        std::sync::OnceLock::new();
    HELD.get_or_init(Default::default)
}

/// Takes (or shares, within this process) the exclusive lock on `dir`, creating it.
pub fn lock_data_dir(dir: &Path) -> Result<Arc<DataDirLock>, StoreError> {
    std::fs::create_dir_all(dir)?;
    let dir = dir.canonicalize()?;
    let mut held = held().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(lock) = held.get(&dir).and_then(Weak::upgrade) {
        return Ok(lock);
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.join(LOCK_FILE))?;
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => {}
        Err(fs4::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            return Err(StoreError::Locked {
                dir: dir.display().to_string(),
                holder: pid.trim().parse().ok(),
            });
        }
        Err(fs4::TryLockError::Error(e)) => return Err(e.into()),
    }
    // Who holds it, for the second process's message (the lock itself is the flock).
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    write!(file, "{}", std::process::id())?;
    file.flush()?;
    let lock = Arc::new(DataDirLock {
        dir: dir.clone(),
        _file: file,
    });
    held.retain(|_, w| w.strong_count() > 0);
    held.insert(dir, Arc::downgrade(&lock));
    Ok(lock)
}

/// The cache file of `account` on `profile`'s server under `data_dir`, named by identity:
/// `<host>.<dialect>/<account>.sqlite3` (no port; see the module docs).
pub fn cache_path(data_dir: &Path, profile: &ServerProfile, account: &str) -> PathBuf {
    let host = url::Url::parse(&profile.socket_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| profile.socket_url.clone());
    data_dir
        .join(safe_name(&format!("{host}.{}", profile.dialect.as_str())))
        .join(format!("{}.sqlite3", safe_name(account)))
}

/// Moves a cache an earlier build left at `old` (database, its WAL and shared memory, its
/// voice-note folder) to `new`, unless `new` exists already.
fn migrate(old: &Path, new: &Path) -> Result<bool, StoreError> {
    if old == new || new.exists() || !old.exists() {
        return Ok(false);
    }
    if let Some(dir) = new.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // The WAL and shm go first: a database found without its WAL would lose what it holds.
    for suffix in ["-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", old.display()));
        if from.exists() {
            std::fs::rename(&from, format!("{}{suffix}", new.display()))?;
        }
    }
    std::fs::rename(old, new)?;
    let (old_voice, new_voice) = (old.with_extension("voice"), new.with_extension("voice"));
    if old_voice.is_dir() && !new_voice.exists() {
        std::fs::rename(&old_voice, &new_voice)?;
    }
    tracing::info!(from = %old.display(), to = %new.display(), "cache moved to its identity path");
    Ok(true)
}

impl Store {
    /// Opens the cache of `account` on `profile`'s server under `data_dir`, as its one owner:
    /// takes the data dir's lock ([`StoreError::Locked`] when another process has it), moves
    /// a cache an earlier build kept under the server's host and port, then opens (creating
    /// and migrating) [`cache_path`]. The lock is held while any store of the dir is alive.
    pub fn open_for(
        data_dir: &Path,
        profile: &ServerProfile,
        account: &str,
    ) -> Result<Store, StoreError> {
        let lock = lock_data_dir(data_dir)?;
        let path = cache_path(data_dir, profile, account);
        let legacy = super::database_path(data_dir, &profile.socket_url, account);
        migrate(&legacy, &path)?;
        let mut store = Store::open(&path)?;
        store.hold(lock);
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::DialectId;

    fn temp_dir(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("parlor-owner-{tag}-{}", uuid::Uuid::new_v4()))
    }

    #[test]
    fn the_path_is_the_identity_not_the_port() {
        let a = ServerProfile::new(DialectId::SupportChat, "http://127.0.0.1:5000");
        let b = ServerProfile::new(DialectId::SupportChat, "http://127.0.0.1:6001");
        let other = ServerProfile::new(DialectId::TarotChat, "http://127.0.0.1:5000");
        let dir = Path::new("/data");
        assert_eq!(cache_path(dir, &a, "1"), cache_path(dir, &b, "1"));
        assert_eq!(
            cache_path(dir, &a, "user/../x"),
            PathBuf::from("/data/127.0.0.1.support-chat/user_.._x.sqlite3")
        );
        assert_ne!(cache_path(dir, &a, "1"), cache_path(dir, &other, "1"));
    }

    #[test]
    fn a_cache_at_the_old_host_and_port_path_is_moved_and_keeps_its_rows() {
        let dir = temp_dir("migrate");
        let profile = ServerProfile::new(DialectId::SupportChat, "http://127.0.0.1:5000");
        let legacy = crate::store::database_path(&dir, &profile.socket_url, "7");
        {
            let old = Store::open(&legacy).unwrap();
            old.write(|tx| Ok(tx.execute("INSERT INTO meta(key, value) VALUES ('k', 'v')", [])?))
                .unwrap();
            std::fs::create_dir_all(legacy.with_extension("voice")).unwrap();
        }
        let store = Store::open_for(&dir, &profile, "7").unwrap();
        assert_eq!(store.path(), cache_path(&dir, &profile, "7"));
        let v: String = store
            .read(|c| Ok(c.query_row("SELECT value FROM meta WHERE key='k'", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(v, "v");
        assert!(!legacy.exists());
        assert!(store.path().with_extension("voice").is_dir());
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn stores_of_one_process_share_the_lock_and_release_it_when_gone() {
        let dir = temp_dir("share");
        let profile = ServerProfile::new(DialectId::SupportChat, "http://127.0.0.1:5000");
        let a = Store::open_for(&dir, &profile, "a").unwrap();
        let b = Store::open_for(&dir, &profile, "b").unwrap();
        // Another open file description of the lock file is what a second process has.
        let other = File::open(dir.join(LOCK_FILE)).unwrap();
        assert!(matches!(
            fs4::FileExt::try_lock(&other),
            Err(fs4::TryLockError::WouldBlock)
        ));
        drop((a, b));
        fs4::FileExt::try_lock(&other).expect("released with the last store");
        let _ = std::fs::remove_dir_all(dir);
    }
}
