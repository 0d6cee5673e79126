//! Reliability against hostile and broken peers (issue 15) and logins refused after the
//! socket connected (issue 14 item 5), each against a real socket.io server or the real
//! `parlor` binary: a panicking service never stops delivery, binary attachments and reserved
//! event names cannot drop the link, refused tokens are renewed from their source, stdin cannot
//! end or bloat a session, and an unread flood stays within a memory bound.

#[path = "../support/mod.rs"]
mod support;

use futures_util::FutureExt;
use parlor_core::command::Command;
use parlor_core::transport::{Inbound, Method, RestClient, RestRequest, Socket, SocketConfig};
use parlor_core::{
    Client, ConnectionState, DialectId, DomainEvent, Error, EventStream, ServerProfile, Service,
    StaticToken,
};
use parlor_harness::servers::{server_file, servers_dir, RefServer, PROBE};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin};
use tokio::sync::mpsc;

mod links;
mod panics;
mod pressure;
mod tokens;

const PARLOR: &str = env!("CARGO_BIN_EXE_parlor");

fn scratch(tag: &str) -> PathBuf {
    support::scratch_dir("resilience", tag)
}

/// The next event that `pred` accepts, within `secs`.
async fn event_where(
    events: &mut EventStream,
    secs: u64,
    what: &str,
    pred: impl Fn(&DomainEvent) -> bool,
) -> DomainEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(e)) if pred(&e) => return e,
            Ok(Some(_)) => {}
            other => panic!("{what}: not seen within {secs} s ({other:?})"),
        }
    }
}

fn server_error(e: &DomainEvent) -> Option<(&Option<String>, &str, &str)> {
    match e {
        DomainEvent::ServerError {
            code,
            message,
            source,
        } => Some((code, message.as_str(), source.as_str())),
        _ => None,
    }
}

/// The probe's own count of what clients did (`GET /stats`).
async fn probe_stats(server: &RefServer) -> Value {
    let rest = RestClient::new(server.url(), Arc::new(StaticToken::new("valid")), None).unwrap();
    rest.send(&RestRequest {
        method: Method::Get,
        path: "/stats".into(),
        query: vec![],
        body: None,
    })
    .await
    .expect("probe stats")
}

/// A running `parlor connect` whose stdout lines are read into a channel.
struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::UnboundedReceiver<Value>,
}

impl Session {
    fn start(args: &[&str], token_env: Option<&str>) -> Session {
        let mut cmd = tokio::process::Command::new(PARLOR);
        cmd.arg("connect")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(t) = token_env {
            cmd.env("PARLOR_TOKEN", t);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                let v = serde_json::from_str::<Value>(&l)
                    .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        Session {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    async fn send_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).await.unwrap();
        stdin.flush().await.unwrap();
    }

    async fn send(&mut self, line: Value) {
        self.send_bytes(format!("{line}\n").as_bytes()).await;
    }

    /// The next stdout line that `pred` accepts, within `secs`.
    async fn line_where(&mut self, secs: u64, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(v)) if pred(&v) => return v,
                Ok(Some(_)) => {}
                other => panic!("{what}: not seen within {secs} s ({other:?})"),
            }
        }
    }

    async fn reply(&mut self, id: i64) -> Value {
        self.line_where(20, &format!("reply {id}"), |v| v["reply_to"] == json!(id))
            .await
    }

    /// The peak resident memory of the process so far, in bytes (Linux).
    fn peak_rss(&self) -> u64 {
        proc_status_kb(self.child.id().unwrap(), "VmHWM") * 1024
    }
}

/// A `kB` field of `/proc/<pid>/status`.
fn proc_status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} not in /proc/{pid}/status"))
}
