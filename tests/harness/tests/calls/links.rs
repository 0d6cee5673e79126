//! Calls across dropped links and server restarts, and media that cannot join.

use super::*;

#[tokio::test]
async fn disconnects_while_ringing_miss_the_call_on_both_sides() {
    let server = server(&[]).await;
    // The user drops.
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    let mut user = side(&server, ARJUN, CallConfig::default()).await;
    online(&mut jane).await;
    let id = ring(&mut user, &mut jane, CallMedia::Audio).await;
    user.actor.client.disconnect().await;
    let mine = phase(&mut user, "missed").await;
    assert_eq!(mine.ended_by.as_deref(), Some("local:disconnected"));
    let theirs = phase(&mut jane, "missed").await;
    assert_eq!(theirs.call_id.as_deref(), Some(id.as_str()));
    // The expert drops.
    let mut kavya = side(&server, KAVYA, CallConfig::default()).await;
    ring_from(&mut kavya, &mut jane).await;
    jane.actor.client.disconnect().await;
    assert_eq!(
        phase(&mut jane, "missed").await.ended_by.as_deref(),
        Some("local:disconnected")
    );
    assert_eq!(phase(&mut kavya, "missed").await.ended_by, None);
}

#[tokio::test]
async fn disconnects_while_accepted_end_the_call_and_leave_the_rooms() {
    let server = server(&[]).await;
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    let mut user = side(&server, ARJUN, CallConfig::default()).await;
    online(&mut jane).await;
    let id = ring(&mut user, &mut jane, CallMedia::Audio).await;
    accept(&mut user, &mut jane, &id).await;
    user.actor.client.disconnect().await;
    assert_eq!(
        phase(&mut user, "ended").await.ended_by.as_deref(),
        Some("local:disconnected")
    );
    // Left the room with the signalling.
    left(&mut user).await;
    let theirs = phase(&mut jane, "ended").await;
    assert_eq!(theirs.ended_by.as_deref(), Some("USER"));
    assert!(theirs.coins.is_some() && theirs.duration_secs.is_some());
    left(&mut jane).await;
    assert_eq!(history(&jane, &id).outcome, "ended");

    // The expert drops during Kavya's call.
    let mut kavya = side(&server, KAVYA, CallConfig::default()).await;
    let id2 = ring_from(&mut kavya, &mut jane).await;
    accept(&mut kavya, &mut jane, &id2).await;
    jane.actor.client.disconnect().await;
    assert_eq!(
        phase(&mut jane, "ended").await.ended_by.as_deref(),
        Some("local:disconnected")
    );
    left(&mut jane).await;
    let ended = phase(&mut kavya, "ended").await;
    assert_eq!(ended.ended_by.as_deref(), Some("TELECALLER"));
    left(&mut kavya).await;
}

#[tokio::test]
async fn media_that_cannot_join_does_not_break_the_signalling() {
    let server = server(&[]).await;
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    let mut user = side(&server, ARJUN, CallConfig::default()).await;
    online(&mut jane).await;
    user.engine.fail_next_join("no route to the media server");
    let id = ring(&mut user, &mut jane, CallMedia::Audio).await;
    jane.actor
        .send(
            "accept",
            Command::AcceptCall {
                call_id: id.clone(),
            },
        )
        .await
        .unwrap();
    phase(&mut user, "accepted").await;
    let m = media(&mut user, |m| matches!(m, MediaEvent::Disconnected { .. })).await;
    assert!(format!("{m:?}").contains("no route"), "{m:?}");
    // Jane's room is joined once her `call:accepted` arrives (the accept is an emit).
    media(&mut jane, |m| *m == MediaEvent::Connected).await;
    // The room reporting trouble is published and does not end the call.
    jane.engine.simulate_reconnect();
    media(&mut jane, |m| *m == MediaEvent::Reconnecting).await;
    media(&mut jane, |m| *m == MediaEvent::Reconnected).await;
    assert_eq!(jane.calls.snapshot().phase, CallPhase::Accepted);
    // The call still ends normally from the side without media.
    user.actor
        .send("hang up", Command::EndCall { call_id: id })
        .await
        .unwrap();
    phase(&mut jane, "ended").await;
    left(&mut jane).await;
}

/// A server crash while a call rings: both sides settle it locally (the document's table),
/// and after the reconnect the callee presence is what the server's new snapshot says, not
/// what it was before the drop; a new call then works.
#[tokio::test]
async fn after_a_reconnect_presence_is_rebuilt_and_calls_work_again() {
    let mut server = server(&[]).await;
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    let mut user = side(&server, ARJUN, CallConfig::default()).await;
    online(&mut jane).await;
    user.actor
        .expect("Jane online", 5, |e| {
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
    assert_eq!(user.calls.presence().len(), 1);
    ring(&mut user, &mut jane, CallMedia::Audio).await;
    server.kill().await;
    for s in [&mut user, &mut jane] {
        assert_eq!(
            phase(s, "missed").await.ended_by.as_deref(),
            Some("local:disconnected")
        );
    }
    // Jane is gone for good; the restarted server knows nothing of her ONLINE switch.
    jane.actor.client.disconnect().await;
    drop(jane);
    user.actor.drain(); // the first connect's events
    server.restart().await.unwrap();
    user.actor
        .expect("reconnected", 15, |e| {
            matches!(
                e,
                DomainEvent::Connection {
                    state: parlor_core::ConnectionState::Connected
                }
            )
            .then_some(())
        })
        .await
        .unwrap();
    // The snapshot after the reconnect lists nobody, so nobody is shown. The server sends its
    // snapshot on connection, so the answer to a later request comes after it.
    assert_eq!(
        raw_initiate_error(&mut user, json!({"telecallerId": JANE})).await,
        "Invalid call request"
    );
    assert!(
        user.calls.presence().is_empty(),
        "{:?}",
        user.calls.presence()
    );
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    online(&mut jane).await;
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
    assert_eq!(user.calls.presence().len(), 1);
    let id = ring(&mut user, &mut jane, CallMedia::Audio).await;
    accept(&mut user, &mut jane, &id).await;
}

/// The reference server keeps an accepted call across its own restart. Both sides ended it
/// locally when the link dropped; after the reconnect the core ends it on the server too, so
/// the summary (duration, coins) reaches both histories and the next call is not refused
/// with "You already have an active call.".
#[tokio::test]
async fn an_accepted_call_kept_across_a_server_restart_is_reconciled() {
    let state = std::env::temp_dir().join(format!("parlor-calls-{}.json", uuid::Uuid::new_v4()));
    let state_env = state.to_string_lossy().to_string();
    let mut server = server(&[("PARLOR_STATE_FILE", &state_env)]).await;
    let mut jane = side(&server, JANE, CallConfig::default()).await;
    let mut user = side(&server, ARJUN, CallConfig::default()).await;
    online(&mut jane).await;
    let id = ring(&mut user, &mut jane, CallMedia::Audio).await;
    accept(&mut user, &mut jane, &id).await;
    server.kill().await;
    for s in [&mut user, &mut jane] {
        let call = phase(s, "ended").await;
        assert_eq!(call.ended_by.as_deref(), Some("local:disconnected"));
        assert_eq!(call.coins, None, "nobody knows the bill yet");
        left(s).await;
    }
    user.actor.drain();
    jane.actor.drain();
    server.restart().await.unwrap();
    for s in [&mut user, &mut jane] {
        s.actor
            .expect("reconnected", 20, |e| {
                matches!(
                    e,
                    DomainEvent::Connection {
                        state: parlor_core::ConnectionState::Connected
                    }
                )
                .then_some(())
            })
            .await
            .unwrap();
    }
    // The side whose `call:end` reached the server second gets the summary as `call:ended`
    // if it was connected by then (an extension of the reference server; the document has no
    // way to ask later). Whoever got it keeps it in its history.
    for s in [&user, &jane] {
        let snap = s.calls.snapshot();
        assert_eq!(snap.call_id.as_deref(), Some(id.as_str()));
        assert_eq!(snap.phase, CallPhase::Ended);
        if snap.coins.is_some() {
            assert!(snap.duration_secs.is_some());
            let h = history(s, &id);
            for _ in 0..50 {
                if calls::history::get(&s.store, &id)
                    .unwrap()
                    .and_then(|r| r.coins)
                    .is_some()
                {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert_eq!(h.call_id, id);
            assert!(calls::history::get(&s.store, &id)
                .unwrap()
                .unwrap()
                .coins
                .is_some());
        }
    }
    let next = ring(&mut user, &mut jane, CallMedia::Audio).await;
    assert_ne!(next, id);
    let _ = std::fs::remove_file(&state);
}
