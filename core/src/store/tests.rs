//! The store: open, migrate, rebuild, roll back, fresh reads, paths.

use super::*;

fn temp_db(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("parlor-store-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("cache.sqlite3")
}

#[test]
fn opens_migrates_and_reopens() {
    let path = temp_db("open");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
    store
        .write(|tx| Ok(tx.execute("INSERT INTO meta(key, value) VALUES ('k', 'v')", [])?))
        .unwrap();
    drop(store);
    let again = Store::open(&path).unwrap();
    assert!(!again.was_rebuilt());
    let v: String = again
        .read(|c| Ok(c.query_row("SELECT value FROM meta WHERE key='k'", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(v, "v");
    let mode: String = again
        .read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_corrupt_file_is_moved_aside_and_rebuilt() {
    let path = temp_db("corrupt");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"this is not a sqlite database, just garbage bytes................................................").unwrap();
    let store = Store::open(&path).unwrap();
    assert!(store.was_rebuilt());
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let aside: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1, "the corrupt file is kept for diagnosis");
}

#[test]
fn a_fresh_read_sees_the_last_commit_and_never_waits_for_a_batch() {
    let store = Store::open(&temp_db("fresh")).unwrap();
    // The count, and whether it was read on a reader (opened read-only) or the writer.
    let count = |s: &Store| -> (i64, bool) {
        s.read_fresh(|c| {
            let n = c.query_row("SELECT count(*) FROM meta", [], |r| r.get(0))?;
            Ok((n, c.is_readonly(rusqlite::MAIN_DB)?))
        })
        .unwrap()
    };
    store
        .write(|tx| Ok(tx.execute("INSERT INTO meta(key, value) VALUES ('a', '1')", [])?))
        .unwrap();
    assert_eq!(count(&store), (1, false), "on the writer, its own commit");
    let (opened, open) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let other = store.clone();
    let batch = std::thread::spawn(move || {
        other.batch(|| {
            other
                .write(|tx| Ok(tx.execute("INSERT INTO meta(key, value) VALUES ('b', '2')", [])?))
                .unwrap();
            opened.send(()).unwrap();
            released.recv().unwrap();
        })
    });
    open.recv().unwrap();
    assert_eq!(
        count(&store),
        (1, true),
        "on a reader while the batch is open"
    );
    release.send(()).unwrap();
    batch.join().unwrap();
    assert_eq!(
        count(&store),
        (2, false),
        "the batch's commit, on the writer again"
    );
}

#[test]
fn a_failed_write_rolls_back() {
    let store = Store::open(&temp_db("rollback")).unwrap();
    let r: Result<(), StoreError> = store.write(|tx| {
        tx.execute("INSERT INTO meta(key, value) VALUES ('a', '1')", [])?;
        Err(StoreError::Corrupt("boom".into()))
    });
    assert!(r.is_err());
    let n: i64 = store
        .read(|c| Ok(c.query_row("SELECT count(*) FROM meta", [], |r| r.get(0))?))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn database_paths_are_per_server_and_account_and_safe() {
    let p = database_path(
        Path::new("/data"),
        "https://chat.example.com",
        "user/../../etc",
    );
    assert_eq!(
        p,
        PathBuf::from("/data/chat.example.com_443/user_.._.._etc.sqlite3")
    );
    let q = database_path(Path::new("/data"), "http://127.0.0.1:5000", "42");
    assert_eq!(q, PathBuf::from("/data/127.0.0.1_5000/42.sqlite3"));
}
