//! Messaging: pages from the cache, sending through the outbox, typing, receipts,
//! reactions, retry/discard, search.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use parlor_core::messaging::{ChatMessage, PageSource};
use parlor_core::model::ConversationInfo;
use parlor_core::{Command, DomainEvent, LocalCommand};
use serde::Serialize;
use tauri::State;

/// A page of a conversation, oldest first.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct MessagesPage {
    /// Which conversation.
    pub conversation_id: String,
    /// Messages, oldest first.
    pub messages: Vec<ChatMessage>,
    /// Whether older messages are cached.
    pub has_more: bool,
    /// The cache at once (a server backfill may follow as a `messages_page` event).
    pub source: PageSource,
}

/// A page from the local cache (offline too); a server backfill follows as an event.
#[tauri::command]
#[specta::specta]
pub async fn load_messages(
    state: State<'_, AppState>,
    conversation_id: String,
    before: Option<i64>,
    limit: Option<u32>,
) -> AppResult<MessagesPage> {
    let messenger = state
        .core(|s| s.messenger.clone())
        .await?
        .ok_or_else(no_messages)?;
    let page = messenger.load_page(&conversation_id, before, limit).await?;
    Ok(MessagesPage {
        conversation_id,
        messages: page.messages,
        has_more: page.has_more,
        source: PageSource::Cache,
    })
}

/// Queues a message in the outbox (shown at once as pending; states follow as
/// `chat_message_changed`). Returns its client id.
#[tauri::command]
#[specta::specta]
pub async fn send_message(
    state: State<'_, AppState>,
    conversation_id: String,
    text: String,
    reply_to: Option<String>,
) -> AppResult<String> {
    let client_id = uuid::Uuid::new_v4().to_string();
    state
        .send(Command::SendMessage {
            conversation_id,
            client_id: client_id.clone(),
            text: Some(text),
            reply_to,
            file_id: None,
        })
        .await?;
    Ok(client_id)
}

/// Says this user is (or stopped) typing; the core throttles.
#[tauri::command]
#[specta::specta]
pub async fn set_typing(
    state: State<'_, AppState>,
    conversation_id: String,
    typing: bool,
) -> AppResult<()> {
    state
        .send(Command::SetTyping {
            conversation_id,
            typing,
        })
        .await
        .map(drop)
}

/// Marks messages read.
#[tauri::command]
#[specta::specta]
pub async fn mark_read(
    state: State<'_, AppState>,
    conversation_id: String,
    message_ids: Vec<String>,
) -> AppResult<()> {
    state
        .send(Command::MarkRead {
            conversation_id,
            message_ids,
        })
        .await
        .map(drop)
}

/// Toggles a reaction.
#[tauri::command]
#[specta::specta]
pub async fn react(
    state: State<'_, AppState>,
    conversation_id: String,
    message_id: String,
    emoji: String,
) -> AppResult<()> {
    state
        .send(Command::React {
            conversation_id,
            message_id,
            emoji,
        })
        .await
        .map(drop)
}

/// Puts a failed message back into the outbox.
#[tauri::command]
#[specta::specta]
pub async fn retry_message(
    state: State<'_, AppState>,
    conversation_id: String,
    client_id: String,
) -> AppResult<()> {
    state
        .send(LocalCommand::RetryMessage {
            conversation_id,
            client_id,
        })
        .await
        .map(drop)
}

/// Deletes a failed or pending message of ours.
#[tauri::command]
#[specta::specta]
pub async fn discard_message(
    state: State<'_, AppState>,
    conversation_id: String,
    client_id: String,
) -> AppResult<()> {
    state
        .send(LocalCommand::DiscardMessage {
            conversation_id,
            client_id,
        })
        .await
        .map(drop)
}

/// Full-text search over the cached messages, newest first (offline too).
#[tauri::command]
#[specta::specta]
pub async fn search_messages(
    state: State<'_, AppState>,
    query: String,
    conversation_id: Option<String>,
    limit: Option<u32>,
) -> AppResult<Vec<ChatMessage>> {
    let messenger = state
        .core(|s| s.messenger.clone())
        .await?
        .ok_or_else(no_messages)?;
    Ok(messenger.search(&query, conversation_id.as_deref(), limit)?)
}

/// Joins a conversation's room, where the server wants it before it delivers messages (the
/// dialect knows its join event). Call before `load_messages`; on servers without rooms it
/// does nothing.
#[tauri::command]
#[specta::specta]
pub async fn join_conversation(
    state: State<'_, AppState>,
    conversation_id: String,
) -> AppResult<()> {
    match state
        .send(Command::JoinConversation { conversation_id })
        .await
    {
        Err(e) if e.code == "unsupported" => Ok(()),
        other => other.map(drop),
    }
}

/// Leaves a conversation's room.
#[tauri::command]
#[specta::specta]
pub async fn leave_conversation(
    state: State<'_, AppState>,
    conversation_id: String,
) -> AppResult<()> {
    state
        .send(Command::LeaveConversation { conversation_id })
        .await
        .map(drop)
}

/// This account's conversations, where the server lists them, optionally filtered by
/// status. Where the server cannot list them (it joins chats by id) the list is empty:
/// the core's cache keeps conversations but offers no way to list them.
#[tauri::command]
#[specta::specta]
pub async fn list_conversations(
    state: State<'_, AppState>,
    status: Option<String>,
) -> AppResult<Vec<ConversationInfo>> {
    let answer = state
        .ask(Command::ListConversations { status }, |e| match e {
            DomainEvent::Conversations { conversations } => Some(conversations),
            _ => None,
        })
        .await;
    match answer {
        Err(e) if e.code == "unsupported" => Ok(Vec::new()),
        other => other,
    }
}

fn no_messages() -> AppError {
    AppError::new("unsupported", "This session keeps no messages.")
}
