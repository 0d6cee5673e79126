use super::*;

fn user() -> Telecaller {
    Telecaller::for_namespace("/user")
}

fn expert() -> Telecaller {
    Telecaller::for_namespace("/telecaller")
}

#[test]
fn encodes_the_document_emits_and_the_expert_side() {
    assert_eq!(
        user()
            .encode(&Command::InitiateCall {
                callee_id: "507f1f77bcf86cd799439031".into(),
                media: CallMedia::Audio
            })
            .unwrap(),
        vec![Outbound::emit(
            "call:initiate",
            json!({"telecallerId":"507f1f77bcf86cd799439031","callType":"AUDIO"})
        )]
    );
    assert_eq!(
        user()
            .encode(&Command::CancelCall {
                call_id: "507f1f77bcf86cd799439081".into()
            })
            .unwrap(),
        vec![Outbound::emit_own_view(
            "call:cancel",
            json!({"callId":"507f1f77bcf86cd799439081"}),
            vec![DomainEvent::CallCancelled {
                call_id: "507f1f77bcf86cd799439081".into()
            }]
        )]
    );
    assert_eq!(
        user()
            .encode(&Command::EndCall {
                call_id: "c".into()
            })
            .unwrap(),
        vec![Outbound::emit_own_view(
            "call:end",
            json!({"callId":"c"}),
            vec![DomainEvent::CallEnded {
                call_id: "c".into(),
                duration_secs: None,
                coins: None,
                ended_by: Some("USER".into())
            }]
        )]
    );
    assert_eq!(
        expert()
            .encode(&Command::AcceptCall {
                call_id: "c".into()
            })
            .unwrap()[0],
        Outbound::emit_own_view("call:accept", json!({"callId":"c"}), vec![])
    );
    assert_eq!(
        expert()
            .encode(&Command::RejectCall {
                call_id: "c".into()
            })
            .unwrap()[0],
        Outbound::emit_own_view(
            "call:reject",
            json!({"callId":"c"}),
            vec![DomainEvent::CallRejected {
                call_id: "c".into()
            }]
        )
    );
    assert_eq!(
        expert()
            .encode(&Command::SetPresence { online: true })
            .unwrap()[0],
        Outbound::emit("presence:update", json!({"presence":"ONLINE"}))
    );
    // Each side refuses the other's commands.
    assert!(matches!(
        user().encode(&Command::AcceptCall {
            call_id: "c".into()
        }),
        Err(DialectError::Unsupported { .. })
    ));
    assert!(matches!(
        expert().encode(&Command::InitiateCall {
            callee_id: "x".into(),
            media: CallMedia::Video
        }),
        Err(DialectError::Unsupported { .. })
    ));
}

#[test]
fn decodes_every_document_example() {
    let ev = user().decode("telecaller:presence-changed", &[json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"ONLINE","telecaller":{"_id":"507f1f77bcf86cd799439031","name":"Jane Smith","profile":"avatar-3","language":"hindi","about":"Experienced telecaller with 5 years of experience."}})]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ExpertPresence { presence: Presence::Online, expert: Some(e), .. } if e.language.as_deref() == Some("hindi"))
    );
    let ev = user().decode("telecaller:presence-changed", &[json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"OFFLINE","telecaller":null})]).unwrap();
    assert!(matches!(
        &ev[0],
        DomainEvent::ExpertPresence {
            presence: Presence::Offline,
            expert: None,
            ..
        }
    ));
    let ev = user().decode("telecaller:presence-changed", &[json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"ON_CALL","telecaller":null})]).unwrap();
    assert!(matches!(
        &ev[0],
        DomainEvent::ExpertPresence {
            presence: Presence::Busy,
            ..
        }
    ));
    let ev = user().decode("call:ringing", &[json!({"callId":"507f1f77bcf86cd799439081","telecaller":{"_id":"507f1f77bcf86cd799439031","name":"Jane Smith","profile":"avatar-3"}})]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::CallRinging { callee: Some(p), .. } if p.name.as_deref() == Some("Jane Smith"))
    );
    let ev = user().decode("call:accepted", &[json!({"callId":"507f1f77bcf86cd799439081","livekit":{"token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...","url":"wss://your-livekit-server.com","roomName":"507f1f77bcf86cd799439081"}})]).unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::CallAccepted { livekit, .. } if livekit.url == "wss://your-livekit-server.com" && livekit.room == "507f1f77bcf86cd799439081")
    );
    for (name, want) in [
        ("call:rejected", "CallRejected"),
        ("call:missed", "CallMissed"),
        ("call:ended", "CallEnded"),
        ("call:cancelled", "CallCancelled"),
    ] {
        let ev = user()
            .decode(name, &[json!({"callId":"507f1f77bcf86cd799439081"})])
            .unwrap();
        assert!(format!("{:?}", ev[0]).starts_with(want), "{name}");
    }
    let ev = user()
        .decode(
            "call:error",
            &[json!({"message":"This person is currently offline. Please try again later."})],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::CallError {
            code: None,
            message: "This person is currently offline. Please try again later.".into()
        }]
    );
    let ev = user()
        .decode("error", &[json!({"message":"An error occurred"})])
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::ServerError { message, .. } if message == "An error occurred")
    );
    let ev = expert().decode("call:incoming", &[json!({"callId":"c","callType":"VIDEO","caller":{"_id":"u","name":"Arjun","profile":null}})]).unwrap();
    assert!(matches!(
        &ev[0],
        DomainEvent::CallIncoming {
            media: CallMedia::Video,
            ..
        }
    ));
    let ev = expert()
        .decode(
            "call:ended",
            &[json!({"callId":"c","duration":65,"coins":"12","endedBy":"user"})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::CallEnded { duration_secs: Some(65), coins: Some(c), .. } if c.amount == rust_decimal::Decimal::from(12))
    );
}

#[test]
fn malformed_events_are_protocol_errors() {
    for (event, args) in [
        (
            "telecaller:presence-changed",
            vec![json!({"telecallerId":"t","presence":"SLEEPING"})],
        ),
        ("call:accepted", vec![json!({"callId":"c"})]),
        (
            "call:accepted",
            vec![json!({"callId":"c","livekit":{"url":1}})],
        ),
        (
            "call:incoming",
            vec![json!({"callId":"c","callType":"HOLOGRAM","caller":{"_id":"u"}})],
        ),
        ("call:ended", vec![json!({"duration": 3})]),
        ("call:ringing", vec![json!(null)]),
        ("call:teleport", vec![json!({})]),
    ] {
        assert_eq!(user().decode(event, &args).unwrap_err().event, event);
    }
}

#[test]
fn shapes_the_document_leaves_open_decode() {
    // An absurd duration is absent, the end kept.
    let ev = user()
        .decode("call:ended", &[json!({"callId": "c", "duration": -3})])
        .unwrap();
    assert!(matches!(
        &ev[0],
        DomainEvent::CallEnded {
            duration_secs: None,
            ..
        }
    ));
    // The call as an object; the room name defaults to the call id, as documented.
    let ev = user()
        .decode(
            "call:accepted",
            &[json!({"call": {"_id": 81, "callType": "video"}, "livekit": {"token": "t", "url": "wss://lk"}})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::CallAccepted { call_id, livekit, media: Some(CallMedia::Video), .. } if call_id == "81" && livekit.room == "81")
    );
    // An incoming call whose caller is not named is still answerable.
    let ev = expert()
        .decode(
            "call:incoming",
            &[json!({"callId": "c", "callType": "audio"})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::CallIncoming { caller, media: CallMedia::Audio, .. } if caller.id.is_empty())
    );
    // Presence in another case, the telecaller object without an id ignored.
    let ev = user()
        .decode(
            "telecaller:presence-changed",
            &[json!({"telecallerId": 31, "presence": "on_call", "telecaller": {"bio": "x"}})],
        )
        .unwrap();
    assert_eq!(
        ev,
        vec![DomainEvent::ExpertPresence {
            expert_id: "31".into(),
            presence: Presence::Busy,
            expert: None
        }]
    );
    let ev = user()
        .decode("call:error", &[json!("Telecaller is offline")])
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::CallError { code: None, message } if message == "Telecaller is offline")
    );
    let ev = user()
        .decode(
            "call:error",
            &[json!({"code": "TELECALLER_OFFLINE", "message": "offline"})],
        )
        .unwrap();
    assert!(
        matches!(&ev[0], DomainEvent::CallError { code: Some(c), message } if c == "TELECALLER_OFFLINE" && message == "offline")
    );
}
