//! 003 end to end through the cache: messages, replies, receipts, typing, history and search.

use super::*;

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
