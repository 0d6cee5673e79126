use super::*;
use crate::dialect::DialectId;
use crate::token::StaticToken;
use futures_util::FutureExt;

#[tokio::test]
async fn only_servers_with_presence_are_told() {
    let offline = |dialect| {
        let p = ServerProfile::new(dialect, "http://127.0.0.1:9");
        Client::connect(p, Arc::new(StaticToken::new("t"))).unwrap()
    };
    assert!(!offline(DialectId::BillingChat).keeps_presence());
    assert!(!offline(DialectId::SupportChat).keeps_presence());
    assert!(offline(DialectId::PresenceSessions).keeps_presence());
    assert!(offline(DialectId::Telecaller).keeps_presence());
}

/// Claims typing commands and derives a server error from every typing event.
struct Echo;

impl Service for Echo {
    fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        match event {
            DomainEvent::TypingChanged { .. } => vec![DomainEvent::ServerError {
                code: None,
                message: "derived".into(),
                source: "echo".into(),
            }],
            _ => vec![],
        }
    }
    fn handle(&self, cmd: &Command) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        matches!(cmd, Command::SetTyping { .. }).then(|| async { Ok(vec![]) }.boxed())
    }
}

#[tokio::test]
async fn services_claim_commands_and_derive_events_in_order() {
    // Nothing listens on port 9: the client stays offline, which services do not need.
    let client = Client::connect(
        ServerProfile::new(DialectId::TarotChat, "http://127.0.0.1:9"),
        Arc::new(StaticToken::new("t")),
    )
    .unwrap();
    client.attach(Arc::new(Echo));
    let mut events = client.subscribe();
    let _ = events.recv().await; // the current state
    assert_eq!(
        client
            .send(Command::SetTyping {
                conversation_id: "c".into(),
                typing: true
            })
            .await,
        Ok(vec![])
    );
    // Unclaimed commands reach the dialect (and fail offline).
    assert_eq!(
        client
            .send(Command::JoinConversation {
                conversation_id: "c".into()
            })
            .await
            .unwrap_err()
            .code(),
        "not_connected"
    );
    client.publish(DomainEvent::TypingChanged {
        conversation_id: None,
        user: Default::default(),
        typing: true,
    });
    let mut seen = Vec::new();
    while let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(200), events.recv()).await {
        if !matches!(e, DomainEvent::Connection { .. }) {
            seen.push(e.name());
        }
    }
    assert_eq!(seen, vec!["typing_changed", "server_error"]);
    // Services hold the client weakly: dropping the client drops it.
    let weak = client.downgrade();
    drop(client);
    assert!(weak.upgrade().is_none());
}

#[tokio::test]
async fn a_profile_names_a_registered_dialect_and_an_unregistered_name_is_refused() {
    use crate::dialect::{dialect_for, DialectName, DialectRegistry};
    let name = DialectName::parse("acme-chat").unwrap();
    let profile = ServerProfile::new(name.clone(), "http://127.0.0.1:9");
    let refused = Client::connect(profile.clone(), Arc::new(StaticToken::new("t")))
        .err()
        .expect("no dialect is registered as acme-chat");
    assert_eq!(refused.code(), "invalid_input");
    assert!(refused.to_string().contains("acme-chat"), "{refused}");
    let mut registry = DialectRegistry::builtin();
    registry.register(name, |ctx| {
        Arc::from(dialect_for(DialectId::SupportChat, ctx))
    });
    let client = Client::connect_in(&registry, profile, Arc::new(StaticToken::new("t"))).unwrap();
    assert_eq!(client.profile().dialect.as_str(), "acme-chat");
    assert!(client.capabilities().contains(&Capability::Messaging));
    client.disconnect().await;
}

#[tokio::test]
async fn a_raw_subscriber_that_reads_nothing_holds_at_most_its_capacity_and_a_gone_one_is_dropped()
{
    let client = Client::connect(
        ServerProfile::new(DialectId::SupportChat, "http://127.0.0.1:9"),
        Arc::new(StaticToken::new("t")),
    )
    .unwrap();
    let mut raw = client.subscribe_raw();
    let gone = client.subscribe_raw();
    drop(gone);
    for i in 0..RAW_CAPACITY + 500 {
        client.inner.tap(|| RawTraffic::Event {
            name: format!("flood-{i}"),
            args: vec![],
        });
    }
    assert_eq!(
        lock(&client.inner.raw_subscribers).len(),
        1,
        "the dropped one is forgotten"
    );
    let mut held = Vec::new();
    while let Ok(item) = raw.try_recv() {
        held.push(item);
    }
    assert_eq!(
        held.len(),
        RAW_CAPACITY,
        "the flood beyond the bound is not kept"
    );
    assert!(matches!(&held[0], RawTraffic::Event { name, .. } if name == "flood-0"));
    // Read, it takes new items again.
    client.inner.tap(|| RawTraffic::Event {
        name: "after".into(),
        args: vec![],
    });
    assert!(matches!(raw.try_recv(), Ok(RawTraffic::Event { name, .. }) if name == "after"));
}
