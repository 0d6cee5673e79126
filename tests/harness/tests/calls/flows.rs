//! Seed 004 calls from ringing to their end, both sides: accepted (with media, presence and history), ended by the expert, rejected, cancelled, missed.

use super::*;

#[tokio::test]
async fn successful_call_both_sides_with_media_presence_and_history() {
    let server = server(&[("PARLOR_BILLING_MINUTE_MS", "1000")]).await;
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    let mut user = side(&server, ARJUN, CallConfig::default()).await;
    online(&mut jane).await;
    user.actor
        .expect("Jane online", 5, |e| {
            matches!(e, DomainEvent::ExpertPresence { expert_id, presence: Presence::Online, .. } if expert_id == JANE).then_some(())
        })
        .await
        .unwrap();
    let live = user.calls.presence();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].party.name.as_deref(), Some("Jane Smith"));
    assert_eq!(live[0].language.as_deref(), Some("hindi"));

    let id = ring(&mut user, &mut jane, CallMedia::Video).await;
    accept(&mut user, &mut jane, &id).await;
    // Presence follows: ON_CALL while accepted (kept live in the service).
    user.actor
        .expect("Jane on call", 5, |e| {
            matches!(
                e,
                DomainEvent::ExpertPresence {
                    presence: Presence::Busy,
                    ..
                }
            )
            .then_some(())
        })
        .await
        .unwrap();
    assert_eq!(user.calls.presence()[0].presence, Presence::Busy);
    // In-call controls reach the engine.
    user.actor
        .send("mute", LocalCommand::SetMicrophone { enabled: false })
        .await
        .unwrap();
    user.actor
        .send("camera off", LocalCommand::SetCamera { enabled: false })
        .await
        .unwrap();
    user.actor
        .send(
            "switch mic",
            LocalCommand::SwitchMediaDevice {
                kind: calls::DeviceKind::AudioInput,
                device_id: "usb-mic".into(),
            },
        )
        .await
        .unwrap();
    // Part of the scenario, not a wait for a condition: the call lasts over a second, so the
    // summary's duration checked below is at least 1.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let own = user
        .actor
        .send(
            "hang up",
            Command::EndCall {
                call_id: id.clone(),
            },
        )
        .await
        .unwrap();
    // The document answers `call:end` only to the other party: the ender's own view says who
    // ended it; the summary is the server's news to the other side.
    assert!(
        matches!(&own[..], [DomainEvent::CallEnded { ended_by: Some(b), coins: None, .. }] if b == "USER"),
        "end answered {own:?}"
    );
    let theirs = phase(&mut jane, "ended").await;
    // The reference server's `call:ended` carries the summary (an extension of the document).
    assert!(theirs.duration_secs.is_some_and(|s| s >= 1), "{theirs:?}");
    assert_eq!(
        theirs.coins.map(|c| c.amount),
        Some(Decimal::from(12)),
        "two started minutes at 6 coins"
    );
    assert_eq!(
        phase(&mut user, "ended").await.ended_by.as_deref(),
        Some("USER")
    );
    for s in [&mut user, &mut jane] {
        media(
            s,
            |m| matches!(m, MediaEvent::Disconnected { reason } if reason == "left"),
        )
        .await;
        assert_eq!(s.engine.room(), None);
    }
    assert_eq!(
        user.engine.ops(),
        vec![
            LoopbackOp::Join {
                call_id: id.clone(),
                url: "ws://127.0.0.1:7880".into(),
                camera: true
            },
            LoopbackOp::Microphone(false),
            LoopbackOp::Camera(false),
            LoopbackOp::Switch(calls::DeviceKind::AudioInput, "usb-mic".into()),
            LoopbackOp::Leave {
                call_id: id.clone()
            },
        ]
    );
    for s in [&user, &jane] {
        assert_eq!(history(s, &id).outcome, "ended");
    }
    // The bill is in the history of the side the server told.
    let bill = history(&jane, &id);
    assert_eq!(bill.duration_secs, theirs.duration_secs);
    assert_eq!(bill.coins.map(|c| c.amount), Some(Decimal::from(12)));
    assert_eq!(history(&jane, &id).role, calls::CallRole::Callee);
    // The history is also a command away.
    let listed = user
        .actor
        .send("history", LocalCommand::ListCallHistory { limit: Some(5) })
        .await
        .unwrap();
    assert!(
        matches!(&listed[..], [DomainEvent::CallHistory { calls }] if calls.len() == 1 && calls[0].call_id == id)
    );
    // And a typed call on the service: the same record.
    let typed = user.calls.history(Some(5)).await.unwrap();
    assert_eq!(typed.len(), 1);
    assert_eq!(typed[0], history(&user, &id));
    // Presence is back to ONLINE once the call is over.
    user.actor
        .expect("Jane online again", 5, |e| {
            matches!(
                e,
                DomainEvent::ExpertPresence {
                    presence: Presence::Online,
                    ..
                }
            )
            .then_some(())
        })
        .await
        .unwrap();
    // After the call, in-call controls are refused before anything is sent.
    let e = user
        .actor
        .client
        .send(LocalCommand::SetMicrophone { enabled: true })
        .await
        .unwrap_err();
    assert_eq!(rejected(&e), ("call_not_active", "Call is not active."));
}

#[tokio::test]
async fn the_expert_ends_the_call_and_the_user_leaves_the_room() {
    let server = server(&[]).await;
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    let mut user = side(&server, ARJUN, CallConfig::default()).await;
    online(&mut jane).await;
    let id = ring(&mut user, &mut jane, CallMedia::Audio).await;
    accept(&mut user, &mut jane, &id).await;
    let own = jane
        .actor
        .send(
            "hang up",
            Command::EndCall {
                call_id: id.clone(),
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&own[..], [DomainEvent::CallEnded { ended_by: Some(b), .. }] if b == "TELECALLER"),
        "{own:?}"
    );
    let ended = phase(&mut user, "ended").await;
    assert_eq!(ended.ended_by.as_deref(), Some("TELECALLER"));
    assert!(ended.coins.is_some());
    // The room never said a word: the signalling alone made the user leave it.
    media(
        &mut user,
        |m| matches!(m, MediaEvent::Disconnected { reason } if reason == "left"),
    )
    .await;
    assert_eq!(user.engine.room(), None);
    media(&mut jane, |m| matches!(m, MediaEvent::Disconnected { .. })).await;
    assert_eq!(jane.engine.room(), None);
    // Ending twice is refused locally.
    let e = user
        .actor
        .client
        .send(Command::EndCall {
            call_id: id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(rejected(&e), ("call_not_active", "Call is not active."));
    assert_eq!(history(&user, &id).outcome, "ended");
}

#[tokio::test]
async fn rejected_call_both_sides() {
    let server = server(&[]).await;
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    let mut user = side(&server, ARJUN, CallConfig::default()).await;
    online(&mut jane).await;
    let id = ring(&mut user, &mut jane, CallMedia::Audio).await;
    let own = jane
        .actor
        .send(
            "reject",
            Command::RejectCall {
                call_id: id.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        own,
        vec![DomainEvent::CallRejected {
            call_id: id.clone()
        }]
    );
    phase(&mut jane, "rejected").await;
    phase(&mut user, "rejected").await;
    assert_eq!(history(&user, &id).outcome, "rejected");
    assert_eq!(history(&jane, &id).outcome, "rejected");
    // Nothing joined any room.
    assert!(user.engine.ops().is_empty() && jane.engine.ops().is_empty());
    // A second answer is refused locally.
    let e = jane
        .actor
        .client
        .send(Command::AcceptCall { call_id: id })
        .await
        .unwrap_err();
    assert_eq!(rejected(&e), ("call_not_ringing", "Call is not ringing."));
}

#[tokio::test]
async fn cancelled_call_both_sides() {
    let server = server(&[]).await;
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    let mut user = side(&server, ARJUN, CallConfig::default()).await;
    online(&mut jane).await;
    let id = ring(&mut user, &mut jane, CallMedia::Audio).await;
    let own = user
        .actor
        .send(
            "cancel",
            Command::CancelCall {
                call_id: id.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        own,
        vec![DomainEvent::CallCancelled {
            call_id: id.clone()
        }]
    );
    phase(&mut user, "cancelled").await;
    phase(&mut jane, "cancelled").await;
    assert_eq!(history(&jane, &id).outcome, "cancelled");
    // Accepting a cancelled call is refused before anything is sent.
    let e = jane
        .actor
        .client
        .send(Command::AcceptCall {
            call_id: id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(rejected(&e), ("call_not_ringing", "Call is not ringing."));
    // So is cancelling it again.
    let e = user
        .actor
        .client
        .send(Command::CancelCall { call_id: id })
        .await
        .unwrap_err();
    assert_eq!(rejected(&e), ("call_not_ringing", "Call is not ringing."));
}

#[tokio::test]
async fn missed_call_both_sides_with_the_server_timeout() {
    let server = server(&[("PARLOR_CALL_TIMEOUT_MS", "600")]).await;
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    let mut user = side(&server, ARJUN, CallConfig::default()).await;
    online(&mut jane).await;
    let id = ring(&mut user, &mut jane, CallMedia::Audio).await;
    for s in [&mut user, &mut jane] {
        let call = phase(s, "missed").await;
        assert_eq!(call.call_id.as_deref(), Some(id.as_str()));
        assert_eq!(
            call.ended_by, None,
            "the server said so, not a local timeout"
        );
    }
    assert_eq!(history(&user, &id).outcome, "missed");
    // A new call may start at once.
    let id2 = ring(&mut user, &mut jane, CallMedia::Audio).await;
    assert_ne!(id, id2);
}

#[tokio::test]
async fn a_call_the_server_never_times_out_is_missed_locally() {
    // The server's timeout is 30 s; ours is made shorter so the test need not wait.
    let config = CallConfig {
        ring_timeout: Duration::from_millis(700),
        ..CallConfig::default()
    };
    let server = server(&[]).await;
    let mut jane = side(&server, JANE, config.clone()).await;
    let mut user = side(&server, ARJUN, config).await;
    online(&mut jane).await;
    let id = ring(&mut user, &mut jane, CallMedia::Audio).await;
    for s in [&mut user, &mut jane] {
        let call = phase(s, "missed").await;
        assert_eq!(call.call_id.as_deref(), Some(id.as_str()));
        assert_eq!(call.ended_by.as_deref(), Some("local:timeout"));
    }
}
