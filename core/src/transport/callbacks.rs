//! The callbacks of one rust_socketio connection attempt. They run on rust_socketio's receive
//! loop, so they only push into channels that never wait.

use super::login::LoginVerdict;
use super::shared::{Control, Shared};
use futures_util::FutureExt;
use rust_socketio::asynchronous::{ClientBuilder, ReconnectSettings};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::mpsc;
use tracing::warn;

/// Signals of one connection attempt to the supervisor.
pub(super) enum Phase {
    /// The namespace accepted the socket.
    Connected,
    /// The server confirmed the login with an event (dialects whose servers do).
    LoginAccepted,
}

/// The rust_socketio builder for one attempt, with callbacks that only push into channels.
pub(super) fn raw_builder(
    shared: &Arc<Shared>,
    generation: u64,
    token: String,
    phase_tx: mpsc::UnboundedSender<Phase>,
) -> ClientBuilder {
    let cfg = &shared.config;
    let on_connect = phase_tx.clone();
    let on_login = phase_tx;
    let control_close = shared.control_tx.clone();
    let control_error = shared.control_tx.clone();
    let control_login = shared.control_tx.clone();
    let control_reconnect = shared.control_tx.clone();
    let inbound_any = shared.inbound.clone();
    let inbound_error = shared.inbound.clone();
    let login = cfg.login.clone();
    let mut parked = false;
    let mut builder = ClientBuilder::new(cfg.url.clone());
    if let Some(tls) = &cfg.tls {
        builder = builder.tls_config(tls.clone());
    }
    builder
        .namespace(cfg.namespace.clone())
        .transport_type(TransportType::Websocket)
        .auth(serde_json::json!({ "token": token }))
        // rust_socketio's reconnect stays on only because its `on_reconnect` hook is the one
        // signal it gives when the server vanishes. We report the drop and return an address
        // that cannot connect, so its loop ends (we disconnected it: reason Manual).
        .reconnect(true)
        .reconnect_on_disconnect(true)
        .max_reconnect_attempts(1)
        .reconnect_delay(1, 1)
        .on_reconnect(move || {
            if !parked {
                parked = true;
                let _ = control_reconnect.send(Control::Dropped {
                    generation,
                    reason: "connection lost".into(),
                });
            }
            async {
                let mut settings = ReconnectSettings::new();
                settings.address("parlor-reconnect-is-owned-by-the-supervisor");
                settings
            }
            .boxed()
        })
        .on(Event::Connect, move |_p, _c| {
            let _ = on_connect.send(Phase::Connected);
            async {}.boxed()
        })
        .on(Event::Close, move |_p, _c| {
            let _ = control_close.send(Control::Dropped {
                generation,
                reason: "the server closed the connection".into(),
            });
            async {}.boxed()
        })
        .on(Event::Error, move |payload, _c| {
            match classify_error(payload) {
                ErrorKind::ConnectRefused(message) => {
                    let _ = control_error.send(Control::AuthRejected {
                        generation,
                        message,
                    });
                }
                ErrorKind::Internal(text) => warn!(%text, "socket.io client error"),
                ErrorKind::ServerEvent(args) => inbound_error.event("error".into(), args),
            }
            async {}.boxed()
        })
        .on_any(move |event, payload, _c| {
            let (name, args) = event_of(event, payload);
            match login.as_ref().and_then(|l| l.verdict(&name, &args)) {
                Some(LoginVerdict::Accepted) => {
                    let _ = on_login.send(Phase::LoginAccepted);
                }
                Some(LoginVerdict::Refused(message)) => {
                    let _ = control_login.send(Control::AuthRejected {
                        generation,
                        message,
                    });
                }
                None => {}
            }
            inbound_any.event(name, args);
            async {}.boxed()
        })
}

/// Name and arguments of an event as rust_socketio hands it over. It reads a frame of one
/// element (`["typing_stop"]`, an event without arguments) as a `message` event whose payload
/// is the event's name; we undo that. (A genuine `message` event with one string argument looks
/// the same; no protocol here uses `message`, so the named event is the likelier reading.)
/// An event with binary attachments arrives as the first attachment alone, named after the
/// whole frame text with its quotes removed (`binary,{name:blob,data:}`): we keep the event's
/// name and surface the attachment as an unreadable payload (no dialect uses binary).
pub(super) fn event_of(event: Event, payload: Payload) -> (String, Vec<Value>) {
    let args = match payload {
        Payload::Text(values) => values,
        #[allow(deprecated)]
        Payload::String(s) => vec![Value::String(s)],
        Payload::Binary(b) => {
            let frame = String::from(event);
            let name = frame
                .trim_start_matches('[')
                .split([',', ']'])
                .next()
                .unwrap_or_default()
                .to_owned();
            return (name, vec![serde_json::json!({ "binary_bytes": b.len() })]);
        }
    };
    if event == Event::Message {
        if let [Value::String(name)] = args.as_slice() {
            return (name.clone(), Vec::new());
        }
    }
    (String::from(event), args)
}

/// What arrived through rust_socketio's `Event::Error` callback.
#[derive(Debug, PartialEq)]
enum ErrorKind {
    /// A `ConnectError` frame: the namespace refused us; the server's message.
    ConnectRefused(String),
    /// rust_socketio's own diagnostics.
    Internal(String),
    /// A server event named `error` (rust_socketio routes it here too).
    ServerEvent(Vec<Value>),
}

const CONNECT_ERROR_PREFIX: &str = "Received an ConnectError frame: ";

/// rust_socketio's own error texts (its `Error` Display strings) that share the callback.
const INTERNAL_PREFIXES: &[&str] = &[
    "Invalid packet id",
    "Error while parsing an incomplete packet",
    "Got an invalid packet which did not follow",
    "An error occurred while decoding",
    "An error occurred while encoding/decoding",
    "Invalid Url",
    "Got illegal handshake response",
    "Called an action before the connection was established",
    "string is not json serializable",
    "A lock was poisoned",
    "Got an IO-Error",
    "Error while parsing an integer",
    "EngineIO Error",
    "Invalid packet type while reading attachments",
    "Underlying Engine.IO connection has closed",
];

fn classify_error(payload: Payload) -> ErrorKind {
    let values = match payload {
        Payload::Text(v) => v,
        #[allow(deprecated)]
        Payload::String(s) => vec![Value::String(s)],
        Payload::Binary(_) => return ErrorKind::Internal("binary error payload".into()),
    };
    if let [Value::String(text)] = values.as_slice() {
        if let Some(rest) = text.strip_prefix(CONNECT_ERROR_PREFIX) {
            return ErrorKind::ConnectRefused(connect_error_message(rest));
        }
        if INTERNAL_PREFIXES.iter().any(|p| text.starts_with(p)) {
            return ErrorKind::Internal(text.clone());
        }
    }
    ErrorKind::ServerEvent(values)
}

/// `{"message":"Invalid token"}` → `Invalid token`; anything else verbatim.
fn connect_error_message(raw: &str) -> String {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(map)) => map
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| raw.to_owned()),
        Ok(Value::String(s)) => s,
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::socket::ack_arguments;
    use serde_json::json;

    #[test]
    fn connect_error_frames_become_auth_refusals() {
        let p = Payload::Text(vec![Value::String(format!(
            "{CONNECT_ERROR_PREFIX}{{\"message\":\"Invalid or expired token\"}}"
        ))]);
        assert_eq!(
            classify_error(p),
            ErrorKind::ConnectRefused("Invalid or expired token".into())
        );
        let p = Payload::Text(vec![Value::String(format!(
            "{CONNECT_ERROR_PREFIX}\"No error message provided\""
        ))]);
        assert_eq!(
            classify_error(p),
            ErrorKind::ConnectRefused("No error message provided".into())
        );
    }

    #[test]
    fn binary_events_keep_their_name() {
        let bin = || Payload::Binary(vec![1u8, 2, 3].into());
        for frame in [
            "binary,{name:blob,data:}",
            "[binary,{_placeholder:true,num:0}]",
            "binary",
        ] {
            assert_eq!(
                event_of(Event::Custom(frame.into()), bin()),
                ("binary".to_owned(), vec![json!({ "binary_bytes": 3 })]),
                "{frame}"
            );
        }
    }

    #[test]
    fn ack_arguments_are_unwrapped_once() {
        assert_eq!(
            ack_arguments(vec![json!([{"ok": true}])]),
            vec![json!({"ok": true})]
        );
        assert_eq!(ack_arguments(vec![json!([[1, 2]])]), vec![json!([1, 2])]);
        assert_eq!(ack_arguments(vec![json!([])]), Vec::<Value>::new());
        assert_eq!(ack_arguments(vec![json!("x")]), vec![json!("x")]);
        assert_eq!(
            ack_arguments(vec![json!(1), json!(2)]),
            vec![json!(1), json!(2)]
        );
    }

    #[test]
    fn server_error_events_are_not_mistaken_for_internal_errors() {
        let obj = Payload::Text(vec![json!({"message": "An error occurred"})]);
        assert_eq!(
            classify_error(obj),
            ErrorKind::ServerEvent(vec![json!({"message": "An error occurred"})])
        );
        let s = Payload::Text(vec![json!("Chat not found")]);
        assert_eq!(
            classify_error(s),
            ErrorKind::ServerEvent(vec![json!("Chat not found")])
        );
        let internal = Payload::Text(vec![json!("EngineIO Error")]);
        assert!(matches!(classify_error(internal), ErrorKind::Internal(_)));
    }
}
