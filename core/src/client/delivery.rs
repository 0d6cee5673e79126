//! Delivery of what the socket says: the pump task, and the report of a panic, which never
//! ends delivery.

use super::Inner;
use crate::event::DomainEvent;
use crate::transport::{Inbound, InboundReceiver};
use serde_json::Value;
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Weak;
use tracing::{debug, error};

/// The report of a panic in `service` while it worked on `subject` (an event or a command).
pub(super) fn internal_error(
    service: &str,
    during: &str,
    subject: &impl serde::Serialize,
    panic: &(dyn Any + Send),
) -> DomainEvent {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into());
    let raw = serde_json::to_string(subject).unwrap_or_default();
    error!(service, during, %what, %raw, "a service panicked; delivery goes on");
    DomainEvent::ServerError {
        code: Some("internal_error".into()),
        message: format!("{service} failed in {during}: {what}; input: {raw}"),
        source: service.into(),
    }
}

/// Decodes what the socket delivers and publishes it. Holds the client weakly so that dropping
/// the last `Client` shuts everything down. A panic while handling one item (a decoder bug)
/// is reported and the next item is handled as usual.
pub(super) async fn pump(inner: Weak<Inner>, mut inbound: InboundReceiver) {
    while let Some(item) = inbound.recv().await {
        let Some(inner) = inner.upgrade() else { break };
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| deliver(&inner, &item))) {
            let subject = match &item {
                Inbound::Event { name, args } => serde_json::json!({ "event": name, "args": args }),
                other => Value::String(format!("{other:?}")),
            };
            let event = internal_error("dialect", "decode", &subject, &*panic);
            // Publishing runs every service again; one more panic must not end the pump.
            let _ = catch_unwind(AssertUnwindSafe(|| inner.publish(&event)));
        }
        inner.delivered.send_replace(inbound.taken());
    }
}

/// Publishes what one inbound item means.
fn deliver(inner: &Inner, item: &Inbound) {
    match item {
        Inbound::State(state) => inner.publish(&DomainEvent::Connection {
            state: state.clone(),
        }),
        Inbound::Overflow { missed } => inner.publish(&DomainEvent::Lagged { missed: *missed }),
        Inbound::Event { name, args } => {
            inner.tap(|| super::RawTraffic::Event {
                name: name.clone(),
                args: args.clone(),
            });
            // The transport already acted on a refusal; its state change carries the message.
            if inner.dialect.auth_rejection(name, args).is_some() {
                return;
            }
            match inner.dialect.decode(name, args) {
                Ok(events) => events.iter().for_each(|e| inner.publish(e)),
                Err(p) => {
                    debug!(event = %p.event, reason = %p.reason, "protocol error");
                    inner.publish(&DomainEvent::ProtocolError {
                        wire_event: p.event,
                        reason: p.reason,
                        raw: p.raw,
                    });
                }
            }
        }
    }
}
