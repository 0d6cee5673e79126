#![no_main]
//! Fuzzes loading the cache: arbitrary values (text, numbers, blobs, nulls) written into the
//! columns of consultations, call history and messages, then loaded back the way the services
//! do at start-up. Loading must never panic: a row that cannot be loaded is quarantined.

use parlor_core::store::Store;
use rusqlite::types::Value;
use std::sync::OnceLock;

const TABLES: &[(&str, &[&str])] = &[
    (
        "consultations",
        &[
            "id",
            "role",
            "counterpart",
            "expert_id",
            "kind",
            "state",
            "rate",
            "unit",
            "billed_minutes",
            "cost",
            "balance",
            "bill",
            "requested_at",
            "started_at",
            "ended_at",
            "updated_at",
        ],
    ),
    (
        "call_history",
        &[
            "call_id",
            "role",
            "media",
            "peer_id",
            "peer_name",
            "outcome",
            "reason",
            "duration_secs",
            "coins",
            "coins_unit",
            "ended_by",
            "started_at",
            "updated_at",
        ],
    ),
    (
        "messages",
        &[
            "conversation_id",
            "client_id",
            "server_id",
            "sender_id",
            "sender_name",
            "own",
            "kind",
            "text",
            "state",
            "error",
            "attempts",
            "server_time",
            "sort_ts",
            "created_at",
            "duration_secs",
            "duration_ms",
            "waveform",
        ],
    ),
];

const TEXTS: &[&str] = &[
    "",
    "0",
    "-1",
    "12.50",
    "1000000000000000000",
    "79228162514264337593543950335",
    "1e999",
    "NaN",
    "user",
    "expert",
    "caller",
    "callee",
    "audio",
    "video",
    "text",
    "pending",
    "sending",
    "sent",
    r#"{"state":"ended","by":"user","reason":"ended"}"#,
    r#"{"state":"active"}"#,
    "not json",
    r#"{"minutes":"3","total":{"amount":"30.00"},"reason":"ended"}"#,
    r#"{"id":"u"}"#,
    "c1",
    "m1",
];

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("parlor-fuzz-rows-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Store::open(&dir.join("cache.sqlite3")).expect("a fresh cache opens")
    })
}

fn value(bytes: &mut impl Iterator<Item = u8>) -> Value {
    let kind = bytes.next().unwrap_or(0);
    let a = bytes.next().unwrap_or(0);
    match kind % 6 {
        0 => Value::Null,
        1 => Value::Integer(i64::from_le_bytes([
            a,
            bytes.next().unwrap_or(0),
            0,
            0,
            0,
            0,
            0,
            if kind & 0x80 != 0 { 0x80 } else { 0 },
        ])),
        2 => Value::Real(f64::from(a) * if kind & 0x40 != 0 { 1e300 } else { -0.5 }),
        3 => Value::Blob(bytes.take(usize::from(a % 16)).collect()),
        4 => Value::Text(
            String::from_utf8_lossy(&bytes.take(usize::from(a % 32)).collect::<Vec<u8>>())
                .into_owned(),
        ),
        _ => Value::Text(TEXTS[usize::from(a) % TEXTS.len()].to_owned()),
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let store = store();
    let mut bytes = data.iter().copied();
    let (table, columns) = TABLES[usize::from(bytes.next().unwrap_or(0)) % TABLES.len()];
    let values: Vec<Value> = columns.iter().map(|_| value(&mut bytes)).collect();
    let sql = format!(
        "INSERT OR REPLACE INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        (1..=columns.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Constraint violations (NOT NULL) are fine: SQLite refused the row, nothing to load.
    let _ = store.write(|tx| Ok(tx.execute(&sql, rusqlite::params_from_iter(values.iter()))?));
    let _ = parlor_core::consultation::records::load_all(store);
    let _ = parlor_core::calls::history::list(store, 1000);
    let cache = parlor_core::messaging::Cache::new(store.clone());
    let _ = cache.page("c1", None, 500);
    let _ = cache.next_queued();
    let _ = cache.search("c1 m1", None, 100);
});
