//! The Messenger service: applies what the server says to the cache (receive path), claims the
//! messaging commands (send through the outbox, pages, search, retry, discard, typing).

use super::cache::{Cache, Outgoing, VoiceOutgoing};
use super::outbox;
use super::shared::{Inner, MessengerConfig};
use super::typing::Typing;
use crate::client::{Client, Service};
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
use tokio::sync::Notify;

mod history;
mod receive;
#[cfg(test)]
mod tests;

use history::load_messages;

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
            typing: Arc::new(Typing::new(config.typing_throttle, config.typing_idle)),
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
            } => Some(
                super::typing::set(inner.typing.clone(), inner.client.clone(), conversation_id, typing)
                    .boxed(),
            ),
            _ => None,
        }
    }
}
