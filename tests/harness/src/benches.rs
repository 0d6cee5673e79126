//! The `bench*` subcommands: each runs its benchmark, prints its table and, when asked, writes
//! its figures as JSON.

use crate::runs::fail;
use parlor_harness::{
    bench, bench_cache, bench_chat, bench_resilience, bench_summary, bench_voice,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Prints `table` and writes `report` to `json` when given.
fn print_and_save(table: &str, report: &impl Serialize, json: Option<PathBuf>) -> ExitCode {
    print!("{table}");
    if let Some(path) = json {
        let written = serde_json::to_string_pretty(report)
            .map_err(|e| e.to_string())
            .and_then(|text| std::fs::write(&path, text).map_err(|e| e.to_string()));
        if let Err(e) = written {
            return fail(format!("cannot write {}: {e}", path.display()));
        }
    }
    ExitCode::SUCCESS
}

/// Runs blocking benchmark `work` in the scratch directory `dir`, removed afterwards.
async fn in_scratch_dir<T: Send + 'static>(
    dir: PathBuf,
    work: impl FnOnce(&Path) -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(move || {
        let r = work(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        r
    })
    .await
    .map_err(|e| e.to_string())?
}

/// A scratch directory of this process under the system's temporary directory.
fn scratch(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("parlor-{tag}-{}", std::process::id()))
}

/// `parlor bench-voice`.
pub(crate) async fn voice(seconds: f64, runs: u32, json: Option<PathBuf>) -> ExitCode {
    match in_scratch_dir(scratch("bench-voice"), move |d| {
        bench_voice::run(d, seconds, runs)
    })
    .await
    {
        Ok(report) => print_and_save(&bench_voice::table(&report), &report, json),
        Err(e) => fail(e),
    }
}

/// `parlor bench-resilience`.
pub(crate) async fn resilience(
    events_per_sec: u32,
    seconds: u32,
    line_mb: u32,
    json: Option<PathBuf>,
) -> ExitCode {
    match bench_resilience::run(events_per_sec, seconds, line_mb).await {
        Ok(report) => print_and_save(&bench_resilience::table(&report), &report, json),
        Err(e) => fail(e),
    }
}

/// `parlor bench-cache`.
pub(crate) async fn cache(
    messages: u32,
    batch: u32,
    dir: Option<PathBuf>,
    json: Option<PathBuf>,
) -> ExitCode {
    let dir = dir.unwrap_or_else(|| scratch("bench-cache"));
    match in_scratch_dir(dir, move |d| bench_cache::run(d, messages, batch)).await {
        Ok(report) => print_and_save(&bench_cache::table(&report), &report, json),
        Err(e) => fail(e),
    }
}

/// What `parlor bench` measures (see its options).
pub(crate) struct All {
    pub(crate) rtt: u32,
    pub(crate) oneway: u32,
    pub(crate) rounds: u32,
    pub(crate) idle: bench::IdleSizes,
    pub(crate) chat_samples: u32,
    pub(crate) cache_messages: u32,
    pub(crate) voice_seconds: f64,
    pub(crate) json: Option<PathBuf>,
}

/// `parlor bench`: the transport, the chat round trip, the cache and voice notes, one table.
pub(crate) async fn all(a: All) -> ExitCode {
    let transport = match bench::run(a.rtt, a.oneway, a.rounds, a.idle).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let chat = if a.chat_samples > 0 {
        match bench_chat::run(a.chat_samples, a.rounds).await {
            Ok(r) => Some(r),
            Err(e) => return fail(e),
        }
    } else {
        None
    };
    // The cache and voice halves (`bench-cache` and `bench-voice` run them alone).
    let (cache_messages, voice_seconds) = (a.cache_messages, a.voice_seconds);
    let halves = in_scratch_dir(scratch("bench"), move |dir| {
        let cache = (cache_messages > 0)
            .then(|| bench_cache::run(&dir.join("cache"), cache_messages, 1000))
            .transpose()?;
        let voice = (voice_seconds > 0.0)
            .then(|| bench_voice::run(&dir.join("voice"), voice_seconds, 3))
            .transpose()?;
        Ok((cache, voice))
    })
    .await;
    let (cache, voice) = match halves {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    let table = bench_summary::table(&transport, chat.as_ref(), cache.as_ref(), voice.as_ref());
    let doc = serde_json::json!({
        "transport": transport, "chat": chat, "cache": cache, "voice": voice
    });
    print_and_save(&table, &doc, a.json)
}
