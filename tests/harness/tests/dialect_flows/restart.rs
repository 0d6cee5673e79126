//! A server restart: the client reconnects by itself, rejoins, and messages flow again.

use super::*;

/// A server restart: the client reconnects by itself and carries on where it was.
#[tokio::test]
async fn a_restarted_server_is_rejoined_and_messages_flow_again() {
    let state = std::env::temp_dir().join(format!("parlor-restart-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&state);
    let state_env = state.to_string_lossy().to_string();
    let mut server = RefServer::start(
        server_file(DialectId::SupportChat),
        &[("PARLOR_STATE_FILE", &state_env)],
    )
    .await
    .unwrap();
    let token = server.mint("1").await.unwrap();
    let mut a = Actor::connect(
        "client",
        DialectId::SupportChat,
        &server.url(),
        "/",
        token,
        None,
    )
    .await
    .unwrap();
    a.send(
        "join",
        Command::JoinConversation {
            conversation_id: "chat-1".into(),
        },
    )
    .await
    .unwrap();
    let before = a
        .send(
            "before",
            Command::SendMessage {
                conversation_id: "chat-1".into(),
                client_id: "c-before".into(),
                text: Some("before".into()),
                reply_to: None,
                file_id: None,
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&before[0], DomainEvent::MessageSent { client_id: Some(c), .. } if c == "c-before")
    );

    a.drain();
    server.restart().await.unwrap();
    a.expect("reconnecting", 10, |e| {
        matches!(
            e,
            DomainEvent::Connection {
                state: ConnectionState::Reconnecting { .. }
            }
        )
        .then_some(())
    })
    .await
    .unwrap();
    a.expect("connected again", 15, |e| {
        matches!(
            e,
            DomainEvent::Connection {
                state: ConnectionState::Connected
            }
        )
        .then_some(())
    })
    .await
    .unwrap();
    let joined = a
        .send(
            "rejoin",
            Command::JoinConversation {
                conversation_id: "chat-1".into(),
            },
        )
        .await
        .unwrap();
    let recent = match &joined[0] {
        DomainEvent::ConversationJoined { recent, .. } => recent.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        recent
            .iter()
            .any(|m| m.client_id.as_deref() == Some("c-before")),
        "message kept across the restart"
    );
    let after = a
        .send(
            "after",
            Command::SendMessage {
                conversation_id: "chat-1".into(),
                client_id: "c-after".into(),
                text: Some("after".into()),
                reply_to: None,
                file_id: None,
            },
        )
        .await
        .unwrap();
    assert!(matches!(&after[0], DomainEvent::MessageSent { .. }));
    let _ = std::fs::remove_file(&state);
}
