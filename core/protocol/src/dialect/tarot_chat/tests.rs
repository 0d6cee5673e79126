use super::*;
use crate::model::MessageKind;
use serde_json::json;

fn d() -> TarotChat {
    TarotChat
}

#[test]
fn encodes_the_document_socket_events() {
    let names: Vec<(String, Value)> = [
        Command::JoinConversation {
            conversation_id: "uuid".into(),
        },
        Command::SendMessage {
            conversation_id: "uuid".into(),
            client_id: "message-uuid".into(),
            text: Some("Hello, I need help with my reading".into()),
            reply_to: None,
            file_id: None,
        },
        Command::SetTyping {
            conversation_id: "uuid".into(),
            typing: true,
        },
        Command::SetTyping {
            conversation_id: "uuid".into(),
            typing: false,
        },
        Command::React {
            conversation_id: "uuid".into(),
            message_id: "m".into(),
            emoji: "❤️".into(),
        },
    ]
    .iter()
    .flat_map(|c| d().encode(c).unwrap())
    .map(|o| match o {
        Outbound::Emit { event, arg } => (event, arg),
        other => panic!("{other:?}"),
    })
    .collect();
    assert_eq!(names[0], ("join_chat".into(), json!({"session_id":"uuid"})));
    assert_eq!(
        names[1],
        (
            "send_message".into(),
            json!({"session_id":"uuid","message":{"id":"message-uuid","content":"Hello, I need help with my reading","type":"text"}})
        )
    );
    assert_eq!(names[2].0, "typing_start");
    assert_eq!(names[3].0, "typing_stop");
    assert_eq!(
        names[4],
        (
            "message_reaction".into(),
            json!({"message_id":"m","reaction":"❤️","session_id":"uuid"})
        )
    );
}

#[test]
fn encodes_rest_calls() {
    let out = d()
        .encode(&Command::GetConversation {
            conversation_id: "uuid".into(),
        })
        .unwrap();
    assert!(
        matches!(&out[0], Outbound::Rest { request, .. } if request.path == "/api/chat/sessions/uuid")
    );
    let ev = d()
        .decode_reply(&out[0], &json!({"success":true,"data":{"id":"uuid","booking_id":"uuid","session_type":"booking","status":"active","participants":["user1","reader1"],"participant_profiles":[{"id":"user1","first_name":"Sarah","last_name":"Johnson","avatar_url":"https://...","role":"client"}],"metadata":{},"created_at":"2024-12-...","bookings":{}}}))
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::Conversations { conversations } if conversations[0].participants == vec!["user1".to_string(), "reader1".to_string()])
    );
    assert!(d()
        .encode(&Command::GetConversation {
            conversation_id: "../admin".into()
        })
        .is_err());
    let out = d()
        .encode(&Command::FetchHistory {
            conversation_id: "s".into(),
            before: Some("m9".into()),
            limit: Some(20),
        })
        .unwrap();
    match &out[0] {
        Outbound::Rest { request, .. } => {
            assert_eq!(request.path, "/api/chat/messages");
            assert!(request
                .query
                .contains(&("before_message_id".into(), "m9".into())));
        }
        other => panic!("{other:?}"),
    }
    let out = d()
        .encode(&Command::MarkRead {
            conversation_id: "s".into(),
            message_ids: vec!["a".into(), "b".into()],
        })
        .unwrap();
    assert_eq!(out.len(), 2);
    assert!(d()
        .encode(&Command::MarkRead {
            conversation_id: "s".into(),
            message_ids: vec!["../x".into()]
        })
        .is_err());
}

#[test]
fn decodes_the_document_examples() {
    let ev = d().decode("new_message", &[json!({"id":"uuid","content":"message text","type":"text","sender":{"id":"u1","name":"Sarah","avatar":"a.png"},"timestamp":"2024-12-01T00:00:00Z"})]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::MessageReceived { message } if message.sender.name.as_deref() == Some("Sarah") && message.conversation_id.is_empty())
    );
    let ev = d()
        .decode("message_sent", &[json!({"message_id":"uuid"})])
        .unwrap();
    assert!(matches!(&ev[0], DomainEvent::MessageSent { server_id, .. } if server_id == "uuid"));
    let ev = d()
        .decode(
            "user_typing",
            &[json!({"user_name":"Samia","is_typing":true})],
        )
        .unwrap();
    assert!(matches!(
        &ev[0],
        DomainEvent::TypingChanged { typing: true, .. }
    ));
    let ev = d()
        .decode(
            "message_reaction_update",
            &[json!({"message_id":"m","user_name":"Sarah","reaction":"❤️"})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ReactionChanged { emoji, added: None, .. } if emoji == "❤️")
    );
    let ev = d()
        .decode("chat_joined", &[json!({"session_id":"uuid"})])
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ConversationJoined {
            conversation_id: "uuid".into(),
            recent: vec![]
        }]
    );
    let ev = d()
        .decode(
            "user_joined",
            &[json!({"user_name":"Sarah","user_id":"u1"})],
        )
        .unwrap();
    assert!(matches!(
        &ev[0],
        DomainEvent::ParticipantChanged { joined: true, .. }
    ));
    let ev = d()
        .decode(
            "authenticated",
            &[json!({"user":{"id":"u1","name":"Sarah"}})],
        )
        .unwrap();
    assert!(matches!(&ev[0], DomainEvent::Authenticated { user } if user.id == "u1"));
    assert_eq!(
        d().auth_rejection("auth_error", &[json!({"message":"Auth failed"})])
            .as_deref(),
        Some("Auth failed")
    );
    assert_eq!(d().auth_rejection("new_message", &[json!({})]), None);
}

#[test]
fn decodes_the_document_rest_answers() {
    let sent = &d()
        .encode(&Command::FetchHistory {
            conversation_id: "uuid".into(),
            before: None,
            limit: None,
        })
        .unwrap()[0];
    let ev = d().decode_reply(sent, &json!({"success":true,"data":{"messages":[{
        "id":"uuid","session_id":"uuid","sender_id":"uuid","content":"Hello! How can I help you today?","type":"text",
        "file_url":null,"file_name":null,"is_read":true,"created_at":"2024-12-...",
        "profiles":{"first_name":"Samia","last_name":"Reader","avatar_url":"https://..."},
        "message_reactions":[{"user_id":"uuid","reaction":"❤️","profiles":{"first_name":"Sarah"}}]
    }],"has_more":true}})).unwrap();
    match &ev[0] {
        DomainEvent::History {
            conversation_id,
            messages,
            has_more,
            ..
        } => {
            assert_eq!(conversation_id, "uuid");
            assert!(*has_more);
            assert_eq!(messages[0].sender.name.as_deref(), Some("Samia Reader"));
            assert_eq!(messages[0].reactions["❤️"], vec!["uuid".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    let sent = &d()
        .encode(&Command::ListConversations { status: None })
        .unwrap()[0];
    let ev = d().decode_reply(sent, &json!({"success":true,"data":{"sessions":[{"id":"uuid","booking_id":"uuid","session_type":"booking","status":"active","participants":["user1-id","reader1-id"],"last_message_at":"2024-12-...","unread_count":3,"bookings":{}}],"pagination":{"page":1,"limit":20,"total":45,"total_pages":3}}})).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::Conversations { conversations } if conversations[0].unread == Some(3) && conversations[0].participants.len() == 2)
    );
}

#[test]
fn malformed_events_are_protocol_errors() {
    for (event, args) in [
        ("new_message", vec![json!({"id":"x"})]),
        ("user_typing", vec![json!({"is_typing":"yes"})]),
        ("message_reaction_update", vec![json!({"message_id":"m"})]),
        ("user_joined", vec![json!({"session_id":"s"})]),
        ("chat_joined", vec![json!(7)]),
        ("nope", vec![]),
    ] {
        assert_eq!(d().decode(event, &args).unwrap_err().event, event);
    }
}

#[test]
fn the_reaction_update_with_an_extra_reactions_array_is_not_lost() {
    // Issue 14: every documented field plus a `reactions` array dropped the reaction.
    let ev = d()
        .decode(
            "message_reaction_update",
            &[json!({"message_id":"m","user_name":"Sarah","reaction":"❤️","session_id":"s",
                "reactions":[{"user_id":"u1","reaction":"❤️"},{"user_id":"u2","reaction":"❤️"},{"emoji":"🙏","count":3},"👍",7]})],
        )
        .unwrap();
    match &ev[0] {
        DomainEvent::ReactionChanged {
            message_id,
            emoji,
            totals,
            user,
            ..
        } => {
            assert_eq!((message_id.as_str(), emoji.as_str()), ("m", "❤️"));
            assert_eq!(user.name.as_deref(), Some("Sarah"));
            assert_eq!(totals["❤️"], 2);
            assert_eq!(totals["🙏"], 3);
            assert_eq!(totals["👍"], 1);
        }
        other => panic!("{other:?}"),
    }
    // A count that is not a number is ignored, the event kept.
    let ev = d()
        .decode(
            "message_reaction_update",
            &[json!({"message_id":"m","reaction":"x","reactions":{"x":"many","y":2}})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ReactionChanged { totals, .. } if totals.len() == 1 && totals["y"] == 2)
    );
}

#[test]
fn shapes_the_document_leaves_open_decode() {
    // An unknown message type reads as absent: text, or a file when there is one.
    let ev = d()
        .decode(
            "new_message",
            &[json!({"id":"x","content":"c","type":"hologram","sender":{"id":"u"}})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::MessageReceived { message } if message.kind == MessageKind::Text)
    );
    // new_message in the shape of send_message: `{session_id, message: {...}}`.
    let ev = d()
        .decode(
            "new_message",
            &[json!({"session_id": 4, "message": {"id": 9, "content": "hi", "type": "text", "sender": {"id": 2, "name": "Samia"}}})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::MessageReceived { message } if message.id == "9" && message.conversation_id == "4" && message.sender.id == "2")
    );
    // user_joined as the document prints it: only a name.
    let ev = d()
        .decode("user_joined", &[json!({"user_name": "Sarah"})])
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ParticipantChanged { user, joined: true, .. } if user.name.as_deref() == Some("Sarah") && user.id.is_empty())
    );
    // message_sent with the message nested.
    let ev = d()
        .decode("message_sent", &[json!({"message": {"id": "m5"}})])
        .unwrap();
    assert!(matches!(&ev[0], DomainEvent::MessageSent { server_id, .. } if server_id == "m5"));
    // The error format of the document keeps the code.
    let ev = d()
        .decode(
            "error",
            &[json!({"success": false, "error": "Cannot send messages to inactive session", "code": "SESSION_INACTIVE", "details": []})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ServerError { code: Some(c), message, .. } if c == "SESSION_INACTIVE" && message.starts_with("Cannot"))
    );
    // REST: the error format on a 200 is the server's refusal; history without envelope.
    let sent = &d()
        .encode(&Command::ListConversations { status: None })
        .unwrap()[0];
    assert_eq!(
        d().decode_reply(sent, &json!({"success": false, "error": "User not participant", "code": "CHAT_ACCESS_DENIED"})).unwrap_err(),
        DialectError::Rejected {
            code: Some("CHAT_ACCESS_DENIED".into()),
            message: "User not participant".into()
        }
    );
    let ev = d()
        .decode_reply(
            sent,
            &json!({"data": [{"id": 1, "participants": [{"id": 2}, "3"]}, {"status": "no id"}]}),
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::Conversations { conversations } if conversations.len() == 1 && conversations[0].participants == ["2", "3"])
    );
    let read = &d()
        .encode(&Command::MarkRead {
            conversation_id: "s".into(),
            message_ids: vec!["a".into()],
        })
        .unwrap()[0];
    assert_eq!(d().decode_reply(read, &json!(null)).unwrap(), vec![]);
}
