//! A send's handle settles the way each dialect confirms it (by the ack, by the event).

use super::*;

/// The client ids the 003 server stored for `chat`, in its order.
/// A message sent through `Messenger::send_text` and followed by its `SendHandle` alone: it
/// settles as sent with the server's id (003 confirms by the ack, 002 by an event), cannot be
/// taken back once sent, and reaches the peer once.
async fn send_handle_round_trip(d: DialectId, user: &str, peer: &str, conv: &str) {
    let server = RefServer::start(server_file(d), &[]).await.unwrap();
    let (mut a, am) = party(&server, d, user, &format!("{}-handle-a", d.seed())).await;
    let (mut b, _bm) = party(&server, d, peer, &format!("{}-handle-b", d.seed())).await;
    join(&mut a, conv).await;
    join(&mut b, conv).await;
    for who in [&mut a, &mut b] {
        who.expect("joined", 5, |e| {
            matches!(e, DomainEvent::ConversationJoined { .. }).then_some(())
        })
        .await
        .unwrap();
    }
    let handle = am.send_text(conv, "sent through a handle").unwrap();
    assert_eq!(handle.conversation_id(), conv);
    assert!(!handle.client_id().is_empty());
    let sent = handle.settled(Duration::from_secs(10)).await.unwrap();
    assert!(
        matches!(
            sent.state,
            DeliveryState::Sent | DeliveryState::Delivered | DeliveryState::Read
        ),
        "{sent:?}"
    );
    assert!(sent.server_id.is_some(), "{sent:?}");
    assert_eq!(sent.client_id.as_deref(), Some(handle.client_id()));
    assert_eq!(sent.local_id, handle.local_id());
    assert!(!handle.abort().unwrap(), "a sent message is not taken back");
    assert!(!handle.retry().unwrap(), "a sent message is not sent again");
    let got = b
        .expect(
            "received",
            5,
            changed("sent through a handle", DeliveryState::Received),
        )
        .await
        .unwrap();
    assert_eq!(got.server_id, sent.server_id);
    // Once: no second copy arrives.
    b.expect_none("a second copy", 1000, |e| {
        matches!(e, DomainEvent::ChatMessageChanged { message }
            if message.text.as_deref() == Some("sent through a handle")
                && message.server_id != sent.server_id)
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn support_chat_send_handle_settles_by_the_ack() {
    send_handle_round_trip(DialectId::SupportChat, "1", "10", "chat-1").await;
}

#[tokio::test]
async fn tarot_chat_send_handle_settles_by_the_event() {
    send_handle_round_trip(
        DialectId::TarotChat,
        "11111111-1111-4111-8111-111111111111",
        "22222222-2222-4222-8222-222222222222",
        "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
    )
    .await;
}
