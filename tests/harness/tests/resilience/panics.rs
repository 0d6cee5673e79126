//! A service that panics never stops event delivery.

use super::*;

/// Panics inside `observe` (while holding its own lock, to poison it) on the 003 error event
/// "bomb", and inside `handle` for typing commands.
#[derive(Default)]
struct Bomb {
    seen: Mutex<u32>,
}

impl Service for Bomb {
    fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        *seen += 1;
        if let Some((None, "bomb", "error")) = server_error(event) {
            panic!("hostile value");
        }
        vec![]
    }

    fn handle(
        &self,
        cmd: &Command,
    ) -> Option<futures_util::future::BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        match cmd {
            Command::SetTyping { typing: true, .. } => panic!("claim failed"),
            Command::SetTyping { typing: false, .. } => {
                Some(async { panic!("work failed") }.boxed())
            }
            _ => None,
        }
    }
}

/// Issue 15 item 1: a panic in a service (on the task that delivers server events) used to
/// end delivery for good. Now it is reported as `internal_error` and later events arrive.
#[tokio::test]
async fn a_panicking_service_never_stops_event_delivery() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    let client = Client::connect(
        ServerProfile::new(DialectId::SupportChat, server.url()),
        Arc::new(StaticToken::new("valid")),
    )
    .unwrap();
    client.attach(Arc::new(Bomb::default()));
    let mut events = client.subscribe();
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    for round in 0..3 {
        let marker = format!("marker {round}");
        client
            .send(Command::Raw {
                event: "emit-as".into(),
                payload: json!({ "events": [
                    ["error", { "message": "bomb" }],
                    ["error", { "message": marker }],
                ]}),
                ack: false,
            })
            .await
            .unwrap();
        let report = event_where(
            &mut events,
            10,
            "internal_error",
            |e| matches!(server_error(e), Some((Some(code), _, _)) if code == "internal_error"),
        )
        .await;
        let (_, message, source) = server_error(&report).unwrap();
        assert!(source.ends_with("Bomb"), "{source}");
        assert!(
            message.contains("hostile value") && message.contains("bomb"),
            "names the panic and carries the event: {message}"
        );
        event_where(
            &mut events,
            10,
            "the event after the panic",
            |e| matches!(server_error(e), Some((None, m, "error")) if m == marker),
        )
        .await;
    }
    // Panics while claiming or performing a command fail that command only.
    for typing in [true, false] {
        let err = client
            .send(Command::SetTyping {
                conversation_id: "c".into(),
                typing,
            })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("internal error"), "{err}");
    }
    let echo = client
        .send(Command::Raw {
            event: "echo".into(),
            payload: json!("still here"),
            ack: true,
        })
        .await
        .unwrap();
    assert_eq!(
        echo,
        vec![DomainEvent::RawReply {
            wire_event: "echo".into(),
            args: vec![json!("still here")]
        }]
    );
    assert_eq!(client.state(), ConnectionState::Connected);
}
