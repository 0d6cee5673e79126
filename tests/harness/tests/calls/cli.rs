//! Calls through the `parlor` binary: its schema and a call driven over `parlor connect`.

use super::*;

#[test]
fn parlor_schema_lists_the_call_commands_and_events() {
    let doc = parlor_harness::schema::document().to_string();
    for name in [
        "initiate_call",
        "set_microphone",
        "set_camera",
        "switch_media_device",
        "get_call_state",
        "list_call_history",
        "call_state_changed",
        "call_media",
        "call_history",
        "agora_join_ready",
    ] {
        assert!(doc.contains(&format!("\"{name}\"")), "{name}");
    }
}

/// `parlor connect` as the calling user (JSON lines), with Jane in-process: the call's state
/// changes and media events come out as event lines, a refused command as a typed reply.
#[tokio::test]
async fn parlor_connect_drives_a_call() {
    use std::process::Stdio;
    use tokio::io::AsyncBufReadExt;
    let server = server(&[]).await;
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    online(&mut jane).await;
    let token = server.mint(ARJUN).await.unwrap();
    let data_dir = std::env::temp_dir().join(format!("parlor-cli-calls-{}", uuid::Uuid::new_v4()));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_parlor"))
        .args([
            "connect",
            "--url",
            &server.url(),
            "--dialect",
            "telecaller",
            "--namespace",
            "/user",
            "--account-id",
            ARJUN,
            "--linger-ms",
            "500",
        ])
        .env("PARLOR_TOKEN", token)
        .env("PARLOR_DATA_DIR", &data_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("parlor runs");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    // Every stdout line, kept for the checks at the end and passed on as it comes.
    let (line_tx, mut lines_rx) = tokio::sync::mpsc::unbounded_channel::<serde_json::Value>();
    let reader = tokio::spawn(async move {
        let mut out: Vec<serde_json::Value> = Vec::new();
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        while let Ok(Some(l)) = lines.next_line().await {
            let v: serde_json::Value = serde_json::from_str(&l).expect("stdout lines are JSON");
            let _ = line_tx.send(v.clone());
            out.push(v);
        }
        out
    });
    // Waits for the next stdout line `pred` accepts.
    let mut next_line = async |what: &str, pred: &dyn Fn(&serde_json::Value) -> bool| {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match tokio::time::timeout_at(deadline, lines_rx.recv()).await {
                Ok(Some(v)) if pred(&v) => return v,
                Ok(Some(_)) => {}
                other => panic!("{what}: not seen ({other:?})"),
            }
        }
    };
    let phase_is = |want: &'static str| {
        move |v: &serde_json::Value| {
            v["event"] == json!("call_state_changed") && v["call"]["phase"] == json!(want)
        }
    };
    for line in [
        r#"{"id":1,"cmd":"wait_connected"}"#.to_string(),
        format!(r#"{{"id":2,"cmd":"initiate_call","callee_id":"{JANE}","media":"video"}}"#),
    ] {
        stdin.write_all(line.as_bytes()).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
    }
    // Jane answers; once the caller shows the call accepted, she hangs up.
    let incoming = phase(&mut jane, "ringing").await;
    let id = incoming.call_id.unwrap();
    accept_only(&mut jane, &id).await;
    next_line("accepted", &phase_is("accepted")).await;
    jane.actor
        .send(
            "hang up",
            Command::EndCall {
                call_id: id.clone(),
            },
        )
        .await
        .unwrap();
    next_line("ended", &phase_is("ended")).await;
    for line in [
        r#"{"id":3,"cmd":"get_call_state"}"#.to_string(),
        format!(r#"{{"id":4,"cmd":"end_call","call_id":"{id}"}}"#),
        r#"{"id":5,"cmd":"list_online_experts"}"#.to_string(),
    ] {
        stdin.write_all(line.as_bytes()).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
    }
    // The history is written off the publishing task: ask until the call is in it, finished.
    let mut history_id = 6;
    loop {
        let line = format!(r#"{{"id":{history_id},"cmd":"list_call_history"}}"#);
        stdin.write_all(line.as_bytes()).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
        let reply = next_line("history", &|v: &serde_json::Value| {
            v["reply_to"] == json!(history_id)
        })
        .await;
        let first = &reply["result"][0]["calls"][0];
        if first["call_id"] == json!(id) && first["coins"]["amount"].is_string() {
            break;
        }
        assert!(
            history_id < 100,
            "the call never reached the history: {reply}"
        );
        history_id += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits")
        .unwrap();
    assert!(status.success());
    let out = reader.await.unwrap();
    let reply = |id: i64| {
        out.iter()
            .find(|v| v["reply_to"] == json!(id))
            .unwrap_or_else(|| panic!("no reply to {id}: {out:#?}"))
    };
    assert_eq!(reply(2)["ok"], json!(true));
    assert_eq!(reply(2)["result"][0]["event"], json!("call_ringing"));
    assert_eq!(reply(3)["result"][0]["call"]["phase"], json!("ended"));
    assert_eq!(
        reply(3)["result"][0]["call"]["ended_by"],
        json!("TELECALLER")
    );
    assert_eq!(reply(4)["ok"], json!(false));
    assert_eq!(reply(4)["error"]["message"], json!("Call is not active."));
    assert_eq!(reply(5)["result"][0]["event"], json!("experts_online"));
    // The history, from the cache under PARLOR_DATA_DIR.
    let calls = &reply(history_id)["result"][0]["calls"];
    assert_eq!(calls[0]["call_id"], json!(id));
    assert_eq!(calls[0]["outcome"], json!("ended"));
    assert_eq!(calls[0]["coins"]["amount"], json!("6"));
    let _ = std::fs::remove_dir_all(&data_dir);
    let phases: Vec<&str> = out
        .iter()
        .filter(|v| v["event"] == json!("call_state_changed"))
        .filter_map(|v| v["call"]["phase"].as_str())
        .collect();
    assert_eq!(phases, ["initiating", "ringing", "accepted", "ended"]);
    let media: Vec<&str> = out
        .iter()
        .filter(|v| v["event"] == json!("call_media"))
        .filter_map(|v| v["media"]["kind"].as_str())
        .collect();
    assert_eq!(media.first(), Some(&"connected"));
    assert_eq!(media.last(), Some(&"disconnected"));
    assert!(media.contains(&"track_subscribed"));
}
