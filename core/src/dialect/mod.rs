//! Dialects: pure, sans-I/O translations between the domain and one server's wire protocol.
//! Each encodes a [`Command`] into socket emits and REST calls (or refuses it as unsupported)
//! and decodes server events into [`DomainEvent`]s (or a [`ProtocolError`], never a panic).

mod wire;

pub mod billing_chat;
pub mod presence_sessions;
pub mod support_chat;
pub mod tarot_chat;
pub mod telecaller;

use crate::command::Command;
use crate::event::DomainEvent;
use crate::transport::RestRequest;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

pub use wire::ProtocolError;

/// An ack's argument list as one JSON value (the single argument, or the array).
pub fn raw_of_args(args: &[Value]) -> Value {
    Value::Array(args.to_vec())
}

/// The protocols Parlor speaks, one per seed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "kebab-case")]
pub enum DialectId {
    /// 000: astrologer–user chat with per-minute billing.
    BillingChat,
    /// 001: presence, REST sessions, Agora tokens, session chat.
    PresenceSessions,
    /// 002: SAMIA tarot chat, socket plus REST, voice notes.
    TarotChat,
    /// 003: support chat gateway with acks.
    SupportChat,
    /// 004: telecaller calls with LiveKit.
    Telecaller,
}

impl DialectId {
    /// All dialects, in seed order.
    pub const ALL: [DialectId; 5] = [
        DialectId::BillingChat,
        DialectId::PresenceSessions,
        DialectId::TarotChat,
        DialectId::SupportChat,
        DialectId::Telecaller,
    ];

    /// The canonical name (`billing-chat`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            DialectId::BillingChat => "billing-chat",
            DialectId::PresenceSessions => "presence-sessions",
            DialectId::TarotChat => "tarot-chat",
            DialectId::SupportChat => "support-chat",
            DialectId::Telecaller => "telecaller",
        }
    }

    /// The seed document number (`000` … `004`).
    pub fn seed(self) -> &'static str {
        match self {
            DialectId::BillingChat => "000",
            DialectId::PresenceSessions => "001",
            DialectId::TarotChat => "002",
            DialectId::SupportChat => "003",
            DialectId::Telecaller => "004",
        }
    }
}

impl fmt::Display for DialectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dialect name that is not one of ours.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("unknown dialect {0:?}: expected one of billing-chat (000), presence-sessions (001), tarot-chat (002), support-chat (003), telecaller (004)")]
pub struct UnknownDialect(pub String);

impl FromStr for DialectId {
    type Err = UnknownDialect;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('_', "-");
        DialectId::ALL
            .into_iter()
            .find(|d| {
                d.as_str() == norm
                    || d.seed() == norm
                    || norm.trim_start_matches('0') == d.seed().trim_start_matches('0')
                        && !norm.is_empty()
                        && norm.chars().all(|c| c.is_ascii_digit())
            })
            .ok_or_else(|| UnknownDialect(s.to_owned()))
    }
}

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

/// Names the decoder of an answer (ack or REST body). Each dialect matches its own names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyKind(pub &'static str);

/// One thing to send for a command.
#[derive(Debug, Clone, PartialEq)]
pub enum Outbound {
    /// A socket event, fire and forget.
    Emit {
        /// Event name.
        event: String,
        /// Its single argument.
        arg: Value,
    },
    /// A socket event whose ack carries the answer.
    Request {
        /// Event name.
        event: String,
        /// Its single argument.
        arg: Value,
        /// How to read the ack.
        reply: ReplyKind,
    },
    /// A REST call.
    Rest {
        /// The call.
        request: RestRequest,
        /// How to read the body.
        reply: ReplyKind,
    },
}

impl Outbound {
    pub(crate) fn emit(event: &str, arg: Value) -> Self {
        Outbound::Emit {
            event: event.into(),
            arg,
        }
    }
    pub(crate) fn request(event: &str, arg: Value, reply: &'static str) -> Self {
        Outbound::Request {
            event: event.into(),
            arg,
            reply: ReplyKind(reply),
        }
    }
    pub(crate) fn rest(request: RestRequest, reply: &'static str) -> Self {
        Outbound::Rest {
            request,
            reply: ReplyKind(reply),
        }
    }

    /// How the answer is to be read (`None` for a plain emit).
    pub fn reply_kind(&self) -> Option<ReplyKind> {
        match self {
            Outbound::Emit { .. } => None,
            Outbound::Request { reply, .. } | Outbound::Rest { reply, .. } => Some(*reply),
        }
    }

    /// The socket argument or REST body that was sent.
    pub fn sent_body(&self) -> Option<&Value> {
        match self {
            Outbound::Emit { arg, .. } | Outbound::Request { arg, .. } => Some(arg),
            Outbound::Rest { request, .. } => request.body.as_ref(),
        }
    }

    /// A string field of what was sent (ids the answer does not repeat).
    pub fn sent_str(&self, key: &str) -> Option<String> {
        match self.sent_body()? {
            Value::String(s) if key.is_empty() => Some(s.clone()),
            body => body.get(key).and_then(Value::as_str).map(str::to_owned),
        }
    }
}

/// A REST request with a JSON body.
pub(crate) fn rest_call(
    method: crate::transport::Method,
    path: String,
    body: Option<Value>,
) -> RestRequest {
    RestRequest {
        method,
        path,
        query: Vec::new(),
        body,
    }
}

/// Why a command cannot be encoded or an answer read.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum DialectError {
    /// The dialect has no such operation.
    #[error("{dialect} does not support {command}")]
    Unsupported {
        /// The dialect.
        dialect: DialectId,
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
    /// Which one.
    fn id(&self) -> DialectId;
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

    /// `Unsupported` for `cmd`.
    fn unsupported(&self, cmd: &Command) -> DialectError {
        DialectError::Unsupported {
            dialect: self.id(),
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
        DialectId::PresenceSessions => Box::new(presence_sessions::PresenceSessions),
        DialectId::TarotChat => Box::new(tarot_chat::TarotChat),
        DialectId::SupportChat => Box::new(support_chat::SupportChat),
        DialectId::Telecaller => Box::new(telecaller::Telecaller::for_namespace(&ctx.namespace)),
    }
}

/// `id` when it is safe inside a URL path (it could otherwise change the path: `../admin`);
/// `what` names it in the error.
pub(crate) fn path_segment<'a>(id: &'a str, what: &str) -> Result<&'a str, DialectError> {
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

/// Encodes the escape-hatch `Raw` command, the same for every dialect.
pub(crate) fn encode_raw(cmd: &Command) -> Option<Outbound> {
    match cmd {
        Command::Raw {
            event,
            payload,
            ack: true,
        } => Some(Outbound::request(event, payload.clone(), "raw")),
        Command::Raw {
            event,
            payload,
            ack: false,
        } => Some(Outbound::emit(event, payload.clone())),
        _ => None,
    }
}

/// Decodes the answer of a raw request, the same for every dialect.
pub(crate) fn decode_raw_reply(sent: &Outbound, answer: &Value) -> Option<Vec<DomainEvent>> {
    match sent {
        Outbound::Request { event, reply, .. } if reply.0 == "raw" => {
            let args = match answer {
                Value::Array(a) => a.clone(),
                other => vec![other.clone()],
            };
            Some(vec![DomainEvent::RawReply {
                wire_event: event.clone(),
                args,
            }])
        }
        _ => None,
    }
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
