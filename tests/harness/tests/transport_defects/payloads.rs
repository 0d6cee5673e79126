//! What the wire carries: every byte value, megabyte messages, floods and overflows, events without arguments.

use super::*;

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
