//! Each messaging dialect end to end through the cache: messages, replies, reactions, receipts, typing, history and search.

use super::*;

/// Typing through the throttle: many keystrokes, one start, one stop after idle.
async fn check_typing(typist: &mut Actor, watcher: &mut Actor, conv: &str) {
    for _ in 0..5 {
        typist
            .send(
                "typing",
                Command::SetTyping {
                    conversation_id: conv.into(),
                    typing: true,
                },
            )
            .await
            .unwrap();
    }
    watcher
        .expect("typing start", 5, |e| {
            matches!(e, DomainEvent::TypingChanged { typing: true, .. }).then_some(())
        })
        .await
        .unwrap();
    watcher
        .expect("typing stop after idle", 5, |e| {
            matches!(e, DomainEvent::TypingChanged { typing: false, .. }).then_some(())
        })
        .await
        .unwrap();
    watcher
        .expect_none("a second typing start", 300, |e| {
            matches!(e, DomainEvent::TypingChanged { typing: true, .. })
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn support_chat_messages_replies_receipts_typing_history_and_search_through_the_cache() {
    let d = DialectId::SupportChat;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let (mut client, cm) = party(&server, d, "1", "003-client").await;
    let (mut admin, am) = party(&server, d, "10", "003-admin").await;
    join(&mut client, "chat-1").await;
    join(&mut admin, "chat-1").await;

    let queued = client
        .send("send", send("chat-1", "", "hello from the cache", None))
        .await
        .unwrap();
    assert!(
        matches!(&queued[0], DomainEvent::ChatMessageChanged { message } if message.state == DeliveryState::Pending && message.client_id.is_some())
    );
    let sent = client
        .expect(
            "sent",
            5,
            changed("hello from the cache", DeliveryState::Sent),
        )
        .await
        .unwrap();
    let server_id = sent.server_id.clone().expect("a server id");
    let got = admin
        .expect(
            "received",
            5,
            changed("hello from the cache", DeliveryState::Received),
        )
        .await
        .unwrap();
    assert_eq!(got.sender.id, "1");
    assert!(!got.own);

    admin
        .send("reply", send("chat-1", "", "the answer", Some(&server_id)))
        .await
        .unwrap();
    let reply = client
        .expect("reply", 5, changed("the answer", DeliveryState::Received))
        .await
        .unwrap();
    assert_eq!(reply.reply_to.as_deref(), Some(server_id.as_str()));

    admin
        .send(
            "read",
            Command::MarkRead {
                conversation_id: "chat-1".into(),
                message_ids: vec![server_id.clone()],
            },
        )
        .await
        .unwrap();
    let read = client
        .expect(
            "read receipt",
            5,
            changed("hello from the cache", DeliveryState::Read),
        )
        .await
        .unwrap();
    assert_eq!(read.read_by, vec!["10".to_string()]);

    check_typing(&mut client, &mut admin, "chat-1").await;

    // History: the cache at once, with our message once (the echo never doubles it), then the
    // page again after the join backfill.
    let first = client
        .send(
            "load",
            LocalCommand::LoadMessages {
                conversation_id: "chat-1".into(),
                before: None,
                limit: Some(50),
            },
        )
        .await
        .unwrap();
    let (messages, source) = page_of(&first);
    assert_eq!(source, PageSource::Cache);
    let texts: Vec<_> = messages.iter().filter_map(|m| m.text.clone()).collect();
    assert_eq!(texts, vec!["hello from the cache", "the answer"]);
    client
        .expect("backfilled page", 5, |e| {
            matches!(
                e,
                DomainEvent::MessagesPage {
                    source: PageSource::Server,
                    ..
                }
            )
            .then_some(())
        })
        .await
        .unwrap();
    let found = client
        .send(
            "search",
            LocalCommand::SearchMessages {
                query: "CACHE hel".into(),
                conversation_id: None,
                limit: None,
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&found[0], DomainEvent::SearchResults { messages, .. } if messages.len() == 1 && messages[0].server_id.as_deref() == Some(server_id.as_str()))
    );
    // Participants and active users land in the cache.
    client
        .send(
            "active",
            Command::GetActiveUsers {
                conversation_id: "chat-1".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        cm.cache().present("chat-1").unwrap(),
        vec!["1".to_string(), "10".to_string()]
    );
    // A permanent refusal fails the message with the server's words, no retries.
    client
        .send(
            "closed",
            send("chat-closed", "to-closed", "into the void", None),
        )
        .await
        .unwrap();
    if matches!(ServerMode::from_env(), ServerMode::Drift(_)) {
        // A drifted server may refuse by an `error` event instead of the ack (NestJS answers
        // a thrown exception so); an event names no request, so the send cannot be called
        // refused: it ends unconfirmed or failed after its tries, never sent.
        let ended = client
            .expect("ended", 60, |e| match e {
                DomainEvent::ChatMessageChanged { message }
                    if message.text.as_deref() == Some("into the void")
                        && matches!(
                            message.state,
                            DeliveryState::Failed | DeliveryState::Unconfirmed
                        ) =>
                {
                    Some(message.clone())
                }
                _ => None,
            })
            .await
            .unwrap();
        assert!(ended.server_id.is_none(), "{ended:?}");
    } else {
        let failed = client
            .expect("failed", 5, changed("into the void", DeliveryState::Failed))
            .await
            .unwrap();
        assert!(
            failed.error.as_deref().unwrap_or("").contains("closed"),
            "{failed:?}"
        );
    }
    client
        .send(
            "discard",
            LocalCommand::DiscardMessage {
                conversation_id: "chat-closed".into(),
                client_id: "to-closed".into(),
            },
        )
        .await
        .unwrap();
    assert!(cm
        .cache()
        .page("chat-closed", None, 10)
        .unwrap()
        .0
        .is_empty());
    assert_eq!(am.cache().page("chat-1", None, 10).unwrap().0.len(), 2);
}

#[tokio::test]
async fn tarot_chat_messages_reactions_receipts_typing_and_rest_backfill() {
    let d = DialectId::TarotChat;
    let sarah_id = "11111111-1111-4111-8111-111111111111";
    let samia_id = "22222222-2222-4222-8222-222222222222";
    let session = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let (mut sarah, _sm) = party(&server, d, sarah_id, "002-sarah").await;
    let (mut samia, _rm) = party(&server, d, samia_id, "002-samia").await;
    join(&mut sarah, session).await;
    join(&mut samia, session).await;
    sarah
        .expect("joined", 5, |e| {
            matches!(e, DomainEvent::ConversationJoined { .. }).then_some(())
        })
        .await
        .unwrap();
    samia
        .expect("joined", 5, |e| {
            matches!(e, DomainEvent::ConversationJoined { .. }).then_some(())
        })
        .await
        .unwrap();

    let client_id = uuid::Uuid::new_v4().to_string();
    sarah
        .send("send", send(session, &client_id, "Will I travel?", None))
        .await
        .unwrap();
    let sent = sarah
        .expect("sent", 5, changed("Will I travel?", DeliveryState::Sent))
        .await
        .unwrap();
    let id = sent.server_id.clone().unwrap();
    samia
        .expect(
            "received",
            5,
            changed("Will I travel?", DeliveryState::Received),
        )
        .await
        .unwrap();

    samia
        .send(
            "react",
            Command::React {
                conversation_id: session.into(),
                message_id: id.clone(),
                emoji: "🌟".into(),
            },
        )
        .await
        .unwrap();
    let reacted = sarah
        .expect("reaction", 5, |e| match e {
            DomainEvent::ChatMessageChanged { message } if !message.reactions.is_empty() => {
                Some(message.clone())
            }
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(reacted.reactions["🌟"], vec![samia_id.to_string()]);

    samia
        .send(
            "read",
            Command::MarkRead {
                conversation_id: session.into(),
                message_ids: vec![id.clone()],
            },
        )
        .await
        .unwrap();
    // The reader's `PUT …/read` is the document's; telling the writer (`message_read`) is
    // our server's extension, so only the default mode shows the receipt.
    if ServerMode::from_env().has_extensions() {
        let read = sarah
            .expect("read", 5, changed("Will I travel?", DeliveryState::Read))
            .await
            .unwrap();
        assert_eq!(read.read_by, vec![samia_id.to_string()]);
    }

    check_typing(&mut sarah, &mut samia, session).await;

    // A new device of Sarah's: an empty cache at once, then the REST backfill.
    let (mut fresh, fm) = party(&server, d, sarah_id, "002-sarah-new-device").await;
    let first = fresh
        .send(
            "load",
            LocalCommand::LoadMessages {
                conversation_id: session.into(),
                before: None,
                limit: Some(20),
            },
        )
        .await
        .unwrap();
    assert!(page_of(&first).0.is_empty());
    let backfilled = fresh
        .expect("backfill", 5, |e| match e {
            DomainEvent::MessagesPage {
                source: PageSource::Server,
                messages,
                ..
            } => Some(messages.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(backfilled.len(), 1);
    assert!(
        backfilled[0].own,
        "our own message, recognised after a backfill"
    );
    assert_eq!(backfilled[0].state, DeliveryState::Read);
    assert_eq!(backfilled[0].reactions["🌟"], vec![samia_id.to_string()]);
    // Offline search over what was backfilled.
    assert_eq!(fm.cache().search("travel", None, 10).unwrap().len(), 1);
}

#[tokio::test]
async fn presence_sessions_messages_through_the_cache() {
    let d = DialectId::PresenceSessions;
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let (mut user, um) = party(&server, d, "user_asha", "001-user").await;
    let (mut expert, _em) = party(&server, d, "astro_sharma", "001-expert").await;
    expert
        .send("online", Command::SetPresence { online: true })
        .await
        .unwrap();
    let started = user
        .send(
            "start",
            Command::RequestConsultation {
                expert_id: "astro_sharma".into(),
                kind: ConsultationKind::Text,
                rate_per_minute: Some(Decimal::new(1000, 2)),
            },
        )
        .await
        .unwrap();
    let session = started
        .iter()
        .find_map(|e| match e {
            DomainEvent::ConsultationRequestSent {
                consultation_id, ..
            } => Some(consultation_id.clone()),
            _ => None,
        })
        .unwrap();
    expert
        .send(
            "accept",
            Command::AnswerConsultation {
                consultation_id: session.clone(),
                accept: true,
            },
        )
        .await
        .unwrap();
    user.expect("accepted", 5, |e| {
        matches!(
            e,
            DomainEvent::ConsultationAnswered {
                outcome: RequestOutcome::Accepted,
                ..
            }
        )
        .then_some(())
    })
    .await
    .unwrap();
    join(&mut user, &session).await;
    join(&mut expert, &session).await;
    // 001 joins are plain emits: the astrologer's greeting reaching the user proves both are in
    // the room before the user writes.
    expert
        .send("greet", send(&session, "", "I am here", None))
        .await
        .unwrap();
    user.expect("greeting", 5, changed("I am here", DeliveryState::Received))
        .await
        .unwrap();
    user.send("send", send(&session, "", "Namaste", None))
        .await
        .unwrap();
    // 001 has no ack for messages: the echo to the room confirms it. A drifted server may
    // echo to the others only: then the message ends unconfirmed after the 5 s echo window
    // (the documented at-most-once guarantee), never resent.
    let settled = if ServerMode::from_env().has_extensions() {
        vec![DeliveryState::Sent]
    } else {
        vec![DeliveryState::Sent, DeliveryState::Unconfirmed]
    };
    user.expect("sent", 10, |e| match e {
        DomainEvent::ChatMessageChanged { message }
            if message.text.as_deref() == Some("Namaste") && settled.contains(&message.state) =>
        {
            Some(())
        }
        _ => None,
    })
    .await
    .unwrap();
    expert
        .expect("received", 5, changed("Namaste", DeliveryState::Received))
        .await
        .unwrap();
    expert
        .send("reply", send(&session, "", "Jupiter favours you", None))
        .await
        .unwrap();
    user.expect(
        "reply",
        5,
        changed("Jupiter favours you", DeliveryState::Received),
    )
    .await
    .unwrap();
    let (page, _) = um.cache().page(&session, None, 50).unwrap();
    let texts: Vec<_> = page.iter().filter_map(|m| m.text.clone()).collect();
    assert_eq!(texts, vec!["I am here", "Namaste", "Jupiter favours you"]);
    // Once the session is over the server refuses (`message:error` with our client id): the
    // message fails at once with the server's code, it is not retried.
    user.send(
        "end",
        Command::EndConsultation {
            consultation_id: session.clone(),
            rate_per_minute: Some(Decimal::new(1000, 2)),
            duration_minutes: None,
        },
    )
    .await
    .unwrap();
    user.send("late", send(&session, "late-1", "one more thing", None))
        .await
        .unwrap();
    let failed = user
        .expect(
            "refused",
            5,
            changed("one more thing", DeliveryState::Failed),
        )
        .await
        .unwrap();
    // The server's own code beside its words.
    assert_eq!(
        failed.error_code.as_deref(),
        Some("SESSION_NOT_ACTIVE"),
        "{failed:?}"
    );
    assert!(failed.error.as_deref().is_some_and(|e| !e.is_empty()));
}
