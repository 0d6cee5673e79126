//! The lists a Messenger keeps for the apps: a conversation's messages and the list of chats,
//! each a snapshot from the cache, then its changes.

use super::*;
use crate::messaging::cache::sort_chats;
use crate::messaging::time::parse_iso_ms;
use crate::model::{ChatSummary, ConversationInfo};
use std::collections::HashMap;

#[cfg(test)]
mod tests;

impl Messenger {
    /// A conversation's latest `limit` messages from the cache as a list: that page, then each
    /// message that appears or changes (keyed by `local_id`); after a discard, the page again.
    /// `Error::Closed` once the client is gone.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use parlor_core::observe::ListChange;
    /// use parlor_core::{DialectId, ServerProfile, Session, StaticToken};
    /// use std::sync::Arc;
    /// # let dir = std::env::temp_dir().join(format!("parlor-doc-observe-{}", std::process::id()));
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// let profile = ServerProfile::new(DialectId::SupportChat, "http://127.0.0.1:9");
    /// let session = Session::builder(profile, Arc::new(StaticToken::new("jwt")))
    ///     .data_dir(dir.clone())
    ///     .build()?;
    /// let messenger = session.messenger.as_ref().ok_or("a cache gives a messenger")?;
    /// messenger.send_text("chat-1", "first")?;
    /// // The latest 50 messages, then their changes: what a chat screen shows.
    /// let mut list = messenger.observe_conversation("chat-1", 50)?;
    /// assert_eq!(list.snapshot().len(), 1);
    /// let second = messenger.send_text("chat-1", "second")?;
    /// match list.next_change().await {
    ///     Some(ListChange::Set(m)) => assert_eq!(m.local_id, second.local_id()),
    ///     other => panic!("expected the new message, got {other:?}"),
    /// }
    /// # drop((list, session));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    pub fn observe_conversation(
        &self,
        conversation_id: &str,
        limit: u32,
    ) -> Result<ObservedList<ChatMessage>, Error> {
        let client = self.inner.client.upgrade().ok_or(Error::Closed)?;
        let events = client.subscribe();
        let conv = conversation_id.to_owned();
        let page = {
            let inner = self.inner.clone();
            let conv = conv.clone();
            move || match inner.cache.page(&conv, None, limit) {
                Ok((messages, _)) => Some(messages),
                Err(e) => {
                    tracing::warn!(error = %e, "could not read a conversation's page again");
                    None
                }
            }
        };
        let snapshot = self
            .inner
            .cache
            .page(&conv, None, limit)
            .map_err(store_error)?
            .0;
        let page_after_discard = page.clone();
        Ok(ObservedList::new(events, snapshot, page, move |event| {
            match event {
                DomainEvent::ChatMessageChanged { message } if message.conversation_id == conv => {
                    Some(ListChange::Set(message))
                }
                // The row is gone, and with it its local id: the page again.
                DomainEvent::ChatMessageDiscarded {
                    conversation_id, ..
                } if conversation_id == conv => page_after_discard().map(ListChange::Reset),
                _ => None,
            }
        }))
    }

    /// Every conversation the server listed or we joined, as a list of chats (keyed by
    /// conversation id): the cache's, newest activity first; then each conversation that a
    /// listing, a status, a join or leave, or a newer message changes. A listing from the
    /// server comes as a reset. `Error::Closed` once the client is gone.
    pub fn observe_chats(&self) -> Result<ObservedList<ChatSummary>, Error> {
        let client = self.inner.client.upgrade().ok_or(Error::Closed)?;
        let events = client.subscribe();
        let snapshot = self.inner.cache.chat_summaries().map_err(store_error)?;
        // The list is kept from the events themselves, so it never waits for (or races) the
        // receive path's write of the same event; the cache is read again only after a lag.
        let known = Arc::new(Mutex::new(Chats::from(snapshot.clone())));
        let refresh = {
            let (inner, known) = (self.inner.clone(), known.clone());
            move || match inner.cache.chat_summaries() {
                Ok(list) => {
                    *lock(&known) = Chats::from(list.clone());
                    Some(list)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the list of chats again");
                    None
                }
            }
        };
        Ok(ObservedList::new(events, snapshot, refresh, move |event| {
            lock(&known).change(event)
        }))
    }
}

fn lock(chats: &Mutex<Chats>) -> std::sync::MutexGuard<'_, Chats> {
    chats.lock().unwrap_or_else(|p| p.into_inner())
}

/// The list of chats as the observer last told it.
#[derive(Default)]
struct Chats(HashMap<String, ChatSummary>);

impl From<Vec<ChatSummary>> for Chats {
    fn from(list: Vec<ChatSummary>) -> Chats {
        Chats(list.into_iter().map(|c| (c.id.clone(), c)).collect())
    }
}

impl Chats {
    /// What `event` changes in the list, applied here too.
    fn change(&mut self, event: DomainEvent) -> Option<ListChange<ChatSummary>> {
        match event {
            DomainEvent::Conversations { conversations } => {
                for listed in &conversations {
                    self.listed(listed);
                }
                let mut all: Vec<ChatSummary> = self.0.values().cloned().collect();
                sort_chats(&mut all);
                Some(ListChange::Reset(all))
            }
            DomainEvent::ConversationStatusChanged {
                conversation_id,
                status,
            } => self.set(&conversation_id, true, |c| c.status = Some(status)),
            DomainEvent::ConversationJoined {
                conversation_id, ..
            } => self.set(&conversation_id, true, |c| c.joined = true),
            DomainEvent::ConversationLeft { conversation_id } => {
                self.set(&conversation_id, false, |c| c.joined = false)
            }
            // Only a conversation in the list moves; a message alone does not make one a chat.
            DomainEvent::ChatMessageChanged { message } => {
                self.set(&message.conversation_id, false, |c| {
                    c.last_activity_ms = c.last_activity_ms.max(Some(message.sort_ts));
                })
            }
            _ => None,
        }
    }

    /// The server listed `listed`: as the cache merges it (a missing status keeps ours).
    fn listed(&mut self, listed: &ConversationInfo) {
        let c = self
            .0
            .entry(listed.id.clone())
            .or_insert_with(|| ChatSummary::new(listed.id.clone()));
        if listed.status.is_some() {
            c.status = listed.status.clone();
        }
        c.participants = listed.participants.clone();
        c.unread = listed.unread;
        let at = listed.last_message_at.as_deref().and_then(parse_iso_ms);
        c.last_activity_ms = c.last_activity_ms.max(at);
    }

    /// Applies `edit` to conversation `id` (added first when `create`s): its new form when it
    /// changed.
    fn set(
        &mut self,
        id: &str,
        create: bool,
        edit: impl FnOnce(&mut ChatSummary),
    ) -> Option<ListChange<ChatSummary>> {
        let existed = self.0.contains_key(id);
        if !existed && !create {
            return None;
        }
        let c = self
            .0
            .entry(id.to_owned())
            .or_insert_with(|| ChatSummary::new(id));
        let before = c.clone();
        edit(c);
        (!existed || *c != before).then(|| ListChange::Set(c.clone()))
    }
}
