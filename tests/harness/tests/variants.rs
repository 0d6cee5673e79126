//! Servers that differ from the five a little, supported without touching Parlor's code:
//! - one that serves its REST calls under other paths (the reference 002 server with
//!   `PARLOR_MOVE_REST`) by a profile file with a `[rest_paths]` table;
//! - one that renames events and moves fields (the reference 003 server with
//!   `PARLOR_RENAME_EVENTS` and `PARLOR_MOVE_FIELDS`) by a profile file alone: a TOML profile
//!   with the matching `[events]` and `[fields.<event>]` tables;
//! - one reached through an app team's own dialect (`Session::builder(..).register_dialect(..)`
//!   under the name its profile gives, or `.dialect(..)`): the
//!   example `core/examples/custom_dialect/` (a protocol none of the five speak), and a
//!   team's wrapper around a built-in dialect.

#[path = "../../../core/examples/custom_dialect/echo_chat.rs"]
mod echo_chat;

use parlor_core::dialect::{dialect_for, Dialect, DialectContext, DialectName};
use parlor_core::{Command, DialectId, DomainEvent, ServerProfile, Session, StaticToken};
use parlor_harness::script::Actor;
use parlor_harness::servers::{server_file, RefServer, PROBE};
use std::sync::Arc;
use std::time::Duration;

/// What the variant server calls the 003 events a chat needs.
const RENAMES: &str = r#"{"joinChat":"chat:join","joinedChat":"chat:joined","sendMessage":"message:send","messageSent":"message:sent","newMessage":"message:new"}"#;

/// Where the variant server keeps fields of those events (per document event: the
/// document's path → the server's).
const MOVES: &str = r#"{"sendMessage":{"message.text":"message.body"},"newMessage":{"text":"body.text","chatId":"room.id"},"messageSent":{"text":"body.text","chatId":"room.id"}}"#;

/// The profile file a team would write for that server: the document's dialect, the events
/// it renames and the fields it moves.
fn profile_file(url: &str, account: &str) -> String {
    format!(
        r#"
dialect = "support-chat"
socket_url = "{url}"
account_id = "{account}"

[events]
joinChat = "chat:join"
joinedChat = "chat:joined"
sendMessage = "message:send"
messageSent = "message:sent"
newMessage = "message:new"

[fields.sendMessage]
"message.text" = "message.body"

[fields.newMessage]
text = "body.text"
chatId = "room.id"

[fields.messageSent]
text = "body.text"
chatId = "room.id"
"#
    )
}

fn send(text: &str) -> Command {
    Command::SendMessage {
        conversation_id: "chat-1".into(),
        client_id: format!("c-{text}"),
        text: Some(text.into()),
        reply_to: None,
        file_id: None,
    }
}

/// The 003 reference server speaking the renamed events with the moved fields.
async fn renaming_server() -> RefServer {
    RefServer::start(
        server_file(DialectId::SupportChat),
        &[
            ("PARLOR_RENAME_EVENTS", RENAMES),
            ("PARLOR_MOVE_FIELDS", MOVES),
        ],
    )
    .await
    .unwrap()
}

/// `actor` joins the seeded chat.
async fn join(actor: &mut Actor) -> Result<Vec<DomainEvent>, parlor_harness::script::StepError> {
    actor
        .send(
            "join",
            Command::JoinConversation {
                conversation_id: "chat-1".into(),
            },
        )
        .await
}

#[tokio::test]
async fn a_server_that_renames_events_and_moves_fields_needs_only_a_profile_file() {
    let server = renaming_server().await;
    let mut actors = Vec::new();
    for (name, account) in [("user", "1"), ("agent", "10")] {
        let profile = ServerProfile::from_toml(&profile_file(&server.url(), account)).unwrap();
        let token = server.mint(account).await.unwrap();
        actors.push(Actor::connect_profile(name, profile, token).await.unwrap());
    }
    for actor in &mut actors {
        let joined = join(actor).await.unwrap();
        assert!(
            joined
                .iter()
                .any(|e| matches!(e, DomainEvent::ConversationJoined { .. })),
            "{joined:?}"
        );
    }
    let (user, agent) = actors.split_at_mut(1);
    let sent = user[0].send("send", send("renamed hello")).await.unwrap();
    assert!(
        sent.iter()
            .any(|e| matches!(e, DomainEvent::MessageSent { .. })),
        "{sent:?}"
    );
    let text = agent[0]
        .expect("the message", 10, |e| match e {
            DomainEvent::MessageReceived { message } => message.text.clone(),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(text, "renamed hello");
}

/// With the events renamed but without the `[fields]` tables, the same server does not hear
/// the text where the document puts it, and its messages' text is not found where the
/// document puts it (so the test above proves the moves both ways).
#[tokio::test]
async fn without_the_field_tables_the_moved_text_is_not_heard() {
    let server = renaming_server().await;
    let mut plain = ServerProfile::from_toml(&profile_file(&server.url(), "1")).unwrap();
    plain.fields.clear();
    let token = server.mint("1").await.unwrap();
    let mut user = Actor::connect_profile("user", plain, token).await.unwrap();
    join(&mut user).await.unwrap();
    let refused = user.send("send", send("unheard")).await;
    assert!(refused.is_err(), "{refused:?}");

    let full = ServerProfile::from_toml(&profile_file(&server.url(), "10")).unwrap();
    let token = server.mint("10").await.unwrap();
    let mut agent = Actor::connect_profile("agent", full, token).await.unwrap();
    join(&mut agent).await.unwrap();
    agent.send("send", send("moved hello")).await.unwrap();
    let read = user
        .expect("the moved text", 3, |e| match e {
            DomainEvent::MessageReceived { message } => message.text.clone(),
            _ => None,
        })
        .await;
    assert!(read.is_err(), "{read:?}");
}

/// Without the table the same server hears nothing Parlor says: the document's names are
/// not its names (so the test above proves the renaming, not a lenient server).
#[tokio::test]
async fn without_the_table_the_renamed_server_is_not_understood() {
    let server = renaming_server().await;
    let mut profile = ServerProfile::from_toml(&profile_file(&server.url(), "1")).unwrap();
    profile.events.clear();
    profile.ack_timeout_ms = 1_500;
    let token = server.mint("1").await.unwrap();
    let mut user = Actor::connect_profile("user", profile, token)
        .await
        .unwrap();
    let joined = join(&mut user).await;
    assert!(joined.is_err(), "{joined:?}");
}

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

/// Where the variant 002 server serves the document's `/api/chat` calls.
const REST_MOVE: &str = r#"{"/api/chat":"/v2/chat"}"#;

/// A 002 profile file, with the `[rest_paths]` table or without it.
fn rest_profile(url: &str, account: &str, with_table: bool) -> String {
    let table = if with_table {
        "\n[rest_paths]\n\"/api/chat\" = \"/v2/chat\"\n"
    } else {
        ""
    };
    format!(
        "dialect = \"tarot-chat\"\nsocket_url = \"{url}\"\nrest_url = \"{url}\"\naccount_id = \"{account}\"\n{table}"
    )
}

/// The REST calls of a server that moved its paths reach it by a profile's `[rest_paths]`
/// table alone; without it they meet the document's paths, which that server no longer serves.
#[tokio::test]
async fn a_server_that_moves_its_rest_paths_needs_only_a_profile_file() {
    let d = DialectId::TarotChat;
    let server = RefServer::start(server_file(d), &[("PARLOR_MOVE_REST", REST_MOVE)])
        .await
        .unwrap();
    let account = "11111111-1111-4111-8111-111111111111";
    let seeded_session = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    let list = Command::ListConversations { status: None };
    let token = server.mint(account).await.unwrap();
    let profile = ServerProfile::from_toml(&rest_profile(&server.url(), account, true)).unwrap();
    let mut moved = Actor::connect_profile("moved", profile, token.clone())
        .await
        .unwrap();
    let listed = moved.send("list", list.clone()).await.unwrap();
    assert!(
        listed.iter().any(|e| matches!(e,
            DomainEvent::Conversations { conversations } if conversations.iter().any(|c| c.id == seeded_session))),
        "{listed:?}"
    );
    let profile = ServerProfile::from_toml(&rest_profile(&server.url(), account, false)).unwrap();
    let plain = Actor::connect_profile("plain", profile, token)
        .await
        .unwrap();
    let refused = plain.client.send(list).await.unwrap_err();
    assert_eq!(refused.http_status(), Some(404), "{refused:?}");
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
