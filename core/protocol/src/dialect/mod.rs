//! Dialects: pure, sans-I/O translations between the domain and one server's wire protocol.
//! Each encodes a [`Command`] into socket emits and REST calls (or refuses it as unsupported)
//! and decodes server events into [`DomainEvent`]s (or a [`ProtocolError`], never a panic).

pub mod answer;
mod wire;

pub mod billing_chat;
mod confirm;
mod delivery;
pub mod documented;
pub mod field_paths;
mod id;
mod outbound;
pub mod overrides;
pub mod presence_sessions;
mod raw;
mod registry;
pub mod rest_paths;
mod setup;
pub mod support_chat;
pub mod tarot_chat;
pub mod telecaller;

pub use id::{DialectId, UnknownDialect};
pub use raw::{check_raw, decode_raw_reply, encode_raw, raw_of_args, RESERVED_EVENTS};
pub use registry::{DialectFactory, DialectName, DialectRegistry};
pub use setup::{dialect_setups, DialectSetup};

use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::{UploadedNote, VoiceUploadSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use confirm::{BackfillRequest, EventProof, Refusal, Verdict};
pub use delivery::{Confirmation, MessageDelivery, Reconcile, SendRefusal};
pub use outbound::{rest_call, Outbound, ReplyKind};
pub use wire::ProtocolError;

/// What a dialect can do. A command outside them fails with `Unsupported`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Request, answer, start and end consultations.
    Consultations,
    /// Server-side per-minute meter (ticks), pause and resume.
    LiveBilling,
    /// Admin monitoring of consultations.
    AdminMonitor,
    /// Expert presence (going online, online lists).
    Presence,
    /// Chat messages.
    Messaging,
    /// History fetched from the server.
    History,
    /// Typing indicators.
    Typing,
    /// Read receipts.
    ReadReceipts,
    /// Reactions.
    Reactions,
    /// Replies to messages.
    Replies,
    /// Who is in a conversation now.
    ActiveUsers,
    /// Conversation status changes.
    ConversationStatus,
    /// Voice notes.
    VoiceNotes,
    /// Call signalling.
    Calls,
    /// Agora token hand-out.
    Agora,
}

/// Why a command cannot be encoded or an answer read.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum DialectError {
    /// The dialect has no such operation.
    #[error("{dialect} does not support {command}")]
    Unsupported {
        /// The dialect, by name.
        dialect: DialectName,
        /// The command's name.
        command: String,
    },
    /// The command's fields are not acceptable.
    #[error("invalid command: {0}")]
    InvalidCommand(String),
    /// The server answered with an error.
    #[error("{message}")]
    Rejected {
        /// Machine code, when given.
        code: Option<String>,
        /// The server's message, verbatim.
        message: String,
    },
    /// The answer could not be read.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

/// One server protocol.
pub trait Dialect: Send + Sync {
    /// Its name: a built-in dialect's (`support-chat`), or the one an app registers its own
    /// dialect under (`echo-chat`); the profile's `dialect` names it.
    fn name(&self) -> DialectName;
    /// What it can do.
    fn capabilities(&self) -> &'static [Capability];
    /// What to send for `cmd`.
    fn encode(&self, cmd: &Command) -> Result<Vec<Outbound>, DialectError>;
    /// What a server event means. Unknown events and bad payloads are errors, never panics.
    fn decode(&self, event: &str, args: &[Value]) -> Result<Vec<DomainEvent>, ProtocolError>;
    /// What the answer (ack arguments or REST body) to `sent` means.
    fn decode_reply(
        &self,
        sent: &Outbound,
        answer: &Value,
    ) -> Result<Vec<DomainEvent>, DialectError>;
    /// If this event is the server refusing our credentials, its message (seed 002 does this
    /// with an ordinary event instead of a handshake error).
    fn auth_rejection(&self, _event: &str, _args: &[Value]) -> Option<String> {
        None
    }

    /// How this server confirms chat messages (`None`: it has no chat messages).
    fn message_delivery(&self) -> Option<MessageDelivery> {
        None
    }

    /// What to send, after every reconnect, for a conversation the user had joined, before its
    /// queued messages go out (rooms are per connection). The default joins it again.
    fn rejoin(&self, conversation_id: &str) -> Vec<Command> {
        vec![Command::JoinConversation {
            conversation_id: conversation_id.to_owned(),
        }]
    }

    /// The events by which a server may answer the request `request_event` instead of through
    /// its ack (the answer then counts the same, whichever comes first; an error event is a
    /// refusal). Empty (the default): only the ack answers.
    fn answer_events(&self, _request_event: &str) -> &'static [&'static str] {
        &[]
    }

    /// Refuses a client id this server cannot take for a message (checked when the message
    /// is queued, so that it never reaches a server that would refuse it with an error no
    /// message can be matched to). The default takes any.
    fn check_client_id(&self, _client_id: &str) -> Result<(), DialectError> {
        Ok(())
    }

    /// Whether an error event with this code, arriving while a message is in flight and
    /// matched to no message, refers to that message. The default: it does not.
    fn send_refusal(&self, _code: Option<&str>) -> Option<SendRefusal> {
        None
    }

    /// The event by which this server confirms a login after accepting the socket, for
    /// servers that accept every socket and refuse a bad token with an event
    /// ([`auth_rejection`](Self::auth_rejection)) instead of in the handshake (seed 002:
    /// `authenticated`). The client reports `connected` only once it arrived, or after a short
    /// grace period for a server that never sends it, so that `wait_connected` never answers ok
    /// before a refusal. `None` (the default): the handshake itself accepts or refuses.
    fn login_confirmation(&self) -> Option<&'static str> {
        None
    }

    /// The event that proves `cmd`, or refutes it, for a command this server answers by an
    /// event rather than by its ack (000 answers `start-chat` with `chat-started`). The service
    /// that sends it waits for that event, boundedly. `None` (the default): the send itself
    /// (its ack, or the emit) settles the command.
    fn event_proof(&self, _cmd: &Command) -> Option<EventProof> {
        None
    }

    /// What to ask the server to fill the cache for a page of a conversation (the newest
    /// page, or older than the cache's oldest message). `None` (the default): this server
    /// keeps no history a client can ask for.
    fn backfill(&self, _page: &BackfillRequest<'_>) -> Option<Command> {
        None
    }

    /// How this server takes voice notes: the upload the voice outbox sends through the
    /// REST client. `None` (the default): it takes none.
    fn voice_upload(&self) -> Option<&'static VoiceUploadSpec> {
        None
    }

    /// What the server's answer to a voice-note upload says of the stored note. The
    /// default: nothing (the note is sent; its message comes by the socket).
    fn decode_upload_answer(&self, _answer: &Value) -> UploadedNote {
        UploadedNote::default()
    }

    /// `Unsupported` for `cmd`.
    fn unsupported(&self, cmd: &Command) -> DialectError {
        DialectError::Unsupported {
            dialect: self.name(),
            command: cmd.name(),
        }
    }
}

/// The dialect for `id`; the namespace picks the side where a server has one per role (004).
pub fn dialect_for(id: DialectId, ctx: &DialectContext) -> Box<dyn Dialect> {
    match id {
        DialectId::BillingChat => Box::new(billing_chat::BillingChat {
            account_id: ctx.account_id.clone(),
        }),
        DialectId::PresenceSessions => Box::new(presence_sessions::PresenceSessions {
            account_id: ctx.account_id.clone(),
        }),
        DialectId::TarotChat => Box::new(tarot_chat::TarotChat),
        DialectId::SupportChat => Box::new(support_chat::SupportChat),
        DialectId::Telecaller => Box::new(telecaller::Telecaller::for_namespace(&ctx.namespace)),
    }
}

/// `id` when it is safe inside a URL path (it could otherwise change the path: `../admin`);
/// `what` names it in the error.
pub fn path_segment<'a>(id: &'a str, what: &str) -> Result<&'a str, DialectError> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c))
    {
        return Err(DialectError::InvalidCommand(format!(
            "{id:?} is not a valid {what}"
        )));
    }
    Ok(id)
}

/// Context a dialect may need: where it connects and who we are.
#[derive(Debug, Clone, Default)]
pub struct DialectContext {
    /// The socket namespace (`/`, `/user`, `/telecaller`).
    pub namespace: String,
    /// This account's server id, when known.
    pub account_id: Option<String>,
}

#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod robustness_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_names_parse_in_every_spelling() {
        for d in DialectId::ALL {
            assert_eq!(d.as_str().parse::<DialectId>().unwrap(), d);
            assert_eq!(d.seed().parse::<DialectId>().unwrap(), d);
            assert_eq!(
                d.as_str().replace('-', "_").parse::<DialectId>().unwrap(),
                d
            );
        }
        assert_eq!("4".parse::<DialectId>().unwrap(), DialectId::Telecaller);
        assert!("matrix".parse::<DialectId>().is_err());
        assert!("".parse::<DialectId>().is_err());
        assert!("9".parse::<DialectId>().is_err());
    }
}
