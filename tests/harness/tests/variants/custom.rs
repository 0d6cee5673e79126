//! An app team's own dialect: a wrapper around a built-in one given to the session builder,
//! and the example dialect (a protocol none of the five speak) registered by name.

use super::*;

/// An app team's own dialect, given to the session builder: here the built-in 003 dialect
/// wrapped by one that counts what it decodes, as a team's dialect would add its own rules.
#[tokio::test]
async fn a_session_speaks_a_dialect_given_by_the_app() {
    struct Counting {
        inner: Box<dyn Dialect>,
        decoded: std::sync::atomic::AtomicUsize,
    }
    impl Dialect for Counting {
        fn name(&self) -> parlor_core::dialect::DialectName {
            self.inner.name()
        }
        fn capabilities(&self) -> &'static [parlor_core::Capability] {
            self.inner.capabilities()
        }
        fn encode(
            &self,
            cmd: &Command,
        ) -> Result<Vec<parlor_core::dialect::Outbound>, parlor_core::dialect::DialectError>
        {
            self.inner.encode(cmd)
        }
        fn decode(
            &self,
            event: &str,
            args: &[serde_json::Value],
        ) -> Result<Vec<DomainEvent>, parlor_core::dialect::ProtocolError> {
            self.decoded
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.inner.decode(event, args)
        }
        fn decode_reply(
            &self,
            sent: &parlor_core::dialect::Outbound,
            answer: &serde_json::Value,
        ) -> Result<Vec<DomainEvent>, parlor_core::dialect::DialectError> {
            self.inner.decode_reply(sent, answer)
        }
        fn answer_events(&self, request_event: &str) -> &'static [&'static str] {
            self.inner.answer_events(request_event)
        }
        fn message_delivery(&self) -> Option<parlor_core::dialect::MessageDelivery> {
            self.inner.message_delivery()
        }
    }
    let server = RefServer::start(server_file(DialectId::SupportChat), &[])
        .await
        .unwrap();
    let mut profile = ServerProfile::new(DialectId::SupportChat, server.url());
    profile.account_id = Some("10".into());
    let inner = dialect_for(
        DialectId::SupportChat,
        &DialectContext {
            namespace: "/".into(),
            account_id: Some("10".into()),
        },
    );
    let dialect = Arc::new(Counting {
        inner,
        decoded: 0.into(),
    });
    let token = server.mint("10").await.unwrap();
    let session = Session::builder(profile, Arc::new(StaticToken::new(token)))
        .dialect(dialect.clone())
        .build()
        .unwrap();
    let client = session.client.clone();
    let mut events = client.subscribe();
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    client
        .send(Command::JoinConversation {
            conversation_id: "chat-1".into(),
        })
        .await
        .unwrap();
    let user_token = server.mint("1").await.unwrap();
    let mut user = Actor::connect(
        "user",
        DialectId::SupportChat,
        &server.url(),
        "/",
        user_token,
        Some("1"),
    )
    .await
    .unwrap();
    join(&mut user).await.unwrap();
    user.send("send", send("to a custom dialect"))
        .await
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(e) = events.recv().await {
            if let DomainEvent::MessageReceived { message } = e {
                return message.text;
            }
        }
        None
    })
    .await
    .unwrap();
    assert_eq!(got.as_deref(), Some("to a custom dialect"));
    assert!(dialect.decoded.load(std::sync::atomic::Ordering::SeqCst) > 0);
}

/// The example's dialect against the server that speaks its protocol (the transport probe):
/// a line sent comes back as a received message.
#[tokio::test]
async fn the_example_dialect_speaks_to_its_server() {
    let server = RefServer::start(PROBE, &[]).await.unwrap();
    // As a profile file names it; the dialect is registered under that name, like the five.
    let profile = ServerProfile::from_toml(&format!(
        "dialect = \"echo-chat\"\nsocket_url = \"{}\"\n",
        server.url()
    ))
    .unwrap();
    // Without the registration the name means nothing: refused in words, nothing connects.
    let refused = Session::builder(profile.clone(), Arc::new(StaticToken::new("valid")))
        .build()
        .err()
        .expect("an unregistered dialect is refused");
    assert!(refused.to_string().contains("echo-chat"), "{refused}");
    let session = Session::builder(profile, Arc::new(StaticToken::new("valid")))
        .register_dialect(DialectName::parse("echo-chat").unwrap(), |_| {
            Arc::new(echo_chat::EchoChat)
        })
        .build()
        .unwrap();
    let client = session.client.clone();
    let mut events = client.subscribe();
    client
        .wait_connected(Duration::from_secs(10))
        .await
        .unwrap();
    client.send(send("hello echo")).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(e) = events.recv().await {
            if let DomainEvent::MessageReceived { message } = e {
                return Some((message.sender.id, message.text));
            }
        }
        None
    })
    .await
    .unwrap();
    assert_eq!(
        got,
        Some(("echo".to_owned(), Some("hello echo".to_owned())))
    );
    // What the protocol does not have is refused before anything is sent.
    let refused = client
        .send(Command::FetchHistory {
            conversation_id: "chat-1".into(),
            before: None,
            limit: None,
        })
        .await;
    assert!(
        matches!(refused, Err(parlor_core::Error::Unsupported(_))),
        "{refused:?}"
    );
}
