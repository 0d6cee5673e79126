use super::*;
use crate::model::{ConsultationKind, Method, Presence, RequestOutcome};
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;

fn d() -> PresenceSessions {
    PresenceSessions::default()
}

/// The dialect of an expert whose profile knows their id.
fn expert(id: &str) -> PresenceSessions {
    PresenceSessions {
        account_id: Some(id.into()),
    }
}

fn rest_of(o: &Outbound) -> (&crate::model::RestRequest, &'static str) {
    match o {
        Outbound::Rest { request, reply } => (request, reply.0),
        other => panic!("expected REST, got {other:?}"),
    }
}

#[test]
fn document_sample_requests_encode_as_printed() {
    // curl -X POST /api/sessions/start -d '{"astrologerId":"astrologer_clerk_id","sessionType":"chat","ratePerMinute":10}'
    let out = d()
        .encode(&Command::RequestConsultation {
            expert_id: "astrologer_clerk_id".into(),
            kind: ConsultationKind::Text,
            rate_per_minute: Some(Decimal::from(10)),
        })
        .unwrap();
    let (req, kind) = rest_of(&out[0]);
    assert_eq!(
        (req.method, req.path.as_str(), kind),
        (Method::Post, "/api/sessions/start", "session-start")
    );
    assert_eq!(
        req.body,
        Some(
            json!({"astrologerId":"astrologer_clerk_id","sessionType":"chat","ratePerMinute":"10"})
        )
    );

    let out = d()
        .encode(&Command::AnswerConsultation {
            consultation_id: "session_id_here".into(),
            accept: true,
        })
        .unwrap();
    let (req, _) = rest_of(&out[0]);
    assert_eq!(
        (req.path.as_str(), req.body.clone()),
        (
            "/api/sessions/accept",
            Some(json!({"sessionId":"session_id_here"}))
        )
    );

    let out = d()
        .encode(&Command::RequestAgoraToken {
            channel: "session_user_astrologer_123456".into(),
            uid: Some("user_id".into()),
        })
        .unwrap();
    let (req, _) = rest_of(&out[0]);
    assert_eq!(
        req.body,
        Some(json!({"channelName":"session_user_astrologer_123456","uid":"user_id"}))
    );

    // An expert whose id is known is set online and offline by the REST call, the record of
    // presence; without the id, by the socket event.
    let out = expert("clerkId")
        .encode(&Command::SetPresence { online: true })
        .unwrap();
    assert_eq!(
        rest_of(&out[0]).0.path,
        "/api/v1/astrologers/clerkId/online"
    );
    let out = expert("clerkId")
        .encode(&Command::SetPresence { online: false })
        .unwrap();
    assert_eq!(
        rest_of(&out[0]).0.path,
        "/api/v1/astrologers/clerkId/offline"
    );
    assert!(matches!(
        &d().encode(&Command::SetPresence { online: true }).unwrap()[0],
        Outbound::Emit { event, .. } if event == "presence:on"
    ));
    assert!(expert("../admin")
        .encode(&Command::SetPresence { online: true })
        .is_err());
}

#[test]
fn every_socket_event_of_the_document_is_reachable() {
    let emitted: Vec<String> = [
        Command::SetPresence { online: true },
        Command::SetPresence { online: false },
        Command::JoinConversation {
            conversation_id: "s".into(),
        },
        Command::LeaveConversation {
            conversation_id: "s".into(),
        },
        Command::SendMessage {
            conversation_id: "s".into(),
            client_id: "c1".into(),
            text: Some("hi".into()),
            reply_to: None,
            file_id: None,
        },
        Command::NotifyConsultationRequest {
            consultation_id: "s".into(),
        },
    ]
    .iter()
    .flat_map(|c| d().encode(c).unwrap())
    .map(|o| match o {
        Outbound::Emit { event, .. }
        | Outbound::EmitOwnView { event, .. }
        | Outbound::Request { event, .. } => event,
        Outbound::Rest { .. } => "rest".into(),
    })
    .collect();
    assert_eq!(
        emitted,
        [
            "presence:on",
            "presence:off",
            "join-session",
            "leave-session",
            "message:send",
            "session:request"
        ]
    );
}

#[test]
fn decodes_server_events() {
    let ev = d().decode("presence:online-list", &[json!([
        {"id":"astro_sharma","name":"Pandit Sharma","ratePerMinute":"10.00","isOnline":true,"busy":false,"currentSessionId":null},
        {"id":"astro_meera","name":"Meera Iyer","ratePerMinute":"12.50","isOnline":true,"busy":true,"currentSessionId":"s1"}
    ])]).unwrap();
    match &ev[0] {
        DomainEvent::ExpertsOnline { experts } => {
            assert_eq!(experts.len(), 2);
            assert_eq!(experts[0].presence, Presence::Online);
            assert_eq!(experts[1].presence, Presence::Busy);
            assert_eq!(
                experts[1].rate_per_minute.as_ref().unwrap().amount,
                Decimal::from_str("12.50").unwrap()
            );
        }
        other => panic!("{other:?}"),
    }
    let ev = d().decode("session:request", &[json!({"sessionId":"s1","userId":"user_asha","userName":"Asha Verma","sessionType":"video","ratePerMinute":"10.00","createdAt":"t"})]).unwrap();
    assert!(matches!(
        &ev[0],
        DomainEvent::ConsultationRequested {
            kind: ConsultationKind::Video,
            ..
        }
    ));
    let ev = d().decode("session:accepted", &[json!({"sessionId":"s1","astrologerId":"a","acceptedAt":"t","sessionType":"chat","channelName":"ch"})]).unwrap();
    assert_eq!(ev.len(), 2);
    let ev = d().decode("message:receive", &[json!({"_id":"m1","sessionId":"s1","senderId":"user_asha","senderName":"Asha","text":"hello","clientId":"c1","createdAt":"t"})]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::MessageReceived { message } if message.client_id.as_deref() == Some("c1") && message.text.as_deref() == Some("hello"))
    );
    let ev = d()
        .decode(
            "message:error",
            &[json!({"code":"NOT_A_PARTICIPANT","message":"no","sessionId":"s1","clientId":"c1"})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::MessageFailed { code: Some(c), .. } if c == "NOT_A_PARTICIPANT")
    );
    let ev = d()
        .decode(
            "session:ended",
            &[json!({"sessionId":"s1","endedBy":"astrologer","endReason":"rejected"})],
        )
        .unwrap();
    assert!(matches!(
        &ev[0],
        DomainEvent::ConsultationAnswered {
            outcome: RequestOutcome::Rejected,
            ..
        }
    ));
    let ev = d().decode("session:ended", &[json!({"sessionId":"s1","endedBy":"user","endReason":"ended","duration":3,"coinsDeducted":"30.00"})]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ConsultationEnded { total: Some(t), .. } if t.amount == Decimal::from_str("30.00").unwrap())
    );
}

#[test]
fn decodes_rest_answers_and_joins_without_an_ack() {
    let sent = &d()
        .encode(&Command::RequestAgoraToken {
            channel: "c".into(),
            uid: None,
        })
        .unwrap()[0];
    let ev = d().decode_reply(sent, &json!({"success":true,"token":"007abc","appId":"app","channelName":"c","uid":0,"expiresAt":"t"})).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::AgoraJoinReady { join } if join.token == "007abc" && join.uid == "0")
    );
    // Joining has no documented answer: the emit alone, and the sender's own view.
    let sent = d()
        .encode(&Command::JoinConversation {
            conversation_id: "s9".into(),
        })
        .unwrap();
    assert_eq!(
        sent,
        vec![Outbound::EmitOwnView {
            event: "join-session".into(),
            arg: json!({"sessionId": "s9"}),
            own_view: vec![DomainEvent::ConversationJoined {
                conversation_id: "s9".into(),
                recent: vec![]
            }]
        }]
    );
    let sent = &d().encode(&Command::ListOnlineExperts).unwrap()[0];
    assert!(d()
        .decode_reply(sent, &json!({"success":true,"astrologers":"nope"}))
        .is_err());
}

#[test]
fn malformed_events_are_protocol_errors() {
    for (event, args) in [
        ("presence:online-list", vec![json!("x")]),
        ("presence:online-list", vec![json!({"astrologers": "nope"})]),
        (
            "session:request",
            vec![json!({"sessionId":"s","sessionType":"chat"})],
        ),
        (
            "session:request",
            vec![json!({"sessionId":"s","userId":"u","sessionType":"smoke"})],
        ),
        (
            "message:receive",
            vec![json!({"sessionId":"s","senderId":"u"})],
        ),
        ("unknown:event", vec![]),
    ] {
        assert_eq!(d().decode(event, &args).unwrap_err().event, event);
    }
}

#[test]
fn payloads_the_document_never_prints_decode_from_the_common_shapes() {
    // session:request with the session and the user nested, ids as numbers.
    for payload in [
        json!({"session": {"_id": 11, "sessionType": "audio", "userId": 3}}),
        json!({"data": {"session": {"_id": "11", "sessionType": "audio"}, "user": {"_id": 3, "name": "Asha"}}}),
        json!({"sessionId": "11", "user": {"id": "3"}, "type": "AUDIO"}),
        json!({"_id": "11", "userId": 3, "sessionType": "audio"}),
    ] {
        let ev = d()
            .decode("session:request", std::slice::from_ref(&payload))
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::ConsultationRequested { consultation_id, user, kind: ConsultationKind::Audio, .. } if consultation_id == "11" && user.id == "3"),
            "{payload}: {ev:?}"
        );
    }
    // session:accepted as the session object or nested in one.
    for payload in [
        json!({"session": {"_id": "s1", "channelName": "ch"}}),
        json!({"_id": "s1", "channelName": "ch"}),
        json!({"data": {"sessionId": "s1", "channelName": "ch"}}),
    ] {
        let ev = d().decode("session:accepted", &[payload]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::ConsultationAnswered { consultation_id, channel: Some(c), .. } if consultation_id == "s1" && c == "ch")
        );
    }
    // message:receive enveloped, with the sender nested.
    for payload in [
        json!({"message": {"_id": "m1", "sessionId": "s1", "sender": {"_id": "u1", "name": "Asha"}, "text": "hi"}}),
        json!({"data": {"id": "m1", "session": {"_id": "s1"}, "senderId": "u1", "content": "hi"}}),
    ] {
        let ev = d().decode("message:receive", &[payload]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::MessageReceived { message } if message.id == "m1" && message.conversation_id == "s1" && message.sender.id == "u1" && message.text.as_deref() == Some("hi"))
        );
    }
    // message:error as a bare string or with the code as `error`.
    let ev = d()
        .decode("message:error", &[json!("Session is not active")])
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::MessageFailed { code: None, message, .. } if message == "Session is not active")
    );
    let ev = d()
        .decode(
            "message:error",
            &[json!({"error": "SESSION_NOT_ACTIVE", "message": "inactive"})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::MessageFailed { code: Some(c), .. } if c == "SESSION_NOT_ACTIVE")
    );
    // The online list as ids, under `data`, with items of no use skipped.
    let ev = d()
        .decode(
            "presence:online-list",
            &[json!({"data": ["a1", 2, {"name": "no id"}, {"_id": "a3", "status": "busy"}]})],
        )
        .unwrap();
    match &ev[0] {
        DomainEvent::ExpertsOnline { experts } => {
            let ids: Vec<_> = experts.iter().map(|e| e.party.id.as_str()).collect();
            assert_eq!(ids, ["a1", "2", "a3"]);
            assert_eq!(experts[2].presence, Presence::Busy);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn answers_the_document_never_defines_are_success_unless_they_are_errors() {
    // REST: accept without a body names the session we sent; a 200 that says
    // `success: false` is the server's refusal with its code.
    let accept = &d()
        .encode(&Command::AnswerConsultation {
            consultation_id: "s2".into(),
            accept: true,
        })
        .unwrap()[0];
    let ev = d().decode_reply(accept, &json!({"success": true})).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ConsultationAnswered { consultation_id, .. } if consultation_id == "s2")
    );
    assert_eq!(
        d().decode_reply(
            accept,
            &json!({"success": false, "error": "Astrologer is busy", "code": "ASTROLOGER_BUSY"})
        )
        .unwrap_err(),
        DialectError::Rejected {
            code: Some("ASTROLOGER_BUSY".into()),
            message: "Astrologer is busy".into()
        }
    );
    let presence = &expert("a")
        .encode(&Command::SetPresence { online: true })
        .unwrap()[0];
    assert_eq!(
        expert("a")
            .decode_reply(presence, &json!({"message": "ok"}))
            .unwrap(),
        vec![DomainEvent::OwnPresence { online: true }]
    );
    // The start answer as the flat session; the kind from what we sent.
    let start = &d()
        .encode(&Command::RequestConsultation {
            expert_id: "a".into(),
            kind: ConsultationKind::Video,
            rate_per_minute: None,
        })
        .unwrap()[0];
    let ev = d()
        .decode_reply(start, &json!({"_id": 42, "status": "pending"}))
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ConsultationRequestSent { consultation_id, kind: Some(ConsultationKind::Video), expert_id: Some(a), .. } if consultation_id == "42" && a == "a")
    );
    assert!(d().decode_reply(start, &json!({"success": true})).is_err());
    // An Agora answer with the token only: the channel and uid we sent stand in.
    let agora = &d()
        .encode(&Command::RequestAgoraToken {
            channel: "ch".into(),
            uid: Some("7".into()),
        })
        .unwrap()[0];
    let ev = d().decode_reply(agora, &json!({"token": "t"})).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::AgoraJoinReady { join } if join.channel == "ch" && join.uid == "7" && join.app_id.is_empty())
    );
}
