//! Messaging: pages from the cache, sending through the outbox, typing, receipts,
//! reactions, retry/discard, search.

use crate::error::{AppError, AppResult};
use crate::lists::ListUpdate;
use crate::session::Session;
use crate::state::AppState;
use parlor_core::messaging::{ChatMessage, ChatSummary, Messenger};
use parlor_core::{Command, LocalCommand};
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::State;

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
    unless_unsupported(
        state
            .send(Command::JoinConversation { conversation_id })
            .await,
    )
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

/// Observes this account's chats (the conversations the server listed or that were joined;
/// from the cache, so offline too): a `reset`, then each change, until sign-out. Where the
/// server lists conversations, a listing is asked for; its answer arrives as a `reset`.
#[tauri::command]
#[specta::specta]
pub async fn observe_chats(
    state: State<'_, AppState>,
    channel: Channel<ListUpdate<ChatSummary>>,
) -> AppResult<()> {
    {
        let guard = state.session.lock().await;
        let session = guard.as_ref().ok_or_else(AppError::not_signed_in)?;
        let messenger = messenger_of(session)?;
        session.forward_list("chats".into(), messenger.observe_chats()?, channel);
    }
    refresh_chats(state).await
}

/// Asks the server for this account's conversations, where it lists them (the list of chats
/// shows the answer); nothing where it cannot.
#[tauri::command]
#[specta::specta]
pub async fn refresh_chats(state: State<'_, AppState>) -> AppResult<()> {
    unless_unsupported(
        state
            .send(Command::ListConversations { status: None })
            .await,
    )
}

/// Observes conversation `conversation_id`'s latest `limit` messages (default 50, at most
/// 500) from the cache: a `reset`, then each message that appears or changes, until sign-out
/// or until the same conversation is observed again (with a larger `limit` to show older
/// messages). When online, a backfill from the server follows into the list. Answers whether
/// older messages are cached beyond the window.
#[tauri::command]
#[specta::specta]
pub async fn observe_messages(
    state: State<'_, AppState>,
    conversation_id: String,
    limit: Option<u32>,
    channel: Channel<ListUpdate<ChatMessage>>,
) -> AppResult<bool> {
    let limit = limit.unwrap_or(50).clamp(1, 500);
    let messenger = {
        let guard = state.session.lock().await;
        let session = guard.as_ref().ok_or_else(AppError::not_signed_in)?;
        let messenger = messenger_of(session)?;
        session.forward_list(
            format!("messages:{conversation_id}"),
            messenger.observe_conversation(&conversation_id, limit)?,
            channel,
        );
        messenger
    };
    // After observing, so the backfill's messages reach the list as changes.
    let page = messenger
        .load_page(&conversation_id, None, Some(limit))
        .await?;
    Ok(page.has_more)
}

/// The session's messenger, or why there is none.
fn messenger_of(session: &Session) -> AppResult<Arc<Messenger>> {
    session.core().messenger.clone().ok_or_else(no_messages)
}

fn no_messages() -> AppError {
    AppError::new("unsupported", "This session keeps no messages.")
}

/// A command the server may not know (no rooms, no listing): done either way.
fn unless_unsupported<T>(answer: AppResult<T>) -> AppResult<()> {
    match answer {
        Err(e) if e.code == "unsupported" => Ok(()),
        other => other.map(drop),
    }
}
