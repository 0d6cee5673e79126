//! One try of one message, and what it proves: the outbox hands the message to the server,
//! marks it in flight (an answer that names no message belongs to it), and reads the answer,
//! event, echo or error that settles it, the way its dialect says the server confirms.

use super::super::queue::Queued;
use super::super::shared::{InFlight, Inner};
use crate::command::Command;
use crate::dialect::{Confirmation, MessageDelivery};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::send_steps::send_step;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::time::{timeout, Instant};

/// What came of one try.
pub(super) enum Outcome {
    /// The cache already says how it ended (confirmed, or refused by an event).
    Settled,
    /// The server took it, by its answer, without naming it.
    Taken,
    /// Nothing reached the server (not connected when it was to go out): no try counted.
    NotSent,
    /// The server asks to slow down.
    SlowDown,
    /// Failed before the server could have it; may work later.
    Transient(String),
    /// The server refused it, in its own words and code.
    Refused {
        reason: String,
        code: Option<String>,
    },
    /// The server may have it, but no proof came.
    NoProof(String),
}

fn is_done(inner: &Inner, local_id: i64) -> bool {
    match inner.cache.get(local_id) {
        Ok(Some(m)) => !m.state.is_queued(),
        // Discarded while in flight: nothing left to confirm.
        Ok(None) => true,
        Err(_) => false,
    }
}

/// What an error from sending says about the message.
fn outcome_of(e: Error) -> Outcome {
    match e {
        Error::NotConnected(_) | Error::Closed | Error::Busy(_) | Error::AuthFailed(_) => {
            Outcome::NotSent
        }
        Error::Rejected {
            status: Some(429), ..
        } => Outcome::SlowDown,
        Error::Rejected { code, message, .. } => Outcome::Refused {
            reason: message,
            code,
        },
        // The request went out; the answer was lost or cannot be read.
        Error::Timeout(m) => Outcome::NoProof(format!("no answer from the server ({m})")),
        Error::Protocol(m) => Outcome::NoProof(format!("an answer that cannot be read: {m}")),
        Error::Network(m) => Outcome::Transient(m),
        e @ (Error::InvalidInput(_)
        | Error::Unsupported(_)
        | Error::IllegalState(_)
        | Error::Device { .. }) => Outcome::Refused {
            reason: e.to_string(),
            code: None,
        },
    }
}

pub(super) async fn try_once(
    inner: &Inner,
    client: &crate::Client,
    q: &Queued,
    delivery: Option<MessageDelivery>,
) -> Outcome {
    let cmd = Command::SendMessage {
        conversation_id: q.conversation_id.clone(),
        client_id: q.client_id.clone(),
        text: q.text.clone(),
        reply_to: q.reply_to.clone(),
        file_id: q.file_id.clone(),
    };
    *inner.in_flight.lock().unwrap_or_else(|p| p.into_inner()) = Some(InFlight {
        conversation_id: q.conversation_id.clone(),
        client_id: q.client_id.clone(),
        text: q.text.clone(),
    });
    inner.rate_limited.store(false, Ordering::SeqCst);
    inner.error_meanwhile.store(false, Ordering::SeqCst);
    let confirmed_by = delivery.map_or(
        Confirmation::EmitOnly {
            echo_window_ms: 5_000,
        },
        |d| d.confirmed_by,
    );
    // Longer than the transport's own ack timeout, so that the transport, which retires the
    // connection of an unanswered request, always decides first.
    let ack_timeout = Duration::from_millis(client.profile().ack_timeout_ms);
    let outer = inner
        .config
        .confirm_timeout
        .max(ack_timeout.saturating_add(Duration::from_secs(2)));
    let deadline = Instant::now() + inner.config.confirm_timeout;
    let sent = tokio::time::timeout_at(Instant::now() + outer, client.send_to_server(cmd)).await;
    if matches!(sent, Ok(Ok(_))) {
        send_step!("applied");
    }
    if sent.is_ok() {
        // The events the server sent before its answer (the message itself, an error about
        // it, an earlier message's late answer) are applied while this message is still the
        // one in flight, never while the next one is.
        client.caught_up(CATCH_UP_BOUND).await;
    }
    let outcome = match sent {
        Err(_) => Outcome::NoProof("no answer from the server".into()),
        Ok(Err(e)) => outcome_of(e),
        Ok(Ok(answer)) => {
            match confirmed_by {
                // Any answer that is not an error proves it; the cache may already hold the
                // stored message the answer carried.
                Confirmation::Answer if is_done(inner, q.local_id) => Outcome::Settled,
                // It answered an earlier message (an event meant for it came first): ours
                // may still come, as an event.
                Confirmation::Answer if applied_now(inner, &answer) => {
                    if is_done(inner, q.local_id) {
                        Outcome::Settled
                    } else {
                        wait_for_proof(inner, client, q, deadline).await
                    }
                }
                Confirmation::Answer => settle_bare_answer(inner, q),
                Confirmation::Event => wait_for_proof(inner, client, q, deadline).await,
                Confirmation::EmitOnly { echo_window_ms } => {
                    let window = Instant::now() + Duration::from_millis(echo_window_ms);
                    wait_for_proof(inner, client, q, window).await
                }
            }
        }
    };
    *inner.in_flight.lock().unwrap_or_else(|p| p.into_inner()) = None;
    outcome
}

/// How long an answer waits for the events the server sent before it to be applied.
const CATCH_UP_BOUND: Duration = Duration::from_secs(2);

/// A non-error answer that does not carry the message (an empty ack, `true`), once the events
/// sent before it are applied (see `try_once`). A server that answers a send by an event and
/// then an empty ack has said its verdict in that event: the message may be settled by now
/// (its own `messageSent`), slowed down or refused. Otherwise the answer is the proof
/// (`Taken`), unless an error the dialect cannot place came meanwhile: then the message is in
/// doubt and the server's page decides.
fn settle_bare_answer(inner: &Inner, q: &Queued) -> Outcome {
    if is_done(inner, q.local_id) {
        Outcome::Settled
    } else if inner.rate_limited.swap(false, Ordering::SeqCst) {
        Outcome::SlowDown
    } else if inner.error_meanwhile.swap(false, Ordering::SeqCst) {
        Outcome::NoProof("the server sent an error along with its answer".into())
    } else {
        Outcome::Taken
    }
}

/// Applies the answers in `answer` that name no message of ours while the message they may
/// answer is still in flight (the receive path, which sees them too, may run later, when the
/// next message is in flight). Returns whether there was such an answer.
fn applied_now(inner: &Inner, answer: &[DomainEvent]) -> bool {
    let mut any = false;
    for event in answer {
        if let DomainEvent::MessageSent {
            conversation_id,
            server_id,
            client_id: None,
            message,
        } = event
        {
            if message.as_ref().is_some_and(|m| m.client_id.is_some()) {
                continue;
            }
            any = true;
            match inner.apply_sent(
                conversation_id.as_deref(),
                server_id,
                None,
                message.as_ref(),
            ) {
                Ok(changed) => inner.publish_changed(changed),
                Err(e) => tracing::warn!(error = %e, "cannot apply the answer to a send"),
            }
        }
    }
    any
}

/// After the emit: waits for the event, echo or error that settles the message.
async fn wait_for_proof(
    inner: &Inner,
    client: &crate::Client,
    q: &Queued,
    deadline: Instant,
) -> Outcome {
    loop {
        let notified = inner.progress.notified();
        if is_done(inner, q.local_id) {
            return Outcome::Settled;
        }
        if inner.rate_limited.swap(false, Ordering::SeqCst) {
            return Outcome::SlowDown;
        }
        if !client.state().is_connected() {
            return Outcome::NoProof(
                "the connection dropped before the server confirmed it".into(),
            );
        }
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(250));
        if wait.is_zero() {
            return Outcome::NoProof("no confirmation from the server".into());
        }
        let _ = timeout(wait, notified).await;
    }
}
