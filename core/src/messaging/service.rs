//! The Messenger service: applies what the server says to the cache (receive path), claims the
//! messaging commands (send through the outbox, pages, search, retry, discard, typing).

use super::cache::{Cache, VoiceOutgoing};
use super::outbox;
use super::send_handle::SendHandle;
use super::sending::{self, MessageDraft};
use super::shared::{store_error, Inner, MessengerConfig};
use super::typing::Typing;
use crate::client::{Client, Service};
use crate::command::{Command, LocalCommand};
use crate::dialect::{BackfillRequest, Reconcile, SendRefusal};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{ChatMessage, DeliveryState, PageSource};
use crate::model::{Message, MessageKind, Party};
use crate::observe::{ListChange, ObservedList};
use crate::store::{Store, StoreError};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

mod history;
mod observe;
mod receive;
#[cfg(test)]
mod tests;

use history::load_messages;
pub use history::MessagePage;

/// The messaging service. See the [module documentation](super).
pub struct Messenger {
    inner: Arc<Inner>,
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
            wake: Arc::new(Notify::new()),
            progress: Arc::new(Notify::new()),
            rejoin: AtomicBool::new(true),
            rate_limited: AtomicBool::new(false),
            error_meanwhile: AtomicBool::new(false),
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

    /// Queues `draft` for `conversation_id` in the outbox (offline too) and returns its
    /// handle: its ids, its state from the cache, a wait until the server settles it, abort
    /// and retry. The same checks and path as `Command::SendMessage`, whose
    /// `ChatMessageChanged` is published as well. A new client id is chosen.
    ///
    /// Offline, the message waits in the outbox (and in the cache, across restarts):
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use parlor_core::messaging::{DeliveryState, MessageDraft};
    /// use parlor_core::{DialectId, ServerProfile, Session, StaticToken};
    /// use std::sync::Arc;
    /// # let dir = std::env::temp_dir().join(format!("parlor-doc-send-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// // Nothing listens on port 9: nothing can leave yet.
    /// let profile = ServerProfile::new(DialectId::SupportChat, "http://127.0.0.1:9");
    /// let session = Session::builder(profile, Arc::new(StaticToken::new("jwt")))
    ///     .data_dir(dir.clone())
    ///     .build()?;
    /// let messenger = session.messenger.as_ref().ok_or("a cache gives a messenger")?;
    /// let handle = messenger.send("chat-1", MessageDraft::text("hello"))?;
    /// assert_eq!(handle.state()?, Some(DeliveryState::Pending));
    /// assert_eq!(handle.conversation_id(), "chat-1");
    /// // Taken back before it left: nothing reaches the server.
    /// assert!(handle.abort()?);
    /// assert_eq!(handle.state()?, None);
    /// // Empty messages are refused at once.
    /// assert!(messenger.send_text("chat-1", "  ").is_err());
    /// # drop(session);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    pub fn send(&self, conversation_id: &str, draft: MessageDraft) -> Result<SendHandle, Error> {
        let message = sending::enqueue(
            &self.inner,
            conversation_id.to_owned(),
            String::new(),
            draft,
        )?;
        Ok(SendHandle::new(self.inner.clone(), &message))
    }

    /// A page of `conversation_id` from the cache, oldest first: the latest `limit` (default
    /// 50), or those before the message with local id `before`. When online and the dialect
    /// can, a backfill from the server follows and its page is published as a
    /// `messages_page` event (`source: server`).
    pub async fn load_page(
        &self,
        conversation_id: &str,
        before: Option<i64>,
        limit: Option<u32>,
    ) -> Result<MessagePage, Error> {
        let inner = self.inner.clone();
        history::load_page(inner, conversation_id.into(), before, limit.unwrap_or(50)).await
    }

    /// Full-text search over the cached messages (of one conversation, or all), newest
    /// first, at most `limit` (default 50); works offline.
    pub fn search(
        &self,
        query: &str,
        conversation_id: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Vec<ChatMessage>, Error> {
        search(&self.inner, query, conversation_id, limit)
    }

    /// Queues a text message; see [`send`](Self::send).
    pub fn send_text(&self, conversation_id: &str, text: &str) -> Result<SendHandle, Error> {
        self.send(conversation_id, MessageDraft::text(text))
    }
}

impl Service for Messenger {
    fn writes_to(&self) -> Option<&Store> {
        Some(self.inner.cache.store())
    }

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
                    let draft = MessageDraft {
                        text,
                        reply_to,
                        file_id,
                    };
                    let message = sending::enqueue(&inner, conversation_id, client_id, draft)?;
                    Ok(vec![DomainEvent::ChatMessageChanged { message }])
                }
                .boxed(),
            ),
            Command::SetTyping {
                conversation_id,
                typing,
            } => Some(
                super::typing::set(
                    inner.typing.clone(),
                    inner.client.clone(),
                    conversation_id,
                    typing,
                )
                .boxed(),
            ),
            _ => None,
        }
    }

    fn handle_local(
        &self,
        cmd: &LocalCommand,
    ) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        let inner = self.inner.clone();
        // A voice note's audio is in the voice outbox: resending or discarding it is that
        // service's work (it claims these commands for its notes).
        if let LocalCommand::RetryMessage {
            conversation_id,
            client_id,
        }
        | LocalCommand::DiscardMessage {
            conversation_id,
            client_id,
        } = cmd
        {
            if inner
                .cache
                .is_own_voice(conversation_id, client_id)
                .unwrap_or(false)
            {
                return None;
            }
        }
        match cmd.clone() {
            LocalCommand::RetryMessage {
                conversation_id,
                client_id,
            } => Some(
                async move {
                    let message = sending::retry(&inner, &conversation_id, &client_id)?
                        .ok_or_else(|| {
                            Error::InvalidInput(format!("no failed message {client_id:?} here"))
                        })?;
                    Ok(vec![DomainEvent::ChatMessageChanged { message }])
                }
                .boxed(),
            ),
            LocalCommand::DiscardMessage {
                conversation_id,
                client_id,
            } => Some(
                async move {
                    if !sending::discard(&inner, &conversation_id, &client_id)? {
                        return Err(Error::InvalidInput(format!(
                            "no unsent message {client_id:?} here"
                        )));
                    }
                    Ok(vec![DomainEvent::ChatMessageDiscarded {
                        conversation_id,
                        client_id,
                    }])
                }
                .boxed(),
            ),
            LocalCommand::SearchMessages {
                query,
                conversation_id,
                limit,
            } => Some(
                async move {
                    let messages = search(&inner, &query, conversation_id.as_deref(), limit)?;
                    Ok(vec![DomainEvent::SearchResults { query, messages }])
                }
                .boxed(),
            ),
            LocalCommand::LoadMessages {
                conversation_id,
                before,
                limit,
            } => Some(load_messages(inner, conversation_id, before, limit.unwrap_or(50)).boxed()),
            _ => None,
        }
    }
}

fn search(
    inner: &Inner,
    query: &str,
    conversation_id: Option<&str>,
    limit: Option<u32>,
) -> Result<Vec<ChatMessage>, Error> {
    inner
        .cache
        .search(query, conversation_id, limit.unwrap_or(50))
        .map_err(store_error)
}
