//! The escape hatch every dialect shares: `Command::Raw` sent as it is (socket.io's reserved
//! names refused) and `Command::RawRest` called as it is, their answers read back as
//! `RawReply`.

use super::{DialectError, Outbound};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::RestRequest;
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
        Command::RawRest { path, .. } if !path.starts_with('/') || path.starts_with("//") => {
            Err(DialectError::InvalidCommand(format!(
                "{path:?} is not a path below the REST base URL (it starts with one `/`)"
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
        Command::RawRest { method, path, body } => Some(Outbound::rest(
            RestRequest {
                method: *method,
                path: path.clone(),
                query: Vec::new(),
                body: body.clone(),
            },
            "raw",
        )),
        _ => None,
    }
}

fn method_name(m: crate::model::Method) -> String {
    serde_json::to_value(m)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
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
        // A REST call's whole body is its one "argument"; the wire event reads `POST /path`.
        Outbound::Rest { request, reply } if reply.0 == "raw" => {
            Some(vec![DomainEvent::RawReply {
                wire_event: format!("{} {}", method_name(request.method), request.path),
                args: vec![answer.clone()],
            }])
        }
        _ => None,
    }
}
