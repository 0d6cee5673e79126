//! What a dialect sends for a command: socket emits (with or without an ack asked) and REST
//! calls, each naming the decoder of its answer.

use crate::event::DomainEvent;
use crate::model::RestRequest;
use serde_json::Value;

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
    /// A socket event the document answers only to the other party (004 `call:end`: the
    /// telecaller gets `call:ended`, the user nothing): once it is sent, `own_view` is the
    /// sender's own view of what it did. Never an ack the document does not define: a server
    /// that does not answer it must not stall the sender.
    EmitOwnView {
        /// Event name.
        event: String,
        /// Its single argument.
        arg: Value,
        /// The sender's events once the emit is out.
        own_view: Vec<DomainEvent>,
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
    /// An emit of `event` with one argument, nothing awaited.
    pub fn emit(event: &str, arg: Value) -> Self {
        Outbound::Emit {
            event: event.into(),
            arg,
        }
    }
    /// An emit the server does not echo to the sender: `own_view` is what the sender
    /// publishes for itself.
    pub fn emit_own_view(event: &str, arg: Value, own_view: Vec<DomainEvent>) -> Self {
        Outbound::EmitOwnView {
            event: event.into(),
            arg,
            own_view,
        }
    }
    /// An emit whose ack is the answer, read as `reply` by `Dialect::decode_reply`.
    pub fn request(event: &str, arg: Value, reply: &'static str) -> Self {
        Outbound::Request {
            event: event.into(),
            arg,
            reply: ReplyKind(reply),
        }
    }
    /// A REST call whose body is the answer, read as `reply`.
    pub fn rest(request: RestRequest, reply: &'static str) -> Self {
        Outbound::Rest {
            request,
            reply: ReplyKind(reply),
        }
    }

    /// How the answer is to be read (`None` for a plain emit).
    pub fn reply_kind(&self) -> Option<ReplyKind> {
        match self {
            Outbound::Emit { .. } | Outbound::EmitOwnView { .. } => None,
            Outbound::Request { reply, .. } | Outbound::Rest { reply, .. } => Some(*reply),
        }
    }

    /// The socket argument or REST body that was sent.
    pub fn sent_body(&self) -> Option<&Value> {
        match self {
            Outbound::Emit { arg, .. }
            | Outbound::EmitOwnView { arg, .. }
            | Outbound::Request { arg, .. } => Some(arg),
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
pub fn rest_call(method: crate::model::Method, path: String, body: Option<Value>) -> RestRequest {
    RestRequest {
        method,
        path,
        query: Vec::new(),
        body,
    }
}
