//! Seed 003: a NestJS-style support chat gateway. Every client event is answered through the
//! socket.io ack with a `{event, data}` envelope, which is decoded like the event it names.

use super::wire::{first_ack_arg, object, string, Obj, ProtocolError};
use super::{decode_raw_reply, encode_raw, Capability, Dialect, DialectError, DialectId, Outbound};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::{Message, MessageKind, Party};
use serde_json::{json, Value};
use std::collections::BTreeMap;

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
    fn id(&self) -> DialectId {
        DialectId::SupportChat
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
        let ev = match event {
            "joinedChat" => {
                let o = object(event, args)?;
                let recent = o
                    .opt_arr("messages")?
                    .iter()
                    .map(|m| message(&Obj::nested(event, m, args)?))
                    .collect::<Result<Vec<_>, _>>()?;
                DomainEvent::ConversationJoined {
                    conversation_id: o.id("chatId")?,
                    recent,
                }
            }
            "leftChat" => DomainEvent::ConversationLeft {
                conversation_id: string(event, args)?,
            },
            "messageSent" => {
                let m = message(&object(event, args)?)?;
                DomainEvent::MessageSent {
                    conversation_id: Some(m.conversation_id.clone()),
                    server_id: m.id.clone(),
                    client_id: m.client_id.clone(),
                    message: Some(m),
                }
            }
            "newMessage" => DomainEvent::MessageReceived {
                message: message(&object(event, args)?)?,
            },
            "userTyping" => {
                let o = object(event, args)?;
                DomainEvent::TypingChanged {
                    conversation_id: o.opt_id("chatId")?,
                    user: Party {
                        id: o.id("userId")?,
                        email: o.opt_str("email")?,
                        ..Party::default()
                    },
                    typing: o.bool("isTyping")?,
                }
            }
            "messagesMarkedRead" => {
                let items = match args.first() {
                    Some(Value::Array(items)) => items,
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
                    let o = Obj::nested(event, item, args)?;
                    let n = o
                        .opt_u64("readBy")?
                        .ok_or_else(|| o.error("missing field readBy"))?;
                    counts.insert(o.id("id")?, u32::try_from(n).unwrap_or(u32::MAX));
                }
                DomainEvent::ReadCounts { counts }
            }
            "messagesRead" => {
                let o = object(event, args)?;
                DomainEvent::MessagesRead {
                    conversation_id: o.opt_id("chatId")?,
                    user_id: o.id("userId")?,
                    message_ids: o.ids("messageIds")?,
                    read_at: None,
                }
            }
            "activeUsers" => {
                let o = object(event, args)?;
                DomainEvent::ActiveUsers {
                    conversation_id: o.id("chatId")?,
                    user_ids: o.ids("userIds")?,
                }
            }
            "participantUpdate" => {
                let o = object(event, args)?;
                let joined = match o.str("action")?.as_str() {
                    "joined" => true,
                    "left" => false,
                    other => {
                        return Err(
                            o.error(format!("action should be joined or left, got {other:?}"))
                        )
                    }
                };
                DomainEvent::ParticipantChanged {
                    conversation_id: o.opt_id("chatId")?,
                    user: Party {
                        id: o.id("userId")?,
                        ..Party::default()
                    },
                    joined,
                    at: o.opt_str("timestamp")?,
                }
            }
            "chatStatusChanged" => {
                let o = object(event, args)?;
                let status = o.str("status")?;
                if !matches!(status.as_str(), "ACTIVE" | "CLOSED" | "PENDING") {
                    return Err(o.error(format!("unknown chat status {status:?}")));
                }
                DomainEvent::ConversationStatusChanged {
                    conversation_id: o.id("chatId")?,
                    status,
                }
            }
            "error" => DomainEvent::ServerError {
                code: None,
                message: error_text(args),
                source: event.into(),
            },
            _ => return Err(ProtocolError::unknown(event, args)),
        };
        Ok(vec![ev])
    }

    fn decode_reply(
        &self,
        sent: &Outbound,
        answer: &Value,
    ) -> Result<Vec<DomainEvent>, DialectError> {
        if let Some(events) = decode_raw_reply(sent, answer) {
            return Ok(events);
        }
        // The ack's first argument is the `{event, data}` envelope.
        let args = [first_ack_arg(answer)];
        let o = object("ack", &args)?;
        let event = o.str("event")?;
        let data = o.get("data").cloned().unwrap_or(Value::Null);
        if event == "error" {
            return Err(DialectError::Rejected {
                code: None,
                message: error_text(std::slice::from_ref(&data)),
            });
        }
        Ok(self.decode(&event, &[data])?)
    }
}

fn error_text(args: &[Value]) -> String {
    match args.first() {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string()),
        None => "error".into(),
    }
}

/// `Message` of the document, with the reference server's `clientMessageId` and `readBy`.
fn message(o: &Obj<'_>) -> Result<Message, ProtocolError> {
    let sender = match o.opt_obj("sender")? {
        Some(s) => Party {
            id: s.id("id")?,
            email: s.opt_str("email")?,
            role: s.opt_str("role")?,
            ..Party::default()
        },
        None => Party {
            id: o.id("senderId")?,
            ..Party::default()
        },
    };
    let file_url = o.opt_str("fileUrl")?;
    let reply_to = o.opt_id("replyToId")?.or(match o.opt_obj("replyTo")? {
        Some(r) => r.opt_id("id")?,
        None => None,
    });
    Ok(Message {
        id: o.id("id")?,
        conversation_id: o.id("chatId")?,
        client_id: o.opt_str("clientMessageId")?,
        sender,
        kind: if file_url.is_some() {
            MessageKind::File
        } else {
            MessageKind::Text
        },
        text: o.opt_str("text")?,
        file_url,
        file_name: None,
        reply_to,
        sent_at: o.opt_str("createdAt")?,
        read: None,
        reactions: BTreeMap::new(),
        duration_secs: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> SupportChat {
        SupportChat
    }

    #[test]
    fn encodes_every_client_event_of_the_document() {
        let evs: Vec<(String, Value)> = [
            Command::JoinConversation {
                conversation_id: "chat-id-123".into(),
            },
            Command::LeaveConversation {
                conversation_id: "chat-id-123".into(),
            },
            Command::SendMessage {
                conversation_id: "chat-id-123".into(),
                client_id: "c1".into(),
                text: Some("Hello world!".into()),
                reply_to: Some("m0".into()),
                file_id: None,
            },
            Command::SetTyping {
                conversation_id: "chat-id-123".into(),
                typing: true,
            },
            Command::MarkRead {
                conversation_id: "chat-id-123".into(),
                message_ids: vec!["m1".into()],
            },
            Command::GetActiveUsers {
                conversation_id: "chat-id-123".into(),
            },
        ]
        .iter()
        .flat_map(|c| d().encode(c).unwrap())
        .map(|o| match o {
            Outbound::Emit { event, arg } | Outbound::Request { event, arg, .. } => (event, arg),
            other => panic!("{other:?}"),
        })
        .collect();
        assert_eq!(evs[0], ("joinChat".into(), json!("chat-id-123")));
        assert_eq!(evs[1], ("leaveChat".into(), json!("chat-id-123")));
        assert_eq!(
            evs[2],
            (
                "sendMessage".into(),
                json!({"chatId":"chat-id-123","message":{"text":"Hello world!","replyToId":"m0","clientMessageId":"c1"}})
            )
        );
        assert_eq!(
            evs[3],
            (
                "typing".into(),
                json!({"chatId":"chat-id-123","isTyping":true})
            )
        );
        assert_eq!(
            evs[4],
            (
                "readMessages".into(),
                json!({"chatId":"chat-id-123","messageIds":["m1"]})
            )
        );
        assert_eq!(evs[5], ("getActiveUsers".into(), json!("chat-id-123")));
    }

    #[test]
    fn decodes_the_document_events() {
        let msg = json!({"id":"m1","chatId":"c","senderId":1,"text":"hi","createdAt":"t","sender":{"id":1,"email":"a@b","role":"CLIENT"}});
        let ev = d()
            .decode("newMessage", std::slice::from_ref(&msg))
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::MessageReceived { message } if message.sender.id == "1" && message.sender.email.as_deref() == Some("a@b"))
        );
        let ev = d()
            .decode(
                "userTyping",
                &[json!({"userId":1,"email":"a@b","isTyping":true})],
            )
            .unwrap();
        assert!(matches!(
            &ev[0],
            DomainEvent::TypingChanged { typing: true, .. }
        ));
        let ev = d()
            .decode(
                "messagesRead",
                &[json!({"userId":2,"messageIds":["m1","m2"]})],
            )
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::MessagesRead { user_id, message_ids, .. } if user_id == "2" && message_ids.len() == 2)
        );
        let ev = d()
            .decode(
                "participantUpdate",
                &[json!({"chatId":"c","userId":3,"action":"left","timestamp":"t"})],
            )
            .unwrap();
        assert!(matches!(
            &ev[0],
            DomainEvent::ParticipantChanged { joined: false, .. }
        ));
        let ev = d()
            .decode(
                "chatStatusChanged",
                &[json!({"chatId":"c","status":"CLOSED"})],
            )
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::ConversationStatusChanged {
                conversation_id: "c".into(),
                status: "CLOSED".into()
            }]
        );
        let ev = d()
            .decode("activeUsers", &[json!({"chatId":"c","userIds":[1,10]})])
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::ActiveUsers {
                conversation_id: "c".into(),
                user_ids: vec!["1".into(), "10".into()]
            }]
        );
        let ev = d()
            .decode("messagesMarkedRead", &[json!([{"id":"m1","readBy":2}])])
            .unwrap();
        assert!(matches!(&ev[0], DomainEvent::ReadCounts { counts } if counts["m1"] == 2));
        let ev = d().decode("error", &[json!("Chat not found")]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::ServerError { message, .. } if message == "Chat not found")
        );
    }

    #[test]
    fn ack_envelopes_decode_like_their_event_and_errors_are_rejections() {
        let sent = &d()
            .encode(&Command::JoinConversation {
                conversation_id: "chat-1".into(),
            })
            .unwrap()[0];
        let ev = d().decode_reply(sent, &json!([{"event":"joinedChat","data":{"chatId":"chat-1","messages":[
            {"id":"m1","chatId":"chat-1","senderId":1,"text":"a","createdAt":"t"},
            {"id":"m2","chatId":"chat-1","senderId":10,"text":"b","replyToId":"m1","replyTo":{"id":"m1","chatId":"chat-1","senderId":1,"text":"a","createdAt":"t"},"createdAt":"t"}
        ]}}])).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::ConversationJoined { recent, .. } if recent.len() == 2 && recent[1].reply_to.as_deref() == Some("m1"))
        );
        let e = d()
            .decode_reply(sent, &json!([{"event":"error","data":"Chat not found"}]))
            .unwrap_err();
        assert_eq!(
            e,
            DialectError::Rejected {
                code: None,
                message: "Chat not found".into()
            }
        );
        let ev = d()
            .decode_reply(sent, &json!([{"event":"leftChat","data":"chat-1"}]))
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::ConversationLeft {
                conversation_id: "chat-1".into()
            }]
        );
        assert!(d().decode_reply(sent, &json!([42])).is_err());
    }

    #[test]
    fn malformed_events_are_protocol_errors() {
        for (event, args) in [
            ("newMessage", vec![json!({"id":"m"})]),
            (
                "participantUpdate",
                vec![json!({"chatId":"c","userId":1,"action":"teleported"})],
            ),
            (
                "chatStatusChanged",
                vec![json!({"chatId":"c","status":"ON_FIRE"})],
            ),
            ("messagesMarkedRead", vec![json!({"id":"m"})]),
            ("activeUsers", vec![json!({"chatId":"c","userIds":[{}]})]),
            ("leftChat", vec![json!(5)]),
            ("whatever", vec![]),
        ] {
            assert_eq!(d().decode(event, &args).unwrap_err().event, event);
        }
    }
}
