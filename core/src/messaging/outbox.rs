//! The outbox: one task that sends our queued messages, oldest first, one at a time, so that
//! the server sees them in order and an answer or error that names no message belongs to the
//! one in flight. What proves that the server took a message is the dialect's
//! [`MessageDelivery`]: the ack's answer, a named event, or nothing but the emit. The outbox
//! never waits for anything the document does not define.
//!
//! When the proof does not come but the server may have the message (the answer was lost with
//! the link, or timed out), a resend could duplicate it. Then:
//! - a server known to drop resends by client id (`[delivery] server_deduplicates`) gets it
//!   again, like after any transient error (exactly once);
//! - where the dialect can ask the server (the recent messages a rejoin returns, or the newest
//!   history page), the message waits *in doubt*, holding the later messages of its
//!   conversation, until such a page adopts it (sent), proves it absent (resent) or cannot
//!   tell (`unconfirmed`) — exactly once whenever the page can tell;
//! - otherwise it ends `unconfirmed`: at most once, and the user decides.
//!
//! Bounds: while connected, a message ends `sent`, `failed` or `unconfirmed` within about
//! `max_attempts × (confirm_timeout + retry_max)`, plus `max_slow_downs × rate_limit_pause`
//! when the server asks to slow down. While offline it waits `pending`, saying why, and fails
//! after `offline_expiry`. The queue is the cache itself, so a restarted process goes on where
//! a killed one stopped.

mod attempt;

use super::queue::Queued;
use super::shared::Inner;
use crate::dialect::{MessageDelivery, Reconcile};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{ChatMessage, DeliveryState};
use crate::send_steps::send_step;
use crate::transport::ConnectionState;
use attempt::{try_once, Outcome};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{timeout, Instant};

/// How often the idle outbox checks that its client still exists.
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// How often the outbox looks for a message whose backoff is over.
const BACKOFF_CHECK: Duration = Duration::from_millis(100);

/// Unanswered rejoins of one conversation after which later rejoins skip it.
const MAX_UNANSWERED_REJOINS: u32 = 2;

pub(super) async fn run(inner: Arc<Inner>) {
    let mut waiting_note: Option<String> = None;
    let mut slow_downs: u32 = 0;
    // Conversations whose rejoin went unanswered, and how often: after two, the rejoin skips
    // them rather than stalling every other message behind them.
    let mut unanswered: HashMap<String, u32> = HashMap::new();
    recover(&inner);
    loop {
        let Some(client) = inner.client.upgrade() else {
            return;
        };
        let state = client.state();
        if !state.is_connected() {
            drop(client);
            let note = waiting_reason(&state);
            if note != waiting_note {
                publish_all(&inner, inner.cache.note_waiting(note.as_deref()));
                waiting_note = note;
            }
            let expiry = i64::try_from(inner.config.offline_expiry.as_millis()).unwrap_or(i64::MAX);
            publish_all(
                &inner,
                inner.cache.expire_queued(
                    expiry,
                    "not sent: no connection to the server for too long (retry or discard)",
                ),
            );
            let _ = timeout(IDLE_CHECK, inner.wake.notified()).await;
            continue;
        }
        if waiting_note.take().is_some() {
            publish_all(&inner, inner.cache.note_waiting(None));
        }
        let delivery = client.rules().message_delivery();
        if inner.rejoin.swap(false, Ordering::SeqCst)
            && !rejoin(&inner, &client, delivery, &mut unanswered).await
        {
            inner.rejoin.store(true, Ordering::SeqCst);
            continue;
        }
        let next = inner.cache.next_queued().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "outbox cannot read the cache");
            None
        });
        let Some(q) = next else {
            drop(client);
            // Something may be waiting out a backoff: look again soon.
            let idle = if inner.cache.queued_count().unwrap_or(0) > 0 {
                BACKOFF_CHECK
            } else {
                IDLE_CHECK
            };
            let _ = timeout(idle, inner.wake.notified()).await;
            continue;
        };
        send_step!("picked");
        inner.publish_changed(inner.cache.start_try(q.local_id).unwrap_or(None));
        send_step!("marked");
        let outcome = try_once(&inner, &client, &q, delivery).await;
        drop(client);
        if matches!(outcome, Outcome::SlowDown) {
            slow_downs += 1;
        } else {
            slow_downs = 0;
        }
        settle(&inner, &q, outcome, delivery, slow_downs).await;
    }
}

/// A message that was on its way when the process stopped may have reached the server: it is
/// settled like a lost confirmation (in doubt where the dialect can ask, resent only where the
/// server drops resends, else `unconfirmed`), never resent blindly.
fn recover(inner: &Inner) {
    let Some(client) = inner.client.upgrade() else {
        return;
    };
    let ask = client
        .rules()
        .message_delivery()
        .is_some_and(|d| d.reconcile != Reconcile::Nothing);
    let resend = client.profile().delivery.server_deduplicates;
    publish_all(inner, inner.cache.recover_interrupted(ask, resend));
}

/// Why queued messages wait while not connected (shown on each of them).
fn waiting_reason(state: &ConnectionState) -> Option<String> {
    Some(match state {
        ConnectionState::AuthFailed { message } => {
            format!("waiting: the server refused our credentials ({message})")
        }
        _ => "waiting for the connection".to_owned(),
    })
}

fn publish_all<E: std::fmt::Display>(inner: &Inner, changed: Result<Vec<ChatMessage>, E>) {
    match changed {
        Ok(messages) => {
            for message in messages {
                inner.publish(DomainEvent::ChatMessageChanged { message });
            }
        }
        Err(e) => tracing::warn!(error = %e, "outbox cannot update the cache"),
    }
}

/// Rooms are per connection: joins again every conversation the user had joined (and those
/// with a message in doubt), the way the dialect says, before any queued message goes out;
/// then waits, boundedly, for the pages that settle messages in doubt, and gives up on the
/// rest. A refused rejoin is left to each message's own send, whose refusal names it exactly;
/// a conversation whose rejoin went unanswered twice is skipped, never a stall. Returns false
/// when the connection went away meanwhile.
async fn rejoin(
    inner: &Arc<Inner>,
    client: &crate::Client,
    delivery: Option<MessageDelivery>,
    unanswered: &mut HashMap<String, u32>,
) -> bool {
    let mut conversations = inner.cache.joined().unwrap_or_default();
    for d in inner.cache.doubts(None).unwrap_or_default() {
        if !conversations.contains(&d.conversation_id) {
            conversations.push(d.conversation_id);
        }
    }
    for conv in conversations {
        if unanswered.get(&conv).copied().unwrap_or(0) >= MAX_UNANSWERED_REJOINS {
            continue;
        }
        for cmd in client.rules().rejoin(&conv) {
            match client.send_to_server(cmd).await {
                Ok(_) => {
                    unanswered.remove(&conv);
                }
                Err(Error::NotConnected(_) | Error::Closed) => return false,
                Err(Error::Timeout(e)) => {
                    *unanswered.entry(conv.clone()).or_default() += 1;
                    tracing::debug!(conversation = %conv, error = %e, "rejoin went unanswered");
                    break;
                }
                Err(e) => tracing::debug!(conversation = %conv, error = %e, "rejoin step refused"),
            }
        }
    }
    // The pages arrive as answers (already applied) or as events: wait for them, boundedly.
    let can_tell = delivery.is_some_and(|d| d.reconcile != Reconcile::Nothing);
    let deadline = Instant::now() + inner.config.confirm_timeout;
    while can_tell && Instant::now() < deadline {
        let notified = inner.progress.notified();
        if inner.cache.doubts(None).map_or(true, |d| d.is_empty()) {
            break;
        }
        let _ = timeout(Duration::from_millis(250), notified).await;
    }
    publish_all(
        inner,
        inner.cache.give_up_doubts(
            None,
            "the server never confirmed this message, and its recent messages cannot tell \
             whether it arrived: resend it (it may then appear twice) or discard it",
        ),
    );
    inner.wake_progress();
    true
}

fn backoff(inner: &Inner, attempts: u32) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).min(16);
    inner
        .config
        .retry_base
        .saturating_mul(factor)
        .min(inner.config.retry_max)
}

async fn settle(
    inner: &Arc<Inner>,
    q: &Queued,
    outcome: Outcome,
    delivery: Option<MessageDelivery>,
    slow_downs: u32,
) {
    let cache = &inner.cache;
    let attempts = q.attempts.saturating_add(1);
    let changed = match outcome {
        Outcome::Settled => return,
        Outcome::Taken => cache.confirm_taken(q.local_id),
        Outcome::NotSent => {
            inner.publish_changed(
                cache
                    .set_queued_state(
                        q.local_id,
                        DeliveryState::Pending,
                        Some("waiting for the connection"),
                        false,
                    )
                    .unwrap_or(None),
            );
            // Busy or between connections: never a hot loop.
            tokio::time::sleep(inner.config.retry_base).await;
            return;
        }
        Outcome::SlowDown if slow_downs > inner.config.max_slow_downs => cache.fail(
            Some(&q.conversation_id),
            &q.client_id,
            "the server kept asking to slow down; not sent",
            None,
        ),
        Outcome::SlowDown => {
            // Not the message's fault: wait, without using up its attempts.
            inner.publish_changed(
                cache
                    .set_queued_state(
                        q.local_id,
                        DeliveryState::Sending,
                        Some("the server asks to slow down; waiting"),
                        false,
                    )
                    .unwrap_or(None),
            );
            tokio::time::sleep(inner.config.rate_limit_pause).await;
            return;
        }
        Outcome::Refused { reason, code } => cache.fail(
            Some(&q.conversation_id),
            &q.client_id,
            &reason,
            code.as_deref(),
        ),
        Outcome::Transient(reason) => return retry_later(inner, q, attempts, &reason),
        Outcome::NoProof(reason) if inner.server_deduplicates() => {
            return retry_later(inner, q, attempts, &reason)
        }
        Outcome::NoProof(reason) => match delivery.map(|d| d.reconcile) {
            Some(Reconcile::RejoinAnswer | Reconcile::HistoryPage) => {
                // Ask the server at once: the rejoin's page settles it.
                inner.rejoin.store(true, Ordering::SeqCst);
                cache.set_in_doubt(q.local_id, &reason)
            }
            _ => cache.set_unconfirmed(
                q.local_id,
                &format!("{reason}; this server cannot tell whether it arrived: resend or discard"),
            ),
        },
    };
    inner.publish_changed(changed.unwrap_or(None));
}

/// A try failed in a way that may not last: again after a backoff, until `max_attempts`.
fn retry_later(inner: &Inner, q: &Queued, attempts: u32, reason: &str) {
    if attempts >= inner.config.max_attempts {
        let why = format!("gave up after {attempts} attempts: {reason}");
        inner.publish_changed(
            inner
                .cache
                .fail(Some(&q.conversation_id), &q.client_id, &why, None)
                .unwrap_or(None),
        );
        return;
    }
    // It waits out its backoff in the queue: other conversations go on meanwhile.
    let wait = i64::try_from(backoff(inner, attempts).as_millis()).unwrap_or(i64::MAX);
    inner.publish_changed(
        inner
            .cache
            .retry_after(q.local_id, reason, wait, true)
            .unwrap_or(None),
    );
}
