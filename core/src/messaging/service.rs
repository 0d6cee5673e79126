//! The Messenger service: applies what the server says to the cache (receive path), claims the
//! messaging commands (send through the outbox, pages, search, retry, discard, typing).

use super::cache::{Cache, Outgoing, VoiceOutgoing};
use super::outbox;
use super::typing::Typing;
use crate::client::{Client, Service, WeakClient};
use crate::command::Command;
use crate::dialect::{BackfillRequest, Reconcile, SendRefusal};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{ChatMessage, DeliveryState, PageSource};
use crate::model::{Message, MessageKind, Party};
use crate::store::{Store, StoreError};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

mod history;
mod receive;
#[cfg(test)]
mod tests;

use history::load_messages;

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
    /// Wait after the server says we send too fast (002 `RATE_LIMIT_EXCEEDED`); such tries
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

pub(super) struct Inner {
    pub(super) cache: Cache,
    pub(super) client: WeakClient,
    pub(super) config: MessengerConfig,
    me: Mutex<Party>,
    /// Wakes the outbox: something was queued, or the connection came back.
    pub(super) wake: Notify,
    /// Wakes the outbox while it waits for a confirmation: a queued message changed.
    pub(super) progress: Notify,
    /// Rooms must be rejoined (set on every connect).
    pub(super) rejoin: AtomicBool,
    /// The server said we send too fast (an error event no message can be matched to).
    pub(super) rate_limited: AtomicBool,
    /// The one message on its way to the server, to which an answer that names no message
    /// belongs.
    pub(super) in_flight: Mutex<Option<InFlight>>,
    typing: Typing,
}

/// The message the outbox has handed to the server and not yet settled.
#[derive(Debug, Clone)]
pub(super) struct InFlight {
    pub(super) conversation_id: String,
    pub(super) client_id: String,
}

impl Inner {
    pub(super) fn me(&self) -> Party {
        self.me.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn me_id(&self) -> Option<String> {
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
    fn in_flight_for(&self, conversation_id: Option<&str>) -> Option<InFlight> {
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
    /// that id is already known here: then it answers an earlier message, not this one.
    fn confirm_in_flight(
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
        self.cache
            .confirm_sent(Some(&f.conversation_id), &f.client_id, server_id, message)
    }

    /// A page of the conversation's newest messages came in (a rejoin's recent messages, the
    /// newest history page): settles what was in doubt there.
    fn settle(&self, conversation_id: &str, page: &[Message]) -> Vec<ChatMessage> {
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
            self.progress.notify_one();
        }
        settled
    }

    pub(super) fn typing_state(&self) -> &Typing {
        &self.typing
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

/// The messaging service. See the [module documentation](super).
pub struct Messenger {
    inner: Arc<Inner>,
}

fn store_error(e: StoreError) -> Error {
    Error::InvalidInput(format!("local cache: {e}"))
}

fn changed(messages: Vec<ChatMessage>) -> Vec<DomainEvent> {
    messages
        .into_iter()
        .map(|message| DomainEvent::ChatMessageChanged { message })
        .collect()
}

impl Messenger {
    /// Attaches a Messenger with the cache `store` to `client` and starts its outbox, which
    /// resends whatever a previous run left queued. Call inside a tokio runtime.
    pub fn attach(client: &Client, store: Store, config: MessengerConfig) -> Arc<Messenger> {
        let me = Party {
            id: client.profile().account_id.clone().unwrap_or_default(),
            ..Party::default()
        };
        let inner = Arc::new(Inner {
            cache: Cache::new(store),
            client: client.downgrade(),
            typing: Typing::new(config.typing_throttle, config.typing_idle),
            config,
            me: Mutex::new(me),
            wake: Notify::new(),
            progress: Notify::new(),
            rejoin: AtomicBool::new(true),
            rate_limited: AtomicBool::new(false),
            in_flight: Mutex::new(None),
        });
        let messenger = Arc::new(Messenger {
            inner: inner.clone(),
        });
        client.attach(messenger.clone());
        tokio::spawn(outbox::run(inner));
        messenger
    }

    /// The cache this Messenger writes.
    pub fn cache(&self) -> &Cache {
        &self.inner.cache
    }
}

impl Service for Messenger {
    fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        match self.apply(event) {
            Ok(events) => events,
            Err(e) => {
                // The cache is a copy: a failed write loses nothing the server does not have.
                tracing::warn!(error = %e, event = %event.name(), "cache write failed");
                vec![]
            }
        }
    }

    fn handle(&self, cmd: &Command) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        let inner = self.inner.clone();
        match cmd.clone() {
            Command::SendMessage {
                conversation_id,
                client_id,
                text,
                reply_to,
                file_id,
            } => Some(
                async move {
                    if text.as_deref().is_none_or(|t| t.trim().is_empty()) && file_id.is_none() {
                        return Err(Error::InvalidInput("a message needs text or a file".into()));
                    }
                    if conversation_id.is_empty() {
                        return Err(Error::InvalidInput("a message needs a conversation".into()));
                    }
                    let client_id = if client_id.is_empty() {
                        uuid::Uuid::new_v4().to_string()
                    } else {
                        client_id
                    };
                    // Refused now rather than by the server later, where the refusal might
                    // match no message: ids the server cannot take, messages over its limit.
                    if let Some(client) = inner.client.upgrade() {
                        client.rules().check_client_id(&client_id)?;
                        let size = client.encoded_bytes(&Command::SendMessage {
                            conversation_id: conversation_id.clone(),
                            client_id: client_id.clone(),
                            text: text.clone(),
                            reply_to: reply_to.clone(),
                            file_id: file_id.clone(),
                        })?;
                        let max = client.profile().delivery.max_message_bytes;
                        if size > max {
                            return Err(Error::InvalidInput(format!(
                                "the message is {size} bytes once encoded; this server takes at most {max}"
                            )));
                        }
                    }
                    let me = inner.me();
                    let m = inner
                        .cache
                        .enqueue(&Outgoing {
                            conversation_id: &conversation_id,
                            client_id: &client_id,
                            sender: &me,
                            text: text.as_deref(),
                            reply_to: reply_to.as_deref(),
                            file_id: file_id.as_deref(),
                        })
                        .map_err(store_error)?;
                    let ev = DomainEvent::ChatMessageChanged { message: m };
                    inner.publish(ev.clone());
                    inner.wake.notify_one();
                    Ok(vec![ev])
                }
                .boxed(),
            ),
            Command::RetryMessage {
                conversation_id,
                client_id,
            } => Some(
                async move {
                    let m = inner
                        .cache
                        .retry(&conversation_id, &client_id)
                        .map_err(store_error)?
                        .ok_or_else(|| {
                            Error::InvalidInput(format!("no failed message {client_id:?} here"))
                        })?;
                    let ev = DomainEvent::ChatMessageChanged { message: m };
                    inner.publish(ev.clone());
                    inner.wake.notify_one();
                    Ok(vec![ev])
                }
                .boxed(),
            ),
            Command::DiscardMessage {
                conversation_id,
                client_id,
            } => Some(
                async move {
                    if !inner
                        .cache
                        .discard(&conversation_id, &client_id)
                        .map_err(store_error)?
                    {
                        return Err(Error::InvalidInput(format!(
                            "no unsent message {client_id:?} here"
                        )));
                    }
                    let ev = DomainEvent::ChatMessageDiscarded {
                        conversation_id,
                        client_id,
                    };
                    inner.publish(ev.clone());
                    Ok(vec![ev])
                }
                .boxed(),
            ),
            Command::SearchMessages {
                query,
                conversation_id,
                limit,
            } => Some(
                async move {
                    let messages = inner
                        .cache
                        .search(&query, conversation_id.as_deref(), limit.unwrap_or(50))
                        .map_err(store_error)?;
                    Ok(vec![DomainEvent::SearchResults { query, messages }])
                }
                .boxed(),
            ),
            Command::LoadMessages {
                conversation_id,
                before,
                limit,
            } => Some(load_messages(inner, conversation_id, before, limit.unwrap_or(50)).boxed()),
            Command::SetTyping {
                conversation_id,
                typing,
            } => Some(super::typing::set(inner, conversation_id, typing).boxed()),
            _ => None,
        }
    }
}
