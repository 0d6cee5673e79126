//! The real `parlor connect` binary, with every service attached (a data dir: messages, outbox,
//! consultations, calls, presence), against a hostile server (`tests/servers/hostile.js`) that
//! sends every event of the dialect with malformed values, then binary attachments and nesting
//! deeper than parsers allow, then a flood — each phase followed by a marker (a valid,
//! documented event). The marker must arrive after every phase, the process must still say
//! `connected`, nothing may panic, and no flood event may be lost.

mod support;

use parlor_harness::servers::RefServer;
use serde_json::{json, Value};
use support::Session;

/// What one dialect's run saw.
#[derive(Debug, Default)]
struct Counts {
    variants: u64,
    binary_variants: u64,
    protocol_errors: u64,
    domain_events: u64,
    flood_sent: u64,
    flood_received: u64,
    markers: u64,
    panics: usize,
}

/// The marker's own domain event (not an event a service derives from it later).
fn is_marker(v: &Value, dialect: &str) -> bool {
    let id = format!("marker-{dialect}");
    let field = match v["event"].as_str() {
        Some("consultation_requested") => &v["consultation_id"],
        Some("message_received") => &v["message"]["id"],
        Some("expert_presence") => &v["expert_id"],
        _ => return false,
    };
    field.as_str() == Some(id.as_str())
}

fn flood_number(v: &Value) -> Option<u64> {
    let message = match v["event"].as_str()? {
        "server_error" | "message_failed" | "call_error" => v["message"].as_str()?,
        _ => return None,
    };
    message.strip_prefix("flood ")?.parse().ok()
}

async fn run(dialect: &str, name: &str, namespace: &str) -> Counts {
    let server = RefServer::start("hostile.js", &[("PARLOR_HOSTILE_DIALECT", dialect)])
        .await
        .expect("the hostile server starts");
    let dir = std::env::temp_dir().join(format!("parlor-hostile-{dialect}-{}", support::unique()));
    let mut s = Session::start(&server.url(), name, namespace, "hostile-test", &dir, &[]);
    let mut c = Counts::default();

    let id = s.send(json!({"cmd": "wait_connected"})).await;
    let r = s.reply(id, 20).await;
    assert_eq!(r["ok"], true, "{r}");

    for phase in ["values", "binary", "flood"] {
        let id = s
            .send(json!({"cmd": "raw", "event": "hostile:start", "payload": {"phase": phase}, "ack": true}))
            .await;
        let mut flood = std::collections::BTreeSet::new();
        let (mut errors, mut events, mut marker) = (0u64, 0u64, false);
        let reply = s
            .read_through(id, 60, |v| {
                match v["event"].as_str() {
                    Some("protocol_error") => errors += 1,
                    Some(_) => events += 1,
                    None => {}
                }
                if let Some(n) = flood_number(v) {
                    flood.insert(n);
                }
                marker |= is_marker(v, dialect);
                marker
            })
            .await;
        assert_eq!(reply["ok"], true, "{phase}: {reply}");
        let answer = &reply["result"][0]["args"][0];
        let sent = answer["variants"].as_u64().expect("the server's counts");
        c.markers += 1;
        c.protocol_errors += errors;
        c.domain_events += events;
        match phase {
            "values" => c.variants = sent,
            "binary" => c.binary_variants = sent,
            _ => {
                c.flood_sent = sent;
                c.flood_received = flood.len() as u64;
                let missing: Vec<u64> = (0..sent).filter(|n| !flood.contains(n)).collect();
                if !missing.is_empty() {
                    eprintln!("flood events missing: {missing:?}");
                }
            }
        }
    }

    let id = s.send(json!({"cmd": "state"})).await;
    let state = s.reply(id, 10).await;
    assert_eq!(state["state"]["state"], "connected", "{state}");

    let (status, stderr) = s.quit().await;
    c.panics = stderr.matches("panicked").count();
    eprintln!("hostile {dialect}: {c:?}");
    assert!(status.success(), "exit {status:?}\n{stderr}");
    assert_eq!(c.panics, 0, "{stderr}");
    assert_eq!(c.flood_received, c.flood_sent, "flood events dropped");
    assert!(c.variants > 1000 && c.binary_variants > 0, "{c:?}");
    let _ = std::fs::remove_dir_all(dir);
    c
}

#[tokio::test]
async fn billing_chat_survives_a_hostile_server() {
    run("000", "billing-chat", "/").await;
}

#[tokio::test]
async fn presence_sessions_survives_a_hostile_server() {
    run("001", "presence-sessions", "/").await;
}

#[tokio::test]
async fn tarot_chat_survives_a_hostile_server() {
    run("002", "tarot-chat", "/").await;
}

#[tokio::test]
async fn support_chat_survives_a_hostile_server() {
    run("003", "support-chat", "/").await;
}

#[tokio::test]
async fn telecaller_survives_a_hostile_server_on_both_namespaces() {
    run("004", "telecaller", "/user").await;
    run("004", "telecaller", "/telecaller").await;
}
