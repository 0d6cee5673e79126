//! Reliability against hostile and broken peers (issue 15) and logins refused after the
//! socket connected (issue 14 item 5), each against a real socket.io server or the real
//! `parlor` binary: a panicking service never stops delivery, binary attachments and reserved
//! event names cannot drop the link, refused tokens are renewed from their source, stdin cannot
//! end or bloat a session, and an unread flood stays within a memory bound.

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

/// Panics inside `observe` (while holding its own lock, to poison it) on the 003 error event
/// "bomb", and inside `handle` for typing commands.
#[derive(Default)]
struct Bomb {
    seen: Mutex<u32>,
}

impl Service for Bomb {
    fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        *seen += 1;
        if let Some((None, "bomb", "error")) = server_error(event) {
            panic!("hostile value");
        }
        vec![]
    }

    fn handle(
        &self,
        cmd: &Command,
    ) -> Option<futures_util::future::BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        match cmd {
            Command::SetTyping { typing: true, .. } => panic!("claim failed"),
            Command::SetTyping { typing: false, .. } => {
                Some(async { panic!("work failed") }.boxed())
            }
            _ => None,
        }
    }
}

/// Issue 15 item 1: a panic in a service (on the task that delivers server events) used to
/// end delivery for good. Now it is reported as `internal_error` and later events arrive.
#[tokio::test]
async fn a_panicking_service_never_stops_event_delivery() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let client = Client::connect(
        ServerProfile::new(DialectId::SupportChat, server.url()),
        Arc::new(StaticToken::new("valid")),
    )
    .unwrap();
    client.attach(Arc::new(Bomb::default()));
    let mut events = client.subscribe();
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    for round in 0..3 {
        let marker = format!("marker {round}");
        client
            .send(Command::Raw {
                event: "emit-as".into(),
                payload: json!({ "events": [
                    ["error", { "message": "bomb" }],
                    ["error", { "message": marker }],
                ]}),
                ack: false,
            })
            .await
            .unwrap();
        let report = event_where(
            &mut events,
            10,
            "internal_error",
            |e| matches!(server_error(e), Some((Some(code), _, _)) if code == "internal_error"),
        )
        .await;
        let (_, message, source) = server_error(&report).unwrap();
        assert!(source.ends_with("Bomb"), "{source}");
        assert!(
            message.contains("hostile value") && message.contains("bomb"),
            "names the panic and carries the event: {message}"
        );
        event_where(
            &mut events,
            10,
            "the event after the panic",
            |e| matches!(server_error(e), Some((None, m, "error")) if m == marker),
        )
        .await;
    }
    // Panics while claiming or performing a command fail that command only.
    for typing in [true, false] {
        let err = client
            .send(Command::SetTyping {
                conversation_id: "c".into(),
                typing,
            })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("internal error"), "{err}");
    }
    let echo = client
        .send(Command::Raw {
            event: "echo".into(),
            payload: json!("still here"),
            ack: true,
        })
        .await
        .unwrap();
    assert_eq!(
        echo,
        vec![DomainEvent::RawReply {
            wire_event: "echo".into(),
            args: vec![json!("still here")]
        }]
    );
    assert_eq!(client.state(), ConnectionState::Connected);
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

/// Issue 15 item 8: a server event with binary attachments used to drop the connection.
#[tokio::test]
async fn binary_attachments_from_the_server_keep_the_connection() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, mut inbound) = Socket::start(
        SocketConfig::new(server.url(), "/"),
        Arc::new(StaticToken::new("valid")),
    );
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    socket.emit("emit-binary", vec![]).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut binary = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, inbound.recv()).await {
            Ok(Some(Inbound::Event { name, args })) if name == "after-binary" => {
                assert_eq!(args, vec![json!({"ok": true})]);
                break;
            }
            Ok(Some(Inbound::Event { name, args })) if name == "binary" => binary.push(args),
            Ok(Some(Inbound::State(s))) if s != ConnectionState::Connected => {
                panic!("the connection changed: {s:?}")
            }
            Ok(Some(_)) => {}
            other => panic!("after-binary not seen: {other:?}; binary so far {binary:?}"),
        }
    }
    assert_eq!(binary.len(), 2, "both binary events delivered: {binary:?}");
    assert_eq!(socket.state(), ConnectionState::Connected);
    assert_eq!(
        socket.request("echo", vec![json!(1)], None).await.unwrap(),
        vec![json!(1)]
    );
    assert_eq!(probe_stats(&server).await["connections"], json!(1));
}

/// This process's TCP sockets connected to `port` on 127.0.0.1 (Linux: /proc/self/fd).
fn tcp_fds_to(port: u16) -> Vec<i32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let mut addr: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        // SAFETY: `addr` is a writable sockaddr_in of `len` bytes; a non-socket fd fails.
        let rc =
            unsafe { libc::getpeername(fd, &mut addr as *mut _ as *mut libc::sockaddr, &mut len) };
        if rc == 0 && addr.sin_family as i32 == libc::AF_INET && u16::from_be(addr.sin_port) == port
        {
            out.push(fd);
        }
    }
    out
}

/// TCP_NODELAY of socket `fd`.
fn nodelay(fd: i32) -> bool {
    let mut on: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `on` is a writable c_int of `len` bytes.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            &mut on as *mut _ as *mut libc::c_void,
            &mut len,
        )
    };
    assert_eq!(rc, 0, "getsockopt on fd {fd}");
    on != 0
}

/// Issue 15 item 8: nothing set TCP_NODELAY, so small frames (acks, typing) could wait for
/// the peer's delayed ACK. The socket's own TCP connection now has it.
#[tokio::test]
async fn the_socket_sets_tcp_nodelay() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, _inbound) = Socket::start(
        SocketConfig::new(server.url(), "/"),
        Arc::new(StaticToken::new("valid")),
    );
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    let fds = tcp_fds_to(server.port());
    assert_eq!(fds.len(), 1, "one connection to the probe: {fds:?}");
    assert!(nodelay(fds[0]), "TCP_NODELAY is off");
}

/// Issue 15 item 8: a `raw` emit of a name socket.io reserves answered ok and the server
/// dropped the link. Now it is refused with `invalid_input` and nothing is sent.
#[tokio::test]
async fn raw_emits_of_reserved_names_are_refused_and_the_link_stays() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let client = Client::connect(
        ServerProfile::new(DialectId::SupportChat, server.url()),
        Arc::new(StaticToken::new("valid")),
    )
    .unwrap();
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    for name in [
        "connect",
        "connect_error",
        "disconnect",
        "disconnecting",
        "newListener",
        "removeListener",
    ] {
        for ack in [false, true] {
            let err = client
                .send(Command::Raw {
                    event: name.into(),
                    payload: json!({}),
                    ack,
                })
                .await
                .unwrap_err();
            assert_eq!(err.code(), "invalid_input", "{name}: {err}");
        }
    }
    let echo = client
        .send(Command::Raw {
            event: "echo".into(),
            payload: json!("after"),
            ack: true,
        })
        .await
        .unwrap();
    assert_eq!(echo.len(), 1);
    assert_eq!(client.state(), ConnectionState::Connected);
    assert_eq!(probe_stats(&server).await["connections"], json!(1));
}

/// Issue 15 item 8: `http://evil.localhost` counted as this machine, so plain http went to a
/// name resolved through DNS. Only `localhost` itself and loopback addresses count.
#[tokio::test]
async fn plain_http_to_a_dns_name_under_localhost_is_refused() {
    for (url, refused) in [
        ("http://evil.localhost:9", true),
        ("http://localhost.evil.example:9", true),
        ("ws://a.b.localhost:9", true),
        ("http://localhost:9", false),
        ("http://127.0.0.1:9", false),
    ] {
        let out = tokio::process::Command::new(PARLOR)
            .args([
                "connect",
                "--url",
                url,
                "--dialect",
                "003",
                "--linger-ms",
                "0",
            ])
            .env("PARLOR_TOKEN", "t")
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if refused {
            assert_eq!(out.status.code(), Some(2), "{url}: {stderr}");
            assert!(stderr.contains("plain"), "{url}: {stderr}");
        } else {
            assert!(out.status.success(), "{url}: {stderr}");
        }
    }
}

/// A token for `account` of `file` that expires `ttl` seconds from now (negative: already).
async fn mint_with_ttl(file: &str, account: &str, ttl: i64) -> String {
    let out = tokio::process::Command::new("node")
        .arg(servers_dir().join(file))
        .args(["--mint", account, "--ttl", &ttl.to_string()])
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn profile(d: DialectId, url: &str, ns: &str) -> ServerProfile {
    let mut p = ServerProfile::new(d, url);
    p.namespace = ns.into();
    p.rest_url = Some(url.into());
    p
}

/// Issue 14 item 5: a 002 server accepts every socket and refuses a bad token afterwards with
/// `auth_error`; `wait_connected` used to answer ok first. Now `connected` waits for the
/// document's `authenticated`, and a refusal is `auth_failed`, never preceded by `connected`.
/// The same holds for every dialect (the others refuse in the handshake).
#[tokio::test]
async fn a_login_refused_after_connecting_is_auth_failed_and_never_connected_first() {
    for (d, ns, account, expected) in [
        (
            DialectId::TarotChat,
            "/",
            "11111111-1111-4111-8111-111111111111",
            "Authentication token expired",
        ),
        (
            DialectId::BillingChat,
            "/",
            "u-asha",
            "Invalid or expired token",
        ),
        (
            DialectId::PresenceSessions,
            "/",
            "user_asha",
            "Invalid or expired token",
        ),
        (DialectId::SupportChat, "/", "1", "Token expired"),
        (
            DialectId::Telecaller,
            "/user",
            "507f1f77bcf86cd799439011",
            "Invalid or expired token",
        ),
    ] {
        let server = RefServer::start(server_file(d), &[]).await.unwrap();
        let expired = mint_with_ttl(server_file(d), account, -60).await;
        let client = Client::connect(
            profile(d, &server.url(), ns),
            Arc::new(StaticToken::new(expired)),
        )
        .unwrap();
        let mut events = client.subscribe();
        assert_eq!(
            client.wait_connected(Duration::from_secs(10)).await,
            Err(Error::AuthFailed(expected.into())),
            "{d}"
        );
        let mut states = Vec::new();
        while let Some(e) = events.try_recv() {
            if let DomainEvent::Connection { state } = e {
                states.push(state);
            }
        }
        assert!(
            !states.contains(&ConnectionState::Connected),
            "{d}: connected before the refusal: {states:?}"
        );
        assert_eq!(
            states.last(),
            Some(&ConnectionState::AuthFailed {
                message: expected.into()
            }),
            "{d}"
        );
        // Commands fail fast with the reason.
        let err = client
            .send(Command::JoinConversation {
                conversation_id: "c".into(),
            })
            .await
            .unwrap_err();
        assert!(
            err.code() == "auth_failed" || err.code() == "unsupported",
            "{d}: {err}"
        );
    }
}

/// With a good token, 002 is `connected` only after its `authenticated`, which the app sees.
#[tokio::test]
async fn tarot_chat_is_connected_after_the_server_confirms_the_login() {
    let d = DialectId::TarotChat;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let token = server
        .mint("11111111-1111-4111-8111-111111111111")
        .await
        .unwrap();
    let client = Client::connect(
        profile(d, &server.url(), "/"),
        Arc::new(StaticToken::new(token)),
    )
    .unwrap();
    let mut events = client.subscribe();
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    let mut authenticated_first = false;
    while let Some(e) = events.try_recv() {
        match e {
            DomainEvent::Authenticated { .. } => authenticated_first = true,
            DomainEvent::Connection {
                state: ConnectionState::Connected,
            } => break,
            _ => {}
        }
    }
    assert!(authenticated_first, "authenticated before connected");
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

/// Issue 15 items 4 and 5: invalid UTF-8 on stdin ended the session, and one 10 MB line
/// peaked at 436 MB. Both now get an `invalid_input` reply and the session goes on; the long
/// line is never held whole.
#[tokio::test]
async fn bad_stdin_gets_typed_errors_and_the_session_goes_on() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let url = server.url();
    let mut s = Session::start(
        &["--url", &url, "--dialect", "003", "--linger-ms", "0"],
        Some("valid"),
    );
    s.send(json!({"id": 1, "cmd": "wait_connected"})).await;
    assert_eq!(s.reply(1).await["ok"], json!(true));

    s.send_bytes(b"{\"id\":2,\"cmd\":\"state\"}\xff\xfe\n")
        .await;
    let e = s
        .line_where(10, "utf-8 error", |v| v["ok"] == json!(false))
        .await;
    assert_eq!(e["error"]["code"], json!("invalid_input"), "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("UTF-8"),
        "{e}"
    );
    s.send(json!({"id": 3, "cmd": "state"})).await;
    assert_eq!(s.reply(3).await["state"]["state"], json!("connected"));

    let before = s.peak_rss();
    let mut long = vec![b'x'; 10 * 1024 * 1024];
    long.push(b'\n');
    s.send_bytes(&long).await;
    let e = s
        .line_where(20, "line too long", |v| v["ok"] == json!(false))
        .await;
    assert_eq!(e["error"]["code"], json!("invalid_input"), "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line too long"),
        "{e}"
    );
    s.send(json!({"id": 4, "cmd": "state"})).await;
    assert_eq!(s.reply(4).await["ok"], json!(true));
    let peak = s.peak_rss();
    assert!(
        peak < before + 32 * 1024 * 1024,
        "a 10 MB line raised the peak from {} to {} MB",
        before >> 20,
        peak >> 20
    );
    s.send(json!({"id": 5, "cmd": "quit"})).await;
    assert_eq!(s.reply(5).await["ok"], json!(true));
    let status = tokio::time::timeout(Duration::from_secs(10), s.child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success());
}

/// Issue 15 item 5: memory grew without bound (50 → 262 MB in 24 s) under a flood with stdout
/// unread. Now the core's per-subscriber queue and the output queue are bounded. A loose check
/// (the figure itself comes from `parlor bench-resilience`): while 5,000 events/s of 1 KB
/// arrive for 8 s and nobody reads stdout, the resident memory grows by less than 24 MB after
/// the first two seconds (it stays flat; before the bound it grew by about 11 MB/s).
#[tokio::test]
async fn an_unread_flood_stays_within_a_memory_bound() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let url = server.url();
    let mut child = tokio::process::Command::new(PARLOR)
        .args(["connect", "--url", &url, "--dialect", "003"])
        .env("PARLOR_TOKEN", "valid")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped()) // never read
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let seconds = 8;
    for line in [
        json!({"id": 1, "cmd": "wait_connected"}),
        json!({"id": 2, "cmd": "raw", "event": "flood-rate",
               "payload": {"perSecond": 5000, "seconds": seconds, "bytes": 1000}}),
    ] {
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
    }
    // The flood is on once the server has taken the connection's events; sample while it runs.
    let stats_deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while probe_stats(&server).await["connections"] != json!(1) {
        assert!(
            tokio::time::Instant::now() < stats_deadline,
            "never connected"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut samples = Vec::new();
    for _ in 0..(seconds * 4) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        samples.push(proc_status_kb(pid, "VmRSS"));
    }
    let after_warmup = samples[8];
    let last = *samples.last().unwrap();
    let peak = *samples.iter().max().unwrap();
    // The bound means something only if the flood happened: the server's own count.
    let sent = probe_stats(&server).await["floodSent"]
        .as_u64()
        .unwrap_or(0);
    eprintln!(
        "flood RSS samples (MB): {:?}; the server sent {sent} events",
        samples.iter().map(|k| k >> 10).collect::<Vec<_>>()
    );
    assert!(
        sent >= 10_000,
        "the probe sent only {sent} of {} events: no flood to measure",
        5000 * seconds
    );
    assert!(
        peak < after_warmup + 24 * 1024,
        "RSS grew from {} MB to {} MB (last {} MB)",
        after_warmup >> 10,
        peak >> 10,
        last >> 10
    );
    child.kill().await.unwrap();
}

/// The probe-free part of the renewal test: the server's copy of a conversation.
fn stored_texts(state_file: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(state_file).unwrap_or_default();
    let state: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    state["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m.to_string().contains(needle))
        .count()
}

/// Issue 15 item 7: an expired token on reconnect was final: a fresh token written to
/// `--token-file` was never read again, commands said `not_connected`, and queued messages sat
/// `pending`. Now the state says `auth_failed`, commands fail fast with it, the file is read
/// again with backoff, and once the new token works the queued message arrives, once.
#[tokio::test]
async fn an_expired_token_is_renewed_from_the_token_file_and_the_outbox_resumes() {
    let d = DialectId::SupportChat;
    let dir = scratch("renew");
    let state_file = dir.join("server-state.json");
    let state_env = state_file.to_string_lossy().to_string();
    let mut server = RefServer::start(server_file(d), &[("PARLOR_STATE_FILE", &state_env)])
        .await
        .unwrap();
    let token_file = dir.join("token");
    let ttl = 4;
    let short = mint_with_ttl(server_file(d), "1", ttl).await;
    let minted = std::time::Instant::now();
    std::fs::write(&token_file, &short).unwrap();
    let url = server.url();
    let data = dir.join("data");
    let mut s = Session::start(
        &[
            "--url",
            &url,
            "--dialect",
            "003",
            "--account-id",
            "1",
            "--token-file",
            token_file.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        None,
    );
    s.send(json!({"id": 1, "cmd": "wait_connected"})).await;
    assert_eq!(s.reply(1).await["ok"], json!(true));
    s.send(json!({"id": 2, "cmd": "join_conversation", "conversation_id": "chat-1"}))
        .await;
    assert_eq!(s.reply(2).await["ok"], json!(true));

    // The token expires; then the server restarts and refuses it on reconnect.
    let expiry = Duration::from_secs(ttl as u64 + 1);
    tokio::time::sleep(expiry.saturating_sub(minted.elapsed())).await;
    server.restart().await.unwrap();
    s.line_where(20, "auth_failed", |v| {
        v["event"] == "connection" && v["state"]["state"] == "auth_failed"
    })
    .await;
    s.send(json!({"id": 3, "cmd": "state"})).await;
    let state = s.reply(3).await;
    assert_eq!(state["state"]["state"], json!("auth_failed"), "{state}");
    assert_eq!(state["state"]["message"], json!("Token expired"), "{state}");
    s.send(json!({"id": 4, "cmd": "join_conversation", "conversation_id": "chat-1"}))
        .await;
    let refused = s.reply(4).await;
    assert_eq!(refused["error"]["code"], json!("auth_failed"), "{refused}");

    // A message queued meanwhile.
    let text = format!("queued while refused {}", std::process::id());
    s.send(
        json!({"id": 5, "cmd": "send_message", "conversation_id": "chat-1",
                  "client_id": "renew-1", "text": text}),
    )
    .await;
    assert_eq!(s.reply(5).await["ok"], json!(true));

    // A new token in the file is picked up, the socket connects, the outbox resumes.
    let fresh = server.mint("1").await.unwrap();
    std::fs::write(&token_file, &fresh).unwrap();
    s.line_where(60, "connected again", |v| {
        v["event"] == "connection" && v["state"]["state"] == "connected"
    })
    .await;
    s.line_where(30, "the queued message sent", |v| {
        v["event"] == "chat_message_changed"
            && v["message"]["client_id"] == json!("renew-1")
            && v["message"]["state"] == json!("sent")
    })
    .await;
    // Exactly once on the server: ask it after a marker message that was sent later.
    s.send(
        json!({"id": 6, "cmd": "send_message", "conversation_id": "chat-1",
                  "client_id": "renew-2", "text": "marker after"}),
    )
    .await;
    s.line_where(30, "the marker sent", |v| {
        v["event"] == "chat_message_changed"
            && v["message"]["client_id"] == json!("renew-2")
            && v["message"]["state"] == json!("sent")
    })
    .await;
    assert_eq!(stored_texts(&state_file, &text), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A source that caches a token until told it was refused, then fetches the next one (as a
/// login SDK does): counts the refusals it was told of.
struct CachingSource {
    current: Mutex<String>,
    next: String,
    refusals: Mutex<Vec<String>>,
}

impl parlor_core::TokenSource for CachingSource {
    fn token(&self) -> parlor_core::token::TokenFuture<'_> {
        let t = self.current.lock().unwrap().clone();
        Box::pin(async move { Ok(t) })
    }

    fn refused(&self, token: &str) {
        self.refusals.lock().unwrap().push(token.to_owned());
        *self.current.lock().unwrap() = self.next.clone();
    }
}

/// The transport tells a source on every refusal (`TokenSource::refused`), for the socket and
/// for REST, and then uses the source's next token.
#[tokio::test]
async fn refusals_reach_the_token_source_which_supplies_the_next_token() {
    let d = DialectId::TarotChat;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let account = "11111111-1111-4111-8111-111111111111";
    let expired = mint_with_ttl(server_file(d), account, -60).await;
    let good = server.mint(account).await.unwrap();
    let source = Arc::new(CachingSource {
        current: Mutex::new(expired.clone()),
        next: good.clone(),
        refusals: Mutex::new(Vec::new()),
    });
    let client = Client::connect(profile(d, &server.url(), "/"), source.clone()).unwrap();
    let mut events = client.subscribe();
    event_where(&mut events, 20, "connected with the renewed token", |e| {
        matches!(
            e,
            DomainEvent::Connection {
                state: ConnectionState::Connected
            }
        )
    })
    .await;
    assert_eq!(*source.refusals.lock().unwrap(), vec![expired.clone()]);

    // REST: a 401 hands the token back and the call is made once more with the next one.
    *source.current.lock().unwrap() = expired.clone();
    let rest = client.rest().unwrap();
    let sessions = rest
        .send(&RestRequest {
            method: Method::Get,
            path: "/api/chat/sessions".into(),
            query: vec![],
            body: None,
        })
        .await
        .unwrap();
    assert!(sessions.is_object() || sessions.is_array(), "{sessions}");
    assert_eq!(
        *source.refusals.lock().unwrap(),
        vec![expired.clone(), expired]
    );
}

/// Issue 15 item 5, at the core's edge: a subscriber that does not read keeps only its newest
/// events (bounded), learns how many it missed (`lagged`, in place of the gap), and a reader
/// that keeps up loses nothing.
#[tokio::test]
async fn a_slow_subscriber_keeps_the_newest_events_and_learns_what_it_missed() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let client = Client::connect(
        ServerProfile::new(DialectId::SupportChat, server.url()),
        Arc::new(StaticToken::new("valid")),
    )
    .unwrap();
    let mut fast = client.subscribe();
    let mut slow = client.subscribe_with_capacity(100);
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    let events: Vec<Value> = (0..1000)
        .map(|n| json!(["error", { "message": format!("n{n}") }]))
        .collect();
    client
        .send(Command::Raw {
            event: "emit-as".into(),
            payload: json!({ "events": events }),
            ack: false,
        })
        .await
        .unwrap();
    // The reader that keeps up sees all thousand, in order.
    for n in 0..1000 {
        let want = format!("n{n}");
        let got = event_where(&mut fast, 10, &want, |e| server_error(e).is_some()).await;
        assert_eq!(server_error(&got).map(|(_, m, _)| m), Some(want.as_str()));
    }
    // The one that did not read: `lagged` first, then exactly its newest hundred.
    let first = slow.try_recv().expect("something queued");
    let DomainEvent::Lagged { missed } = first else {
        panic!("lagged first, got {first:?}")
    };
    let mut kept = Vec::new();
    while let Some(e) = slow.try_recv() {
        kept.push(e);
    }
    assert_eq!(kept.len(), 100);
    let texts: Vec<&str> = kept
        .iter()
        .filter_map(|e| server_error(e).map(|(_, m, _)| m))
        .collect();
    let newest: Vec<String> = (900..1000).map(|n| format!("n{n}")).collect();
    assert_eq!(texts, newest);
    assert!(missed >= 900, "missed {missed}");
}
