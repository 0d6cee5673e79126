//! [`ParlorClient`]'s messaging: rooms, sending through the outbox, the cache's history and
//! search, and the observed lists of a conversation's messages and of the chats.

use super::ParlorClient;
use crate::error::{report, ParlorError};
use crate::events::Event;
use crate::listeners::{ChatListListener, MessageListListener};
use crate::records::{chat_items, ChatItem, ChatSummary, HistoryPage};
use crate::runtime::TaskHandle;
use parlor_core::model::ChatSummary as CoreChatSummary;
use parlor_core::observe::ListChange;
use parlor_core::Command;
use std::sync::Arc;

fn summaries(list: &[CoreChatSummary]) -> Vec<ChatSummary> {
    list.iter().map(ChatSummary::from).collect()
}

#[uniffi::export(async_runtime = "tokio")]
impl ParlorClient {
    /// Join a conversation's room (needed before sending in most dialects).
    pub async fn join_conversation(
        &self,
        conversation_id: String,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::JoinConversation { conversation_id })
            .await
    }

    /// Sends a text through the persistent outbox: it is in the cache (state `pending`) when
    /// this returns and is delivered when connected, retried on transient failures.
    pub async fn send_message(
        &self,
        conversation_id: String,
        text: String,
    ) -> Result<Vec<Event>, ParlorError> {
        self.send(Command::SendMessage {
            conversation_id,
            client_id: uuid::Uuid::new_v4().to_string(),
            text: Some(text),
            reply_to: None,
            file_id: None,
        })
        .await
    }

    /// A page of a conversation's history from the local cache (works offline): the
    /// `limit` messages before `before` (a `local_id`), or the latest.
    pub fn history(
        &self,
        conversation_id: String,
        before: Option<i64>,
        limit: u32,
    ) -> Result<HistoryPage, ParlorError> {
        let (messages, has_more) = self
            .messenger
            .cache()
            .page(&conversation_id, before, limit)?;
        Ok(HistoryPage {
            messages: chat_items(&messages),
            has_more,
        })
    }

    /// Full-text search in the cache, in one conversation or all.
    pub fn search_messages(
        &self,
        query: String,
        conversation_id: Option<String>,
        limit: u32,
    ) -> Result<Vec<ChatItem>, ParlorError> {
        let found = self
            .messenger
            .cache()
            .search(&query, conversation_id.as_deref(), limit)?;
        Ok(chat_items(&found))
    }

    /// Observes one conversation: its latest `limit` messages, then every message that
    /// appears or changes, until `cancel()`.
    pub fn observe_messages(
        &self,
        conversation_id: String,
        limit: u32,
        listener: Arc<dyn MessageListListener>,
    ) -> Result<Arc<TaskHandle>, ParlorError> {
        // The core keeps the list (the page, then changes; the page again after a discard or
        // a lag).
        let mut list = self
            .messenger
            .observe_conversation(&conversation_id, limit)?;
        Ok(TaskHandle::spawn(async move {
            report(listener.on_snapshot(chat_items(&list.take_snapshot())));
            while let Some(change) = list.next_change().await {
                match change {
                    ListChange::Reset(all) => report(listener.on_snapshot(chat_items(&all))),
                    ListChange::Set(message) => report(listener.on_change((&message).into())),
                    // Messages leave a page only by a discard, which comes as a reset.
                    _ => {}
                }
            }
        }))
    }

    /// Observes the list of chats (the conversations the server listed or that were joined,
    /// newest activity first): the list now, then each change, until `cancel()`.
    pub fn observe_chats(
        &self,
        listener: Arc<dyn ChatListListener>,
    ) -> Result<Arc<TaskHandle>, ParlorError> {
        let mut list = self.messenger.observe_chats()?;
        Ok(TaskHandle::spawn(async move {
            report(listener.on_snapshot(summaries(&list.take_snapshot())));
            while let Some(change) = list.next_change().await {
                match change {
                    ListChange::Reset(all) => report(listener.on_snapshot(summaries(&all))),
                    ListChange::Set(chat) => report(listener.on_update((&chat).into())),
                    ListChange::Remove(id) => report(listener.on_remove(id)),
                    _ => {}
                }
            }
        }))
    }
}
