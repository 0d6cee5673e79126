use super::*;
use crate::calls::{LoopbackEngine, LoopbackOp};
use crate::dialect::DialectId;
use crate::model::{CallMedia, LiveKitGrant, Party};
use crate::profile::ServerProfile;
use crate::token::StaticToken;

/// A 004 client that never connects (nothing listens on port 9), with the service.
fn offline() -> (Client, CallService, LoopbackEngine) {
    let mut profile = ServerProfile::new(DialectId::Telecaller, "http://127.0.0.1:9");
    profile.namespace = "/telecaller".into();
    let client = Client::connect(profile, Arc::new(StaticToken::new("t"))).unwrap();
    let engine = LoopbackEngine::new();
    let service = CallService::attach(
        &client,
        Some(Arc::new(engine.clone())),
        None,
        CallConfig::default(),
    );
    (client, service, engine)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_published_from_any_thread_drive_the_call_and_its_media() {
    let (client, service, engine) = offline();
    let c = client.clone();
    std::thread::spawn(move || {
        c.publish(DomainEvent::CallIncoming {
            call_id: "c1".into(),
            media: CallMedia::Video,
            caller: Party {
                id: "u".into(),
                ..Party::default()
            },
        });
        c.publish(DomainEvent::CallAccepted {
            call_id: "c1".into(),
            livekit: LiveKitGrant {
                url: "ws://lk".into(),
                token: "t".into(),
                room: "c1".into(),
            },
            media: None,
            caller: None,
        });
    })
    .join()
    .expect("no panic outside the runtime");
    assert_eq!(service.snapshot().phase, CallPhase::Accepted);
    let deadline = Instant::now() + Duration::from_secs(5);
    while engine.room().is_none() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(engine.room().as_deref(), Some("c1"));
    assert!(matches!(
        &engine.ops()[0],
        LoopbackOp::Join { camera: true, .. }
    ));
    // The signalling ends the call: the room is left although it said nothing.
    client.publish(DomainEvent::CallEnded {
        call_id: "c1".into(),
        duration_secs: Some(3),
        coins: None,
        ended_by: Some("USER".into()),
    });
    while engine.room().is_some() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(engine.room(), None);
    let state = client.send(LocalCommand::GetCallState).await.unwrap();
    assert!(matches!(
        &state[..],
        [DomainEvent::CallStateChanged { call }] if call.phase == CallPhase::Ended && call.duration_secs == Some(3)
    ));
}

#[tokio::test]
async fn commands_offline_fail_typed_and_leave_the_machine_consistent() {
    let (client, service, _engine) = offline();
    // Illegal now: refused before the transport is even asked.
    let e = client
        .send(Command::EndCall {
            call_id: "c1".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), "rejected");
    assert_eq!(e.to_string(), "Call not found.");
    // No history without a cache, no media command without a call.
    assert_eq!(
        client
            .send(LocalCommand::ListCallHistory { limit: None })
            .await
            .unwrap_err()
            .code(),
        "unsupported"
    );
    // The typed call says the same: no cache, no history.
    assert_eq!(
        service.history(None).await.unwrap_err().code(),
        "unsupported"
    );
    assert_eq!(
        client
            .send(LocalCommand::SetMicrophone { enabled: false })
            .await
            .unwrap_err()
            .to_string(),
        "Call is not active."
    );
    // The expert side cannot initiate (the dialect refuses), and the call fails cleanly.
    let e = client
        .send(Command::InitiateCall {
            callee_id: "x".into(),
            media: CallMedia::Audio,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), "unsupported");
    assert!(matches!(service.snapshot().phase, CallPhase::Failed { .. }));
    assert!(service.presence().is_empty());
}
