//! Regression tests: every rust_socketio 0.6 defect listed in shared/recipes.md, provoked
//! against a real socket.io 4 server (tests/servers/transport_probe.js), and our transport
//! layer shown immune to it.

use futures_util::future::join_all;
use parlor_core::token::{FnToken, TokenError};
use parlor_core::transport::{
    BackoffPolicy, ConnectionState, Inbound, InboundReceiver, Method, RestClient, RestRequest,
    Socket, SocketConfig, TransportError, MAX_QUEUED_EVENTS,
};
use parlor_core::StaticToken;
use parlor_harness::servers::{RefServer, PROBE};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn config(url: &str) -> SocketConfig {
    let mut c = SocketConfig::new(url, "/");
    c.backoff = BackoffPolicy {
        min_ms: 200,
        max_ms: 1000,
        ..BackoffPolicy::default()
    };
    c
}

async fn connected(server: &RefServer, token: &str) -> (Socket, InboundReceiver) {
    let (socket, inbound) = Socket::start(config(&server.url()), Arc::new(StaticToken::new(token)));
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .expect("connects");
    (socket, inbound)
}

async fn whoami(socket: &Socket) -> Value {
    let args = socket
        .request("whoami", vec![], None)
        .await
        .expect("whoami answered");
    args.into_iter().next().expect("one argument")
}

/// Waits for a state matching `pred` on the socket's state watch.
async fn state_where(
    socket: &Socket,
    secs: u64,
    pred: impl Fn(&ConnectionState) -> bool,
) -> ConnectionState {
    let mut rx = socket.watch_state();
    let state = tokio::time::timeout(Duration::from_secs(secs), rx.wait_for(|s| pred(s)))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "state not reached within {secs} s; now {:?}",
                socket.state()
            )
        })
        .expect("state channel open")
        .clone();
    state
}

/// The events of `name` that the server sent before a marker we ask for now: the probe
/// answers the marker after everything asked of it before, on the same socket, in order.
async fn collect(socket: &Socket, inbound: &mut InboundReceiver, name: &str) -> Vec<Vec<Value>> {
    let marker = json!({ "marker": uuid::Uuid::new_v4().to_string() });
    socket.emit("echo", vec![marker.clone()]).await.unwrap();
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        match tokio::time::timeout_at(deadline, inbound.recv()).await {
            Ok(Some(Inbound::Event { name: n, args }))
                if n == "echo" && args == [marker.clone()] =>
            {
                return out
            }
            Ok(Some(Inbound::Event { name: n, args })) if n == name => out.push(args),
            Ok(Some(_)) => {}
            other => panic!("marker not seen ({other:?}); {} {name} so far", out.len()),
        }
    }
}

/// The probe's own count of what clients did (`GET /stats`): handshakes tried, refused,
/// connections accepted.
async fn probe_stats(server: &RefServer) -> Value {
    let rest = RestClient::new(server.url(), Arc::new(StaticToken::new("valid")), None).unwrap();
    rest.send(&RestRequest {
        method: Method::Get,
        path: "/stats".into(),
        query: vec![],
        body: None,
    })
    .await
    .expect("probe stats")
}

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

/// Defect: random ack ids in 0..999 collide with many acks in flight (wrong answers, a
/// panic in the receive task, a zombie client).
#[tokio::test]
async fn three_hundred_concurrent_requests_each_get_their_own_answer() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, _inbound) = connected(&server, "valid").await;
    let requests = (0..300).map(|n| {
        let socket = socket.clone();
        async move {
            (
                n,
                socket
                    .request(
                        "echo",
                        vec![json!({ "n": n, "pad": "x".repeat(n % 17) })],
                        None,
                    )
                    .await,
            )
        }
    });
    for (n, answer) in join_all(requests).await {
        let answer = answer.unwrap_or_else(|e| panic!("request {n}: {e}"));
        assert_eq!(
            answer,
            vec![json!({ "n": n, "pad": "x".repeat(n % 17) })],
            "request {n} got another's answer"
        );
    }
    // Still the same live connection: no panic, no zombie, no reconnect.
    assert_eq!(socket.state(), ConnectionState::Connected);
    assert_eq!(whoami(&socket).await["connections"], json!(1));
}

/// Defect: a late or missing ack never calls back. Ours times out, and replaces the
/// connection so that a late answer can never reach a later request.
#[tokio::test]
async fn a_missing_ack_times_out_and_the_connection_is_replaced() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, _inbound) = connected(&server, "valid").await;
    // How soon it times out is measured by `parlor bench-resilience`, not asserted here.
    let err = socket
        .request("no-ack", vec![json!({})], Some(Duration::from_millis(300)))
        .await
        .unwrap_err();
    assert_eq!(err, TransportError::Timeout(Duration::from_millis(300)));
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    let answer = socket
        .request("echo", vec![json!("after")], None)
        .await
        .unwrap();
    assert_eq!(answer, vec![json!("after")]);
    assert_eq!(whoami(&socket).await["connections"], json!(2));
}

/// Defect (patched in core/vendor/rust_socketio): an ack the server never sends stayed in
/// rust_socketio's list of outstanding acks, and a later request drawing the same random id
/// (0..999) matched both entries: removing the second panicked and ended the receive loop.
/// It happens whenever a server answers a request by an event instead of its ack (the
/// request is dropped here; its ack never comes). 250 abandoned requests, each followed by an
/// answered one, on the same connection.
#[tokio::test]
async fn requests_answered_by_an_event_never_collide_with_later_acks() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, _inbound) = connected(&server, "valid").await;
    for n in 0..250 {
        // Abandoned once sent, as when the answer came by an event: its ack never comes.
        let _ = tokio::time::timeout(
            Duration::from_millis(20),
            socket.request("no-ack", vec![json!({})], None),
        )
        .await;
        let answer = socket
            .request("echo", vec![json!(n)], Some(Duration::from_secs(5)))
            .await
            .unwrap_or_else(|e| panic!("request {n}: {e}"));
        assert_eq!(answer, vec![json!(n)], "request {n}");
    }
    assert_eq!(socket.state(), ConnectionState::Connected);
    assert_eq!(whoami(&socket).await["connections"], json!(1));
}

/// Defect: the client cannot answer acks the server requests. The event still arrives, the
/// server's own timeout fires, and our connection is unharmed.
#[tokio::test]
async fn server_requested_acks_time_out_server_side_without_harm() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, mut inbound) = connected(&server, "valid").await;
    socket
        .emit("ask-client-ack", vec![json!("are you there?")])
        .await
        .unwrap();
    let mut asked = None;
    let mut result = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while result.is_none() {
        match tokio::time::timeout_at(deadline, inbound.recv()).await {
            Ok(Some(Inbound::Event { name, args })) if name == "server-asks" => asked = Some(args),
            Ok(Some(Inbound::Event { name, args })) if name == "server-ack-result" => {
                result = Some(args)
            }
            Ok(Some(_)) => {}
            _ => panic!("no server-ack-result"),
        }
    }
    assert_eq!(asked, Some(vec![json!({"question": "are you there?"})]));
    assert_eq!(result, Some(vec![json!({"answered": false})]));
    assert_eq!(
        socket.request("echo", vec![json!(1)], None).await.unwrap(),
        vec![json!(1)]
    );
}

/// Defect: binary frames are split on byte 0x1E. We never send binary: bytes travel as
/// JSON text (escaped control characters, base64) and arrive intact.
#[tokio::test]
async fn record_separators_and_all_byte_values_survive_as_json() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, _inbound) = connected(&server, "valid").await;
    let all_bytes: String = (0u8..=255).map(|b| format!("{b:02x}")).collect();
    let payload = json!({ "text": "before\u{1e}after\u{1e}\u{0}end", "hex": all_bytes });
    let answer = socket
        .request("echo", vec![payload.clone()], None)
        .await
        .unwrap();
    assert_eq!(answer, vec![payload]);
    assert_eq!(whoami(&socket).await["connections"], json!(1));
}

/// Defect: over polling, server messages above ~8 KB break. We use websocket only.
#[tokio::test]
async fn server_messages_of_a_megabyte_arrive_whole() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, mut inbound) = connected(&server, "valid").await;
    let answer = socket
        .request("big", vec![json!({ "bytes": 1_000_000 })], None)
        .await
        .unwrap();
    assert_eq!(answer[0]["data"].as_str().map(str::len), Some(1_000_000));
    socket
        .emit("big", vec![json!({ "bytes": 200_000 })])
        .await
        .unwrap();
    let got = collect(&socket, &mut inbound, "big").await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0][0]["data"].as_str().map(str::len), Some(200_000));
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

/// Defect: callbacks run inline on the receive loop, so a slow consumer stalls the socket.
/// Ours only push into channels that never wait: an unread flood does not delay a request,
/// and it is held only up to a bound: the first `MAX_QUEUED_EVENTS` arrive in order, the rest
/// are counted and reported in their place, and what comes after arrives again.
#[tokio::test]
async fn an_unread_flood_neither_stalls_requests_nor_grows_without_bound() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, mut inbound) = connected(&server, "valid").await;
    let excess = 1000;
    socket
        .emit(
            "flood",
            vec![json!({ "count": MAX_QUEUED_EVENTS + excess })],
        )
        .await
        .unwrap();
    // Nobody reads `inbound` yet; a request still completes (its ack comes after the flood).
    let answer = socket
        .request(
            "echo",
            vec![json!("still responsive")],
            Some(Duration::from_secs(10)),
        )
        .await
        .unwrap();
    assert_eq!(answer, vec![json!("still responsive")]);
    assert_eq!(
        inbound.recv().await,
        Some(Inbound::State(ConnectionState::Connected))
    );
    for i in 0..MAX_QUEUED_EVENTS {
        match inbound.recv().await {
            Some(Inbound::Event { name, args }) if name == "flood" => {
                assert_eq!(args[0]["i"], json!(i), "flood out of order")
            }
            other => panic!("flood event {i} expected, got {other:?}"),
        }
    }
    let floods = collect(&socket, &mut inbound, "flood").await;
    assert!(floods.is_empty(), "{} beyond the bound kept", floods.len());
}

/// The gap of an overflow is reported where it was: after the events kept, before the next.
#[tokio::test]
async fn an_overflow_is_reported_in_place_of_the_dropped_events() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, mut inbound) = connected(&server, "valid").await;
    socket
        .emit("flood", vec![json!({ "count": MAX_QUEUED_EVENTS + 7 })])
        .await
        .unwrap();
    socket
        .request("echo", vec![json!(0)], Some(Duration::from_secs(10)))
        .await
        .unwrap();
    let mut kept = 0;
    let missed = loop {
        match inbound.recv().await {
            Some(Inbound::Event { name, .. }) if name == "flood" => kept += 1,
            Some(Inbound::Overflow { missed }) => break missed,
            Some(Inbound::State(ConnectionState::Connected)) => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!((kept, missed), (MAX_QUEUED_EVENTS, 7));
    socket.emit("echo", vec![json!("after")]).await.unwrap();
    match inbound.recv().await {
        Some(Inbound::Event { name, args }) => {
            assert_eq!((name, args), ("echo".into(), vec![json!("after")]))
        }
        other => panic!("the next event is delivered again: {other:?}"),
    }
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

/// Defect found here (not in the recipes): rust_socketio delivers an event without arguments
/// as a `message` event whose payload is the event name. Ours restores the name.
#[tokio::test]
async fn events_without_arguments_keep_their_name() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let (socket, mut inbound) = connected(&server, "valid").await;
    socket.emit("malformed", vec![]).await.unwrap();
    let weird = collect(&socket, &mut inbound, "weird").await;
    assert_eq!(
        weird,
        vec![
            vec![json!("just a string")],
            vec![json!(42), json!(null), json!([1, 2])],
            vec![]
        ]
    );
}

/// Acks beyond the queue bound are refused at once rather than piling up without limit.
#[tokio::test]
async fn requests_beyond_the_queue_bound_are_refused_as_busy() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let mut c = config(&server.url());
    c.max_queued_requests = 2;
    let (socket, _inbound) = Socket::start(c, Arc::new(StaticToken::new("valid")));
    socket
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    let slow = |ms: u64| {
        let socket = socket.clone();
        async move {
            socket
                .request("echo", vec![json!({ "delayMs": ms })], None)
                .await
        }
    };
    // `join!` polls in order, and a request takes its place in the queue on its first poll:
    // the fourth finds one in flight and two waiting.
    let (a, b, c2, d) = tokio::join!(slow(400), slow(10), slow(10), async {
        socket.request("echo", vec![json!(0)], None).await
    });
    assert!(a.is_ok() && b.is_ok() && c2.is_ok(), "{a:?} {b:?} {c2:?}");
    assert_eq!(d, Err(TransportError::Busy(2)));
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
