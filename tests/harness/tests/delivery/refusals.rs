//! Messages the server refuses, or closes the link on, or that are too big: they fail with the server's words and block nothing behind them.

use super::*;

/// The socket.io default frame limit: a larger message is refused when queued, with a typed
/// error, and blocks nothing behind it.
#[tokio::test]
async fn an_oversized_message_is_refused_when_queued_and_blocks_nothing() {
    let d = DialectId::SupportChat;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let mut user = chat_user_on(&server, d).await;
    let m = messenger(&user, "oversized", MessengerConfig::default());
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
    let m = messenger(
        &user,
        "closes-link",
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
    let mut user = chat_user_on(&server, d).await;
    let m = messenger(&user, "refused", MessengerConfig::default());
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
