//! Sends the server leaves in doubt (no answer, a rate limit, missed messages, malformed payloads): nothing lost, nothing sent twice unasked.

use super::*;

#[tokio::test]
async fn malformed_message_payloads_become_protocol_errors_and_lose_nothing_else() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let mut profile = ServerProfile::new(DialectId::SupportChat, server.url());
    profile.account_id = Some("1".into());
    let client = Client::connect(profile, Arc::new(StaticToken::new("valid"))).unwrap();
    let m = Messenger::attach(
        &client,
        Store::open(&scratch("malformed").join("cache.sqlite3")).unwrap(),
        fast(),
    );
    let mut events = client.subscribe();
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    let good = |id: &str, text: &str, at: &str| {
        json!({"id": id, "chatId": "chat-1", "senderId": 2, "text": text, "createdAt": at,
            "sender": {"id": 2, "email": "second@parlor.test", "role": "CLIENT"}})
    };
    client
        .send(Command::Raw {
            event: "emit-as".into(),
            payload: json!({"events": [
                ["newMessage", good("g2", "second", "2025-01-01T00:00:02Z")],
                ["newMessage", {"chatId": "chat-1", "text": "no id"}],
                ["newMessage", "just a string"],
                ["messagesRead", 12],
                ["newMessage", {"id": {"nested": true}, "chatId": "chat-1", "senderId": 2}],
                ["newMessage", good("g1", "first", "2025-01-01T00:00:01Z")],
                ["newMessage", good("g2", "second", "2025-01-01T00:00:02Z")],
            ]}),
            ack: false,
        })
        .await
        .unwrap();
    let (mut errors, mut changed_ids) = (0, Vec::new());
    while errors < 4 || changed_ids.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            Ok(Some(DomainEvent::ProtocolError { .. })) => errors += 1,
            Ok(Some(DomainEvent::ChatMessageChanged { message })) => {
                changed_ids.push(message.server_id.unwrap())
            }
            Ok(Some(_)) => {}
            other => panic!("stalled with {errors} errors, {changed_ids:?}: {other:?}"),
        }
    }
    assert_eq!(errors, 4);
    // The duplicate g2 was dropped; g1 arrived later but sits first (server time).
    assert_eq!(changed_ids, vec!["g2", "g1"]);
    let (page, _) = m.cache().page("chat-1", None, 10).unwrap();
    let texts: Vec<_> = page.iter().filter_map(|m| m.text.clone()).collect();
    assert_eq!(texts, vec!["first", "second"]);
    assert!(client.state().is_connected());
}

/// A 003 client whose every `sendMessage` goes unanswered (the probe never acks it, nor
/// `joinChat`), with `server_deduplicates` as given; returns the client, its Messenger and
/// the message's states until it leaves the outbox.
async fn unanswered_send(
    server: &RefServer,
    tag: &str,
    server_deduplicates: bool,
) -> (Client, Arc<Messenger>, Vec<ChatMessage>) {
    let mut profile = ServerProfile::new(DialectId::SupportChat, server.url());
    profile.account_id = Some("1".into());
    profile.ack_timeout_ms = 400;
    profile.delivery.server_deduplicates = server_deduplicates;
    let client = Client::connect(profile, Arc::new(StaticToken::new("valid"))).unwrap();
    let config = MessengerConfig {
        confirm_timeout: Duration::from_millis(300),
        max_attempts: 3,
        retry_base: Duration::from_millis(50),
        ..fast()
    };
    let m = Messenger::attach(
        &client,
        Store::open(&scratch(tag).join("cache.sqlite3")).unwrap(),
        config,
    );
    let mut events = client.subscribe();
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    client
        .send(send("chat-1", "lonely", "anyone there?", None))
        .await
        .unwrap();
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(20), events.recv()).await {
            Ok(Some(DomainEvent::ChatMessageChanged { message })) => {
                let done = !message.state.is_queued();
                seen.push(message);
                if done {
                    break;
                }
            }
            Ok(Some(_)) => {}
            other => panic!(
                "the message never left the outbox; states {:?}; {other:?}",
                seen.iter().map(|m| m.state).collect::<Vec<_>>()
            ),
        }
    }
    (client, m, seen)
}

#[tokio::test]
async fn an_unanswered_message_ends_unconfirmed_not_resent_and_the_user_decides() {
    // 003 confirms by the ack; the probe never sends it, and cannot tell later either (it
    // does not answer `joinChat`). The server may have the message: resending could duplicate
    // it, so it ends `unconfirmed` after one try, and only the user resends it.
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (client, m, seen) = unanswered_send(&server, "unconfirmed", false).await;
    let last = seen.last().unwrap();
    assert_eq!(last.state, DeliveryState::Unconfirmed, "{seen:?}");
    assert!(
        last.error.as_deref().unwrap_or("").contains("resend"),
        "{last:?}"
    );
    assert_eq!(
        seen.iter()
            .filter(|m| m.state == DeliveryState::Sending && m.error.is_none())
            .count(),
        1,
        "tried once: {seen:?}"
    );
    let retried = client
        .send(LocalCommand::RetryMessage {
            conversation_id: "chat-1".into(),
            client_id: "lonely".into(),
        })
        .await
        .unwrap();
    assert!(
        matches!(&retried[0], DomainEvent::ChatMessageChanged { message } if message.state == DeliveryState::Pending && message.error.is_none())
    );
    // Retrying something the outbox owns again is refused.
    assert_eq!(
        client
            .send(LocalCommand::RetryMessage {
                conversation_id: "chat-1".into(),
                client_id: "lonely".into(),
            })
            .await
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    assert!(
        wait_until(20, || m.cache().page("chat-1", None, 5).unwrap().0[0].state
            == DeliveryState::Unconfirmed)
        .await
    );
    client
        .send(LocalCommand::DiscardMessage {
            conversation_id: "chat-1".into(),
            client_id: "lonely".into(),
        })
        .await
        .unwrap();
    assert!(m.cache().page("chat-1", None, 5).unwrap().0.is_empty());
    assert_eq!(m.cache().queued_count().unwrap(), 0);
}

#[tokio::test]
async fn on_a_server_that_drops_resends_an_unanswered_message_is_retried_then_fails() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (_client, _m, seen) = unanswered_send(&server, "dedup-retries", true).await;
    let last = seen.last().unwrap();
    assert_eq!(last.state, DeliveryState::Failed, "{seen:?}");
    assert!(
        last.error
            .as_deref()
            .unwrap_or("")
            .starts_with("gave up after 3 attempts"),
        "{last:?}"
    );
}

#[tokio::test]
async fn tarot_chat_catches_up_on_missed_messages_when_the_app_comes_back() {
    let d = DialectId::TarotChat;
    let sarah_id = "11111111-1111-4111-8111-111111111111";
    let session = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let db = scratch("002-catch-up").join("cache.sqlite3");
    let sarah_token = server.mint(sarah_id).await.unwrap();
    let connect_sarah = || async {
        let a = Actor::connect(
            "sarah",
            d,
            &server.url(),
            "/",
            sarah_token.clone(),
            Some(sarah_id),
        )
        .await
        .unwrap();
        let m = Messenger::attach(&a.client, Store::open(&db).unwrap(), fast());
        (a, m)
    };
    let (mut sarah, m) = connect_sarah().await;
    join(&mut sarah, session).await;
    sarah
        .expect("joined", 5, |e| {
            matches!(e, DomainEvent::ConversationJoined { .. }).then_some(())
        })
        .await
        .unwrap();
    sarah.client.disconnect().await;
    drop((sarah, m));

    // Samia writes while Sarah's app is closed.
    let samia_token = server
        .mint("22222222-2222-4222-8222-222222222222")
        .await
        .unwrap();
    let mut samia = Actor::connect("samia", d, &server.url(), "/", samia_token, None)
        .await
        .unwrap();
    join(&mut samia, session).await;
    for i in 0..3 {
        let id = uuid::Uuid::new_v4().to_string();
        samia
            .send(
                "send",
                send(session, &id, &format!("while you were away {i}"), None),
            )
            .await
            .unwrap();
        samia
            .expect("sent", 5, |e| {
                // One message at a time, so the next `message_sent` is this one's: seed 002's
                // servers may answer with an id of their own and no trace of ours.
                matches!(e, DomainEvent::MessageSent { .. }).then_some(())
            })
            .await
            .unwrap();
    }

    // Sarah's app starts again on the same cache: it rejoins and catches up by itself.
    let (mut sarah, m) = connect_sarah().await;
    for i in 0..3 {
        sarah
            .expect(
                "caught up",
                10,
                changed(&format!("while you were away {i}"), DeliveryState::Received),
            )
            .await
            .unwrap();
    }
    assert_eq!(m.cache().page(session, None, 50).unwrap().0.len(), 3);
}

#[tokio::test]
async fn a_rate_limited_message_waits_without_using_up_its_attempts() {
    // 002 at 3 messages a minute: the fourth is refused with an error event.
    let d = DialectId::TarotChat;
    let session = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    let server = RefServer::start(server_file(d), &[("PARLOR_RATE_LIMIT_SCALE", "0.03")])
        .await
        .unwrap();
    let account = "11111111-1111-4111-8111-111111111111";
    let token = server.mint(account).await.unwrap();
    let mut sarah = Actor::connect("sarah", d, &server.url(), "/", token, Some(account))
        .await
        .unwrap();
    let config = MessengerConfig {
        confirm_timeout: Duration::from_millis(500),
        max_attempts: 2,
        rate_limit_pause: Duration::from_millis(300),
        ..fast()
    };
    let m = Messenger::attach(
        &sarah.client,
        Store::open(&scratch("rate-limit").join("cache.sqlite3")).unwrap(),
        config,
    );
    join(&mut sarah, session).await;
    for i in 0..4 {
        sarah
            .send("send", send(session, "", &format!("burst {i}"), None))
            .await
            .unwrap();
    }
    for i in 0..3 {
        sarah
            .expect(
                "sent",
                5,
                changed(&format!("burst {i}"), DeliveryState::Sent),
            )
            .await
            .unwrap();
    }
    let waiting = sarah
        .expect("told to slow down", 5, |e| match e {
            DomainEvent::ChatMessageChanged { message }
                if message.text.as_deref() == Some("burst 3")
                    && message
                        .error
                        .as_deref()
                        .is_some_and(|r| r.contains("slow down")) =>
            {
                Some(message.clone())
            }
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(waiting.state, DeliveryState::Sending);
    // Several rounds later (each would have been an attempt) it is still queued, not failed.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (page, _) = m.cache().page(session, None, 10).unwrap();
    assert_eq!(page.len(), 4);
    let last = page
        .iter()
        .find(|p| p.text.as_deref() == Some("burst 3"))
        .unwrap();
    assert!(last.state.is_queued(), "{last:?}");
    assert_eq!(m.cache().queued_count().unwrap(), 1);
}
