//! The connection's life: refused tokens, nothing emitted before the namespace accepts, idle drops, kicks, a final shutdown.

use super::*;

/// Defect: `connect()` returns Ok for a refused token and then retries it forever. Ours
/// reports the refusal, hands the token back to its source, asks the source again with
/// backoff, and never sends a refused token again: the server saw exactly one handshake.
#[tokio::test]
async fn a_refused_token_is_reported_and_never_sent_again() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let asked = Arc::new(AtomicU32::new(0));
    let counter = asked.clone();
    let tokens = FnToken(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { Ok::<_, TokenError>("forged".to_string()) }
    });
    let mut c = config(&server.url());
    c.renewal = BackoffPolicy {
        min_ms: 50,
        max_ms: 200,
        ..BackoffPolicy::default()
    };
    let (socket, _inbound) = Socket::start(c, Arc::new(tokens));
    let err = socket
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        TransportError::AuthFailed("Invalid or expired token".into())
    );
    // The source is asked again and again (it might have a new token by now) …
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while asked.load(Ordering::SeqCst) < 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "source not asked again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // … but the server never sees the refused token again.
    let stats = probe_stats(&server).await;
    assert_eq!(stats["handshakes"], json!(1), "{stats}");
    assert_eq!(stats["refused"], json!(1), "{stats}");
    assert_eq!(stats["connections"], json!(0), "{stats}");
    assert_eq!(
        socket.state(),
        ConnectionState::AuthFailed {
            message: "Invalid or expired token".into()
        }
    );
    // Commands fail fast with the real reason, not `not_connected`.
    assert_eq!(
        socket.emit("echo", vec![json!(1)]).await,
        Err(TransportError::AuthFailed(
            "Invalid or expired token".into()
        ))
    );
}

/// Defect: an emit before the namespace CONNECT makes the server drop the connection.
#[tokio::test]
async fn nothing_is_emitted_before_the_namespace_accepts_us() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, _inbound) =
        Socket::start(config(&server.url()), Arc::new(StaticToken::new("valid")));
    // Immediately after start we are not connected yet: refused, not silently lost.
    let early = socket.emit("echo", vec![json!("too early")]).await;
    assert!(
        matches!(early, Err(TransportError::NotConnected(_))),
        "{early:?}"
    );
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    // The first emit right after Connected is delivered and the connection survives it.
    let answer = socket
        .request("echo", vec![json!({"first": true})], None)
        .await
        .unwrap();
    assert_eq!(answer, vec![json!({"first": true})]);
    assert_eq!(whoami(&socket).await["connections"], json!(1));
}

/// Defects: nothing reports the server vanishing; emits while down fail or vanish; the
/// built-in reconnect cannot refresh a token. Ours notices an idle drop, refuses emits at
/// once while down, backs off like socket.io-client, and reconnects with a fresh token.
#[tokio::test]
async fn an_idle_drop_is_noticed_and_reconnection_uses_a_fresh_token() {
    let mut server = RefServer::start(PROBE, &[]).await.unwrap();
    let issued = Arc::new(AtomicU32::new(0));
    let counter = issued.clone();
    let tokens = FnToken(move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move { Ok::<_, TokenError>(format!("valid-{n}")) }
    });
    let (socket, _inbound) = Socket::start(config(&server.url()), Arc::new(tokens));
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(whoami(&socket).await["token"], json!("valid-1"));

    server.stop().await;
    // Idle: no emit of ours reveals the drop; the supervisor must notice by itself.
    let state = state_where(&socket, 10, |s| {
        matches!(s, ConnectionState::Reconnecting { .. })
    })
    .await;
    let ConnectionState::Reconnecting {
        attempt, delay_ms, ..
    } = state
    else {
        unreachable!()
    };
    assert_eq!(attempt, 1);
    assert!(
        (100..=300).contains(&delay_ms),
        "first delay {delay_ms} ms outside 200 ms ± 50%"
    );
    // Refused, not queued (how fast is measured by `parlor bench-resilience`).
    let down = socket.emit("echo", vec![json!("while down")]).await;
    assert!(
        matches!(down, Err(TransportError::NotConnected(_))),
        "{down:?}"
    );

    server.restart().await.unwrap();
    socket
        .wait_connected(Duration::from_secs(15))
        .await
        .unwrap();
    let who = whoami(&socket).await;
    assert_ne!(
        who["token"],
        json!("valid-1"),
        "reconnected with the old token: {who}"
    );
    assert!(issued.load(Ordering::SeqCst) >= 2);
}

/// A server-initiated disconnect (socket.io DISCONNECT) leads to a reconnect, not silence.
#[tokio::test]
async fn a_server_kick_is_followed_by_a_reconnect() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, _inbound) = connected(&server, "valid").await;
    let mut states = socket.watch_state();
    socket.emit("kick", vec![]).await.unwrap();
    tokio::time::timeout(
        Duration::from_secs(5),
        states.wait_for(|s| matches!(s, ConnectionState::Reconnecting { .. })),
    )
    .await
    .expect("drop noticed")
    .unwrap();
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(whoami(&socket).await["connections"], json!(2));
}

/// Shutting down stops for good: no reconnection afterwards, emits refused.
#[tokio::test]
async fn shutdown_is_final() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, _inbound) = connected(&server, "valid").await;
    socket.shutdown().await;
    assert_eq!(
        socket.state(),
        ConnectionState::Disconnected {
            reason: "closed by the client".into()
        }
    );
    assert!(socket.emit("echo", vec![json!(1)]).await.is_err());
    // The supervisor itself has ended: nothing is left that could reconnect.
    tokio::time::timeout(Duration::from_secs(5), socket.stopped())
        .await
        .expect("supervisor stopped");
    assert!(socket.state().is_terminal());
    assert_eq!(probe_stats(&server).await["handshakes"], json!(1));
}
