//! Seed 002: SAMIA tarot chat. Socket events for live traffic (`join_chat`, `send_message`,
//! `new_message`, typing, reactions) and REST for sessions, history, read status and voice notes.

use super::wire::{object, Obj, ProtocolError};
use super::{
    decode_raw_reply, encode_raw, path_segment, rest_call, Capability, Dialect, DialectError,
    DialectId, Outbound,
};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::{ConversationInfo, Message, MessageKind, Party};
use crate::transport::{Method, RestRequest};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The seed 002 dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct TarotChat;

const CAPABILITIES: &[Capability] = &[
    Capability::Messaging,
    Capability::History,
    Capability::Typing,
    Capability::ReadReceipts,
    Capability::Reactions,
    Capability::Replies,
    Capability::VoiceNotes,
];

pub(crate) fn message_kind(s: &str) -> Option<MessageKind> {
    match s {
        "text" => Some(MessageKind::Text),
        "voice" => Some(MessageKind::Voice),
        "image" => Some(MessageKind::Image),
        "file" => Some(MessageKind::File),
        "system" => Some(MessageKind::System),
        _ => None,
    }
}

impl Dialect for TarotChat {
    fn id(&self) -> DialectId {
        DialectId::TarotChat
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
                vec![Outbound::emit(
                    "join_chat",
                    json!({ "session_id": conversation_id }),
                )]
            }
            Command::LeaveConversation { conversation_id } => {
                vec![Outbound::emit(
                    "leave_chat",
                    json!({ "session_id": conversation_id }),
                )]
            }
            Command::SendMessage {
                conversation_id,
                client_id,
                text,
                reply_to,
                file_id,
            } => {
                if file_id.is_some() {
                    return Err(DialectError::InvalidCommand(
                        "tarot-chat sends files as voice notes over REST, not by id".into(),
                    ));
                }
                let text = non_empty(text.as_deref())?;
                let mut message = json!({ "id": client_id, "content": text, "type": "text" });
                if let Some(r) = reply_to {
                    message["reply_to"] = json!(r);
                }
                vec![Outbound::emit(
                    "send_message",
                    json!({ "session_id": conversation_id, "message": message }),
                )]
            }
            Command::PostMessage {
                conversation_id,
                client_id,
                text,
            } => vec![Outbound::rest(
                rest_call(
                    Method::Post,
                    "/api/chat/messages".into(),
                    Some(
                        json!({ "id": client_id, "session_id": conversation_id, "content": non_empty(Some(text))?, "type": "text" }),
                    ),
                ),
                "post-message",
            )],
            Command::SetTyping {
                conversation_id,
                typing,
            } => vec![Outbound::emit(
                if *typing {
                    "typing_start"
                } else {
                    "typing_stop"
                },
                json!({ "session_id": conversation_id }),
            )],
            Command::MarkRead { message_ids, .. } => message_ids
                .iter()
                .map(|id| {
                    Ok(Outbound::rest(
                        rest_call(
                            Method::Put,
                            format!(
                                "/api/chat/messages/{}/read",
                                path_segment(id, "message id")?
                            ),
                            None,
                        ),
                        "read",
                    ))
                })
                .collect::<Result<_, DialectError>>()?,
            Command::React {
                conversation_id,
                message_id,
                emoji,
            } => vec![Outbound::emit(
                "message_reaction",
                json!({ "message_id": message_id, "reaction": emoji, "session_id": conversation_id }),
            )],
            Command::FetchHistory {
                conversation_id,
                before,
                limit,
            } => {
                let mut query = vec![("session_id".to_owned(), conversation_id.clone())];
                if let Some(b) = before {
                    query.push(("before_message_id".into(), b.clone()));
                }
                query.push(("limit".into(), limit.unwrap_or(50).min(200).to_string()));
                vec![Outbound::rest(
                    RestRequest {
                        method: Method::Get,
                        path: "/api/chat/messages".into(),
                        query,
                        body: None,
                    },
                    "history",
                )]
            }
            Command::ListConversations { status } => {
                let mut query = vec![("limit".to_owned(), "100".to_owned())];
                if let Some(s) = status {
                    query.push(("status".into(), s.clone()));
                }
                vec![Outbound::rest(
                    RestRequest {
                        method: Method::Get,
                        path: "/api/chat/sessions".into(),
                        query,
                        body: None,
                    },
                    "sessions",
                )]
            }
            Command::GetConversation { conversation_id } => vec![Outbound::rest(
                rest_call(
                    Method::Get,
                    format!(
                        "/api/chat/sessions/{}",
                        path_segment(conversation_id, "conversation id")?
                    ),
                    None,
                ),
                "session",
            )],
            Command::CreateConversation {
                participant_ids,
                kind,
            } => vec![Outbound::rest(
                rest_call(
                    Method::Post,
                    "/api/chat/sessions".into(),
                    Some(
                        json!({ "participant_ids": participant_ids, "session_type": kind.as_deref().unwrap_or("general"), "metadata": {} }),
                    ),
                ),
                "session-created",
            )],
            other => return Err(self.unsupported(other)),
        };
        Ok(out)
    }

    fn auth_rejection(&self, event: &str, args: &[Value]) -> Option<String> {
        (event == "auth_error").then(|| {
            args.first()
                .and_then(|v| v.get("message").and_then(Value::as_str).or(v.as_str()))
                .unwrap_or("authentication failed")
                .to_owned()
        })
    }

    fn decode(&self, event: &str, args: &[Value]) -> Result<Vec<DomainEvent>, ProtocolError> {
        let ev = match event {
            "authenticated" => {
                let u = object(event, args)?.obj("user")?;
                DomainEvent::Authenticated {
                    user: person(&u, "id")?,
                }
            }
            "auth_error" => {
                let o = object(event, args)?;
                DomainEvent::ServerError {
                    code: o.opt_str("code")?,
                    message: o.str("message")?,
                    source: event.into(),
                }
            }
            "chat_joined" => DomainEvent::ConversationJoined {
                conversation_id: object(event, args)?.id("session_id")?,
                recent: vec![],
            },
            "user_joined" | "user_left" => {
                let o = object(event, args)?;
                DomainEvent::ParticipantChanged {
                    conversation_id: o.opt_id("session_id")?,
                    user: Party {
                        id: o.id("user_id")?,
                        name: o.opt_str("user_name")?,
                        ..Party::default()
                    },
                    joined: event == "user_joined",
                    at: o.opt_str("timestamp")?,
                }
            }
            "message_sent" => {
                let o = object(event, args)?;
                let id = o.id("message_id")?;
                // Socket sends carry our client id as the message id.
                DomainEvent::MessageSent {
                    conversation_id: o.opt_id("session_id")?,
                    server_id: id.clone(),
                    client_id: Some(id),
                    message: None,
                }
            }
            "new_message" => DomainEvent::MessageReceived {
                message: socket_message(&object(event, args)?)?,
            },
            "user_typing" => {
                let o = object(event, args)?;
                DomainEvent::TypingChanged {
                    conversation_id: o.opt_id("session_id")?,
                    user: Party {
                        id: o.opt_id("user_id")?.unwrap_or_default(),
                        name: o.opt_str("user_name")?,
                        ..Party::default()
                    },
                    typing: o.bool("is_typing")?,
                }
            }
            "message_reaction_update" => {
                let o = object(event, args)?;
                let mut totals = BTreeMap::new();
                if let Some(r) = o.opt_obj("reactions")? {
                    for emoji in r.keys() {
                        let n = r.opt_u64(&emoji)?.unwrap_or(0);
                        totals.insert(emoji, u32::try_from(n).unwrap_or(u32::MAX));
                    }
                }
                DomainEvent::ReactionChanged {
                    conversation_id: o.opt_id("session_id")?,
                    message_id: o.id("message_id")?,
                    user: Party {
                        id: o.opt_id("user_id")?.unwrap_or_default(),
                        name: o.opt_str("user_name")?,
                        ..Party::default()
                    },
                    emoji: o.str("reaction")?,
                    added: match o.opt_str("action")?.as_deref() {
                        Some("added") => Some(true),
                        Some("removed") => Some(false),
                        _ => None,
                    },
                    totals,
                }
            }
            "message_read" => {
                let o = object(event, args)?;
                DomainEvent::MessagesRead {
                    conversation_id: o.opt_id("session_id")?,
                    user_id: o.id("user_id")?,
                    message_ids: vec![o.id("message_id")?],
                    read_at: o.opt_str("read_at")?,
                }
            }
            "error" => {
                let o = object(event, args)?;
                DomainEvent::ServerError {
                    code: o.opt_str("code")?,
                    message: o
                        .opt_str("error")?
                        .or(o.opt_str("message")?)
                        .unwrap_or_else(|| "error".into()),
                    source: event.into(),
                }
            }
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
        let Some(kind) = sent.reply_kind() else {
            return Ok(vec![]);
        };
        let args = std::slice::from_ref(answer);
        let event = kind.0;
        let o = object(event, args)?;
        let events = match kind.0 {
            "post-message" => {
                let m = rest_message(&o.obj("data")?)?;
                vec![DomainEvent::MessageSent {
                    conversation_id: Some(m.conversation_id.clone()),
                    server_id: m.id.clone(),
                    client_id: sent.sent_str("id"),
                    message: Some(m),
                }]
            }
            "read" => vec![],
            "history" => {
                let data = o.obj("data")?;
                let messages = data
                    .arr("messages")?
                    .iter()
                    .map(|m| rest_message(&Obj::nested(event, m, args)?))
                    .collect::<Result<Vec<_>, _>>()?;
                let conversation_id = match sent {
                    Outbound::Rest { request, .. } => request
                        .query
                        .iter()
                        .find(|(k, _)| k == "session_id")
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                vec![DomainEvent::History {
                    conversation_id,
                    messages,
                    has_more: data.opt_bool("has_more")?.unwrap_or(false),
                }]
            }
            "sessions" => {
                let data = o.obj("data")?;
                let conversations = data
                    .arr("sessions")?
                    .iter()
                    .map(|s| conversation(&Obj::nested(event, s, args)?))
                    .collect::<Result<Vec<_>, _>>()?;
                vec![DomainEvent::Conversations { conversations }]
            }
            "session" | "session-created" => vec![DomainEvent::Conversations {
                conversations: vec![conversation(&o.obj("data")?)?],
            }],
            other => {
                return Err(DialectError::InvalidCommand(format!(
                    "tarot-chat has no reply kind {other}"
                )))
            }
        };
        Ok(events)
    }
}

fn non_empty(text: Option<&str>) -> Result<&str, DialectError> {
    text.filter(|t| !t.trim().is_empty())
        .ok_or_else(|| DialectError::InvalidCommand("a message needs text".into()))
}

fn person(o: &Obj<'_>, id_key: &str) -> Result<Party, ProtocolError> {
    Ok(Party {
        id: o.id(id_key)?,
        name: o.opt_str("name")?,
        avatar: o.opt_str("avatar")?,
        role: o.opt_str("role")?,
        email: o.opt_str("email")?,
    })
}

fn kind(o: &Obj<'_>) -> Result<MessageKind, ProtocolError> {
    match o.opt_str("type")? {
        None => Ok(MessageKind::Text),
        Some(t) => message_kind(&t).ok_or_else(|| o.error(format!("unknown message type {t:?}"))),
    }
}

/// The socket shape: `{id, session_id, content, type, sender:{id,name,avatar}, timestamp}`.
fn socket_message(o: &Obj<'_>) -> Result<Message, ProtocolError> {
    let id = o.id("id")?;
    let duration = o
        .opt_obj("metadata")?
        .map(|m| m.opt_decimal("duration"))
        .transpose()?
        .flatten();
    Ok(Message {
        client_id: Some(id.clone()),
        id,
        conversation_id: o.opt_id("session_id")?.unwrap_or_default(),
        sender: person(&o.obj("sender")?, "id")?,
        kind: kind(o)?,
        text: o.opt_str("content")?,
        file_url: o.opt_str("file_url")?,
        file_name: o.opt_str("file_name")?,
        reply_to: o.opt_id("reply_to")?,
        sent_at: o.opt_str("timestamp")?.or(o.opt_str("created_at")?),
        read: o.opt_bool("is_read")?,
        reactions: BTreeMap::new(),
        duration_secs: duration.and_then(|d| d.to_string().parse().ok()),
    })
}

/// The REST shape: `{id, session_id, sender_id, content, type, file_url, is_read, created_at,
/// profiles:{first_name,last_name,avatar_url}, message_reactions:[{user_id, reaction}]}`.
pub(crate) fn rest_message(o: &Obj<'_>) -> Result<Message, ProtocolError> {
    let profile = o.opt_obj("profiles")?;
    let name = match profile {
        Some(p) => {
            let first = p.opt_str("first_name")?.unwrap_or_default();
            let last = p.opt_str("last_name")?.unwrap_or_default();
            Some(format!("{first} {last}").trim().to_owned()).filter(|n| !n.is_empty())
        }
        None => None,
    };
    let mut reactions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in o.opt_arr("message_reactions")? {
        let r = Obj::nested(o.event(), r, o.args())?;
        reactions
            .entry(r.str("reaction")?)
            .or_default()
            .push(r.id("user_id")?);
    }
    let duration = o
        .opt_obj("metadata")?
        .map(|m| m.opt_decimal("duration"))
        .transpose()?
        .flatten();
    Ok(Message {
        id: o.id("id")?,
        conversation_id: o.id("session_id")?,
        client_id: o.opt_str("client_id")?,
        sender: Party {
            id: o.id("sender_id")?,
            name,
            avatar: profile
                .map(|p| p.opt_str("avatar_url"))
                .transpose()?
                .flatten(),
            ..Party::default()
        },
        kind: kind(o)?,
        text: o.opt_str("content")?,
        file_url: o.opt_str("file_url")?,
        file_name: o.opt_str("file_name")?,
        reply_to: o.opt_id("reply_to")?,
        sent_at: o.opt_str("created_at")?,
        read: o.opt_bool("is_read")?,
        reactions,
        duration_secs: duration.and_then(|d| d.to_string().parse().ok()),
    })
}

fn conversation(o: &Obj<'_>) -> Result<ConversationInfo, ProtocolError> {
    Ok(ConversationInfo {
        id: o.id("id")?,
        status: o.opt_str("status")?,
        participants: o
            .opt_arr("participants")?
            .iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect(),
        unread: o.opt_u64("unread_count")?,
        last_message_at: o.opt_str("last_message_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> TarotChat {
        TarotChat
    }

    #[test]
    fn encodes_the_document_socket_events() {
        let names: Vec<(String, Value)> = [
            Command::JoinConversation {
                conversation_id: "uuid".into(),
            },
            Command::SendMessage {
                conversation_id: "uuid".into(),
                client_id: "message-uuid".into(),
                text: Some("Hello, I need help with my reading".into()),
                reply_to: None,
                file_id: None,
            },
            Command::SetTyping {
                conversation_id: "uuid".into(),
                typing: true,
            },
            Command::SetTyping {
                conversation_id: "uuid".into(),
                typing: false,
            },
            Command::React {
                conversation_id: "uuid".into(),
                message_id: "m".into(),
                emoji: "❤️".into(),
            },
        ]
        .iter()
        .flat_map(|c| d().encode(c).unwrap())
        .map(|o| match o {
            Outbound::Emit { event, arg } => (event, arg),
            other => panic!("{other:?}"),
        })
        .collect();
        assert_eq!(names[0], ("join_chat".into(), json!({"session_id":"uuid"})));
        assert_eq!(
            names[1],
            (
                "send_message".into(),
                json!({"session_id":"uuid","message":{"id":"message-uuid","content":"Hello, I need help with my reading","type":"text"}})
            )
        );
        assert_eq!(names[2].0, "typing_start");
        assert_eq!(names[3].0, "typing_stop");
        assert_eq!(
            names[4],
            (
                "message_reaction".into(),
                json!({"message_id":"m","reaction":"❤️","session_id":"uuid"})
            )
        );
    }

    #[test]
    fn encodes_rest_calls() {
        let out = d()
            .encode(&Command::GetConversation {
                conversation_id: "uuid".into(),
            })
            .unwrap();
        assert!(
            matches!(&out[0], Outbound::Rest { request, .. } if request.path == "/api/chat/sessions/uuid")
        );
        let ev = d()
            .decode_reply(&out[0], &json!({"success":true,"data":{"id":"uuid","booking_id":"uuid","session_type":"booking","status":"active","participants":["user1","reader1"],"participant_profiles":[{"id":"user1","first_name":"Sarah","last_name":"Johnson","avatar_url":"https://...","role":"client"}],"metadata":{},"created_at":"2024-12-...","bookings":{}}}))
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::Conversations { conversations } if conversations[0].participants == vec!["user1".to_string(), "reader1".to_string()])
        );
        assert!(d()
            .encode(&Command::GetConversation {
                conversation_id: "../admin".into()
            })
            .is_err());
        let out = d()
            .encode(&Command::FetchHistory {
                conversation_id: "s".into(),
                before: Some("m9".into()),
                limit: Some(20),
            })
            .unwrap();
        match &out[0] {
            Outbound::Rest { request, .. } => {
                assert_eq!(request.path, "/api/chat/messages");
                assert!(request
                    .query
                    .contains(&("before_message_id".into(), "m9".into())));
            }
            other => panic!("{other:?}"),
        }
        let out = d()
            .encode(&Command::MarkRead {
                conversation_id: "s".into(),
                message_ids: vec!["a".into(), "b".into()],
            })
            .unwrap();
        assert_eq!(out.len(), 2);
        assert!(d()
            .encode(&Command::MarkRead {
                conversation_id: "s".into(),
                message_ids: vec!["../x".into()]
            })
            .is_err());
    }

    #[test]
    fn decodes_the_document_examples() {
        let ev = d().decode("new_message", &[json!({"id":"uuid","content":"message text","type":"text","sender":{"id":"u1","name":"Sarah","avatar":"a.png"},"timestamp":"2024-12-01T00:00:00Z"})]).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::MessageReceived { message } if message.sender.name.as_deref() == Some("Sarah") && message.conversation_id.is_empty())
        );
        let ev = d()
            .decode("message_sent", &[json!({"message_id":"uuid"})])
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::MessageSent { server_id, .. } if server_id == "uuid")
        );
        let ev = d()
            .decode(
                "user_typing",
                &[json!({"user_name":"Samia","is_typing":true})],
            )
            .unwrap();
        assert!(matches!(
            &ev[0],
            DomainEvent::TypingChanged { typing: true, .. }
        ));
        let ev = d()
            .decode(
                "message_reaction_update",
                &[json!({"message_id":"m","user_name":"Sarah","reaction":"❤️"})],
            )
            .unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::ReactionChanged { emoji, added: None, .. } if emoji == "❤️")
        );
        let ev = d()
            .decode("chat_joined", &[json!({"session_id":"uuid"})])
            .unwrap();
        assert_eq!(
            ev,
            vec![DomainEvent::ConversationJoined {
                conversation_id: "uuid".into(),
                recent: vec![]
            }]
        );
        let ev = d()
            .decode(
                "user_joined",
                &[json!({"user_name":"Sarah","user_id":"u1"})],
            )
            .unwrap();
        assert!(matches!(
            &ev[0],
            DomainEvent::ParticipantChanged { joined: true, .. }
        ));
        let ev = d()
            .decode(
                "authenticated",
                &[json!({"user":{"id":"u1","name":"Sarah"}})],
            )
            .unwrap();
        assert!(matches!(&ev[0], DomainEvent::Authenticated { user } if user.id == "u1"));
        assert_eq!(
            d().auth_rejection("auth_error", &[json!({"message":"Auth failed"})])
                .as_deref(),
            Some("Auth failed")
        );
        assert_eq!(d().auth_rejection("new_message", &[json!({})]), None);
    }

    #[test]
    fn decodes_the_document_rest_answers() {
        let sent = &d()
            .encode(&Command::FetchHistory {
                conversation_id: "uuid".into(),
                before: None,
                limit: None,
            })
            .unwrap()[0];
        let ev = d().decode_reply(sent, &json!({"success":true,"data":{"messages":[{
            "id":"uuid","session_id":"uuid","sender_id":"uuid","content":"Hello! How can I help you today?","type":"text",
            "file_url":null,"file_name":null,"is_read":true,"created_at":"2024-12-...",
            "profiles":{"first_name":"Samia","last_name":"Reader","avatar_url":"https://..."},
            "message_reactions":[{"user_id":"uuid","reaction":"❤️","profiles":{"first_name":"Sarah"}}]
        }],"has_more":true}})).unwrap();
        match &ev[0] {
            DomainEvent::History {
                conversation_id,
                messages,
                has_more,
            } => {
                assert_eq!(conversation_id, "uuid");
                assert!(*has_more);
                assert_eq!(messages[0].sender.name.as_deref(), Some("Samia Reader"));
                assert_eq!(messages[0].reactions["❤️"], vec!["uuid".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        let sent = &d()
            .encode(&Command::ListConversations { status: None })
            .unwrap()[0];
        let ev = d().decode_reply(sent, &json!({"success":true,"data":{"sessions":[{"id":"uuid","booking_id":"uuid","session_type":"booking","status":"active","participants":["user1-id","reader1-id"],"last_message_at":"2024-12-...","unread_count":3,"bookings":{}}],"pagination":{"page":1,"limit":20,"total":45,"total_pages":3}}})).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::Conversations { conversations } if conversations[0].unread == Some(3) && conversations[0].participants.len() == 2)
        );
        let sent = &d()
            .encode(&Command::PostMessage {
                conversation_id: "uuid".into(),
                client_id: "c1".into(),
                text: "Thank you".into(),
            })
            .unwrap()[0];
        let ev = d().decode_reply(sent, &json!({"success":true,"data":{"id":"new-message-uuid","session_id":"uuid","sender_id":"current-user-id","content":"Thank you for the reading...","type":"text","created_at":"2024-12-...","profiles":{}},"message":"Message sent successfully"})).unwrap();
        assert!(
            matches!(&ev[0], DomainEvent::MessageSent { server_id, client_id: Some(c), .. } if server_id == "new-message-uuid" && c == "c1")
        );
    }

    #[test]
    fn malformed_events_are_protocol_errors() {
        for (event, args) in [
            (
                "new_message",
                vec![json!({"id":"x","content":"c","type":"hologram","sender":{"id":"u"}})],
            ),
            ("new_message", vec![json!({"id":"x"})]),
            ("user_typing", vec![json!({"is_typing":"yes"})]),
            (
                "message_reaction_update",
                vec![json!({"message_id":"m","reaction":"x","reactions":{"x":"many"}})],
            ),
            ("chat_joined", vec![json!(7)]),
            ("nope", vec![]),
        ] {
            assert_eq!(d().decode(event, &args).unwrap_err().event, event);
        }
    }
}
