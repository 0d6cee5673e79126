//! Reading 003's events: chats, users and messages, by the tolerant rules the module
//! documentation states.

use crate::dialect::answer::error_parts;
use crate::dialect::wire::{first, id_of, object, party, Obj, ProtocolError};
use crate::event::DomainEvent;
use crate::model::{Message, MessageKind, Party};
use serde_json::Value;
use std::collections::BTreeMap;
use tracing::debug;

/// Where 003 payloads carry the chat (also `chat: {id}`).
pub(super) const CHAT: [&str; 2] = ["chatId", "chat_id"];

/// One event; `chat` is the chat an ack answers for, standing in where the answer leaves the
/// chat out.
pub(super) fn decode_event(
    event: &str,
    args: &[Value],
    chat: Option<&str>,
) -> Result<DomainEvent, ProtocolError> {
    let chat_or = |o: &Obj<'_>| {
        o.opt_id(CHAT)
            .or_else(|| chat.map(str::to_owned))
            .ok_or_else(|| o.error("missing field chatId"))
    };
    Ok(match event {
        "joinedChat" => match first(event, args)? {
            Value::Object(_) => {
                let o = object(event, args)?.within("chat");
                let conversation_id = o
                    .opt_id(["chatId", "chat_id", "id"])
                    .or_else(|| chat.map(str::to_owned))
                    .ok_or_else(|| o.error("missing field chatId"))?;
                let recent = o
                    .items(o.opt_arr("messages"))
                    .iter()
                    .filter_map(|m| {
                        message(m, Some(&conversation_id))
                            .map_err(|e| debug!(reason = %e.reason, "skipped a recent message"))
                            .ok()
                    })
                    .collect();
                DomainEvent::ConversationJoined {
                    conversation_id,
                    recent,
                }
            }
            other => DomainEvent::ConversationJoined {
                conversation_id: scalar_chat(event, other, chat, args)?,
                recent: vec![],
            },
        },
        "leftChat" => DomainEvent::ConversationLeft {
            conversation_id: match first(event, args)? {
                Value::Object(_) => chat_or(&object(event, args)?)?,
                other => scalar_chat(event, other, chat, args)?,
            },
        },
        "messageSent" => {
            let m = message(&object(event, args)?.within("message"), chat)?;
            DomainEvent::MessageSent {
                conversation_id: Some(m.conversation_id.clone()),
                server_id: m.id.clone(),
                client_id: m.client_id.clone(),
                message: Some(m),
            }
        }
        "newMessage" => DomainEvent::MessageReceived {
            message: message(&object(event, args)?.within("message"), None)?,
        },
        "userTyping" => {
            let o = object(event, args)?;
            let email = o.opt_str("email");
            let user = party(&o, &USER, &[], "user").unwrap_or_default();
            DomainEvent::TypingChanged {
                conversation_id: o.opt_id(CHAT),
                typing: o.bool(["isTyping", "is_typing", "typing"])?,
                user: Party {
                    email: email.or(user.email.clone()),
                    ..user
                },
            }
        }
        "messagesMarkedRead" => {
            let items = match first(event, args)? {
                Value::Array(items) => items.as_slice(),
                Value::Object(_) => object(event, args)?.arr(["messages", "items", "data"])?,
                _ => {
                    return Err(ProtocolError::new(
                        event,
                        "expected a list of {id, readBy}",
                        args,
                    ))
                }
            };
            let mut counts = BTreeMap::new();
            for item in items {
                let Ok(o) = Obj::nested(event, item, args) else {
                    debug!(event, item = %item, "skipped a read count that is not an object");
                    continue;
                };
                let n = o.opt_u64("readBy").or_else(|| {
                    u64::try_from(o.opt_arr("readBy").len())
                        .ok()
                        .filter(|n| *n > 0)
                });
                match (o.opt_id(["id", "_id", "messageId"]), n) {
                    (Some(id), Some(n)) => {
                        counts.insert(id, u32::try_from(n).unwrap_or(u32::MAX));
                    }
                    _ => o.ignored("readBy", "a read count without id or count"),
                }
            }
            DomainEvent::ReadCounts { counts }
        }
        "messagesRead" => {
            let o = object(event, args)?;
            DomainEvent::MessagesRead {
                conversation_id: o.opt_id(CHAT),
                user_id: o.id(USER)?,
                message_ids: o.ids(["messageIds", "message_ids"])?,
                read_at: o.opt_text(["readAt", "timestamp"]),
            }
        }
        "activeUsers" => {
            let o = object(event, args)?;
            DomainEvent::ActiveUsers {
                conversation_id: chat_or(&o)?,
                user_ids: o.ids(["userIds", "user_ids", "users", "activeUsers"])?,
            }
        }
        "participantUpdate" => {
            let o = object(event, args)?;
            let joined = match o.str("action")?.to_ascii_lowercase().as_str() {
                "joined" | "join" => true,
                "left" | "leave" => false,
                other => {
                    return Err(o.error(format!("action should be joined or left, got {other:?}")))
                }
            };
            DomainEvent::ParticipantChanged {
                conversation_id: o.opt_id(CHAT),
                user: party(&o, &USER, &[], "user")
                    .ok_or_else(|| o.error("missing field userId"))?,
                joined,
                at: o.opt_text("timestamp"),
            }
        }
        "chatStatusChanged" => {
            let o = object(event, args)?.within("chat");
            DomainEvent::ConversationStatusChanged {
                conversation_id: chat_or(&o)?,
                status: o.str("status")?,
            }
        }
        // NestJS gateways report a WsException as `exception`.
        "error" | "exception" => {
            let (code, message) = error_parts(first(event, args)?);
            DomainEvent::ServerError {
                code,
                message: message.unwrap_or_else(|| format!("{event} without a message")),
                source: event.into(),
            }
        }
        _ => return Err(ProtocolError::unknown(event, args)),
    })
}

/// The chat a bare value names: in an ack, the chat asked about; in an event, the value.
pub(super) fn scalar_chat(
    event: &str,
    v: &Value,
    chat: Option<&str>,
    args: &[Value],
) -> Result<String, ProtocolError> {
    chat.map(str::to_owned)
        .or_else(|| id_of(v))
        .ok_or_else(|| ProtocolError::new(event, "expected a chat id", args))
}

/// Where 003 payloads carry a user (also `user: {id}`).
pub(super) const USER: [&str; 2] = ["userId", "user_id"];

/// `Message` of the document (with the reference server's `clientMessageId`); `chat` stands
/// in for a missing `chatId` in an ack.
pub(super) fn message(o: &Obj<'_>, chat: Option<&str>) -> Result<Message, ProtocolError> {
    let sender = match o.first_obj("sender", |s| {
        Some(Party {
            id: s.opt_id(["id", "_id"])?,
            email: s.opt_str("email"),
            role: s.opt_str("role"),
            name: s.opt_str("name"),
            ..Party::default()
        })
    }) {
        Some(p) => p,
        None => Party {
            id: o.id(["senderId", "sender_id", "userId"])?,
            ..Party::default()
        },
    };
    let file_url = o.opt_str(["fileUrl", "file_url"]);
    Ok(Message {
        id: o.id(["id", "_id", "messageId"])?,
        conversation_id: o
            .opt_id(CHAT)
            .or_else(|| chat.map(str::to_owned))
            .ok_or_else(|| o.error("missing field chatId"))?,
        client_id: o.opt_client_id(["clientMessageId", "clientId", "client_id"]),
        sender,
        kind: if file_url.is_some() {
            MessageKind::File
        } else {
            MessageKind::Text
        },
        text: o.opt_str(["text", "content"]),
        file_url,
        file_name: None,
        reply_to: o.opt_id(["replyToId", "reply_to_id"]),
        sent_at: o.opt_text(["createdAt", "created_at", "timestamp"]),
        read: None,
        reactions: BTreeMap::new(),
        duration_secs: None,
    })
}
