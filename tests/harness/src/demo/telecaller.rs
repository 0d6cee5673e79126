//! The 004 telecaller calls demo: its story, step by step against the reference server.

use super::*;

/// 004: presence, a call that rings, is accepted with LiveKit credentials, and is ended.
pub(super) async fn telecaller(t: &Transcript) -> Result<(), StepError> {
    let d = DialectId::Telecaller;
    let server = start(d, &[], t).await?;
    let mut user = actor(
        &server,
        d,
        "Arjun Mehta",
        "507f1f77bcf86cd799439011",
        "/user",
        t,
    )
    .await?;
    let mut jane = actor(
        &server,
        d,
        "Jane Smith",
        "507f1f77bcf86cd799439031",
        "/telecaller",
        t,
    )
    .await?;
    // The call state machine on both sides, with the loopback media engine.
    let _user_calls = crate::calls::attach(&user.client, None);
    let _jane_calls = crate::calls::attach(&jane.client, None);
    jane.send("go online", Command::SetPresence { online: true })
        .await?;
    user.expect("presence ONLINE", 5, |e| matches!(e, DomainEvent::ExpertPresence { expert_id, presence: Presence::Online, .. } if expert_id == "507f1f77bcf86cd799439031").then_some(())).await?;
    t.say("Arjun Mehta", "sees Jane Smith ONLINE");
    user.send(
        "call",
        Command::InitiateCall {
            callee_id: "507f1f77bcf86cd799439031".into(),
            media: CallMedia::Audio,
        },
    )
    .await?;
    let call = user
        .expect("call:ringing", 5, |e| match e {
            DomainEvent::CallRinging { call_id, .. } => Some(call_id.clone()),
            _ => None,
        })
        .await?;
    t.say("Arjun Mehta", format!("calling… ringing (call {call})"));
    jane.expect("call:incoming", 5, |e| {
        matches!(e, DomainEvent::CallIncoming { call_id, .. } if *call_id == call).then_some(())
    })
    .await?;
    t.say("Jane Smith", "incoming audio call from Arjun Mehta");
    jane.send(
        "accept",
        Command::AcceptCall {
            call_id: call.clone(),
        },
    )
    .await?;
    let lk = user
        .expect("call:accepted", 5, |e| match e {
            DomainEvent::CallAccepted { livekit, .. } => Some(livekit.clone()),
            _ => None,
        })
        .await?;
    jane.expect("call:accepted", 5, |e| {
        matches!(e, DomainEvent::CallAccepted { .. }).then_some(())
    })
    .await?;
    t.say(
        "Arjun Mehta",
        format!(
            "accepted: LiveKit {} room {} token {}…",
            lk.url,
            lk.room,
            &lk.token[..lk.token.len().min(16)]
        ),
    );
    user.expect("presence ON_CALL", 5, |e| {
        matches!(
            e,
            DomainEvent::ExpertPresence {
                presence: Presence::Busy,
                ..
            }
        )
        .then_some(())
    })
    .await?;
    t.say("Arjun Mehta", "Jane Smith is now ON_CALL");
    for a in [&mut user, &mut jane] {
        a.expect("the media room", 5, |e| {
            matches!(
                e,
                DomainEvent::CallMedia {
                    media: MediaEvent::Connected,
                    ..
                }
            )
            .then_some(())
        })
        .await?;
        t.say(
            &a.name.clone(),
            "in the media room (loopback engine: the demo moves no audio)",
        );
    }
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let own = user
        .send(
            "hang up",
            Command::EndCall {
                call_id: call.clone(),
            },
        )
        .await?;
    if let Some(DomainEvent::CallEnded {
        duration_secs,
        coins,
        ..
    }) = own
        .iter()
        .find(|e| matches!(e, DomainEvent::CallEnded { .. }))
    {
        t.say(
            "Arjun Mehta",
            format!(
                "hung up: {} s, {} coins (from the server's ack)",
                duration_secs.unwrap_or_default(),
                coins
                    .as_ref()
                    .map(|c| c.amount.to_string())
                    .unwrap_or_else(|| "?".into())
            ),
        );
    }
    for a in [&mut user, &mut jane] {
        a.expect("leaving the media room", 5, |e| {
            matches!(
                e,
                DomainEvent::CallMedia {
                    media: MediaEvent::Disconnected { .. },
                    ..
                }
            )
            .then_some(())
        })
        .await?;
        t.say(&a.name.clone(), "left the media room");
    }
    let (secs, coins) = jane
        .expect("call:ended", 5, |e| match e {
            DomainEvent::CallEnded {
                call_id,
                duration_secs,
                coins,
                ..
            } if *call_id == call => Some((*duration_secs, coins.clone())),
            _ => None,
        })
        .await?;
    t.say(
        "bill",
        format!(
            "call ended after {} s, {} coins",
            secs.map(|s| s.to_string()).unwrap_or_else(|| "?".into()),
            coins
                .map(|c| c.amount.to_string())
                .unwrap_or_else(|| "?".into())
        ),
    );
    Ok(())
}
