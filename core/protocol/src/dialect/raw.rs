//! The escape hatch every dialect shares: `Command::Raw` sent as it is (socket.io's reserved
//! names refused), and its answer read back as `RawReply`.

use super::{DialectError, Outbound};
use crate::command::Command;
use crate::event::DomainEvent;
use serde_json::Value;

/// An ack's argument list as one JSON value (the single argument, or the array).
pub fn raw_of_args(args: &[Value]) -> Value {
    Value::Array(args.to_vec())
}

/// Event names that socket.io reserves for itself: a server drops a client that emits one.
pub const RESERVED_EVENTS: &[&str] = &[
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

/// Refuses a `Raw` command whose event socket.io reserves (the server would drop the link).
pub fn check_raw(cmd: &Command) -> Result<(), DialectError> {
    match cmd {
        Command::Raw { event, .. } if RESERVED_EVENTS.contains(&event.as_str()) => {
            Err(DialectError::InvalidCommand(format!(
                "{event:?} is reserved by socket.io and cannot be emitted (the server would drop the connection)"
            )))
        }
        _ => Ok(()),
    }
}

/// Encodes the escape-hatch `Raw` command, the same for every dialect (reserved names are
/// refused before, by [`check_raw`]).
pub fn encode_raw(cmd: &Command) -> Option<Outbound> {
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
pub fn decode_raw_reply(sent: &Outbound, answer: &Value) -> Option<Vec<DomainEvent>> {
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
