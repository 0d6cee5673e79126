//! Every `call:initiate` error row reaches the caller in the server's words, and the initiation limit mirrors the server's.

use super::*;

/// `POST /__test/accounts/:id/status` of the reference server (PARLOR_TEST_HOOKS=1).
async fn set_status(server: &RefServer, account: &str, status: &str) {
    let body = json!({ "status": status }).to_string();
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", server.port()))
        .await
        .unwrap();
    let req = format!(
        "POST /__test/accounts/{account}/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// The typed initiate's error (the server's `call:error` verbatim), and the call failed.
async fn initiate_error(user: &mut Side, callee: &str) -> String {
    user.actor.drain();
    let e = user
        .actor
        .client
        .send(initiate(callee, CallMedia::Audio))
        .await
        .unwrap_err();
    let (code, message) = rejected(&e);
    assert_eq!(code, calls::SERVER_CALL_ERROR);
    let failed = phase(user, "failed").await;
    assert_eq!(
        failed.phase,
        CallPhase::Failed {
            reason: message.into()
        }
    );
    message.to_owned()
}

#[tokio::test]
async fn every_initiate_error_row_reaches_the_caller_verbatim() {
    // Limits ×10 so that the many attempts here do not hit the initiation limit.
    let server = server(&[
        ("PARLOR_RATE_LIMIT_SCALE", "10"),
        ("PARLOR_TEST_HOOKS", "1"),
    ])
    .await;
    let roomy = CallConfig {
        max_initiations: 50,
        ..CallConfig::default()
    };
    let mut jane = side(&server, JANE, roomy.clone()).await;
    let mut user = side(&server, ARJUN, roomy.clone()).await;
    let mut kavya = side(&server, KAVYA, roomy.clone()).await;

    assert_eq!(initiate_error(&mut user, "").await, "Invalid call request");
    assert_eq!(
        raw_initiate_error(&mut user, json!({"telecallerId": JANE})).await,
        "Invalid call request"
    );
    assert_eq!(
        raw_initiate_error(
            &mut user,
            json!({"telecallerId": JANE, "callType": "HOLOGRAM"})
        )
        .await,
        "Invalid call type"
    );
    assert_eq!(
        initiate_error(&mut user, PENDING).await,
        "This person is no longer available for calls."
    );
    assert_eq!(
        initiate_error(&mut user, "000000000000000000000000").await,
        "This person is no longer available for calls."
    );
    assert_eq!(
        initiate_error(&mut user, PRIYA).await,
        "Priya Nair is currently offline. Please try again later."
    );
    // Busy: Jane's phone already rings for Kavya.
    online(&mut jane).await;
    let kavya_call = kavya
        .actor
        .send("call", initiate(JANE, CallMedia::Audio))
        .await
        .unwrap();
    assert!(matches!(&kavya_call[..], [DomainEvent::CallRinging { .. }]));
    assert_eq!(
        initiate_error(&mut user, JANE).await,
        "Jane Smith is busy on another call. Please try again later."
    );
    // Active call: caught locally (nothing sent), and the server agrees when asked anyway.
    let e = kavya
        .actor
        .client
        .send(initiate(JANE, CallMedia::Audio))
        .await
        .unwrap_err();
    assert_eq!(
        rejected(&e),
        ("call_active", "You already have an active call.")
    );
    assert_eq!(kavya.calls.snapshot().phase, CallPhase::Ringing);
    assert_eq!(
        raw_initiate_error(
            &mut kavya,
            json!({"telecallerId": PRIYA, "callType": "AUDIO"})
        )
        .await,
        "You already have an active call."
    );
    // Unavailable: switched ONLINE but not connected.
    drop(kavya);
    jane.actor.client.disconnect().await;
    // The server tells users when she goes offline: by then it knows.
    user.actor
        .expect("Jane offline", 5, |e| {
            matches!(
                e,
                DomainEvent::ExpertPresence {
                    presence: Presence::Offline,
                    ..
                }
            )
            .then_some(())
        })
        .await
        .unwrap();
    assert_eq!(
        initiate_error(&mut user, JANE).await,
        "Jane Smith is currently unavailable. Please try again later."
    );
    // Account not available: suspended while connected.
    set_status(&server, ARJUN, "SUSPENDED").await;
    assert_eq!(
        initiate_error(&mut user, JANE).await,
        "Your account is not available. Please contact support."
    );
    // Rows that failed before the server named a call are not history.
    assert!(calls::history::list(&user.store, 50).unwrap().is_empty());
}

#[tokio::test]
async fn the_initiation_limit_mirrors_the_server() {
    let server = server(&[]).await;
    let mut user = side(&server, ARJUN, CallConfig::default()).await;
    // Five attempts (Priya is offline: each fails on the server, and each counts there).
    for _ in 0..5 {
        assert_eq!(
            initiate_error(&mut user, PRIYA).await,
            "Priya Nair is currently offline. Please try again later."
        );
    }
    // The sixth is refused here, in the server's words, before anything is sent ...
    let e = user
        .actor
        .client
        .send(initiate(PRIYA, CallMedia::Audio))
        .await
        .unwrap_err();
    assert_eq!(
        rejected(&e),
        (
            "call_rate_limited",
            "Too many call attempts. Please wait a moment."
        )
    );
    // ... and the server would have said the same.
    assert_eq!(
        raw_initiate_error(
            &mut user,
            json!({"telecallerId": PRIYA, "callType": "AUDIO"})
        )
        .await,
        "Too many call attempts. Please wait a moment."
    );
}

#[tokio::test]
async fn the_limit_window_slides() {
    let config = CallConfig {
        max_initiations: 2,
        rate_window: Duration::from_millis(800),
        ..CallConfig::default()
    };
    let server = server(&[]).await;
    let mut user = side(&server, ARJUN, config).await;
    initiate_error(&mut user, PRIYA).await;
    initiate_error(&mut user, PRIYA).await;
    let e = user
        .actor
        .client
        .send(initiate(PRIYA, CallMedia::Audio))
        .await
        .unwrap_err();
    assert_eq!(rejected(&e).0, "call_rate_limited");
    // Once the oldest attempt leaves the window, a new one goes to the server again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match user
            .actor
            .client
            .send(initiate(PRIYA, CallMedia::Audio))
            .await
        {
            Err(e) if rejected(&e).0 == "call_rate_limited" => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the window never slid"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => {
                assert_eq!(
                    rejected(&e).1,
                    "Priya Nair is currently offline. Please try again later."
                );
                break;
            }
            Ok(events) => panic!("Priya is offline, yet: {events:?}"),
        }
    }
}
