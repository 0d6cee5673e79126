//! `parlor load` beyond one machine, run for real here: the same small marketplace once in one
//! process and once as two shard processes (each half of the users and experts, one shared
//! server) whose reports `parlor load-merge` combines; the merge must describe the same run.

use parlor_harness::servers::RefServer;
use serde_json::{json, Value};
use std::path::Path;
use tokio::process::Command;

const PARLOR: &str = env!("CARGO_BIN_EXE_parlor");

async fn server() -> RefServer {
    RefServer::start(
        "001_presence_sessions.js",
        &[
            ("PARLOR_LOAD_ACCOUNTS", "16"),
            ("PARLOR_REQUEST_TIMEOUT_MS", "15000"),
        ],
    )
    .await
    .unwrap()
}

async fn parlor(args: &[&str]) -> String {
    let out = Command::new(PARLOR).args(args).output().await.unwrap();
    assert!(
        out.status.success(),
        "parlor {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn report(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("load-report.json")).unwrap()).unwrap()
}

fn latency<'a>(r: &'a Value, kind: &str) -> &'a Value {
    r["latencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} latency in {r}"))
}

#[tokio::test]
async fn load_shards_merge_like_one_run() {
    let dir = std::env::temp_dir().join(format!("parlor-load-shards-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("quick.toml");
    std::fs::write(
        &scenario,
        "users = 12\nexperts = 4\nramp_secs = 2\nduration_secs = 6\nmessages_per_session = 3\n\
         message_gap_ms = [200, 400]\nthink_ms = [500, 1000]\n",
    )
    .unwrap();
    let scenario = scenario.to_str().unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();

    // One process, everyone.
    let whole_server = server().await;
    parlor(&[
        "load",
        "--scenario",
        scenario,
        "--url",
        &whole_server.url(),
        "--out",
        &path("whole"),
    ])
    .await;
    // Two processes at once against a server of their own, each half of the population.
    let shared = server().await;
    let url = shared.url();
    let (s0, s1) = (path("s0"), path("s1"));
    let shard = |index: &'static str, out: String| {
        let (scenario, url) = (scenario.to_owned(), url.clone());
        async move {
            parlor(&[
                "load",
                "--scenario",
                &scenario,
                "--url",
                &url,
                "--shard",
                index,
                "--out",
                &out,
            ])
            .await
        }
    };
    let (first, second) = tokio::join!(shard("0/2", s0.clone()), shard("1/2", s1.clone()));
    assert!(first.contains("shard 0 of 2") && second.contains("shard 1 of 2"));
    let table = parlor(&[
        "load-merge",
        &path("s0"),
        &path("s1"),
        "--out",
        &path("merged"),
    ])
    .await;
    assert!(table.contains("2 shards merged"), "{table}");

    let (whole, s0, s1, merged) = (
        report(&dir.join("whole")),
        report(&dir.join("s0")),
        report(&dir.join("s1")),
        report(&dir.join("merged")),
    );
    // Each shard ran half of the 12 users and 4 experts; together, everyone, as one run did.
    assert_eq!(
        (s0["connected"].clone(), s1["connected"].clone()),
        (json!(8), json!(8))
    );
    assert_eq!(merged["connected"], json!(16));
    assert_eq!(whole["connected"], json!(16));
    assert_eq!(merged["merged_from"], json!(2));
    // Counters and histograms add up exactly.
    for field in ["requests", "sessions", "messages", "presence_lists"] {
        let sum = s0[field].as_u64().unwrap() + s1[field].as_u64().unwrap();
        assert_eq!(merged[field].as_u64().unwrap(), sum, "{field}");
    }
    let counted = |r: &Value| latency(r, "message")["count"].as_u64().unwrap();
    assert_eq!(counted(&merged), counted(&s0) + counted(&s1));
    assert_eq!(counted(&merged), merged["messages"].as_u64().unwrap());
    let timed: u64 = merged["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["messages"].as_u64().unwrap())
        .sum();
    assert_eq!(timed, counted(&merged));
    // The same market as the single run: sessions and messages on both, no errors, the
    // clients all connected by the end of the timeline, round trips of the same order.
    for r in [&whole, &merged] {
        assert!(r["sessions"].as_u64().unwrap() >= 2, "{r}");
        assert_eq!(r["errors"], json!({}), "{r}");
        assert_eq!(
            r["timeline"].as_array().unwrap().last().unwrap()["connected"],
            json!(16)
        );
    }
    let p50 = |r: &Value| latency(r, "message")["p50_us"].as_u64().unwrap();
    assert!(p50(&merged) < 1_000_000 && p50(&whole) < 1_000_000);
    let seconds = |r: &Value| r["timeline"].as_array().unwrap().len() as i64;
    assert!((seconds(&merged) - seconds(&whole)).abs() <= 2);
    let svg = std::fs::read_to_string(dir.join("merged").join("load-latency.svg")).unwrap();
    assert!(svg.contains("accept seen p99") && svg.contains("round trips"));
    let _ = std::fs::remove_dir_all(dir);
}

/// With no experts, users only connect and hold (a capacity test, as
/// `tests/harness/peers/load_vs_artillery.py` runs it): everyone connects, nothing is asked
/// for, nothing fails.
#[tokio::test]
async fn users_without_experts_connect_and_hold() {
    let s = server().await;
    let dir = std::env::temp_dir().join(format!("parlor-load-hold-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.to_str().unwrap();
    let table = parlor(&[
        "load",
        "--url",
        &s.url(),
        "--users",
        "6",
        "--experts",
        "0",
        "--ramp",
        "1",
        "--duration",
        "2",
        "--think",
        "500",
        "--out",
        out,
    ])
    .await;
    let r = report(&dir);
    assert_eq!(r["connected"], json!(6), "{table}");
    assert_eq!(
        (r["requests"].clone(), r["sessions"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(r["errors"], json!({}), "{r}");
    let _ = std::fs::remove_dir_all(&dir);
}
