//! `parlor bench-cache`: the message cache's numbers: batched ingest of received messages, the
//! latest page of a large conversation, an older page, and full-text search, on a fresh
//! database in a temporary directory (WAL, the same settings as the app).

use parlor_core::client::MAX_BURST;
use parlor_core::messaging::cache::Outgoing;
use parlor_core::messaging::Cache;
use parlor_core::model::{Message, MessageKind, Party};
use parlor_core::store::Store;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// The figures of one run.
#[derive(Debug, Clone, Serialize)]
pub struct CacheReport {
    /// Messages in the conversation.
    pub messages: u32,
    /// Messages per ingest transaction.
    pub batch: u32,
    /// Received messages applied per second in batches of `batch` (dedup checks, FTS
    /// indexing included): how a history page or a rejoin's recent messages are written.
    pub ingest_per_sec: f64,
    /// Messages applied one by one, each in its own transaction, as live messages are
    /// (`Cache::apply_message`, what the messenger does for every message that arrives).
    pub live_messages: u32,
    /// Live messages applied per second.
    pub live_per_sec: f64,
    /// Live messages applied per second as the client applies them: they arrive one by one
    /// (from another thread, as fast as it can hand them over) and whatever waits when the
    /// last burst is written goes as the next burst, one transaction (group commit).
    pub grouped_per_sec: f64,
    /// Messages per burst on average in that run.
    pub grouped_burst: f64,
    /// Latest 50 messages: median and 99th percentile, ms.
    pub latest_page_ms: (f64, f64),
    /// 50 messages from the middle of the conversation (keyset cursor): median, p99, ms.
    pub middle_page_ms: (f64, f64),
    /// The outbox picking the next message to send, one of ours queued at the end of the
    /// conversation: median, p99, ms (it must not grow with the conversation).
    pub queue_pick_ms: (f64, f64),
    /// Search for a rare word (one message in 1000), 50 results: median, p99, ms.
    pub search_rare_ms: (f64, f64),
    /// Search for a common word (every message), newest 50 results: median, p99, ms.
    pub search_common_ms: (f64, f64),
    /// Matches of the rare word.
    pub rare_hits: usize,
    /// Size of the database file, bytes.
    pub db_bytes: u64,
}

const WORDS: &[&str] = &[
    "the",
    "card",
    "tower",
    "moon",
    "sun",
    "star",
    "lovers",
    "reading",
    "future",
    "past",
    "career",
    "family",
    "money",
    "health",
    "travel",
    "question",
    "answer",
    "today",
    "tomorrow",
    "week",
    "month",
    "year",
    "good",
    "better",
    "patience",
    "change",
    "hope",
    "fear",
    "choice",
    "path",
    "energy",
    "balance",
    "strength",
    "justice",
    "wheel",
    "fortune",
    "hermit",
    "magician",
    "priestess",
    "empress",
    "emperor",
    "chariot",
    "death",
    "temperance",
    "devil",
    "judgement",
    "world",
    "fool",
    "cups",
    "swords",
    "wands",
    "pentacles",
    "thank",
    "you",
    "please",
    "why",
];

/// A deterministic generator (no seed file, same text every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn message(i: u32, rng: &mut Lcg) -> Message {
    let n = 6 + (rng.next() % 12) as usize;
    let mut words: Vec<&str> = (0..n)
        .map(|_| WORDS[(rng.next() % WORDS.len() as u64) as usize])
        .collect();
    words.push("message");
    if i % 1000 == 7 {
        words.push("zanzibar");
    }
    let secs = 1_700_000_000 + i64::from(i);
    Message {
        id: format!("m{i:08}"),
        conversation_id: "bench".into(),
        client_id: None,
        sender: Party {
            id: if i % 2 == 0 { "u1" } else { "u2" }.into(),
            name: Some(if i % 2 == 0 { "Sarah" } else { "Samia" }.into()),
            ..Party::default()
        },
        kind: MessageKind::Text,
        text: Some(words.join(" ")),
        file_url: None,
        file_name: None,
        reply_to: None,
        sent_at: Some(iso(secs)),
        read: None,
        reactions: BTreeMap::new(),
        duration_secs: None,
    }
}

/// ISO 8601 of a Unix time (UTC).
fn iso(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn percentiles(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

fn time_ms<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let samples = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    percentiles(samples)
}

/// How many messages `conversation` holds, read page by page (a page holds at most 500).
fn count_pages(cache: &Cache, conversation: &str) -> Result<usize, String> {
    let (mut count, mut before) = (0, None);
    loop {
        let (page, has_more) = cache
            .page(conversation, before, 500)
            .map_err(|e| e.to_string())?;
        count += page.len();
        match page.first() {
            Some(oldest) if has_more => before = Some(oldest.local_id),
            _ => return Ok(count),
        }
    }
}

/// Applies `messages` as the client's pump does: another thread hands them over one by one;
/// whatever waits when the last burst is written (at most [`MAX_BURST`]) is applied in one
/// [`Store::batch`]. Messages per second, and messages per burst on average.
fn group_commit(cache: &Cache, messages: Vec<Message>) -> Result<(f64, f64), String> {
    let total = messages.len();
    let (tx, rx) = std::sync::mpsc::channel();
    let t = Instant::now();
    let producer = std::thread::spawn(move || {
        for m in messages {
            if tx.send(m).is_err() {
                return;
            }
        }
    });
    let (mut applied, mut bursts) = (0usize, 0usize);
    let mut burst = Vec::with_capacity(MAX_BURST);
    while let Ok(first) = rx.recv() {
        burst.push(first);
        while burst.len() < MAX_BURST {
            match rx.try_recv() {
                Ok(m) => burst.push(m),
                Err(_) => break,
            }
        }
        cache.store().batch(|| {
            for m in &burst {
                cache
                    .apply_message(m, Some("u1"))
                    .map_err(|e| e.to_string())?;
            }
            Ok::<(), String>(())
        })?;
        applied += burst.len();
        bursts += 1;
        burst.clear();
    }
    let per_sec = applied as f64 / t.elapsed().as_secs_f64();
    producer
        .join()
        .map_err(|_| "the producer panicked".to_string())?;
    if applied != total {
        return Err(format!("{applied} of {total} messages were applied"));
    }
    Ok((per_sec, applied as f64 / bursts.max(1) as f64))
}

/// Runs the benchmark in `dir` (which it fills with a fresh database).
pub fn run(dir: &Path, messages: u32, batch: u32) -> Result<CacheReport, String> {
    let _ = std::fs::remove_dir_all(dir);
    let path = dir.join("bench.sqlite3");
    let store = Store::open(&path).map_err(|e| e.to_string())?;
    let cache = Cache::new(store);
    let mut rng = Lcg(42);
    let all: Vec<Message> = (0..messages).map(|i| message(i, &mut rng)).collect();
    let batch = batch.max(1) as usize;
    let t = Instant::now();
    for chunk in all.chunks(batch) {
        cache.ingest(chunk, Some("u1")).map_err(|e| e.to_string())?;
    }
    let ingest_per_sec = f64::from(messages) / t.elapsed().as_secs_f64();
    // Live: one transaction per message, into a conversation of its own.
    let live_messages = (messages / 10).clamp(1, 10_000);
    let live: Vec<Message> = (0..live_messages)
        .map(|i| Message {
            id: format!("live{i:08}"),
            conversation_id: "live".into(),
            ..message(i, &mut rng)
        })
        .collect();
    let t = Instant::now();
    for m in &live {
        cache
            .apply_message(m, Some("u1"))
            .map_err(|e| e.to_string())?;
    }
    let live_per_sec = f64::from(live_messages) / t.elapsed().as_secs_f64();
    let stored = count_pages(&cache, "live")?;
    if stored != live_messages as usize {
        return Err(format!(
            "{stored} of {live_messages} live messages were cached"
        ));
    }
    let grouped: Vec<Message> = live
        .iter()
        .map(|m| Message {
            conversation_id: "grouped".into(),
            ..m.clone()
        })
        .collect();
    let (grouped_per_sec, grouped_burst) = group_commit(&cache, grouped)?;
    let stored = count_pages(&cache, "grouped")?;
    if stored != live_messages as usize {
        return Err(format!(
            "{stored} of {live_messages} group-committed messages were cached"
        ));
    }
    let (latest, _) = cache.page("bench", None, 50).map_err(|e| e.to_string())?;
    if latest.len() != 50.min(messages as usize) {
        return Err(format!("latest page has {} messages", latest.len()));
    }
    let latest_page_ms = time_ms(300, || cache.page("bench", None, 50));
    // A cursor in the middle: the local id of message n/2 (ingested in order).
    let middle = i64::from(messages / 2).max(1);
    let middle_page_ms = time_ms(300, || cache.page("bench", Some(middle), 50));
    let queue_pick_ms = queue_pick(&cache)?;
    let rare_hits = cache
        .search("zanzibar", Some("bench"), 1000)
        .map_err(|e| e.to_string())?
        .len();
    let search_rare_ms = time_ms(100, || cache.search("zanzibar", Some("bench"), 50));
    let search_common_ms = time_ms(100, || cache.search("message", None, 50));
    let db_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(dir.join("bench.sqlite3-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    Ok(CacheReport {
        messages,
        batch: batch as u32,
        ingest_per_sec,
        live_messages,
        live_per_sec,
        grouped_per_sec,
        grouped_burst,
        latest_page_ms,
        middle_page_ms,
        queue_pick_ms,
        search_rare_ms,
        search_common_ms,
        rare_hits,
        db_bytes,
    })
}

/// Queues one message of ours at the end of the large conversation and times the outbox's
/// pick of it; the message is taken back after.
fn queue_pick(cache: &Cache) -> Result<(f64, f64), String> {
    let me = Party {
        id: "u1".into(),
        ..Party::default()
    };
    let queued = cache
        .enqueue(&Outgoing {
            conversation_id: "bench",
            client_id: "bench-pick",
            sender: &me,
            text: Some("queued"),
            reply_to: None,
            file_id: None,
        })
        .map_err(|e| e.to_string())?;
    let picked = cache.next_queued().map_err(|e| e.to_string())?;
    if picked.as_ref().map(|q| q.local_id) != Some(queued.local_id) {
        return Err(format!(
            "the outbox picked {picked:?}, not the queued message"
        ));
    }
    let timed = time_ms(300, || cache.next_queued());
    if !cache
        .discard("bench", "bench-pick")
        .map_err(|e| e.to_string())?
    {
        return Err("the queued message could not be taken back".into());
    }
    Ok(timed)
}

/// The report as a table.
pub fn table(r: &CacheReport) -> String {
    let mut s = String::new();
    s += &format!(
        "message cache: {} messages in one conversation, ingest batches of {}, database {:.1} MB\n",
        r.messages,
        r.batch,
        r.db_bytes as f64 / 1e6
    );
    s += &format!(
        "{:<52} {:>12} {:>12} {:>10}\n",
        "measure", "median", "p99", "target"
    );
    s += &format!(
        "{:<52} {:>12} {:>12} {:>10}\n",
        format!("ingest, {} per write (msg/s, FTS indexed)", r.batch),
        format!("{:.0}", r.ingest_per_sec),
        "",
        ">= 50000"
    );
    s += &format!(
        "{:<52} {:>12} {:>12} {:>10}\n",
        format!(
            "ingest live, one per write, {} msgs (msg/s)",
            r.live_messages
        ),
        format!("{:.0}", r.live_per_sec),
        "",
        ""
    );
    s += &format!(
        "{:<52} {:>12} {:>12} {:>10}\n",
        format!(
            "ingest live, group commit ({:.0} per burst) (msg/s)",
            r.grouped_burst
        ),
        format!("{:.0}", r.grouped_per_sec),
        "",
        ">= 50000"
    );
    let row = |name: &str, (p50, p99): (f64, f64), target: &str| {
        format!(
            "{name:<52} {:>12} {:>12} {target:>10}\n",
            format!("{p50:.3} ms"),
            format!("{p99:.3} ms")
        )
    };
    s += &row(
        "latest 50 messages from the cache",
        r.latest_page_ms,
        "< 2 ms",
    );
    s += &row(
        "50 messages from the middle (keyset cursor)",
        r.middle_page_ms,
        "",
    );
    s += &row("outbox picks the next message to send", r.queue_pick_ms, "");
    s += &row(
        &format!("search rare word ({} hits), 50 results", r.rare_hits),
        r.search_rare_ms,
        "",
    );
    s += &row(
        "search word in every message, newest 50",
        r.search_common_ms,
        "",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_round_trips_through_the_cache_parser() {
        let s = iso(1_700_000_000);
        assert_eq!(s, "2023-11-14T22:13:20.000Z");
        assert_eq!(
            parlor_core::messaging::time::parse_iso_ms(&s),
            Some(1_700_000_000_000)
        );
    }

    #[test]
    fn a_small_run_measures_everything() {
        let dir = std::env::temp_dir().join(format!("parlor-bench-cache-{}", std::process::id()));
        // 600 live messages: more than one page (500), so the count walks the pages.
        let r = run(&dir, 6000, 500).unwrap();
        assert_eq!(r.rare_hits, 6);
        assert!(r.ingest_per_sec > 0.0);
        // Live messages are applied one by one (run checks that each is cached).
        assert_eq!(r.live_messages, 600);
        assert!(r.live_per_sec > 0.0);
        assert!(table(&r).contains("ingest live, one per write, 600 msgs"));
        // Group commit applied every message (run counts them) in bursts of at least one.
        assert!(r.grouped_per_sec > 0.0 && r.grouped_burst >= 1.0);
        assert!(table(&r).contains("ingest live, group commit"));
        assert!(r.latest_page_ms.0 > 0.0 && r.search_common_ms.0 > 0.0);
        assert!(table(&r).contains("latest 50 messages"));
        assert!(r.queue_pick_ms.0 > 0.0);
        assert!(table(&r).contains("outbox picks the next message"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
