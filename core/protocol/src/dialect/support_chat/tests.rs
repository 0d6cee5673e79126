use super::*;

fn d() -> SupportChat {
    SupportChat
}

#[test]
fn encodes_every_client_event_of_the_document() {
    let evs: Vec<(String, Value)> = [
        Command::JoinConversation {
            conversation_id: "chat-id-123".into(),
        },
        Command::LeaveConversation {
            conversation_id: "chat-id-123".into(),
        },
        Command::SendMessage {
            conversation_id: "chat-id-123".into(),
            client_id: "c1".into(),
            text: Some("Hello world!".into()),
            reply_to: Some("m0".into()),
            file_id: None,
        },
        Command::SetTyping {
            conversation_id: "chat-id-123".into(),
            typing: true,
        },
        Command::MarkRead {
            conversation_id: "chat-id-123".into(),
            message_ids: vec!["m1".into()],
        },
        Command::GetActiveUsers {
            conversation_id: "chat-id-123".into(),
        },
    ]
    .iter()
    .flat_map(|c| d().encode(c).unwrap())
    .map(|o| match o {
        Outbound::Emit { event, arg } | Outbound::Request { event, arg, .. } => (event, arg),
        other => panic!("{other:?}"),
    })
    .collect();
    assert_eq!(evs[0], ("joinChat".into(), json!("chat-id-123")));
    assert_eq!(evs[1], ("leaveChat".into(), json!("chat-id-123")));
    assert_eq!(
        evs[2],
        (
            "sendMessage".into(),
            json!({"chatId":"chat-id-123","message":{"text":"Hello world!","replyToId":"m0","clientMessageId":"c1"}})
        )
    );
    assert_eq!(
        evs[3],
        (
            "typing".into(),
            json!({"chatId":"chat-id-123","isTyping":true})
        )
    );
    assert_eq!(
        evs[4],
        (
            "readMessages".into(),
            json!({"chatId":"chat-id-123","messageIds":["m1"]})
        )
    );
    assert_eq!(evs[5], ("getActiveUsers".into(), json!("chat-id-123")));
}

#[test]
fn decodes_the_document_events() {
    let msg = json!({"id":"m1","chatId":"c","senderId":1,"text":"hi","createdAt":"t","sender":{"id":1,"email":"a@b","role":"CLIENT"}});
    let ev = d()
        .decode("newMessage", std::slice::from_ref(&msg))
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::MessageReceived { message } if message.sender.id == "1" && message.sender.email.as_deref() == Some("a@b"))
    );
    let ev = d()
        .decode(
            "userTyping",
            &[json!({"userId":1,"email":"a@b","isTyping":true})],
        )
        .unwrap();
    assert!(matches!(
        &ev[0],
        DomainEvent::TypingChanged { typing: true, .. }
    ));
    let ev = d()
        .decode(
            "messagesRead",
            &[json!({"userId":2,"messageIds":["m1","m2"]})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::MessagesRead { user_id, message_ids, .. } if user_id == "2" && message_ids.len() == 2)
    );
    let ev = d()
        .decode(
            "participantUpdate",
            &[json!({"chatId":"c","userId":3,"action":"left","timestamp":"t"})],
        )
        .unwrap();
    assert!(matches!(
        &ev[0],
        DomainEvent::ParticipantChanged { joined: false, .. }
    ));
    let ev = d()
        .decode(
            "chatStatusChanged",
            &[json!({"chatId":"c","status":"CLOSED"})],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ConversationStatusChanged {
            conversation_id: "c".into(),
            status: "CLOSED".into()
        }]
    );
    let ev = d()
        .decode("activeUsers", &[json!({"chatId":"c","userIds":[1,10]})])
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ActiveUsers {
            conversation_id: "c".into(),
            user_ids: vec!["1".into(), "10".into()]
        }]
    );
    let ev = d()
        .decode("messagesMarkedRead", &[json!([{"id":"m1","readBy":2}])])
        .unwrap();
    assert!(matches!(&ev[0], DomainEvent::ReadCounts { counts } if counts["m1"] == 2));
    let ev = d().decode("error", &[json!("Chat not found")]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ServerError { message, .. } if message == "Chat not found")
    );
}

#[test]
fn ack_envelopes_decode_like_their_event_and_errors_are_rejections() {
    let sent = &d()
        .encode(&Command::JoinConversation {
            conversation_id: "chat-1".into(),
        })
        .unwrap()[0];
    let ev = d().decode_reply(sent, &json!([{"event":"joinedChat","data":{"chatId":"chat-1","messages":[
        {"id":"m1","chatId":"chat-1","senderId":1,"text":"a","createdAt":"t"},
        {"id":"m2","chatId":"chat-1","senderId":10,"text":"b","replyToId":"m1","replyTo":{"id":"m1","chatId":"chat-1","senderId":1,"text":"a","createdAt":"t"},"createdAt":"t"}
    ]}}])).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ConversationJoined { recent, .. } if recent.len() == 2 && recent[1].reply_to.as_deref() == Some("m1"))
    );
    let e = d()
        .decode_reply(sent, &json!([{"event":"error","data":"Chat not found"}]))
        .unwrap_err();
    assert_eq!(
        e,
        DialectError::Rejected {
            code: None,
            message: "Chat not found".into()
        }
    );
    let ev = d()
        .decode_reply(sent, &json!([{"event":"leftChat","data":"chat-1"}]))
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ConversationLeft {
            conversation_id: "chat-1".into()
        }]
    );
    // An answer the document does not define is success, not a failed join.
    for ack in [
        json!([42]),
        json!([]),
        json!([true]),
        json!([{"ok": true}]),
        json!(null),
    ] {
        assert_eq!(
            d().decode_reply(sent, &ack).unwrap(),
            vec![DomainEvent::ConversationJoined {
                conversation_id: "chat-1".into(),
                recent: vec![]
            }],
            "{ack}"
        );
    }
}

#[test]
fn malformed_events_are_protocol_errors() {
    for (event, args) in [
        ("newMessage", vec![json!({"id":"m"})]),
        (
            "participantUpdate",
            vec![json!({"chatId":"c","userId":1,"action":"teleported"})],
        ),
        ("chatStatusChanged", vec![json!({"chatId":"c"})]),
        ("messagesMarkedRead", vec![json!({"id":"m"})]),
        ("activeUsers", vec![json!({"chatId":"c"})]),
        ("leftChat", vec![json!(true)]),
        ("userTyping", vec![json!({"userId": 1})]),
        ("whatever", vec![]),
    ] {
        assert_eq!(d().decode(event, &args).unwrap_err().event, event);
    }
}

#[test]
fn shapes_the_document_leaves_open_decode() {
    // Any status as the server spells it; ids as numbers; users as objects.
    let ev = d()
        .decode(
            "chatStatusChanged",
            &[json!({"chatId": 5, "status": "ARCHIVED"})],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ConversationStatusChanged {
            conversation_id: "5".into(),
            status: "ARCHIVED".into()
        }]
    );
    let ev = d()
        .decode(
            "activeUsers",
            &[json!({"chatId": "c", "userIds": [{"id": 1}, 2, {}]})],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ActiveUsers {
            conversation_id: "c".into(),
            user_ids: vec!["1".into(), "2".into()]
        }]
    );
    let ev = d().decode("leftChat", &[json!({"chatId": "c"})]).unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ConversationLeft {
            conversation_id: "c".into()
        }]
    );
    let ev = d()
        .decode(
            "messagesMarkedRead",
            &[json!([{"id": "m1", "readBy": [1, 2]}, {"id": "m2"}, 7])],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ReadCounts { counts } if counts.len() == 1 && counts["m1"] == 2)
    );
    let ev = d()
        .decode(
            "participantUpdate",
            &[json!({"chatId": "c", "user": {"id": 3}, "action": "JOIN"})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ParticipantChanged { joined: true, user, .. } if user.id == "3")
    );
    let ev = d()
        .decode(
            "exception",
            &[json!({"status": "error", "message": "Forbidden resource"})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ServerError { message, .. } if message == "Forbidden resource")
    );
    // A `clientMessageId` that is not a string cannot be one of ours: the message decodes,
    // without a client id (drift sends 42 or `{id}` under that name).
    for odd in [json!(42), json!({"id": "c-1"})] {
        let msg =
            json!({"id": "m9", "chatId": "c", "senderId": 1, "text": "hi", "clientMessageId": odd});
        let ev = d().decode("newMessage", &[msg]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::MessageReceived { message } if message.client_id.is_none() && message.id == "m9"),
            "{ev:?}"
        );
    }
}

#[test]
fn acks_without_the_envelope_or_a_body_are_success_and_errors_keep_their_code() {
    let send = &d()
        .encode(&Command::SendMessage {
            conversation_id: "c".into(),
            client_id: "k1".into(),
            text: Some("hi".into()),
            reply_to: None,
            file_id: None,
        })
        .unwrap()[0];
    // The created Message alone, without `chatId` (the chat we sent to stands in).
    let ev = d()
        .decode_reply(
            send,
            &json!([{"id": "m1", "senderId": 1, "text": "hi", "createdAt": "t"}]),
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::MessageSent { server_id, conversation_id: Some(c), .. } if server_id == "m1" && c == "c")
    );
    // No body: success that tells nothing more.
    assert_eq!(d().decode_reply(send, &json!([])).unwrap(), vec![]);
    assert_eq!(
        d().decode_reply(send, &json!([{"event": "messageSent"}]))
            .unwrap(),
        vec![]
    );
    // The error envelope with an object, and a plain refusal.
    assert_eq!(
        d().decode_reply(send, &json!([{"event": "error", "data": {"code": "CHAT_CLOSED", "message": "Chat is closed"}}])).unwrap_err(),
        DialectError::Rejected {
            code: Some("CHAT_CLOSED".into()),
            message: "Chat is closed".into()
        }
    );
    assert!(matches!(
        d().decode_reply(send, &json!([{"success": false, "message": "nope"}])),
        Err(DialectError::Rejected { .. })
    ));
    let status = &d()
        .encode(&Command::SetConversationStatus {
            conversation_id: "c".into(),
            status: "CLOSED".into(),
        })
        .unwrap()[0];
    assert_eq!(
        d().decode_reply(status, &json!([true])).unwrap(),
        vec![DomainEvent::ConversationStatusChanged {
            conversation_id: "c".into(),
            status: "CLOSED".into()
        }]
    );
}
