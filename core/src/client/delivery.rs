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

/// The most inbound items handled as one burst (one commit of the cache): enough to make a
/// flood cheap, few enough that the first of them is not held long.
pub const MAX_BURST: usize = 256;

/// Decodes what the socket delivers and publishes it: whatever arrived while the last burst was
/// handled goes as one burst (see [`Inner::publish_burst`]). Holds the client weakly so that
/// dropping the last `Client` shuts everything down. A panic while decoding one item (a decoder
/// bug) is reported in its place and the other items are handled as usual.
pub(super) async fn pump(inner: Weak<Inner>, mut inbound: InboundReceiver) {
    // Grown as bursts come, not made for the largest: 256 slots are ~12 KB that every client
    // kept for life, though an idle one sees bursts of one (heaptrack of `parlor load`: the
    // largest cost per simulated user after the socket).
    let mut burst = Vec::new();
    while let Some(first) = inbound.recv().await {
        burst.push(first);
        while burst.len() < MAX_BURST {
            match inbound.try_next() {
                Some(item) => burst.push(item),
                None => break,
            }
        }
        let Some(inner) = inner.upgrade() else { break };
        let mut events = Vec::with_capacity(burst.len());
        for item in burst.drain(..) {
            if let Err(panic) =
                catch_unwind(AssertUnwindSafe(|| decode(&inner, &item, &mut events)))
            {
                let subject = match &item {
                    Inbound::Event { name, args } => {
                        serde_json::json!({ "event": name, "args": args })
                    }
                    other => Value::String(format!("{other:?}")),
                };
                events.push(internal_error("dialect", "decode", &subject, &*panic));
            }
        }
        // Services catch their own panics, event by event; this one is for the client itself.
        let count = events.len();
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| inner.publish_burst(events))) {
            let event = internal_error("client", "publish", &count, &*panic);
            let _ = catch_unwind(AssertUnwindSafe(|| inner.publish(&event)));
        }
        inner.delivered.send_replace(inbound.taken());
    }
}

/// What one inbound item means, added to `events`.
fn decode(inner: &Inner, item: &Inbound, events: &mut Vec<DomainEvent>) {
    match item {
        Inbound::State(state) => events.push(DomainEvent::Connection {
            state: state.clone(),
        }),
        Inbound::Overflow { missed } => events.push(DomainEvent::Lagged { missed: *missed }),
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
                Ok(decoded) => events.extend(decoded),
                Err(p) => {
                    debug!(event = %p.event, reason = %p.reason, "protocol error");
                    events.push(DomainEvent::ProtocolError {
                        wire_event: p.event,
                        reason: p.reason,
                        raw: p.raw,
                    });
                }
            }
        }
    }
}
