//! Queuing, retrying and discarding this account's messages: the one path behind both the
//! `SendMessage` / `RetryMessage` / `DiscardMessage` commands and a
//! [`SendHandle`](super::SendHandle).

use super::cache::Outgoing;
use super::shared::{store_error, Inner};
use crate::command::Command;
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::ChatMessage;
use crate::send_steps::send_step;

/// A message to send: text, or a file uploaded before, and what it replies to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageDraft {
    /// The text.
    pub text: Option<String>,
    /// The server id of the message replied to, where the server has replies.
    pub reply_to: Option<String>,
    /// An uploaded file's id, where the server takes files.
    pub file_id: Option<String>,
}

impl MessageDraft {
    /// A text message.
    pub fn text(text: impl Into<String>) -> MessageDraft {
        MessageDraft {
            text: Some(text.into()),
            ..MessageDraft::default()
        }
    }
}

/// Checks `draft` and writes it as a `pending` row that the outbox will send; publishes its
/// `ChatMessageChanged`. An empty `client_id` gets a new one.
pub(super) fn enqueue(
    inner: &Inner,
    conversation_id: String,
    client_id: String,
    draft: MessageDraft,
) -> Result<ChatMessage, Error> {
    let MessageDraft {
        text,
        reply_to,
        file_id,
    } = draft;
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
    // Refused now rather than by the server later, where the refusal might match no
    // message: ids the server cannot take, messages over its limit.
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
    let message = inner
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
    send_step!("queued");
    inner.publish(DomainEvent::ChatMessageChanged {
        message: message.clone(),
    });
    inner.wake_outbox();
    Ok(message)
}

/// Puts a failed or unconfirmed message back into the outbox; `None` when there is no such
/// message in one of those states.
pub(super) fn retry(
    inner: &Inner,
    conversation_id: &str,
    client_id: &str,
) -> Result<Option<ChatMessage>, Error> {
    let Some(message) = inner
        .cache
        .retry(conversation_id, client_id)
        .map_err(store_error)?
    else {
        return Ok(None);
    };
    inner.publish(DomainEvent::ChatMessageChanged {
        message: message.clone(),
    });
    inner.wake_outbox();
    Ok(Some(message))
}

/// Deletes a message of ours that has not left (pending, failed or unconfirmed); false when
/// there is none (it is on its way, already sent, or unknown).
pub(super) fn discard(
    inner: &Inner,
    conversation_id: &str,
    client_id: &str,
) -> Result<bool, Error> {
    if !inner
        .cache
        .discard(conversation_id, client_id)
        .map_err(store_error)?
    {
        return Ok(false);
    }
    inner.publish(DomainEvent::ChatMessageDiscarded {
        conversation_id: conversation_id.to_owned(),
        client_id: client_id.to_owned(),
    });
    Ok(true)
}
