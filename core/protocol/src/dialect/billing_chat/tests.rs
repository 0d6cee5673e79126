use super::*;
use crate::model::Money;
use rust_decimal::Decimal;
use std::str::FromStr;

fn d() -> BillingChat {
    BillingChat {
        account_id: Some("USER_ID".into()),
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn encodes_every_client_event_of_the_document() {
    let out = d()
        .encode(&Command::RequestConsultation {
            expert_id: "ASTROLOGER_ID".into(),
            kind: ConsultationKind::Video,
            rate_per_minute: None,
        })
        .unwrap();
    assert_eq!(
        out,
        vec![Outbound::emit(
            "chat-request",
            json!({"userId":"USER_ID","astrologerId":"ASTROLOGER_ID","chatType":"video"})
        )]
    );
    let out = d()
        .encode(&Command::AnswerConsultation {
            consultation_id: "ROOM_ID".into(),
            accept: false,
        })
        .unwrap();
    assert_eq!(
        out,
        vec![Outbound::emit(
            "chat-response",
            json!({"roomId":"ROOM_ID","response":"reject"})
        )]
    );
    for (cmd, ev) in [
        (
            Command::StartConsultation {
                consultation_id: "R".into(),
            },
            "start-chat",
        ),
        (
            Command::PauseConsultation {
                consultation_id: "R".into(),
            },
            "pause-chat",
        ),
        (
            Command::ResumeConsultation {
                consultation_id: "R".into(),
            },
            "resume-chat",
        ),
        (
            Command::EndConsultation {
                consultation_id: "R".into(),
                rate_per_minute: None,
                duration_minutes: None,
            },
            "end-chat",
        ),
        (
            Command::CancelConsultationRequest {
                consultation_id: "R".into(),
            },
            "end-chat",
        ),
    ] {
        assert_eq!(
            d().encode(&cmd).unwrap(),
            vec![Outbound::emit(ev, json!({"roomId":"R"}))]
        );
    }
    assert_eq!(
        d().encode(&Command::AdminViewConsultations {
            consultation_id: None
        })
        .unwrap(),
        vec![Outbound::emit(
            "admin-monitor",
            json!({"action":"view-chats"})
        )]
    );
    assert_eq!(
        d().encode(&Command::AdminEndConsultation {
            consultation_id: "R".into()
        })
        .unwrap(),
        vec![Outbound::emit(
            "admin-monitor",
            json!({"action":"end-chat","roomId":"R"})
        )]
    );
}

#[test]
fn refuses_what_it_cannot_do() {
    let e = d()
        .encode(&Command::InitiateCall {
            callee_id: "x".into(),
            media: crate::model::CallMedia::Audio,
        })
        .unwrap_err();
    assert!(matches!(
        &e,
        DialectError::Unsupported { dialect, .. } if dialect.builtin() == Some(DialectId::BillingChat)
    ));
    let no_id = BillingChat::default();
    let e = no_id
        .encode(&Command::RequestConsultation {
            expert_id: "a".into(),
            kind: ConsultationKind::Text,
            rate_per_minute: None,
        })
        .unwrap_err();
    assert!(matches!(e, DialectError::InvalidCommand(_)));
}

#[test]
fn decodes_the_document_examples() {
    let ev = d()
        .decode(
            "chat-request-response",
            &[json!({
                "status": "success", "message": "Chat request sent to astrologer.",
                "data": {"roomId": "ROOM_ID", "astrologerId": "ASTROLOGER_ID"}
            })],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ConsultationRequestSent {
            kind: None,
            consultation_id: "ROOM_ID".into(),
            expert_id: Some("ASTROLOGER_ID".into()),
            rate_per_minute: None,
            expires_at: None
        }]
    );
    let ev = d().decode("chat-status", &[json!({"status":"accepted","message":"Astrologer has accepted/rejected the request.","roomId":"ROOM_ID"})]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ConsultationAnswered { outcome: RequestOutcome::Accepted, consultation_id, .. } if consultation_id == "ROOM_ID")
    );
    let ev = d().decode("chat-started", &[json!({"status":"success","message":"Chat session started.","startTime":"TIMESTAMP"})]).unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ConsultationStarted {
            consultation_id: None,
            started_at: Some("TIMESTAMP".into()),
            rate_per_minute: None,
            balance: None
        }]
    );
    let ev = d()
        .decode(
            "chat-paused",
            &[json!({"status":"success","message":"Chat paused successfully."})],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ConsultationPaused {
            consultation_id: None,
            by: None
        }]
    );
    let ev = d()
        .decode(
            "chat-resumed",
            &[json!({"status":"success","message":"Chat resumed successfully."})],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ConsultationResumed {
            consultation_id: None,
            by: None
        }]
    );
    let ev = d()
        .decode(
            "chat-error",
            &[json!({"error":"ERROR_CODE","message":"ERROR_MESSAGE"})],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ServerError {
            code: Some("ERROR_CODE".into()),
            message: "ERROR_MESSAGE".into(),
            source: "chat-error".into()
        }]
    );
    let ev = d()
        .decode(
            "admin-monitor",
            &[json!({"status":"success","message":"Action performed successfully."})],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::AdminReport {
            ok: true,
            message: "Action performed successfully.".into(),
            consultations: vec![]
        }]
    );
}

#[test]
fn document_placeholders_for_amounts_are_absent_where_optional_and_errors_where_needed() {
    // The document prints "DURATION_IN_MINUTES" / "COST_SO_FAR": not amounts. The meter
    // tick needs them, so it is an error; the end and the wallet error do not, so the
    // placeholders read as absent amounts and the events still arrive.
    let e = d()
        .decode(
            "chat-timer",
            &[json!({"roomId":"ROOM_ID","duration":"DURATION_IN_MINUTES","cost":"COST_SO_FAR"})],
        )
        .unwrap_err();
    assert_eq!(e.event, "chat-timer");
    assert!(e.reason.contains("duration should be"), "{}", e.reason);
    let ev = d().decode("chat-ended", &[json!({"status":"success","message":"Chat session ended.","duration":"DURATION_IN_MINUTES","totalCost":"TOTAL_COST"})]).unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ConsultationEnded {
            consultation_id: None,
            minutes: None,
            total: None,
            ended_by: None,
            reason: None,
            balance: None
        }]
    );
    let ev = d().decode("wallet-error", &[json!({"status":"error","message":"Insufficient wallet balance to continue the chat.","requiredBalance":"MINIMUM_REQUIRED_BALANCE"})]).unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::WalletError {
            message: "Insufficient wallet balance to continue the chat.".into(),
            required_balance: None
        }]
    );

    let ev = d()
        .decode(
            "chat-timer",
            &[json!({"roomId":"ROOM_ID","duration":"3","cost":"37.50","balance":"462.50"})],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::MeterTick {
            consultation_id: "ROOM_ID".into(),
            minutes: dec("3"),
            cost: Money::new(dec("37.50")),
            balance: Some(Money::new(dec("462.50"))),
            state: None
        }]
    );
    let ev = d().decode("chat-ended", &[json!({"status":"success","message":"Chat session ended.","duration":4,"totalCost":50.25,"endedBy":"user"})]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ConsultationEnded { minutes: Some(m), total: Some(t), .. } if *m == dec("4") && t.amount == dec("50.25"))
    );
    let ev = d().decode("wallet-error", &[json!({"status":"error","message":"Insufficient wallet balance to continue the chat.","requiredBalance":"10.00"})]).unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::WalletError {
            message: "Insufficient wallet balance to continue the chat.".into(),
            required_balance: Some(Money::new(dec("10.00")))
        }]
    );
}

#[test]
fn reads_the_reference_server_extensions() {
    let ev = d().decode("chat-request", &[json!({"roomId":"r1","userId":"u-asha","userName":"Asha Verma","chatType":"audio","ratePerMinute":"12.50","expiresAt":"2026-01-01T00:00:00Z"})]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ConsultationRequested { kind: ConsultationKind::Audio, user, rate_per_minute: Some(r), .. } if user.name.as_deref() == Some("Asha Verma") && r.amount == dec("12.50"))
    );
    let ev = d().decode("admin-monitor", &[json!({"status":"success","message":"ok","data":{"chats":[{"roomId":"r1","userId":"u","astrologerId":"a","status":"active","duration":"2","cost":"20.00"}]}})]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::AdminReport { consultations, .. } if consultations.len() == 1 && consultations[0].minutes == Some(dec("2")))
    );
}

#[test]
fn malformed_and_unknown_events_are_protocol_errors() {
    for (event, args) in [
        ("chat-status", vec![json!({"status":"maybe","roomId":"r"})]),
        ("chat-status", vec![json!({"status":"accepted"})]),
        ("chat-timer", vec![json!(["not", "an", "object"])]),
        ("chat-timer", vec![]),
        ("chat-request-response", vec![json!({"status":"success"})]),
        (
            "chat-request",
            vec![json!({"roomId":"r","userId":"u","chatType":"telepathy"})],
        ),
        ("mystery", vec![json!({})]),
    ] {
        let e = d().decode(event, &args).unwrap_err();
        assert_eq!(e.event, event);
    }
}

#[test]
fn common_server_shapes_the_document_leaves_open_decode() {
    // A request notice with the ids nested and numbers for ids.
    let ev = d()
        .decode(
            "chat-request",
            &[json!({"room": {"id": 77}, "user": {"_id": 5, "name": "Asha"}, "chat_type": "VIDEO"})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ConsultationRequested { consultation_id, user, kind: ConsultationKind::Video, .. } if consultation_id == "77" && user.id == "5" && user.name.as_deref() == Some("Asha"))
    );
    // The answer with the room at the top and `success: true` instead of a status.
    let ev = d()
        .decode(
            "chat-request-response",
            &[json!({"success": true, "roomId": 9})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ConsultationRequestSent { consultation_id, .. } if consultation_id == "9")
    );
    // An error answer keeps the server's code.
    let ev = d()
        .decode(
            "chat-request-response",
            &[json!({"status": "error", "error": "ASTROLOGER_BUSY", "message": "busy"})],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ConsultationRequestFailed {
            code: Some("ASTROLOGER_BUSY".into()),
            message: "busy".into()
        }]
    );
    // A listed chat without a room id is skipped, the report kept.
    let ev = d()
        .decode(
            "admin-monitor",
            &[json!({"status":"success","data":{"chats":[1, {"roomId": "r2"}]}})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::AdminReport { ok: true, consultations, .. } if consultations.len() == 1)
    );
    // An error as a bare string, and without a message.
    let ev = d().decode("chat-error", &[json!("Room closed")]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ServerError { code: None, message, .. } if message == "Room closed")
    );
    let ev = d()
        .decode("chat-error", &[json!({"error": "ROOM_CLOSED"})])
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ServerError { code: Some(c), message, .. } if c == "ROOM_CLOSED" && message == "ROOM_CLOSED")
    );
    // The astrologer's answer echoed as `response: accept`.
    let ev = d()
        .decode(
            "chat-status",
            &[json!({"response": "accept", "roomId": "r"})],
        )
        .unwrap();
    assert!(matches!(
        &ev[0],
        DomainEvent::ConsultationAnswered {
            outcome: RequestOutcome::Accepted,
            ..
        }
    ));
}
