//! The outbox: one task that sends our queued messages, oldest first, one at a time (so the
//! server sees them in order), each with its client id so resends are idempotent. A message
//! is done when the server acknowledges or echoes it; offline it waits (no attempt counted);
//! transient errors retry with backoff; permanent ones fail it with the server's reason.
//! The queue is the cache itself, so a restarted process picks up where a killed one stopped.

use super::cache::Queued;
use super::service::Inner;
use super::types::DeliveryState;
use crate::command::Command;
use crate::dialect::DialectId;
use crate::error::Error;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{timeout, Instant};

/// Messages fetched per conversation to catch up after a reconnect (002).
const CATCH_UP_PAGE: u32 = 100;

/// How often the idle outbox checks that its client still exists.
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// What came of one try.
enum Outcome {
    Confirmed,
    Offline,
    RateLimited,
    Transient(String),
    Permanent(String),
}

pub(super) async fn run(inner: Arc<Inner>) {
    loop {
        let Some(client) = inner.client.upgrade() else {
            return;
        };
        if !client.state().is_connected() {
            if client.state().is_terminal() {
                return;
            }
            drop(client);
            let _ = timeout(IDLE_CHECK, inner.wake.notified()).await;
            continue;
        }
        if inner.rejoin.swap(false, Ordering::SeqCst) {
            // Rooms are per connection: rejoin them before sending into them.
            // 003 answers a join with its recent messages; 002 has REST history to catch up
            // with what arrived while we were away; 001 cannot replay.
            for conv in inner.cache.joined().unwrap_or_default() {
                let mut cmds = vec![Command::JoinConversation {
                    conversation_id: conv.clone(),
                }];
                if inner.dialect == DialectId::TarotChat {
                    cmds.push(Command::FetchHistory {
                        conversation_id: conv,
                        before: None,
                        limit: Some(CATCH_UP_PAGE),
                    });
                }
                for cmd in cmds {
                    if let Err(Error::NotConnected(_)) = client.send_to_server(cmd).await {
                        inner.rejoin.store(true, Ordering::SeqCst);
                    }
                }
            }
        }
        let next = match inner.cache.next_queued() {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "outbox cannot read the cache");
                None
            }
        };
        let Some(q) = next else {
            drop(client);
            let _ = timeout(IDLE_CHECK, inner.wake.notified()).await;
            continue;
        };
        if q.state == DeliveryState::Pending {
            inner.publish_changed(
                inner
                    .cache
                    .set_queued_state(q.local_id, DeliveryState::Sending, None, false)
                    .unwrap_or(None),
            );
        }
        let outcome = try_once(&inner, &client, &q).await;
        drop(client);
        match outcome {
            Outcome::Confirmed => {}
            Outcome::Offline => {
                inner.publish_changed(
                    inner
                        .cache
                        .set_queued_state(q.local_id, DeliveryState::Pending, None, false)
                        .unwrap_or(None),
                );
            }
            Outcome::RateLimited => {
                // Not the message's fault: wait, without using up its attempts.
                inner.publish_changed(
                    inner
                        .cache
                        .set_queued_state(
                            q.local_id,
                            DeliveryState::Sending,
                            Some("the server asks to slow down; waiting"),
                            false,
                        )
                        .unwrap_or(None),
                );
                tokio::time::sleep(inner.config.rate_limit_pause).await;
            }
            Outcome::Permanent(reason) => {
                inner.publish_changed(
                    inner
                        .cache
                        .fail(Some(&q.conversation_id), &q.client_id, &reason)
                        .unwrap_or(None),
                );
            }
            Outcome::Transient(reason) => {
                let attempts = q.attempts + 1;
                if attempts >= inner.config.max_attempts {
                    let why = format!("gave up after {attempts} attempts: {reason}");
                    inner.publish_changed(
                        inner
                            .cache
                            .fail(Some(&q.conversation_id), &q.client_id, &why)
                            .unwrap_or(None),
                    );
                } else {
                    inner.publish_changed(
                        inner
                            .cache
                            .set_queued_state(
                                q.local_id,
                                DeliveryState::Sending,
                                Some(&reason),
                                true,
                            )
                            .unwrap_or(None),
                    );
                    tokio::time::sleep(backoff(&inner, attempts)).await;
                }
            }
        }
    }
}

fn backoff(inner: &Inner, attempts: u32) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).min(16);
    inner
        .config
        .retry_base
        .saturating_mul(factor)
        .min(inner.config.retry_max)
}

fn is_done(inner: &Inner, local_id: i64) -> bool {
    match inner.cache.get(local_id) {
        Ok(Some(m)) => !m.state.is_queued(),
        // Discarded while in flight: nothing left to confirm.
        Ok(None) => true,
        Err(_) => false,
    }
}

async fn try_once(inner: &Inner, client: &crate::Client, q: &Queued) -> Outcome {
    let cmd = Command::SendMessage {
        conversation_id: q.conversation_id.clone(),
        client_id: q.client_id.clone(),
        text: q.text.clone(),
        reply_to: q.reply_to.clone(),
        file_id: q.file_id.clone(),
    };
    let deadline = Instant::now() + inner.config.confirm_timeout;
    inner.rate_limited.store(false, Ordering::SeqCst);
    match tokio::time::timeout_at(deadline, client.send_to_server(cmd)).await {
        Err(_) => return Outcome::Transient("no answer from the server".into()),
        Ok(Err(Error::NotConnected(_))) => return Outcome::Offline,
        Ok(Err(Error::Closed)) => return Outcome::Offline,
        Ok(Err(Error::Rejected {
            status: Some(429), ..
        })) => return Outcome::RateLimited,
        Ok(Err(e)) if e.is_transient() => return Outcome::Transient(e.to_string()),
        Ok(Err(e)) => return Outcome::Permanent(e.to_string()),
        Ok(Ok(_)) => {}
    }
    // Sent: the ack (003) has usually confirmed it already; 001 and 002 confirm by event.
    loop {
        let notified = inner.progress.notified();
        if is_done(inner, q.local_id) {
            return Outcome::Confirmed;
        }
        if inner.rate_limited.swap(false, Ordering::SeqCst) {
            return Outcome::RateLimited;
        }
        if !client.state().is_connected() {
            // The emit may have been lost with the link: resend once back (idempotent).
            return Outcome::Offline;
        }
        let wait = deadline
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(250));
        if wait.is_zero() {
            return Outcome::Transient("no confirmation from the server".into());
        }
        let _ = timeout(wait, notified).await;
    }
}
