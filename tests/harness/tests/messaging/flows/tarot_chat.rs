//! 002 end to end through the cache: messages, reactions, receipts, typing, and the REST
//! backfill (searched offline afterwards).

use super::*;

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
