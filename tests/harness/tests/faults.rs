//! Fault injection through a TCP proxy that cuts the link on a schedule: billing stays
//! honest across cuts (the meter never shows less than the server billed, as the server's own
//! ledger records it) and the bill is exact once the consultation ends.

mod support;

use parlor_core::{Command, ConnectionState, DialectId, DomainEvent, LocalCommand, ServerProfile};
use parlor_harness::faults::FaultProxy;
use parlor_harness::script::{open_billed_chat, Actor};
use parlor_harness::servers::{server_file, RefServer};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;
use support::ledger::Ledger;

async fn party(url: &str, server: &RefServer, name: &str, account: &str, minute_ms: u64) -> Actor {
    let mut p = ServerProfile::new(DialectId::BillingChat, url);
    p.account_id = Some(account.into());
    p.billing_minute_ms = minute_ms;
    // Quick reconnection so several cuts fit in a short test.
    p.reconnect.min_ms = 100;
    p.reconnect.max_ms = 400;
    Actor::connect_profile(name, p, server.mint(account).await.unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn billing_across_link_cuts_never_shows_less_than_the_server_billed() {
    let minute = 400u64;
    let state =
        std::env::temp_dir().join(format!("parlor-faults-ledger-{}.json", support::unique()));
    let state_s = state.to_string_lossy().to_string();
    let server = RefServer::start(
        server_file(DialectId::BillingChat),
        &[
            ("PARLOR_BILLING_MINUTE_MS", "400"),
            ("PARLOR_STATE_FILE", &state_s),
        ],
    )
    .await
    .unwrap();
    let ledger = Ledger::new(&state);
    let proxy = Arc::new(FaultProxy::start(server.port()).await.unwrap());
    let mut expert = party(&server.url(), &server, "Pandit Sharma", "a-sharma", minute).await;
    let mut user = party(&proxy.url(), &server, "Asha Verma", "u-asha", minute).await;

    let id = open_billed_chat(&mut user, &mut expert, "a-sharma")
        .await
        .unwrap();
    // Asha Verma's seeded wallet (tests/servers/000_billing_chat.js).
    let wallet_before = Decimal::new(50000, 2);

    let cutter = proxy.cut_every(Duration::from_millis(1500), 4);
    // What the server billed, from its ledger: each tick the client decodes is checked against
    // it, and every reading is compared with the ledger's figure, not the decoded one.
    let mut server_cost = Decimal::ZERO;
    let mut rate = Decimal::ZERO;
    let (mut readings, mut ticks, mut reconnects) = (0, 0, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_millis(7500);
    while tokio::time::Instant::now() < deadline {
        let left = deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .as_secs()
            .max(1);
        let Ok(e) = user
            .expect("meter or link events", left, |e| match e {
                DomainEvent::MeterTick { .. }
                | DomainEvent::MeterUpdate { .. }
                | DomainEvent::Connection { .. } => Some(e.clone()),
                _ => None,
            })
            .await
        else {
            break;
        };
        match e {
            DomainEvent::MeterTick { minutes, cost, .. } => {
                let k = minutes.trunc().to_u64().unwrap_or(0);
                let l = ledger.wait_for(&id, |r| r.minutes >= k).await;
                rate = l.rate;
                let billed = Decimal::from(k) * l.rate;
                assert_eq!(cost.amount, billed, "the tick says what the ledger billed");
                server_cost = server_cost.max(billed);
                ticks += 1;
            }
            DomainEvent::MeterUpdate { reading, .. } => {
                readings += 1;
                assert!(
                    reading.cost.amount >= server_cost,
                    "meter {} below the server's ledger {server_cost}",
                    reading.cost.amount
                );
                if rate > Decimal::ZERO {
                    assert!(
                        reading.cost.amount <= server_cost + rate,
                        "meter {} more than a tick ahead of the ledger's {server_cost}",
                        reading.cost.amount
                    );
                }
            }
            DomainEvent::Connection {
                state: ConnectionState::Connected,
            } => reconnects += 1,
            _ => {}
        }
    }
    cutter.await.unwrap();
    assert_eq!(proxy.cuts(), 4);
    assert!(reconnects >= 3, "reconnected after the cuts: {reconnects}");
    assert!(
        readings >= 4 && ticks >= 1,
        "{readings} readings, {ticks} ticks"
    );
    user.client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();

    user.send(
        "end",
        Command::EndConsultation {
            consultation_id: id.clone(),
            rate_per_minute: None,
            duration_minutes: None,
        },
    )
    .await
    .unwrap();
    let bill = |e: &DomainEvent| match e {
        DomainEvent::ConsultationUpdated { consultation } if consultation.bill.is_some() => {
            consultation.bill.clone()
        }
        _ => None,
    };
    let ours = user.expect("the user's bill", 5, bill).await.unwrap();
    let theirs = expert.expect("the expert's bill", 5, bill).await.unwrap();
    let ended = ledger.wait_for(&id, |r| r.status == "ended").await;
    assert_eq!(
        (ours.minutes, ours.total.amount),
        (Decimal::from(ended.minutes), ended.cost),
        "the bill is the ledger's, to the cent"
    );
    assert_eq!(
        (ours.minutes, ours.total.amount),
        (theirs.minutes, theirs.total.amount),
        "both sides agree"
    );
    assert_eq!(
        wallet_before - ledger.wallet("u-asha").unwrap(),
        ended.cost,
        "the wallet paid exactly the bill"
    );
    assert!(ended.cost >= server_cost, "the bill covers what was billed");
    let _ = std::fs::remove_file(&state);
}

/// 1,000 messages exchanged (500 each way) on 003 while both links are cut every 2 s: the
/// server stores every one exactly once, each sender's order kept; both outboxes end with
/// every message sent; what each side received has no duplicate and keeps the other's order.
#[tokio::test]
async fn a_thousand_messages_through_links_cut_every_two_seconds_arrive_once_in_order() {
    use parlor_core::messaging::{ChatMessage, DeliveryState, Messenger, MessengerConfig};
    use parlor_core::store::Store;
    use serde_json::Value;
    use std::collections::HashSet;

    let dir = std::env::temp_dir().join(format!("parlor-fault-1000-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state_file = dir.join("server.json");
    let state_env = state_file.to_string_lossy().to_string();
    let server = RefServer::start(
        server_file(DialectId::SupportChat),
        &[("PARLOR_STATE_FILE", &state_env)],
    )
    .await
    .unwrap();
    let proxy = Arc::new(FaultProxy::start(server.port()).await.unwrap());
    let config = MessengerConfig {
        confirm_timeout: Duration::from_secs(2),
        retry_base: Duration::from_millis(100),
        retry_max: Duration::from_millis(800),
        max_attempts: 1000,
        ..MessengerConfig::default()
    };
    let mut sides = Vec::new();
    for (account, tag) in [("1", "client"), ("10", "agent")] {
        let mut p = ServerProfile::new(DialectId::SupportChat, proxy.url());
        p.account_id = Some(account.into());
        p.reconnect.min_ms = 100;
        p.reconnect.max_ms = 500;
        let actor = Actor::connect_profile(tag, p, server.mint(account).await.unwrap())
            .await
            .unwrap();
        let store = Store::open(&dir.join(format!("{tag}.sqlite3"))).unwrap();
        Messenger::attach(&actor.client, store, config.clone());
        actor
            .client
            .send(Command::JoinConversation {
                conversation_id: "chat-1".into(),
            })
            .await
            .unwrap();
        sides.push((account, actor));
    }
    let cutter = proxy.cut_every(Duration::from_secs(2), 6);
    // Both write 500 messages, a few milliseconds apart, while the links keep failing.
    let mut writers = Vec::new();
    for (account, actor) in &sides {
        let client = actor.client.clone();
        let account = account.to_string();
        writers.push(tokio::spawn(async move {
            for i in 0..500 {
                let cmd = Command::SendMessage {
                    conversation_id: "chat-1".into(),
                    client_id: format!("{account}-{i:03}"),
                    text: Some(format!("{account} says {i}")),
                    reply_to: None,
                    file_id: None,
                };
                client
                    .send(cmd)
                    .await
                    .expect("queued locally even while offline");
                tokio::time::sleep(Duration::from_millis(8)).await;
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    cutter.await.unwrap();
    assert_eq!(proxy.cuts(), 6);

    // The server: each message exactly once, each sender's in order.
    let stored = |state_file: &std::path::Path| -> Vec<String> {
        let text = std::fs::read_to_string(state_file).unwrap_or_default();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        v["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["chatId"] == "chat-1")
            .filter_map(|m| m["clientMessageId"].as_str().map(str::to_owned))
            .collect()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    let ids = loop {
        let ids = stored(&state_file);
        if ids.len() >= 1000 || tokio::time::Instant::now() > deadline {
            break ids;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicates stored");
    assert_eq!(ids.len(), 1000, "lost: {}", 1000 - ids.len());
    for account in ["1", "10"] {
        let mine: Vec<&String> = ids
            .iter()
            .filter(|id| id.starts_with(&format!("{account}-")))
            .collect();
        let expected: Vec<String> = (0..500).map(|i| format!("{account}-{i:03}")).collect();
        assert_eq!(
            mine,
            expected.iter().collect::<Vec<_>>(),
            "order of {account}'s messages"
        );
    }

    // Each side's cache: its own 500 sent; what it received from the other, once and in order.
    for (account, actor) in &sides {
        // Page backwards through the whole cache.
        let mut messages: Vec<ChatMessage> = Vec::new();
        let mut before = None;
        loop {
            let page = actor
                .client
                .send(LocalCommand::LoadMessages {
                    conversation_id: "chat-1".into(),
                    before,
                    limit: Some(200),
                })
                .await
                .unwrap();
            let (mut batch, more) = page
                .iter()
                .find_map(|e| match e {
                    DomainEvent::MessagesPage {
                        messages, has_more, ..
                    } => Some((messages.clone(), *has_more)),
                    _ => None,
                })
                .expect("a page from the cache");
            before = batch.first().map(|m| m.local_id);
            batch.append(&mut messages);
            messages = batch;
            if !more || before.is_none() {
                break;
            }
        }
        let own: Vec<&ChatMessage> = messages.iter().filter(|m| m.own).collect();
        assert_eq!(own.len(), 500, "{account}: own messages cached");
        assert!(
            own.iter().all(|m| m.state != DeliveryState::Failed
                && m.state != DeliveryState::Pending
                && m.state != DeliveryState::Sending),
            "{account}: every own message confirmed"
        );
        // Received messages by their text ("<sender> says <i>"): seed 003's `Message` has no
        // client id, so only the default mode's extension would echo one.
        let theirs: Vec<u32> = messages
            .iter()
            .filter(|m| !m.own)
            .filter_map(|m| {
                let (_, i) = m.text.as_deref()?.split_once(" says ")?;
                i.parse().ok()
            })
            .collect();
        let unique: HashSet<&u32> = theirs.iter().collect();
        assert_eq!(
            unique.len(),
            theirs.len(),
            "{account}: a received message shown twice"
        );
        assert_eq!(theirs.len(), 500, "{account}: received from the other side");
        let mut sorted = theirs.clone();
        sorted.sort();
        assert_eq!(theirs, sorted, "{account}: the other side's order");
    }
    let _ = std::fs::remove_dir_all(dir);
}
