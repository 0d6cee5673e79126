//! What each dialect promises for sends (README, "What each dialect guarantees for sends"),
//! proved against the reference servers in the mode the run chose (`PARLOR_SERVER_MODE`:
//! `default`, `seed-only` — only what the documents print — or `drift:<seed>`), and counted on
//! the server's side through its test-only `GET /debug/messages`:
//!
//! - never a second copy of a message on the server, in any dialect;
//! - a message the client calls `sent` is on the server exactly once; one it calls `failed`
//!   is not there at all; `unconfirmed` (the user decides) only where the dialect cannot tell;
//! - 002 and 003 can always tell (the ack or `message_sent`, then the recent messages or the
//!   history page): every message ends `sent`, exactly once, in order;
//! - 001 confirms nothing but the emit: at most once, and what the client cannot know is
//!   marked `unconfirmed`, never resent behind the user's back.

mod support;

use parlor_core::messaging::{ChatMessage, DeliveryState, Messenger, MessengerConfig};
use parlor_core::store::Store;
use parlor_core::transport::BackoffPolicy;
use parlor_core::{Command, DialectId, ServerProfile};
use parlor_harness::faults::FaultProxy;
use parlor_harness::script::{chat_user, open_chat, Actor};
use parlor_harness::servers::{server_file, RefServer, ServerMode};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn scratch(tag: &str) -> PathBuf {
    support::scratch_dir("delivery", tag)
}

fn send(conversation_id: &str, text: &str) -> Command {
    Command::SendMessage {
        conversation_id: conversation_id.into(),
        client_id: String::new(),
        text: Some(text.into()),
        reply_to: None,
        file_id: None,
    }
}

async fn wait_until(secs: u64, mut ok: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ok()
}

/// Sends `n` messages in `d` through a link cut every `cut_ms`, then holds each one's final
/// state against the copies the server stored.
async fn sends_through_cuts(d: DialectId, n: usize, cut_ms: u64) {
    let server = RefServer::start(server_file(d), &[("PARLOR_RATE_LIMIT_SCALE", "10")])
        .await
        .unwrap();
    let proxy = Arc::new(FaultProxy::start(server.port()).await.unwrap());
    let account = chat_user(d);
    let mut profile = ServerProfile::new(d, proxy.url());
    profile.rest_url = Some(proxy.url());
    profile.account_id = Some(account.into());
    profile.reconnect = BackoffPolicy {
        min_ms: 100,
        max_ms: 500,
        ..BackoffPolicy::default()
    };
    profile.ack_timeout_ms = 2_000;
    let token = server.mint(account).await.unwrap();
    let mut user = Actor::connect_profile("user", profile, token)
        .await
        .unwrap();
    let tag = format!("cuts-{}", d.seed());
    let m = Messenger::attach(
        &user.client,
        Store::open(&scratch(&tag).join("cache.sqlite3")).unwrap(),
        MessengerConfig {
            confirm_timeout: Duration::from_secs(2),
            retry_base: Duration::from_millis(100),
            retry_max: Duration::from_secs(1),
            ..MessengerConfig::default()
        },
    );
    let conversation = open_chat(&server, d, &mut user).await.unwrap();
    let cutter = proxy.cut_every(Duration::from_millis(cut_ms), usize::MAX);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let texts: Vec<String> = (0..n)
        .map(|i| format!("{} {i:03} {}", d.seed(), &run[..8]))
        .collect();
    for text in &texts {
        user.client.send(send(&conversation, text)).await.unwrap();
        // Spread over a dozen cuts, so that cuts land while messages are in flight.
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let settled = wait_until(180, || m.cache().queued_count().unwrap_or(1) == 0).await;
    cutter.abort();
    assert!(
        settled,
        "{} messages still in the outbox after 180 s",
        m.cache().queued_count().unwrap()
    );
    let stored = server.stored_messages(&conversation).await.unwrap();
    let drift = server.drift_report().await;
    let (cached, _) = m.cache().page(&conversation, None, 1_000).unwrap();
    let ours: HashMap<&str, &ChatMessage> = cached
        .iter()
        .filter(|c| c.own)
        .filter_map(|c| c.text.as_deref().map(|t| (t, c)))
        .collect();
    let mut tally: HashMap<DeliveryState, usize> = HashMap::new();
    for text in &texts {
        let copies = stored.iter().filter(|(_, t)| t == text).count();
        let mine = ours
            .get(text.as_str())
            .unwrap_or_else(|| panic!("{text:?} is not in the cache"));
        *tally.entry(mine.state).or_default() += 1;
        assert!(
            copies <= 1,
            "{text:?} stored {copies} times ({:?}); server mode: {drift}",
            mine.state
        );
        match mine.state {
            DeliveryState::Sent | DeliveryState::Delivered | DeliveryState::Read => assert_eq!(
                copies, 1,
                "{text:?} is {:?} but the server has {copies}; server mode: {drift}",
                mine.state
            ),
            DeliveryState::Failed => assert_eq!(
                copies, 0,
                "{text:?} failed ({:?}) but the server has it; server mode: {drift}",
                mine.error
            ),
            DeliveryState::Unconfirmed => {}
            other => panic!("{text:?} ended {other:?}"),
        }
    }
    // The server holds what it holds in the order it was written.
    let order: Vec<&String> = stored
        .iter()
        .map(|(_, t)| t)
        .filter(|t| texts.contains(t))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "order on the server; server mode: {drift}");
    println!(
        "{} through {} cuts: {tally:?}, {} stored",
        d.seed(),
        proxy.cuts(),
        order.len()
    );
    // Most messages get through even on a link cut every 0.7 s: at most once is not "rarely".
    let sent = tally.get(&DeliveryState::Sent).copied().unwrap_or(0);
    assert!(
        sent * 2 >= n,
        "only {sent} of {n} sent: {tally:?}; server mode: {drift}"
    );
    if d != DialectId::PresenceSessions {
        // The ack or `message_sent` tells, and the recent messages settle a lost one.
        assert_eq!(
            tally.get(&DeliveryState::Sent).copied().unwrap_or(0),
            n,
            "exactly once: {tally:?}; server mode: {drift}"
        );
    }
}

#[tokio::test]
async fn support_chat_sends_arrive_exactly_once_through_cut_links() {
    sends_through_cuts(DialectId::SupportChat, 150, 700).await;
}

#[tokio::test]
async fn tarot_chat_sends_arrive_exactly_once_through_cut_links() {
    sends_through_cuts(DialectId::TarotChat, 150, 700).await;
}

#[tokio::test]
async fn presence_sessions_sends_arrive_at_most_once_and_the_rest_are_marked() {
    sends_through_cuts(DialectId::PresenceSessions, 150, 700).await;
}

/// A seed-only 003 server's answer to `sendMessage` names no message of ours, and a drifted
/// one may give it by ack, by event, by both, or by event after an empty ack: an answer that
/// comes while the next message is already in flight is still its own message's. Sent back to
/// back, every message must end `sent` with the id the server gave *it* (a client that takes
/// the previous message's answer for the next one calls a message sent that the server never
/// got, and resends nothing). Each answer mode is pinned here (a drifted run draws one per
/// connection); the race itself, an answer that arrives after the next message went out, is
/// pinned down by the messenger's unit test `a_late_answer_confirms_its_own_message_…`.
#[tokio::test]
async fn support_chat_answers_confirm_their_own_message_in_every_answer_mode() {
    let d = DialectId::SupportChat;
    for answer in ["both", "emptyAck", "nest", "ack"] {
        let pin = format!("003.answer={answer}");
        let server = RefServer::start(
            server_file(d),
            &[("PARLOR_DRIFT", "3"), ("PARLOR_DRIFT_PIN", &pin)],
        )
        .await
        .unwrap();
        let account = chat_user(d);
        let token = server.mint(account).await.unwrap();
        let mut user = Actor::connect("user", d, &server.url(), "/", token, Some(account))
            .await
            .unwrap();
        let m = Messenger::attach(
            &user.client,
            Store::open(&scratch(&format!("answers-{answer}")).join("cache.sqlite3")).unwrap(),
            MessengerConfig {
                confirm_timeout: Duration::from_secs(3),
                retry_base: Duration::from_millis(100),
                retry_max: Duration::from_secs(1),
                ..MessengerConfig::default()
            },
        );
        let conversation = open_chat(&server, d, &mut user).await.unwrap();
        let texts: Vec<String> = (0..40).map(|i| format!("{answer} {i:02}")).collect();
        for text in &texts {
            m.send_text(&conversation, text).unwrap();
        }
        assert!(
            wait_until(60, || m.cache().queued_count().unwrap_or(1) == 0).await,
            "{answer}: {} messages still queued",
            m.cache().queued_count().unwrap()
        );
        let stored: HashMap<String, String> = server
            .stored_message_ids(&conversation)
            .await
            .unwrap()
            .into_iter()
            .map(|(id, text)| (text, id))
            .collect();
        let (cached, _) = m.cache().page(&conversation, None, 1_000).unwrap();
        let drift = server.drift_report().await;
        for text in &texts {
            let mine = cached
                .iter()
                .find(|c| c.own && c.text.as_deref() == Some(text.as_str()))
                .unwrap_or_else(|| panic!("{answer}: {text:?} is not in the cache"));
            assert_eq!(
                (mine.state, mine.server_id.as_deref()),
                (DeliveryState::Sent, stored.get(text).map(String::as_str)),
                "{answer}: {text:?} against the server's record; server mode: {drift}"
            );
        }
    }
}

/// A drifted 003 server that answers by an event and then an empty ack refuses a send the same
/// way: an `error` event, then the empty ack. The ack alone must not count as the proof (the
/// refusal is in the event the client may still be applying): in every answer mode a refused
/// message never ends `sent`, the server never holds it, and the messages around it go.
#[tokio::test]
async fn support_chat_refusals_are_never_taken_for_sent_in_any_answer_mode() {
    let d = DialectId::SupportChat;
    for answer in ["emptyAck", "both", "nest", "ack"] {
        let pin = format!("003.answer={answer}");
        let server = RefServer::start(
            server_file(d),
            &[("PARLOR_DRIFT", "3"), ("PARLOR_DRIFT_PIN", &pin)],
        )
        .await
        .unwrap();
        let account = chat_user(d);
        let token = server.mint(account).await.unwrap();
        let mut user = Actor::connect("user", d, &server.url(), "/", token, Some(account))
            .await
            .unwrap();
        let m = Messenger::attach(
            &user.client,
            Store::open(&scratch(&format!("refusals-{answer}")).join("cache.sqlite3")).unwrap(),
            MessengerConfig {
                confirm_timeout: Duration::from_secs(2),
                retry_base: Duration::from_millis(100),
                retry_max: Duration::from_secs(1),
                ..MessengerConfig::default()
            },
        );
        let conversation = open_chat(&server, d, &mut user).await.unwrap();
        for i in 0..2 {
            m.send_text(&conversation, &format!("{answer} before {i}"))
                .unwrap();
            m.send_text("no-such-chat", &format!("{answer} refused {i}"))
                .unwrap();
            m.send_text(&conversation, &format!("{answer} after {i}"))
                .unwrap();
        }
        assert!(
            wait_until(90, || m.cache().queued_count().unwrap_or(1) == 0).await,
            "{answer}: {} messages still queued",
            m.cache().queued_count().unwrap()
        );
        let (refused, _) = m.cache().page("no-such-chat", None, 50).unwrap();
        assert_eq!(refused.len(), 2, "{answer}: {refused:?}");
        for r in &refused {
            assert!(
                matches!(r.state, DeliveryState::Failed | DeliveryState::Unconfirmed),
                "{answer}: a refused message ended {:?}: {r:?}",
                r.state
            );
        }
        let stored = server.stored_messages(&conversation).await.unwrap();
        assert!(
            stored.iter().all(|(_, t)| !t.contains("refused")),
            "{answer}: {stored:?}"
        );
        let (kept, _) = m.cache().page(&conversation, None, 100).unwrap();
        for i in 0..2 {
            for text in [
                format!("{answer} before {i}"),
                format!("{answer} after {i}"),
            ] {
                assert!(
                    kept.iter().any(|c| c.text.as_deref() == Some(text.as_str())
                        && c.state == DeliveryState::Sent),
                    "{answer}: {text:?} not sent: {kept:?}"
                );
                assert_eq!(
                    stored.iter().filter(|(_, t)| *t == text).count(),
                    1,
                    "{answer}: {text:?}"
                );
            }
        }
    }
}

/// The socket.io default frame limit: a larger message is refused when queued, with a typed
/// error, and blocks nothing behind it.
#[tokio::test]
async fn an_oversized_message_is_refused_when_queued_and_blocks_nothing() {
    let d = DialectId::SupportChat;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let account = chat_user(d);
    let token = server.mint(account).await.unwrap();
    let mut user = Actor::connect("user", d, &server.url(), "/", token, Some(account))
        .await
        .unwrap();
    let m = Messenger::attach(
        &user.client,
        Store::open(&scratch("oversized").join("cache.sqlite3")).unwrap(),
        MessengerConfig::default(),
    );
    let conversation = open_chat(&server, d, &mut user).await.unwrap();
    let huge = "x".repeat(2 * 1024 * 1024);
    let e = user
        .client
        .send(send(&conversation, &huge))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input");
    assert!(e.to_string().contains("at most 1000000"), "{e}");
    for i in 0..3 {
        user.client
            .send(send(&conversation, &format!("small {i}")))
            .await
            .unwrap();
    }
    assert!(wait_until(20, || m.cache().queued_count().unwrap_or(1) == 0).await);
    let stored = server.stored_messages(&conversation).await.unwrap();
    for i in 0..3 {
        let text = format!("small {i}");
        assert_eq!(stored.iter().filter(|(_, t)| *t == text).count(), 1);
    }
    assert!(stored.iter().all(|(_, t)| t.len() < 1000));
}

/// A server whose frame limit is below the client's (here 64 KB against the default 1 MB)
/// closes the connection on a larger message, on every try. Each such try counts: the message
/// ends `failed`, with a reason, after the configured attempts, the server never holds it, and
/// the messages written after it in the same conversation then go, once each and in order.
#[tokio::test]
async fn a_message_the_server_closes_the_link_on_fails_after_its_attempts_and_blocks_nothing() {
    let d = DialectId::SupportChat;
    let server = RefServer::start(server_file(d), &[("PARLOR_MAX_FRAME_BYTES", "65536")])
        .await
        .unwrap();
    let account = chat_user(d);
    let mut profile = ServerProfile::new(d, server.url());
    profile.account_id = Some(account.into());
    profile.reconnect = BackoffPolicy {
        min_ms: 100,
        max_ms: 300,
        ..BackoffPolicy::default()
    };
    profile.ack_timeout_ms = 2_000;
    let token = server.mint(account).await.unwrap();
    let mut user = Actor::connect_profile("user", profile, token)
        .await
        .unwrap();
    let m = Messenger::attach(
        &user.client,
        Store::open(&scratch("closes-link").join("cache.sqlite3")).unwrap(),
        MessengerConfig {
            confirm_timeout: Duration::from_secs(2),
            max_attempts: 3,
            retry_base: Duration::from_millis(100),
            retry_max: Duration::from_millis(500),
            ..MessengerConfig::default()
        },
    );
    let conversation = open_chat(&server, d, &mut user).await.unwrap();
    // One message the server holds: the recent messages after a rejoin reach back to it, so
    // they can prove the big one absent (in an empty conversation they cannot, and a message
    // without an answer ends `unconfirmed`).
    let first = m.send_text(&conversation, "before the big one").unwrap();
    let first = first.settled(Duration::from_secs(20)).await.unwrap();
    assert_eq!(first.state, DeliveryState::Sent);
    let big = m
        .send_text(&conversation, &"x".repeat(200 * 1024))
        .expect("under the client's own limit, so it is queued");
    let behind: Vec<String> = (0..3).map(|i| format!("behind the big one {i}")).collect();
    for text in &behind {
        m.send_text(&conversation, text).unwrap();
    }
    let settled = wait_until(120, || m.cache().queued_count().unwrap_or(1) == 0).await;
    let last = big.message().unwrap().expect("still in the cache");
    assert!(
        settled,
        "still queued after 120 s; the big one: {:?} {:?}",
        last.state, last.error
    );
    assert_eq!(last.state, DeliveryState::Failed, "{:?}", last.error);
    let reason = last.error.clone().unwrap_or_default();
    assert!(
        reason.contains("after 3 tries"),
        "the reason names the tries: {reason}"
    );
    println!("the big one: {reason}");
    let stored = server.stored_messages(&conversation).await.unwrap();
    assert!(
        stored.iter().all(|(_, t)| t.len() < 1000),
        "the server never took it"
    );
    let order: Vec<&String> = stored
        .iter()
        .map(|(_, t)| t)
        .filter(|t| behind.contains(t))
        .collect();
    assert_eq!(
        order,
        behind.iter().collect::<Vec<_>>(),
        "once each, in order"
    );
    let (cached, _) = m.cache().page(&conversation, None, 100).unwrap();
    for text in &behind {
        let mine = cached
            .iter()
            .find(|c| c.text.as_deref() == Some(text.as_str()))
            .unwrap();
        assert_eq!(mine.state, DeliveryState::Sent, "{text}");
    }
}

/// No silent stall: a message the server refuses fails at once with the server's own words
/// (and code, where it gives one), and the next message, here in another conversation, goes.
#[tokio::test]
async fn a_refused_message_fails_with_the_servers_words_and_blocks_nothing() {
    refused_then_next(DialectId::SupportChat, "no-such-chat", None).await;
}

/// 002 refuses by an `error` event with the document's code and no message id: it belongs to
/// the one message in flight, and the code is kept.
#[tokio::test]
async fn a_tarot_chat_refusal_keeps_the_servers_code() {
    refused_then_next(
        DialectId::TarotChat,
        "00000000-0000-4000-8000-000000000000",
        Some("SESSION_NOT_FOUND"),
    )
    .await;
}

async fn refused_then_next(d: DialectId, nowhere: &str, code: Option<&str>) {
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let account = chat_user(d);
    let token = server.mint(account).await.unwrap();
    let mut user = Actor::connect("user", d, &server.url(), "/", token, Some(account))
        .await
        .unwrap();
    let m = Messenger::attach(
        &user.client,
        Store::open(&scratch("refused").join("cache.sqlite3")).unwrap(),
        MessengerConfig::default(),
    );
    let conversation = open_chat(&server, d, &mut user).await.unwrap();
    user.client
        .send(send(nowhere, "into the void"))
        .await
        .unwrap();
    user.client
        .send(send(&conversation, "still here"))
        .await
        .unwrap();
    // A drifted 003 server may refuse by an `error` event only (NestJS answers a thrown
    // exception so), which names no request: the send then ends unconfirmed once its answer
    // times out and the rejoin cannot tell (about 20 s), never sent and never blocking.
    let by_event =
        d == DialectId::SupportChat && matches!(ServerMode::from_env(), ServerMode::Drift(_));
    let bound = if by_event { 60 } else { 20 };
    assert!(wait_until(bound, || m.cache().queued_count().unwrap_or(1) == 0).await);
    let (lost, _) = m.cache().page(nowhere, None, 5).unwrap();
    if by_event && lost[0].state == DeliveryState::Unconfirmed {
        assert!(lost[0].server_id.is_none(), "{:?}", lost[0]);
    } else {
        assert_eq!(lost[0].state, DeliveryState::Failed, "{:?}", lost[0]);
        if let Some(code) = code {
            assert_eq!(lost[0].error_code.as_deref(), Some(code), "{:?}", lost[0]);
        }
    }
    assert!(
        lost[0].error.as_deref().is_some_and(|e| !e.is_empty()),
        "{:?}",
        lost[0]
    );
    let (kept, _) = m.cache().page(&conversation, None, 50).unwrap();
    assert!(kept
        .iter()
        .any(|c| c.text.as_deref() == Some("still here") && c.state == DeliveryState::Sent));
    let stored = server.stored_messages(&conversation).await.unwrap();
    assert_eq!(stored.iter().filter(|(_, t)| t == "still here").count(), 1);
}
