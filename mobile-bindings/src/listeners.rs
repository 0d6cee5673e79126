//! Foreign traits: the app implements these (Kotlin/Swift/Python classes).

use parlor_core::token::{TokenError, TokenFuture, TokenSource};
use std::sync::Arc;

use crate::error::ListenerError;
use crate::events::Event;
use crate::records::{ChatItem, ChatSummary, ExpertItem};

/// Where the app keeps secrets: the Android Keystore, the iOS Keychain. Parlor asks it for
/// the access token before every connection attempt, so a refreshed token is picked up on
/// reconnect. Called on a background thread. A store that throws (a locked Keychain) is a
/// failed attempt, tried again with the connection's backoff.
#[uniffi::export(with_foreign)]
pub trait SecretStore: Send + Sync {
    /// The secret stored under `key`, if any.
    fn get(&self, key: String) -> Result<Option<String>, ListenerError>;
    /// Stores `value` under `key`.
    fn set(&self, key: String, value: String) -> Result<(), ListenerError>;
    /// Forgets `key`.
    fn delete(&self, key: String) -> Result<(), ListenerError>;
}

/// Receives every domain event of a client, in order, on a background thread. A listener
/// method that throws is logged and delivery goes on (so for the list listeners below).
#[uniffi::export(with_foreign)]
pub trait EventListener: Send + Sync {
    /// One event; called in order, never concurrently for one subscription.
    fn on_event(&self, event: Event) -> Result<(), ListenerError>;
}

/// Observes the online experts: the whole list first, then changes.
#[uniffi::export(with_foreign)]
pub trait ExpertListListener: Send + Sync {
    /// The whole list, once, before any change.
    fn on_snapshot(&self, experts: Vec<ExpertItem>) -> Result<(), ListenerError>;
    /// An expert appeared or changed (keyed by `id`: replace or insert).
    fn on_update(&self, expert: ExpertItem) -> Result<(), ListenerError>;
    /// An expert left the list.
    fn on_remove(&self, expert_id: String) -> Result<(), ListenerError>;
}

/// Observes one conversation's messages in the cache: the latest page first, then each
/// message that appears or changes (keyed by `local_id`: replace or insert).
#[uniffi::export(with_foreign)]
pub trait MessageListListener: Send + Sync {
    /// The latest page, oldest first, once, before any change.
    fn on_snapshot(&self, messages: Vec<ChatItem>) -> Result<(), ListenerError>;
    /// A message appeared or changed (keyed by `local_id`).
    fn on_change(&self, message: ChatItem) -> Result<(), ListenerError>;
}

/// Observes the list of chats: the conversations the server listed or that were joined,
/// newest activity first.
#[uniffi::export(with_foreign)]
pub trait ChatListListener: Send + Sync {
    /// The whole list, once, before any change (and again after a listing or a lag).
    fn on_snapshot(&self, chats: Vec<ChatSummary>) -> Result<(), ListenerError>;
    /// A chat appeared or changed (keyed by `id`: replace or insert, then sort by
    /// `last_activity`, newest first).
    fn on_update(&self, chat: ChatSummary) -> Result<(), ListenerError>;
    /// A chat left the list.
    fn on_remove(&self, chat_id: String) -> Result<(), ListenerError>;
}

/// The core's token source over the app's secret store.
pub(crate) struct StoredToken {
    pub(crate) store: Arc<dyn SecretStore>,
    pub(crate) key: String,
}

impl TokenSource for StoredToken {
    fn token(&self) -> TokenFuture<'_> {
        let store = self.store.clone();
        let key = self.key.clone();
        Box::pin(async move {
            let got = tokio::task::spawn_blocking(move || store.get(key))
                .await
                .map_err(|e| TokenError(format!("the secret store failed: {e}")))?
                .map_err(|e| TokenError(format!("the secret store failed: {e}")))?;
            match got {
                Some(t) if !t.trim().is_empty() => {
                    crate::logging::remember_secret(t.trim());
                    Ok(t.trim().to_owned())
                }
                _ => Err(TokenError("the secret store has no token".into())),
            }
        })
    }
}
