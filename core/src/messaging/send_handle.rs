//! A message on its way, as a value: what `Messenger::send` returns, in the manner of
//! matrix-rust-sdk's send queue handles. The caller keeps the ids, reads the state from the
//! cache, waits until the server settles the message, and may abort or retry it, without
//! fishing answers out of event lists.

use super::sending;
use super::shared::{store_error, Inner};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{ChatMessage, DeliveryState};
use std::sync::Arc;
use std::time::Duration;

/// The longest `settled` waits: a year stands for "no limit" without overflowing `Instant`.
const LONGEST_WAIT: Duration = Duration::from_secs(365 * 24 * 3600);

/// One of this account's messages, queued by `Messenger::send`. Dropping the handle changes
/// nothing: the outbox keeps sending the message.
pub struct SendHandle {
    inner: Arc<Inner>,
    local_id: i64,
    conversation_id: String,
    client_id: String,
}

/// Whether a message in `state` still waits for the server.
fn on_its_way(state: DeliveryState) -> bool {
    matches!(state, DeliveryState::Pending | DeliveryState::Sending)
}

impl SendHandle {
    pub(super) fn new(inner: Arc<Inner>, message: &ChatMessage) -> SendHandle {
        SendHandle {
            inner,
            local_id: message.local_id,
            conversation_id: message.conversation_id.clone(),
            client_id: message.client_id.clone().unwrap_or_default(),
        }
    }

    /// The id this client gave the message (the server may drop resends by it).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The conversation it was sent to.
    pub fn conversation_id(&self) -> &str {
        &self.conversation_id
    }

    /// Its id in the local cache (the pagination cursor of `LoadMessages`).
    pub fn local_id(&self) -> i64 {
        self.local_id
    }

    /// The message as the cache has it now; `None` once it was discarded.
    pub fn message(&self) -> Result<Option<ChatMessage>, Error> {
        self.inner.cache.get(self.local_id).map_err(store_error)
    }

    /// Its delivery state now; `None` once it was discarded.
    pub fn state(&self) -> Result<Option<DeliveryState>, Error> {
        Ok(self.message()?.map(|m| m.state))
    }

    /// Waits until the server settles the message — sent (or delivered, read), failed, or
    /// unconfirmed — and returns it in that state. `Error::Timeout` when `timeout` passes
    /// first (the outbox goes on trying), `Error::IllegalState` when it was discarded.
    pub async fn settled(&self, timeout: Duration) -> Result<ChatMessage, Error> {
        let Some(client) = self.inner.client.upgrade() else {
            return Err(Error::Closed);
        };
        // Subscribed before the first look, so no change between the two is missed.
        let mut events = client.subscribe();
        drop(client);
        // Capped: `Duration::MAX` ("wait as long as it takes") would overflow the clock.
        let deadline = tokio::time::Instant::now() + timeout.min(LONGEST_WAIT);
        loop {
            match self.message()? {
                None => {
                    return Err(Error::IllegalState(format!(
                        "message {:?} was discarded",
                        self.client_id
                    )))
                }
                Some(m) if !on_its_way(m.state) => return Ok(m),
                Some(_) => {}
            }
            // Wait for a change of this message (or anything the queue dropped for us).
            loop {
                let next = tokio::time::timeout_at(deadline, events.recv()).await;
                match next {
                    Err(_) => {
                        return Err(Error::Timeout(format!(
                            "message {:?} not settled within {timeout:?}",
                            self.client_id
                        )))
                    }
                    Ok(None) => return Err(Error::Closed),
                    // The change carries the row as committed: no second read of the cache.
                    Ok(Some(DomainEvent::ChatMessageChanged { message }))
                        if message.local_id == self.local_id =>
                    {
                        if !on_its_way(message.state) {
                            return Ok(message);
                        }
                    }
                    Ok(Some(DomainEvent::ChatMessageDiscarded { client_id, .. }))
                        if client_id == self.client_id =>
                    {
                        break
                    }
                    Ok(Some(DomainEvent::Lagged { .. })) => break,
                    Ok(Some(_)) => {}
                }
            }
        }
    }

    /// Takes the message back if it has not left (pending, failed or unconfirmed): true when
    /// it was removed, false when it is on its way or already sent.
    pub fn abort(&self) -> Result<bool, Error> {
        sending::discard(&self.inner, &self.conversation_id, &self.client_id)
    }

    /// Puts a failed or unconfirmed message back into the outbox: true when it was queued
    /// again, false when it was in no such state.
    pub fn retry(&self) -> Result<bool, Error> {
        Ok(sending::retry(&self.inner, &self.conversation_id, &self.client_id)?.is_some())
    }
}

impl std::fmt::Debug for SendHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendHandle")
            .field("local_id", &self.local_id)
            .field("conversation_id", &self.conversation_id)
            .field("client_id", &self.client_id)
            .finish()
    }
}
