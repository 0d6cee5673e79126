//! Shared by the suites that drive the real `parlor connect` binary over JSON lines.
#![allow(dead_code)]

pub mod ledger;

use serde_json::{json, Value};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// Polls `ok` every 50 ms for up to `secs` seconds; its last answer when time runs out.
pub async fn wait_until(secs: u64, mut ok: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ok()
}

/// The binary under test.
pub const PARLOR: &str = env!("CARGO_BIN_EXE_parlor");

/// A name no other test, in this run or another, uses (tests of one binary run in parallel:
/// a name made of the process id alone was shared by two tests, which then deleted each
/// other's cache).
pub fn unique() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// A new empty directory of this test's own under the temp dir.
pub fn scratch_dir(suite: &str, tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("parlor-{suite}-{tag}-{}", unique()));
    std::fs::create_dir_all(&dir).expect("temp dir is writable");
    dir
}

/// One `parlor connect` process.
pub struct Session {
    pub child: Child,
    pub stderr: tokio::task::JoinHandle<String>,
    pub stdin: ChildStdin,
    lines: tokio::io::Lines<BufReader<ChildStdout>>,
    next_id: u64,
}

impl Session {
    /// Starts `parlor connect` with every service (a data dir) for `account`.
    pub fn start(
        url: &str,
        dialect: &str,
        namespace: &str,
        account: &str,
        data_dir: &Path,
        env: &[(&str, &str)],
    ) -> Session {
        let mut child = Command::new(PARLOR)
            .args([
                "connect",
                "--url",
                url,
                "--dialect",
                dialect,
                "--namespace",
                namespace,
                "--account-id",
                account,
                "--linger-ms",
                "0",
                "--data-dir",
            ])
            .arg(data_dir)
            .env("PARLOR_TOKEN", "any.token.at.all")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("parlor runs");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Drained all along, so a chatty stderr can never block the process.
        let mut err = child.stderr.take().unwrap();
        let stderr = tokio::spawn(async move {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text).await;
            text
        });
        Session {
            child,
            stderr,
            stdin,
            lines,
            next_id: 0,
        }
    }

    pub async fn send(&mut self, mut cmd: Value) -> u64 {
        self.next_id += 1;
        cmd["id"] = json!(self.next_id);
        self.stdin
            .write_all(format!("{cmd}\n").as_bytes())
            .await
            .expect("parlor reads its stdin");
        self.next_id
    }

    /// Reads lines until the reply to `id`.
    pub async fn reply(&mut self, id: u64, secs: u64) -> Value {
        self.read_until(id, secs, false, |_| false).await
    }

    /// Reads lines until the reply to `id` and an event `seen` accepts both came, handing
    /// every event to `seen`. Returns the reply.
    pub async fn read_through(
        &mut self,
        id: u64,
        secs: u64,
        seen: impl FnMut(&Value) -> bool,
    ) -> Value {
        self.read_until(id, secs, true, seen).await
    }

    async fn read_until(
        &mut self,
        id: u64,
        secs: u64,
        need_event: bool,
        mut seen: impl FnMut(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        let (mut reply, mut done) = (None, !need_event);
        while reply.is_none() || !done {
            let line = match tokio::time::timeout_at(deadline, self.lines.next_line()).await {
                Ok(Ok(Some(l))) => l,
                Ok(_) => panic!("parlor connect ended (reply {reply:?}, done {done})"),
                Err(_) => panic!("no reply to {id} / condition within {secs} s (reply {reply:?})"),
            };
            let v: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:.200}"));
            if v.get("reply_to") == Some(&json!(id)) {
                reply = Some(v);
            } else if seen(&v) {
                done = true;
            }
        }
        reply.unwrap()
    }

    /// Sends `quit`, closes stdin and waits for the exit: the status and all of stderr.
    pub async fn quit(mut self) -> (std::process::ExitStatus, String) {
        self.send(json!({"cmd": "quit"})).await;
        drop(self.stdin);
        let status = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("parlor exits after quit")
            .unwrap();
        (status, self.stderr.await.unwrap_or_default())
    }
}
