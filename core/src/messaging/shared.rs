//! What the Messenger, its receive path and its outbox task share: the cache, the client, the
//! configuration, who we are, the wake-ups and the one message in flight. Its own module, so
//! that the service and the outbox both import it and neither imports the other.

use super::cache::Cache;
use super::typing::Typing;
use crate::client::WeakClient;
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{ChatMessage, Message, Party};
use crate::store::StoreError;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// A cache failure as the API reports it.
pub(super) fn store_error(e: StoreError) -> Error {
    Error::InvalidInput(format!("local cache: {e}"))
}

/// Timings of the outbox and of typing notifications.
#[derive(Debug, Clone)]
pub struct MessengerConfig {
    /// How long a sent message may wait for the server's ack or echo before it is resent.
    pub confirm_timeout: Duration,
    /// Tries (not counting those made while offline) before a message is `failed`.
    pub max_attempts: u32,
    /// First wait before a retry after a transient error; doubles up to `retry_max`.
    pub retry_base: Duration,
    /// Longest wait between retries.
    pub retry_max: Duration,
    /// At most one "started typing" per this interval while the user keeps typing.
    pub typing_throttle: Duration,
    /// "Stopped typing" is sent this long after the last keystroke.
    pub typing_idle: Duration,
    /// Wait after the server says we send too fast (the dialect's slow-down refusal); such tries
    /// are not counted against `max_attempts`.
    pub rate_limit_pause: Duration,
    /// How many times in a row a message may be slowed down before it fails.
    pub max_slow_downs: u32,
    /// How long a queued message may wait for a connection before it fails (offline time is
    /// not counted as attempts, so this is the only bound while offline).
    pub offline_expiry: Duration,
}

impl Default for MessengerConfig {
    fn default() -> Self {
        MessengerConfig {
            confirm_timeout: Duration::from_secs(10),
            max_attempts: 5,
            retry_base: Duration::from_millis(500),
            retry_max: Duration::from_secs(30),
            typing_throttle: Duration::from_secs(3),
            typing_idle: Duration::from_secs(5),
            rate_limit_pause: Duration::from_secs(10),
            max_slow_downs: 30,
            offline_expiry: Duration::from_secs(24 * 3600),
        }
    }
}

/// The Messenger's state, shared with its outbox task.
pub(super) struct Inner {
    pub(super) cache: Cache,
    pub(super) client: WeakClient,
    pub(super) config: MessengerConfig,
    pub(super) me: Mutex<Party>,
    /// Wakes the outbox: something was queued, or the connection came back.
    pub(super) wake: Arc<Notify>,
    /// Wakes the outbox while it waits for a confirmation: a queued message changed.
    pub(super) progress: Arc<Notify>,
    /// Rooms must be rejoined (set on every connect).
    pub(super) rejoin: AtomicBool,
    /// The server said we send too fast (an error event no message can be matched to).
    pub(super) rate_limited: AtomicBool,
    /// An error event the dialect does not read as a verdict on a send came while a message
    /// was in flight: an answer without the message then proves nothing.
    pub(super) error_meanwhile: AtomicBool,
    /// The one message on its way to the server, to which an answer that names no message
    /// belongs.
    pub(super) in_flight: Mutex<Option<InFlight>>,
    /// The typing throttle (shared with its idle timers).
    pub(super) typing: Arc<Typing>,
}

/// The message the outbox has handed to the server and not yet settled.
#[derive(Debug, Clone)]
pub(super) struct InFlight {
    pub(super) conversation_id: String,
    pub(super) client_id: String,
    /// Its text, to tell an answer that carries another message's text.
    pub(super) text: Option<String>,
}

impl Inner {
    pub(super) fn me(&self) -> Party {
        self.me.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(super) fn me_id(&self) -> Option<String> {
        let me = self.me();
        (!me.id.is_empty()).then_some(me.id)
    }

    /// Whether the server is known to drop resends by client id (the profile says so).
    pub(super) fn server_deduplicates(&self) -> bool {
        self.client
            .upgrade()
            .is_some_and(|c| c.profile().delivery.server_deduplicates)
    }

    /// The message in flight, if it belongs to `conversation_id` (or the answer names none).
    pub(super) fn in_flight_for(&self, conversation_id: Option<&str>) -> Option<InFlight> {
        let f = self
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        conversation_id
            .is_none_or(|c| c == f.conversation_id)
            .then_some(f)
    }

    /// Confirms the message in flight with `server_id` (an answer that names no message), unless
    /// the answer is an earlier message's: its id is already known here, or it carries the
    /// text of another of ours still waiting for its answer (a server that answers both by ack
    /// and by event, or by event after an empty ack, sends it while the next one is in flight).
    pub(super) fn confirm_in_flight(
        &self,
        conversation_id: Option<&str>,
        server_id: &str,
        message: Option<&Message>,
    ) -> Result<Option<ChatMessage>, StoreError> {
        let Some(f) = self.in_flight_for(conversation_id) else {
            return Ok(None);
        };
        if server_id.is_empty() || self.cache.knows_server_id(&f.conversation_id, server_id)? {
            return Ok(None);
        }
        let answer_text = message.and_then(|m| m.text.as_deref());
        if let Some(text) =
            answer_text.filter(|t| Some(t.trim()) != f.text.as_deref().map(str::trim))
        {
            if self
                .cache
                .awaits_answer_with_text(&f.conversation_id, text, &f.client_id)?
            {
                return Ok(None);
            }
        }
        self.cache
            .confirm_sent(Some(&f.conversation_id), &f.client_id, server_id, message)
    }

    /// Applies the server's answer to one of our sends (`MessageSent`): to the message its
    /// client id names where the server repeats it, else to the one in flight, else (an
    /// earlier message's late answer) to the message of ours it is a copy of. Returns what
    /// changed. The outbox applies an answer as soon as its request returns and the receive
    /// path applies it again when the event comes through: the second time changes nothing.
    pub(super) fn apply_sent(
        &self,
        conversation_id: Option<&str>,
        server_id: &str,
        client_id: Option<&str>,
        message: Option<&Message>,
    ) -> Result<Option<ChatMessage>, StoreError> {
        let cid = client_id
            .or_else(|| message.and_then(|m| m.client_id.as_deref()))
            .filter(|c| !c.is_empty());
        let conv = conversation_id
            .or_else(|| message.map(|m| m.conversation_id.as_str()))
            .filter(|c| !c.is_empty());
        if let Some(cid) = cid {
            if let Some(m) = self.cache.confirm_sent(conv, cid, server_id, message)? {
                return Ok(Some(m));
            }
        }
        if let Some(m) = self.confirm_in_flight(conv, server_id, message)? {
            return Ok(Some(m));
        }
        // Only a copy of our own: an answer without a sender adds nobody's message.
        let me = self.me_id();
        match message {
            Some(m) if !m.conversation_id.is_empty() && me.as_deref() == Some(&m.sender.id) => {
                self.cache.apply_message(m, me.as_deref())
            }
            _ => Ok(None),
        }
    }

    /// A page of the conversation's newest messages came in (a rejoin's recent messages, the
    /// newest history page): settles what was in doubt there.
    pub(super) fn settle(&self, conversation_id: &str, page: &[Message]) -> Vec<ChatMessage> {
        // Without knowing who we are, our own copies could not have been recognised on the page.
        if self.me_id().is_none() {
            return vec![];
        }
        let ids: Vec<String> = page.iter().map(|m| m.id.clone()).collect();
        let settled = self
            .cache
            .settle_doubts(conversation_id, &ids, self.config.max_attempts)
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot settle doubts");
                vec![]
            });
        if !settled.is_empty() {
            self.wake_progress();
        }
        settled
    }

    /// Wakes whoever waits for a message to settle, once the cache holds what settled it (a
    /// burst's writes commit together: a task woken before would read the cache without them).
    pub(super) fn wake_progress(&self) {
        let progress = self.progress.clone();
        self.cache
            .store()
            .after_commit(move || progress.notify_one());
    }

    /// Wakes the outbox, once the cache holds what woke it.
    pub(super) fn wake_outbox(&self) {
        let wake = self.wake.clone();
        self.cache.store().after_commit(move || wake.notify_one());
    }

    pub(super) fn publish(&self, event: DomainEvent) {
        if let Some(client) = self.client.upgrade() {
            client.publish(event);
        }
    }

    pub(super) fn publish_changed(&self, m: Option<ChatMessage>) {
        if let Some(message) = m {
            self.publish(DomainEvent::ChatMessageChanged { message });
        }
    }
}
