//! `parlor bench`'s chat round trip: from the app's send to the server's confirmation of a
//! chat message, through the whole Parlor client (dialect, `Client`, outbox and cache: the
//! message is on disk before it leaves and its state is written when the answer comes),
//! beside the raw transport on the same wire and Node's socket.io-client 4 doing the same
//! emit-and-ack, against the 003 support chat reference server (it confirms a send by its
//! ack). The three take turns going first, round by round; medians over the rounds.

use crate::bench::median_of;
use crate::bench_steps;
use crate::servers::{server_file, RefServer};
use hdrhistogram::Histogram;
use parlor_core::messaging::{DeliveryState, Messenger, MessengerConfig};
use parlor_core::send_steps::STEPS;
use parlor_core::store::Store;
use parlor_core::transport::{Socket, SocketConfig};
use parlor_core::{Client, Command, DialectId, ServerProfile, StaticToken};
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The seeded chat of 003's account "1".
const CHAT: &str = "chat-1";
const ACCOUNT: &str = "1";
const WARM_UP: u32 = 50;

/// Median and 99th percentile of one way of sending, microseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RoundTrip {
    /// Median, µs.
    pub p50_us: f64,
    /// 99th percentile, µs.
    pub p99_us: f64,
}

/// One step of the full client's send, as [`ChatReport::full_steps`] has it.
#[derive(Debug, Clone, Serialize)]
pub struct StepTime {
    /// The step (`queued` … `applied`, then the caller's `settled`).
    pub step: String,
    /// Median time from the send to the step, µs.
    pub p50_us: f64,
    /// Median of what the step added to the one before it in the same send, µs (negative
    /// when it usually comes first: a busy outbox may pick a row before `queued` is marked).
    pub added_us: f64,
    /// Of the timed sends, the share in which the step came before the caller saw the
    /// message settled (an answer is applied after the caller learned it from the echo).
    pub seen: f64,
}

/// The chat round trip three ways.
#[derive(Debug, Clone, Serialize)]
pub struct ChatReport {
    /// Messages timed per way and round.
    pub samples: u32,
    /// Rounds (medians are reported).
    pub rounds: u32,
    /// The full Parlor client: `Messenger::send`, then the handle settled `sent`.
    pub full: RoundTrip,
    /// Where the full client's time goes: each step of a send (`parlor_core::send_steps`),
    /// then the caller's `settled` (medians over the rounds).
    pub full_steps: Vec<StepTime>,
    /// Parlor's transport alone: the `sendMessage` request and its ack.
    pub raw: RoundTrip,
    /// socket.io-client 4: `emitWithAck('sendMessage')`.
    pub node: RoundTrip,
}

/// Runs the three ways against one 003 reference server, `rounds` rounds of `samples` each.
pub async fn run(samples: u32, rounds: u32) -> Result<ChatReport, String> {
    let server = RefServer::start(server_file(DialectId::SupportChat), &[])
        .await
        .map_err(|e| e.to_string())?;
    let token = server.mint(ACCOUNT).await.map_err(|e| e.to_string())?;
    let url = server.url();
    let (mut full, mut raw, mut node) = (Vec::new(), Vec::new(), Vec::new());
    let mut steps = Vec::new();
    let rounds = rounds.max(1);
    for round in 0..rounds {
        // Each way goes first in turn, so a warming (or tiring) machine favours none.
        for way in 0..3 {
            match (round + way) % 3 {
                0 => {
                    let (timed, round_steps) = full_client(&url, &token, samples, round).await?;
                    full.push(timed);
                    steps.push(round_steps);
                }
                1 => raw.push(raw_transport(&url, &token, samples).await?),
                _ => node.push(node_client(&url, &token, samples).await?),
            }
        }
    }
    Ok(ChatReport {
        samples,
        rounds,
        full: median(&full),
        full_steps: median_steps(&steps),
        raw: median(&raw),
        node: median(&node),
    })
}

fn median(all: &[RoundTrip]) -> RoundTrip {
    RoundTrip {
        p50_us: median_of(all.iter().map(|r| r.p50_us).collect()),
        p99_us: median_of(all.iter().map(|r| r.p99_us).collect()),
    }
}

/// The step rows: each of [`STEPS`], then the caller's `settled`.
const STEP_ROWS: usize = STEPS.len() + 1;

/// Each step's median over the rounds that timed the steps.
fn median_steps(rounds: &[Vec<StepTime>]) -> Vec<StepTime> {
    let rounds: Vec<&Vec<StepTime>> = rounds.iter().filter(|r| r.len() == STEP_ROWS).collect();
    let Some(first) = rounds.first() else {
        return Vec::new();
    };
    (0..STEP_ROWS)
        .map(|i| {
            let over_rounds =
                |f: fn(&StepTime) -> f64| median_of(rounds.iter().map(|r| f(&r[i])).collect());
            StepTime {
                step: first[i].step.clone(),
                p50_us: over_rounds(|s| s.p50_us),
                added_us: over_rounds(|s| s.added_us),
                seen: over_rounds(|s| s.seen),
            }
        })
        .collect()
}

/// Each send step's median time since the send, and the median of what it added to the step
/// before in the same send, over `sends`; then the caller's `settled` (what it added to the
/// send's last step). None when no step was timed (no [`bench_steps::layer`] in this
/// process's subscriber).
fn step_times(sends: &[bench_steps::Taken]) -> Vec<StepTime> {
    if sends.iter().all(|t| t.steps.iter().all(Option::is_none)) {
        return Vec::new();
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let mut rows: Vec<StepTime> = STEPS
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let since: Vec<f64> = sends.iter().filter_map(|t| t.steps[i]).map(us).collect();
            let added: Vec<f64> = sends
                .iter()
                .filter_map(|t| {
                    let before = if i == 0 {
                        Some(Duration::ZERO)
                    } else {
                        t.steps[i - 1]
                    };
                    Some(us(t.steps[i]?) - us(before?))
                })
                .collect();
            StepTime {
                step: (*step).to_owned(),
                seen: since.len() as f64 / sends.len().max(1) as f64,
                p50_us: median_of(since),
                added_us: median_of(added),
            }
        })
        .collect();
    let settled_after_last: Vec<f64> = sends
        .iter()
        .map(|t| us(t.settled) - t.steps.iter().flatten().max().map_or(0.0, |d| us(*d)))
        .collect();
    rows.push(StepTime {
        step: "settled".into(),
        p50_us: median_of(sends.iter().map(|t| us(t.settled)).collect()),
        added_us: median_of(settled_after_last),
        seen: 1.0,
    });
    rows
}

/// Times `samples` calls of `once` (after a warm-up) into a round trip.
async fn time_each<F, Fut>(samples: u32, mut once: F) -> Result<RoundTrip, String>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    for i in 0..WARM_UP {
        once(i).await?;
    }
    let mut hist =
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).map_err(|e| e.to_string())?;
    for i in 0..samples {
        let t0 = Instant::now();
        once(WARM_UP + i).await?;
        hist.record(t0.elapsed().as_micros().max(1) as u64)
            .map_err(|e| e.to_string())?;
    }
    Ok(RoundTrip {
        p50_us: hist.value_at_quantile(0.50) as f64,
        p99_us: hist.value_at_quantile(0.99) as f64,
    })
}

async fn full_client(
    url: &str,
    token: &str,
    samples: u32,
    round: u32,
) -> Result<(RoundTrip, Vec<StepTime>), String> {
    let dir =
        std::env::temp_dir().join(format!("parlor-bench-chat-{}-{round}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir.join("cache.sqlite3")).map_err(|e| e.to_string())?;
    let mut profile = ServerProfile::new(DialectId::SupportChat, url);
    profile.account_id = Some(ACCOUNT.into());
    let client =
        Client::connect(profile, Arc::new(StaticToken::new(token))).map_err(|e| e.to_string())?;
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .map_err(|e| e.to_string())?;
    let messenger = Messenger::attach(&client, store, MessengerConfig::default());
    client
        .send(Command::JoinConversation {
            conversation_id: CHAT.into(),
        })
        .await
        .map_err(|e| e.to_string())?;
    let steps = std::sync::Mutex::new(Vec::new());
    let timed = time_each(samples, |i| {
        let messenger = messenger.clone();
        let steps = &steps;
        async move {
            bench_steps::arm();
            let handle = messenger
                .send_text(CHAT, &format!("parlor {i}"))
                .map_err(|e| e.to_string())?;
            let m = handle
                .settled(Duration::from_secs(10))
                .await
                .map_err(|e| e.to_string())?;
            let taken = bench_steps::take();
            // The warm-up's sends are not timed.
            if i >= WARM_UP {
                steps.lock().unwrap_or_else(|p| p.into_inner()).push(taken);
            }
            match m.state {
                DeliveryState::Sent | DeliveryState::Delivered | DeliveryState::Read => Ok(()),
                other => Err(format!("a bench message ended {other:?}: {:?}", m.error)),
            }
        }
    })
    .await;
    client.disconnect().await;
    drop(messenger);
    let _ = std::fs::remove_dir_all(&dir);
    let steps = steps.into_inner().unwrap_or_else(|p| p.into_inner());
    Ok((timed?, step_times(&steps)))
}

async fn raw_transport(url: &str, token: &str, samples: u32) -> Result<RoundTrip, String> {
    let (socket, _inbound) = Socket::start(
        SocketConfig::new(url, "/"),
        Arc::new(StaticToken::new(token)),
    );
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .map_err(|e| e.to_string())?;
    socket
        .request("joinChat", vec![json!({ "chatId": CHAT })], None)
        .await
        .map_err(|e| e.to_string())?;
    let timed = time_each(samples, |i| {
        let socket = &socket;
        async move {
            let answer = socket
                .request(
                    "sendMessage",
                    // What the dialect sends for a message: its text and a client id.
                    vec![json!({ "chatId": CHAT, "message": {
                        "clientMessageId": uuid::Uuid::new_v4().to_string(),
                        "text": format!("raw {i}"),
                    } })],
                    None,
                )
                .await
                .map_err(|e| e.to_string())?;
            match answer.first().and_then(|a| a.get("event")) {
                Some(e) if e == "messageSent" => Ok(()),
                _ => Err(format!("not sent: {answer:?}")),
            }
        }
    })
    .await;
    socket.shutdown().await;
    timed
}

async fn node_client(url: &str, token: &str, samples: u32) -> Result<RoundTrip, String> {
    let samples = samples.to_string();
    let v = crate::bench::node_json(
        &[],
        "bench_chat_client.js",
        &[
            "--url",
            url,
            "--token",
            token,
            "--chat",
            CHAT,
            "--samples",
            &samples,
        ],
    )
    .await?;
    let f = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_f64())
            .ok_or_else(|| format!("node chat output lacks {k}"))
    };
    Ok(RoundTrip {
        p50_us: f("p50_us")?,
        p99_us: f("p99_us")?,
    })
}
