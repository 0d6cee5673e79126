//! The `parlor` binary as a user drives it: `connect` over JSON lines, `schema`, `--help`.

use parlor_core::DialectId;
use parlor_harness::servers::{server_file, RefServer};
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

const PARLOR: &str = env!("CARGO_BIN_EXE_parlor");

/// Runs `parlor connect` for 003, feeding `lines`, and returns every stdout line as JSON.
async fn connect_session(token: &str, url: &str, lines: &[&str]) -> Vec<Value> {
    connect_session_to(DialectId::SupportChat, token, url, lines).await
}

/// Runs `parlor connect` for `dialect`, feeding `lines`; every stdout line as JSON.
async fn connect_session_to(
    dialect: DialectId,
    token: &str,
    url: &str,
    lines: &[&str],
) -> Vec<Value> {
    let mut child = Command::new(PARLOR)
        .args([
            "connect",
            "--url",
            url,
            "--dialect",
            dialect.as_str(),
            "--linger-ms",
            "300",
        ])
        .env("PARLOR_TOKEN", token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("parlor runs");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = tokio::spawn(async move {
        let mut out = Vec::new();
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(l)) = lines.next_line().await {
            out.push(
                serde_json::from_str::<Value>(&l)
                    .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}")),
            );
        }
        out
    });
    for l in lines {
        stdin.write_all(l.as_bytes()).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
        // Commands run concurrently; a short gap keeps this transcript's order readable.
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits")
        .unwrap();
    assert!(status.success());
    reader.await.unwrap()
}

fn reply(out: &[Value], id: Value) -> &Value {
    out.iter()
        .find(|v| v.get("reply_to") == Some(&id))
        .unwrap_or_else(|| panic!("no reply to {id}: {out:#?}"))
}

/// A refusal's reply carries the server's own code next to Parlor's coarse one (002 answers an
/// unknown session with `SESSION_NOT_FOUND`, as its document prints).
#[tokio::test]
async fn connect_replies_keep_the_servers_own_error_code() {
    let server = RefServer::start(server_file(DialectId::TarotChat), &[])
        .await
        .unwrap();
    let token = server
        .mint("11111111-1111-4111-8111-111111111111")
        .await
        .unwrap();
    let out = connect_session_to(
        DialectId::TarotChat,
        &token,
        &server.url(),
        &[
            r#"{"id":1,"cmd":"wait_connected"}"#,
            r#"{"id":2,"cmd":"get_conversation","conversation_id":"00000000-0000-4000-8000-000000000000"}"#,
        ],
    )
    .await;
    assert_eq!(reply(&out, json!(1))["ok"], json!(true));
    let refused = reply(&out, json!(2));
    assert_eq!(refused["ok"], json!(false), "{refused}");
    assert_eq!(refused["error"]["code"], json!("rejected"), "{refused}");
    assert_eq!(
        refused["error"]["server_code"],
        json!("SESSION_NOT_FOUND"),
        "{refused}"
    );
}

#[tokio::test]
async fn connect_speaks_json_lines_and_survives_bad_input() {
    let server = RefServer::start(server_file(DialectId::SupportChat), &[])
        .await
        .unwrap();
    let token = server.mint("1").await.unwrap();
    let out = connect_session(
        &token,
        &server.url(),
        &[
            r#"{"id":1,"cmd":"wait_connected"}"#,
            r#"{"id":2,"cmd":"join_conversation","conversation_id":"chat-1"}"#,
            "this is not json",
            r#"{"id":3,"cmd":"levitate"}"#,
            r#"{"id":4,"cmd":"send_message","conversation_id":"chat-1","client_id":"cli-1","text":"from the harness"}"#,
            r#"{"id":5,"cmd":"pause_consultation","consultation_id":"x"}"#,
            r#"{"id":6,"cmd":"capabilities"}"#,
            r#"{"id":7,"cmd":"join_conversation","conversation_id":"chat-404"}"#,
        ],
    )
    .await;
    assert_eq!(reply(&out, json!(1))["ok"], json!(true));
    let joined = reply(&out, json!(2));
    assert_eq!(joined["ok"], json!(true));
    assert_eq!(joined["result"][0]["event"], json!("conversation_joined"));
    let bad = out
        .iter()
        .find(|v| v.get("reply_to") == Some(&Value::Null))
        .expect("reply to the non-JSON line");
    assert_eq!(bad["error"]["code"], json!("invalid_input"));
    assert_eq!(
        reply(&out, json!(3))["error"]["code"],
        json!("invalid_input")
    );
    let sent = reply(&out, json!(4));
    assert_eq!(sent["result"][0]["event"], json!("message_sent"));
    assert_eq!(sent["result"][0]["client_id"], json!("cli-1"));
    assert_eq!(reply(&out, json!(5))["error"]["code"], json!("unsupported"));
    assert_eq!(reply(&out, json!(6))["dialect"], json!("support-chat"));
    let missing = reply(&out, json!(7));
    assert_eq!(
        missing["error"],
        json!({"code": "rejected", "message": "Chat not found"})
    );
    // Events are printed too: the connection states and the echo of our own message.
    assert!(out
        .iter()
        .any(|v| v["event"] == json!("connection") && v["state"]["state"] == json!("connected")));
    assert!(out.iter().any(|v| v["event"] == json!("message_received")
        && v["message"]["text"] == json!("from the harness")));
    // The token never appears in the output.
    assert!(!out.iter().any(|v| v.to_string().contains(&token)));
}

#[tokio::test]
async fn connect_without_a_token_says_so() {
    let out = Command::new(PARLOR)
        .args([
            "connect",
            "--url",
            "http://127.0.0.1:9",
            "--dialect",
            "000",
            "--token-file",
            "/nonexistent/token",
        ])
        .env_remove("PARLOR_TOKEN")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/token"));
}

#[tokio::test]
async fn schema_lists_every_command_and_event() {
    let out = Command::new(PARLOR).arg("schema").output().await.unwrap();
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = doc.to_string();
    for name in [
        "request_consultation",
        "send_message",
        "initiate_call",
        "raw",
        "meter_tick",
        "call_accepted",
        "protocol_error",
        "reply_to",
    ] {
        assert!(text.contains(name), "schema lacks {name}");
    }
    // A command line is either kind: one for the server, or one the client answers itself.
    let kinds = |name: &str| {
        doc["command"]["$defs"][name]["oneOf"]
            .as_array()
            .map(|a| a.len())
            .unwrap_or(0)
    };
    assert_eq!(doc["command"]["anyOf"].as_array().map(Vec::len), Some(2));
    assert!(kinds("Command") >= 30, "{}", kinds("Command"));
    assert!(kinds("LocalCommand") >= 20, "{}", kinds("LocalCommand"));
    for local in ["list_consultations", "load_messages", "start_recording"] {
        assert!(text.contains(local), "schema lacks {local}");
    }
}

#[tokio::test]
async fn help_explains_every_subcommand() {
    let out = Command::new(PARLOR).arg("--help").output().await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in ["servers", "connect", "schema", "demo", "bench"] {
        assert!(text.contains(sub), "--help lacks {sub}");
    }
}

#[tokio::test]
async fn bench_refuses_zero_idle_connections_before_measuring() {
    let out = Command::new(PARLOR)
        .args(["bench", "--idle-clients", "0"])
        .output()
        .await
        .expect("parlor runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid value '0' for '--idle-clients"),
        "the refusal names the option and the value: {err}"
    );
    assert!(out.stdout.is_empty(), "nothing was measured");
}

/// The benchmark runs end to end and reports both clients (figures are not judged here:
/// speed lives in the benchmark's table, not in tests).
#[tokio::test]
async fn bench_reports_both_clients() {
    let json = std::env::temp_dir().join(format!("parlor-bench-{}.json", std::process::id()));
    let out = Command::new(PARLOR)
        .args([
            "bench",
            "--rtt",
            "50",
            "--oneway",
            "300",
            "--rounds",
            "1",
            "--cache-messages",
            "2000",
            "--voice-seconds",
            "3",
            "--json",
        ])
        .arg(&json)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        ["echo RTT p50", "(node)", "cache ingest", "Opus encode time"]
            .iter()
            .all(|row| table.contains(row)),
        "{table}"
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    for client in ["parlor", "node"] {
        assert!(report["transport"][client]["p50_us"].as_f64().unwrap() > 0.0);
        assert!(
            report["transport"][client]["oneway_per_sec"]
                .as_f64()
                .unwrap()
                > 0.0
        );
    }
    assert!(
        report["cache"].is_object() && report["voice"]["encoded_bytes"].as_u64() > Some(0),
        "the cache and voice halves are in the report: {report}"
    );
    // The full client's send, step by step: every step timed, in order, in the table too.
    let steps = report["chat"]["full_steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().filter_map(|s| s["step"].as_str()).collect();
    let mut expected = parlor_core::send_steps::STEPS.to_vec();
    expected.push("settled");
    assert_eq!(names, expected);
    let times: Vec<f64> = steps.iter().filter_map(|s| s["p50_us"].as_f64()).collect();
    // From `picked` to the write every send has each step after the one before (`queued`
    // may trail `picked`; the answer's steps come only in sends the echo did not settle).
    assert!(
        times.len() == 7 && times[0] > 0.0 && times[1..4].windows(2).all(|w| w[0] <= w[1]),
        "each step after the one before: {times:?}"
    );
    assert!(table.contains("step by step"), "{table}");
    let _ = std::fs::remove_file(json);
}

/// The load runner completes a small marketplace scenario and writes its report and picture
/// (the figures themselves are judged by people, not by this test).
#[tokio::test]
async fn load_runs_a_small_marketplace_and_writes_its_report() {
    let out_dir = std::env::temp_dir().join(format!("parlor-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).unwrap();
    // A quick market: short sessions and pauses so several complete within the run.
    let scenario = out_dir.join("quick.toml");
    std::fs::write(
        &scenario,
        "users = 12\nexperts = 4\nramp_secs = 2\nduration_secs = 8\nmessages_per_session = 5\nthink_ms = [9000, 9000]\n",
    )
    .unwrap();
    // The pace from flags, which override the file.
    let out = Command::new(PARLOR)
        .arg("load")
        .arg("--scenario")
        .arg(&scenario)
        .args([
            "--messages",
            "2",
            "--message-gap",
            "200-400",
            "--think",
            "300-800",
        ])
        .arg("--out")
        .arg(&out_dir)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("load-report.json")).unwrap()).unwrap();
    assert_eq!(report["connected"], json!(16));
    assert_eq!(report["scenario"]["messages_per_session"], json!(2));
    assert_eq!(report["scenario"]["message_gap_ms"], json!([200, 400]));
    assert_eq!(report["scenario"]["think_ms"], json!([300, 800]));
    assert!(report["sessions"].as_u64().unwrap() >= 1, "{report}");
    assert!(report["messages"].as_u64().unwrap() >= 1, "{report}");
    assert_eq!(report["errors"], json!({}), "{report}");
    // Every user decodes the online list at least once (the server sends it on connect).
    assert!(report["presence_lists"].as_u64().unwrap() >= 12, "{report}");
    // The timeline is one row per second, ending with everyone connected, and its message
    // counts add up to the round trips measured.
    let timeline = report["timeline"].as_array().unwrap();
    let seconds: Vec<u64> = timeline
        .iter()
        .map(|r| r["second"].as_u64().unwrap())
        .collect();
    assert!(seconds.windows(2).all(|w| w[1] == w[0] + 1), "{seconds:?}");
    assert!(seconds.len() >= 10, "{seconds:?}");
    assert_eq!(timeline.last().unwrap()["connected"], json!(16));
    let timed: u64 = timeline
        .iter()
        .map(|r| r["messages"].as_u64().unwrap())
        .sum();
    assert!(
        timed >= 1 && timed <= report["messages"].as_u64().unwrap(),
        "{report}"
    );
    let svg = std::fs::read_to_string(out_dir.join("load-latency.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("message round trip"));
    assert!(svg.contains("online lists decoded per second"));
    let _ = std::fs::remove_dir_all(out_dir);
}
