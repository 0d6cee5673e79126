//! Bad input and pressure: bad stdin lines get typed errors, an unread flood stays within a memory bound, a slow subscriber keeps the newest events.

use super::*;

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
