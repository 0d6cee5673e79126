//! `EchoChat`: a dialect for a server that is none of the five, written outside the core the
//! way an app team would write one for its own server. Its protocol is small: a client sends a
//! chat line as `echo {chat, id, text}` (no ack asked), and the server sends the line back to
//! the chat as an `echo` event. (Parlor's transport probe, `tests/servers/transport_probe.js`,
//! speaks it.) Everything else is refused as unsupported.

use parlor_core::dialect::{Dialect, DialectError, DialectName, Outbound, ProtocolError};
use parlor_core::model::{Message, MessageKind, Party};
use parlor_core::{Capability, Command, DomainEvent};
use serde_json::{json, Value};

/// The name profiles give as their `dialect` for this protocol.
pub const NAME: &str = "echo-chat";

/// The echo-chat protocol.
pub struct EchoChat;

impl Dialect for EchoChat {
    /// The name it is registered under, which profiles write as their `dialect`.
    fn name(&self) -> DialectName {
        DialectName::parse(NAME).expect("a valid dialect name")
    }

    fn capabilities(&self) -> &'static [Capability] {
        &[Capability::Messaging]
    }

    fn encode(&self, cmd: &Command) -> Result<Vec<Outbound>, DialectError> {
        match cmd {
            Command::SendMessage {
                conversation_id,
                client_id,
                text,
                ..
            } => Ok(vec![Outbound::Emit {
                event: "echo".into(),
                arg: json!({ "chat": conversation_id, "id": client_id, "text": text }),
            }]),
            // Rooms are the server's business here: joining and leaving send nothing.
            Command::JoinConversation { .. } | Command::LeaveConversation { .. } => Ok(vec![]),
            other => Err(self.unsupported(other)),
        }
    }

    fn decode(&self, event: &str, args: &[Value]) -> Result<Vec<DomainEvent>, ProtocolError> {
        if event != "echo" {
            return Err(ProtocolError::unknown(event, args));
        }
        let line = args.first().and_then(Value::as_object);
        let text = |key: &str| {
            line.and_then(|o| o.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let (Some(chat), Some(id)) = (text("chat"), text("id")) else {
            return Err(ProtocolError::new(event, "an echo needs chat and id", args));
        };
        Ok(vec![DomainEvent::MessageReceived {
            message: Message {
                id,
                conversation_id: chat,
                client_id: None,
                sender: Party {
                    id: "echo".into(),
                    name: Some("Echo".into()),
                    ..Party::default()
                },
                kind: MessageKind::Text,
                text: text("text"),
                file_url: None,
                file_name: None,
                reply_to: None,
                sent_at: None,
                read: None,
                reactions: Default::default(),
                duration_secs: None,
            },
        }])
    }

    /// Nothing this dialect sends asks for an answer.
    fn decode_reply(
        &self,
        _sent: &Outbound,
        _answer: &Value,
    ) -> Result<Vec<DomainEvent>, DialectError> {
        Ok(vec![])
    }
}
