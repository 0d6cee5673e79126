//! Seed 003: a NestJS-style support chat gateway. Every client event is answered through the
//! socket.io ack with a `{event, data}` envelope, which is decoded like the event it names.
//!
//! # What is accepted from a server
//! On top of the shared rules of the `wire` module (names tried in order; the payload's
//! `data` object read like the payload; ids as strings, numbers or `{id | _id}` objects,
//! `xId` also as `x: {id}`; `null` = absent; an odd optional field is absent, logged at
//! debug; everything else ignored). The chat is `chatId`, `chat_id` or `chat: {id}`; a user
//! `userId`, `user_id` or `user: {id}` (*needs* = a [`ProtocolError`] without it):
//! - `newMessage`, `messageSent` (a `Message`): needs `id`, the chat and the sender
//!   (`sender: {id}` or `senderId`); also read inside `message`. Optional: `text` /
//!   `content`, `fileUrl` (then a file), `replyToId` / `replyTo: {id}`, `createdAt`,
//!   `sender.email` / `role`, `clientMessageId`.
//! - `joinedChat`: needs the chat (`chatId`, `id`, or the bare id); `messages` that cannot be
//!   read are skipped.
//! - `leftChat`: needs the chat (the bare id, as documented, or `{chatId}`).
//! - `userTyping`: needs `isTyping` (`is_typing`, `typing`). Optional: user, `email`, chat.
//! - `messagesRead`: needs the user and `messageIds` (items that are not ids skipped).
//! - `messagesMarkedRead`: a list of `{id, readBy}` (or under `messages` / `items` /
//!   `data`); `readBy` is a count or the list of readers; items without both are skipped.
//! - `activeUsers`: needs the chat and `userIds` (`users`, `activeUsers`; ids or `{id}`).
//! - `participantUpdate`: needs the user and `action` joined / join / left / leave (any
//!   case). Optional: chat, `timestamp`.
//! - `chatStatusChanged`: needs the chat and `status`, kept as the server spells it.
//! - `error`, and NestJS's `exception`: need nothing; code and message from any common
//!   shape (a string, `{message, code}`, `{status: 'error', message}`).
//!
//! Acks: the first argument is the envelope, or what servers send instead. A recognisable
//! error (`{event: 'error', data}` with a string or `{code, message}`, `{ok | success:
//! false}`, an `error`) fails the command with the server's code and message. Anything
//! else is success: the envelope's data (or a bare data value) is decoded as the event
//! that answers the command (`joinChat` → `joinedChat`, `sendMessage` → `messageSent`, …),
//! with the chat we sent standing in for a missing `chatId`. An ack without a body (or
//! `true`, or one that cannot be read) still confirms a join, a leave or a status change
//! for the chat we sent; for a send or a read receipt it tells nothing more than success.

use super::answer::accepted;
use super::wire::{first_ack_arg, ProtocolError};
use super::{
    decode_raw_reply, encode_raw, BackfillRequest, Capability, Confirmation, Dialect, DialectError,
    DialectId, DialectName, MessageDelivery, Outbound, Reconcile,
};
use crate::command::Command;
use crate::event::DomainEvent;
use serde_json::{json, Value};
use tracing::debug;

mod read;
#[cfg(test)]
mod tests;

use read::decode_event;

/// How a sign-in form offers this dialect ([`super::DialectSetup`]).
pub const SETUP: super::DialectSetup = super::DialectSetup {
    id: super::DialectId::SupportChat,
    seed: "003",
    label: "Support chat",
    hint: "Chat gateway with receipts",
    rest_at_socket_url: false,
    expert_namespace: "/",
    capabilities: CAPABILITIES,
};

/// The seed 003 dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct SupportChat;

const CAPABILITIES: &[Capability] = &[
    Capability::Messaging,
    Capability::History,
    Capability::Typing,
    Capability::ReadReceipts,
    Capability::Replies,
    Capability::ActiveUsers,
    Capability::ConversationStatus,
];

const ENVELOPE: &str = "envelope";

impl Dialect for SupportChat {
    fn name(&self) -> DialectName {
        DialectId::SupportChat.into()
    }

    fn capabilities(&self) -> &'static [Capability] {
        CAPABILITIES
    }

    fn encode(&self, cmd: &Command) -> Result<Vec<Outbound>, DialectError> {
        if let Some(raw) = encode_raw(cmd) {
            return Ok(vec![raw]);
        }
        let out = match cmd {
            Command::JoinConversation { conversation_id } => {
                Outbound::request("joinChat", json!(conversation_id), ENVELOPE)
            }
            Command::LeaveConversation { conversation_id } => {
                Outbound::request("leaveChat", json!(conversation_id), ENVELOPE)
            }
            Command::SendMessage {
                conversation_id,
                client_id,
                text,
                reply_to,
                file_id,
            } => {
                if text.as_deref().is_none_or(|t| t.trim().is_empty()) && file_id.is_none() {
                    return Err(DialectError::InvalidCommand(
                        "a message needs text or a file".into(),
                    ));
                }
                let mut message = json!({ "clientMessageId": client_id });
                if let Some(t) = text {
                    message["text"] = json!(t);
                }
                if let Some(f) = file_id {
                    message["fileId"] = json!(f);
                }
                if let Some(r) = reply_to {
                    message["replyToId"] = json!(r);
                }
                Outbound::request(
                    "sendMessage",
                    json!({ "chatId": conversation_id, "message": message }),
                    ENVELOPE,
                )
            }
            // The gateway does not answer typing: a plain emit, no ack to wait for.
            Command::SetTyping {
                conversation_id,
                typing,
            } => Outbound::emit(
                "typing",
                json!({ "chatId": conversation_id, "isTyping": typing }),
            ),
            Command::MarkRead {
                conversation_id,
                message_ids,
            } => Outbound::request(
                "readMessages",
                json!({ "chatId": conversation_id, "messageIds": message_ids }),
                ENVELOPE,
            ),
            Command::GetActiveUsers { conversation_id } => {
                Outbound::request("getActiveUsers", json!(conversation_id), ENVELOPE)
            }
            Command::SetConversationStatus {
                conversation_id,
                status,
            } => Outbound::request(
                "setChatStatus",
                json!({ "chatId": conversation_id, "status": status }),
                ENVELOPE,
            ),
            other => return Err(self.unsupported(other)),
        };
        Ok(vec![out])
    }

    fn decode(&self, event: &str, args: &[Value]) -> Result<Vec<DomainEvent>, ProtocolError> {
        decode_event(event, args, None).map(|e| vec![e])
    }

    /// The document prints each answer as `{event, data}`: a NestJS gateway returning that
    /// emits the event and never acks, so the named event answers as well as the ack.
    fn answer_events(&self, request_event: &str) -> &'static [&'static str] {
        match request_event {
            "joinChat" => &["joinedChat", "error", "exception"],
            "leaveChat" => &["leftChat", "error", "exception"],
            // Not an error event: one about anything else (a typing emit, another chat) must
            // never fail a message the server may have stored.
            "sendMessage" => &["messageSent"],
            "readMessages" => &["messagesMarkedRead", "error", "exception"],
            "getActiveUsers" => &["activeUsers", "error", "exception"],
            "setChatStatus" => &["chatStatusChanged", "error", "exception"],
            _ => &[],
        }
    }

    /// `sendMessage` is answered through the ack (`{event: 'messageSent', data: Message}`);
    /// rejoining (`joinChat`) answers with the recent messages, which tell after a reconnect
    /// whether a message whose ack never came arrived.
    fn message_delivery(&self) -> Option<MessageDelivery> {
        Some(MessageDelivery {
            confirmed_by: Confirmation::Answer,
            reconcile: Reconcile::RejoinAnswer,
        })
    }

    /// The gateway keeps no history to page through, but its join answers with the recent
    /// messages: joining again fills the newest page.
    fn backfill(&self, page: &BackfillRequest<'_>) -> Option<Command> {
        page.newest.then(|| Command::JoinConversation {
            conversation_id: page.conversation_id.to_owned(),
        })
    }

    fn decode_reply(
        &self,
        sent: &Outbound,
        answer: &Value,
    ) -> Result<Vec<DomainEvent>, DialectError> {
        if let Some(events) = decode_raw_reply(sent, answer) {
            return Ok(events);
        }
        // The ack's first argument: the document's `{event, data}` envelope, or what servers
        // send instead (the data alone, `{ok: true}`, `true`, nothing).
        let body = first_ack_arg(answer);
        accepted(&body)?;
        let (sent_event, chat) = match sent {
            Outbound::Request { event, .. } => (
                event.as_str(),
                sent.sent_str("").or_else(|| sent.sent_str("chatId")),
            ),
            _ => ("", None),
        };
        let answering = answering(sent_event).unwrap_or("");
        let (event, data) = match &body {
            Value::Object(m) if m.get("event").is_some_and(Value::is_string) => (
                m.get("event").and_then(Value::as_str).unwrap_or(answering),
                m.get("data").cloned().unwrap_or(Value::Null),
            ),
            other => (answering, other.clone()),
        };
        if data.is_null() || data.is_boolean() {
            return Ok(succeeded(sent, sent_event, chat));
        }
        match decode_event(event, std::slice::from_ref(&data), chat.as_deref()) {
            Ok(e) => Ok(vec![with_sent_client_id(e, sent)]),
            Err(e) => {
                // The command succeeded; what came with it is not readable.
                debug!(event, reason = %e.reason, raw = %e.raw, "ack without a readable answer");
                Ok(succeeded(sent, sent_event, chat))
            }
        }
    }
}

/// The event the document prints as the answer to each request.
fn answering(request_event: &str) -> Option<&'static str> {
    Some(match request_event {
        "joinChat" => "joinedChat",
        "leaveChat" => "leftChat",
        "sendMessage" => "messageSent",
        "readMessages" => "messagesMarkedRead",
        "getActiveUsers" => "activeUsers",
        "setChatStatus" => "chatStatusChanged",
        _ => return None,
    })
}

/// The document's Message has no client id: the ack answers our send, so the message it
/// carries is the one we sent.
fn with_sent_client_id(mut event: DomainEvent, sent: &Outbound) -> DomainEvent {
    if let DomainEvent::MessageSent { client_id, .. } = &mut event {
        if client_id.is_none() {
            *client_id = sent
                .sent_body()
                .and_then(|b| b.get("message"))
                .and_then(|m| m.get("clientMessageId"))
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
    }
    event
}

/// What a successful ack without a readable answer still tells: the chat joined or left,
/// the status set. A send or a read receipt tells nothing more than success.
fn succeeded(sent: &Outbound, sent_event: &str, chat: Option<String>) -> Vec<DomainEvent> {
    let Some(conversation_id) = chat else {
        return vec![];
    };
    match sent_event {
        "joinChat" => vec![DomainEvent::ConversationJoined {
            conversation_id,
            recent: vec![],
        }],
        "leaveChat" => vec![DomainEvent::ConversationLeft { conversation_id }],
        "setChatStatus" => sent
            .sent_str("status")
            .map(|status| DomainEvent::ConversationStatusChanged {
                conversation_id,
                status,
            })
            .into_iter()
            .collect(),
        _ => vec![],
    }
}
