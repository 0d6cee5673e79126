//! The local cache as the real `parlor connect` binary uses it: a cache a hostile session
//! wrote (and rows an older build or a damaged disk left) opens at the next start, with the
//! unloadable rows quarantined and reported; one process per data dir, a second one refused
//! with a clear error; messages queued against one port delivered once when the server comes
//! back on another.

mod support;

use parlor_core::store::{cache_path, quarantine, Store};
use parlor_core::{DialectId, ServerProfile};
use parlor_harness::servers::{server_file, RefServer};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use support::Session;

fn scratch(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("parlor-cache-it-{tag}-{}", support::unique()))
}

/// Makes the hostile server send `event` with `args` and waits for its ack.
async fn server_says(s: &mut Session, event: &str, args: Value) {
    let id = s
        .send(json!({"cmd": "raw", "event": "hostile:emit", "payload": {"event": event, "args": [args]}, "ack": true}))
        .await;
    let r = s.reply(id, 10).await;
    assert_eq!(r["ok"], true, "{r}");
}

async fn connected(s: &mut Session) {
    let id = s.send(json!({"cmd": "wait_connected"})).await;
    let r = s.reply(id, 20).await;
    assert_eq!(r["ok"], true, "{r}");
}

#[tokio::test]
async fn a_cache_written_by_a_hostile_session_opens_at_the_next_start() {
    let server = RefServer::start("hostile.js", &[("PARLOR_HOSTILE_DIALECT", "000")])
        .await
        .unwrap();
    let dir = scratch("poisoned");
    let account = "a-hostile";

    // Session 1: a consultation the hostile server ends with a duration of 10^18 minutes,
    // through the real code path, and a second one that ends normally.
    let mut s = Session::start(&server.url(), "billing-chat", "/", account, &dir, &[]);
    connected(&mut s).await;
    for room in ["h-room", "good-room"] {
        server_says(&mut s, "chat-request", json!({"roomId": room, "userId": "u-h", "userName": "Hostile User", "chatType": "audio", "ratePerMinute": "12.50"})).await;
        server_says(
            &mut s,
            "chat-status",
            json!({"status": "accepted", "message": "accepted", "roomId": room}),
        )
        .await;
        server_says(
            &mut s,
            "chat-started",
            json!({"status": "success", "message": "started", "roomId": room, "balance": "500.00"}),
        )
        .await;
    }
    server_says(&mut s, "chat-ended", json!({"status": "success", "message": "ended", "roomId": "h-room", "duration": "1000000000000000000", "totalCost": "10", "endedBy": "user"})).await;
    server_says(&mut s, "chat-ended", json!({"status": "success", "message": "ended", "roomId": "good-room", "duration": 2, "totalCost": "25.00", "endedBy": "user"})).await;
    // The hostile server acks its emit after sending the event, which the client may still be
    // applying: ask until both are ended (bounded).
    let ended_in = |listed: &Value| {
        listed["result"][0]["consultations"]
            .as_array()
            .map(|a| a.iter().filter(|c| c["state"]["state"] == "ended").count())
            .unwrap_or(0)
    };
    let mut listed = Value::Null;
    for _ in 0..50 {
        let id = s.send(json!({"cmd": "list_consultations"})).await;
        listed = s.reply(id, 10).await;
        if ended_in(&listed) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ended_in(&listed), 2, "{listed}");
    let (status, stderr) = s.quit().await;
    assert!(status.success(), "{status:?}\n{stderr}");

    // Rows an older build or a damaged disk could leave: an absurd figure, a state that is
    // not JSON, a blob where a decimal belongs.
    let mut profile = ServerProfile::new(DialectId::BillingChat, server.url());
    profile.account_id = Some(account.into());
    let db = cache_path(&dir, &profile, account);
    {
        let store = Store::open(&db).unwrap();
        store
            .write(|tx| {
                tx.execute_batch(
                    r#"INSERT INTO consultations (id, role, state, billed_minutes, cost, updated_at)
                       VALUES ('old-huge', 'user', '{"state":"ended","by":"user","reason":"ended"}', '1000000000000000000', '10', 1);
                       INSERT INTO consultations (id, role, state, updated_at) VALUES ('old-garbled', 'user', 'not json', 2);
                       INSERT INTO consultations (id, role, state, cost, updated_at) VALUES ('old-blob', 'user', '{"state":"active"}', X'00FF', 3);"#,
                )?;
                Ok(())
            })
            .unwrap();
    }

    // Session 2: starts, connects, lists what could be loaded, reports what could not.
    let mut s = Session::start(&server.url(), "billing-chat", "/", account, &dir, &[]);
    let id = s.send(json!({"cmd": "wait_connected"})).await;
    let mut reports = Vec::new();
    let r = s
        .read_through(id, 20, |v| {
            if v["event"] == "protocol_error" && v["wire_event"] == "cache" {
                reports.push(v["raw"]["id"].as_str().unwrap_or_default().to_owned());
            }
            reports.len() == 3
        })
        .await;
    assert_eq!(r["ok"], true, "{r}");
    reports.sort();
    assert_eq!(reports, vec!["old-blob", "old-garbled", "old-huge"]);
    let id = s.send(json!({"cmd": "list_consultations"})).await;
    let listed = s.reply(id, 10).await;
    let mut ids: Vec<String> = listed["result"][0]["consultations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(ids, vec!["good-room", "h-room"], "{listed}");
    let good = listed["result"][0]["consultations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "good-room")
        .unwrap();
    assert_eq!(good["bill"]["total"]["amount"], "25.00");
    let (status, stderr) = s.quit().await;
    assert!(status.success(), "{status:?}\n{stderr}");
    let store = Store::open(&db).unwrap();
    assert_eq!(
        quarantine::list(&store).unwrap().len(),
        3,
        "kept for diagnosis"
    );
    drop(store);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_second_process_on_one_data_dir_is_refused_with_a_clear_error() {
    let server = RefServer::start("hostile.js", &[("PARLOR_HOSTILE_DIALECT", "003")])
        .await
        .unwrap();
    let dir = scratch("owner");
    let mut first = Session::start(&server.url(), "support-chat", "/", "1", &dir, &[]);
    connected(&mut first).await;
    let pid = first.child.id().unwrap();

    let second = tokio::process::Command::new(support::PARLOR)
        .args([
            "connect",
            "--url",
            &server.url(),
            "--dialect",
            "support-chat",
        ])
        .args(["--account-id", "2", "--data-dir"])
        .arg(&dir)
        .env("PARLOR_TOKEN", "t")
        .stdin(std::process::Stdio::null())
        .output();
    let out = tokio::time::timeout(Duration::from_secs(20), second)
        .await
        .expect("the second process ends by itself")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("in use by another Parlor process")
            && stderr.contains(&format!("(pid {pid})")),
        "{stderr}"
    );

    // The first is unaffected; once it is gone the dir is free again.
    let id = first.send(json!({"cmd": "state"})).await;
    assert_eq!(first.reply(id, 10).await["state"]["state"], "connected");
    let (status, _) = first.quit().await;
    assert!(status.success());
    let mut third = Session::start(&server.url(), "support-chat", "/", "1", &dir, &[]);
    connected(&mut third).await;
    third.quit().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// The client ids the 003 server's state file holds for `chat`, in order.
fn stored(state_file: &Path, chat: &str) -> Vec<String> {
    std::fs::read_to_string(state_file)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .map(|state| {
            state["messages"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["chatId"] == chat)
                .filter_map(|m| m["clientMessageId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn messages_queued_against_one_port_arrive_once_when_the_server_returns_on_another() {
    let dir = scratch("port");
    std::fs::create_dir_all(&dir).unwrap();
    let state_file = dir.join("server-state.json");
    let env = [("PARLOR_STATE_FILE", state_file.to_str().unwrap())];
    let mut a = RefServer::start(server_file(DialectId::SupportChat), &env)
        .await
        .unwrap();
    let token = a.mint("1").await.unwrap();
    let url_a = a.url();
    a.stop().await;

    // Offline against port A: five messages queued in the cache.
    let data = dir.join("data");
    let token_env = [("PARLOR_TOKEN", token.as_str())];
    let mut s = Session::start(&url_a, "support-chat", "/", "1", &data, &token_env);
    let ids: Vec<String> = (0..5).map(|i| format!("moved-{i}")).collect();
    for cid in &ids {
        let id = s
            .send(json!({"cmd": "send_message", "conversation_id": "chat-1", "client_id": cid, "text": format!("queued for {cid}")}))
            .await;
        assert_eq!(s.reply(id, 10).await["ok"], true);
    }
    s.quit().await;

    // The server comes back on another port; the same data dir finds the same outbox.
    let b = RefServer::start(server_file(DialectId::SupportChat), &env)
        .await
        .unwrap();
    assert_ne!(b.port(), a.port());
    let mut s = Session::start(&b.url(), "support-chat", "/", "1", &data, &token_env);
    connected(&mut s).await;
    let mut sent = std::collections::BTreeSet::new();
    let id = s.send(json!({"cmd": "state"})).await;
    s.read_through(id, 30, |v| {
        if v["event"] == "chat_message_changed" && v["message"]["state"] == "sent" {
            if let Some(c) = v["message"]["client_id"].as_str() {
                sent.insert(c.to_owned());
            }
        }
        sent.len() == ids.len()
    })
    .await;
    // Every one confirmed by the server: the outbox is empty, nothing can still be resent.
    let (status, _) = s.quit().await;
    assert!(status.success());
    assert_eq!(
        stored(&state_file, "chat-1"),
        ids,
        "exactly once each, in order"
    );
    let _ = std::fs::remove_dir_all(dir);
}
