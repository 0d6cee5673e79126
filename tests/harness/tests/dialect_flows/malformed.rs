//! Malformed and unknown events: protocol errors carrying the raw payload, on a connection
//! that stays up and keeps working.

use super::*;

/// Malformed and unknown events become ProtocolError events carrying the raw payload; the
/// client stays connected and keeps working.
#[tokio::test]
async fn malformed_events_become_protocol_errors_and_nothing_else_breaks() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    for d in DialectId::ALL {
        let client = Client::connect(
            profile(d, &server.url(), "/"),
            Arc::new(StaticToken::new("valid")),
        )
        .unwrap();
        let mut events = client.subscribe();
        client
            .wait_connected(Duration::from_secs(10))
            .await
            .unwrap();
        client
            .send(Command::Raw {
                event: "malformed".into(),
                payload: json!(null),
                ack: false,
            })
            .await
            .unwrap();
        let mut weird = Vec::new();
        while weird.len() < 3 {
            match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
                Ok(Some(DomainEvent::ProtocolError {
                    wire_event, raw, ..
                })) => {
                    assert_eq!(wire_event, "weird");
                    weird.push(raw);
                }
                Ok(Some(_)) => {}
                _ => panic!("{d}: only {} protocol errors", weird.len()),
            }
        }
        assert_eq!(
            weird,
            vec![json!("just a string"), json!([42, null, [1, 2]]), json!([])],
            "{d}"
        );
        // Same connection, still answering.
        let echo = client
            .send(Command::Raw {
                event: "echo".into(),
                payload: json!({"ok": 1}),
                ack: true,
            })
            .await
            .unwrap();
        assert_eq!(
            echo,
            vec![DomainEvent::RawReply {
                wire_event: "echo".into(),
                args: vec![json!({"ok": 1})]
            }],
            "{d}"
        );
        assert_eq!(client.state(), ConnectionState::Connected);
        client.disconnect().await;
    }
}
