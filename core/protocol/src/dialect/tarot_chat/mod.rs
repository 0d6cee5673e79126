//! Seed 002: SAMIA tarot chat. Socket events for live traffic (`join_chat`, `send_message`,
//! `new_message`, typing, reactions) and REST for sessions, history, read status and voice notes.
//!
//! # What is accepted from a server
//! On top of the shared rules of the `wire` module (names tried in order; the payload's
//! `data` object read like the payload; ids as strings, numbers or `{id | _id}` objects,
//! `x_id` also as `x: {id}`; `null` = absent; an odd optional field is absent, logged at
//! debug; everything else ignored). The session is `session_id`, `sessionId`, `chat_id`,
//! `chatId` or `session: {id}`; a person is `user_id` / `userId` / `user: {id, name}` with
//! `user_name` (*needs* = a [`ProtocolError`] without it):
//! - `authenticated`: needs the user's id (`user: {id | _id}`, or `user`, `userId`, `id`
//!   flat). Optional: `name`, `avatar`, `role`, `email`.
//! - `auth_error`, `error`: need nothing; code and message from any common error shape
//!   (the document's `{success: false, error, code, details}`, `{message}`, a string).
//! - `chat_joined`: needs the session.
//! - `user_joined` / `user_left`: need a person: an id, or only `user_name` as the document
//!   prints it. Optional: session, `timestamp`.
//! - `message_sent`: needs the message id (`message_id`, `messageId`, `id`, `message:
//!   {id}`). Optional: session.
//! - `new_message`: needs `id` and the sender (`sender: {id, name, avatar}`, or
//!   `sender_id` / `sender` / `user_id`); also read inside `message` (the `send_message`
//!   shape `{session_id, message}`). Optional: session, `content` / `text`, `type` (an
//!   unknown type reads as absent: a file when `file_url` is set, text otherwise),
//!   `file_url`, `file_name`, `reply_to`, `timestamp` / `created_at`, `is_read`,
//!   `metadata.duration`.
//! - `user_typing`: needs `is_typing` (`isTyping`, `typing`). Optional: person, session.
//! - `message_reaction_update`: needs the message id and `reaction` / `emoji`. Optional:
//!   person, session, `action` (added / removed), `reactions` as `{emoji: count}` or a list
//!   of `{reaction | emoji, count}`, `{reaction, user_id}` or emoji strings (counted); other
//!   shapes ignored.
//! - `message_read` (reference server): needs `user_id` and `message_id` or `message_ids`.
//!
//! REST answers: a recognisable error (the document's `{success: false, error, code}`)
//! fails the command with that code and message; anything else is success. The `data`
//! envelope is optional everywhere.
//! - `POST /api/chat/messages`: needs the message `id`; the session we sent stands in.
//! - `GET /api/chat/messages`: needs a list (`data.messages`, `messages`, `data`); items
//!   without `id` or `sender_id` are skipped. Optional: `has_more` / `hasMore`, and per
//!   message `profiles` (name, avatar), `message_reactions`, `type`, `file_url`, …
//! - `GET /api/chat/sessions`: needs a list (`data.sessions`, `sessions`, `data`); items
//!   without an id are skipped. Optional: `status`, `participants` (ids or `{id}`),
//!   `unread_count`, `last_message_at`.
//! - `GET /api/chat/sessions/:id`, `POST /api/chat/sessions`: need the session `id`.
//! - `PUT /api/chat/messages/:id/read`: any non-error body.

mod voice;

use super::answer::{accepted, error_parts};
use super::wire::{first, object, party, u64_of, Obj, ProtocolError};
use super::{
    decode_raw_reply, encode_raw, path_segment, rest_call, BackfillRequest, Capability,
    Confirmation, Dialect, DialectError, DialectId, MessageDelivery, Outbound, Reconcile,
    SendRefusal,
};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::{ConversationInfo, Message, MessageKind, Party};
use crate::model::{Method, RestRequest};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tracing::debug;

#[cfg(test)]
mod tests;

/// How a sign-in form offers this dialect ([`super::DialectSetup`]).
pub const SETUP: super::DialectSetup = super::DialectSetup {
    id: super::DialectId::TarotChat,
    seed: "002",
    label: "Tarot chat",
    hint: "Reader chat with voice notes",
    rest_at_socket_url: true,
    expert_namespace: "/",
    capabilities: CAPABILITIES,
};

/// Messages fetched per conversation to catch up after a reconnect.
const CATCH_UP_PAGE: u32 = 100;

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

/// 002's message type name as a kind (`text`, `voice`, `image`, `file`, `system`).
pub fn message_kind(s: &str) -> Option<MessageKind> {
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

    fn login_confirmation(&self) -> Option<&'static str> {
        // The document: the socket connects, then `authenticated` or `auth_error`.
        Some("authenticated")
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
                let o = object(event, args)?;
                let user = match o.first_obj("user", |u| person(&u)) {
                    Some(u) => Some(u),
                    None => o
                        .opt_id(["user", "userId", "user_id", "id"])
                        .map(|id| Party {
                            id,
                            name: o.opt_str(["name", "user_name"]),
                            ..Party::default()
                        }),
                };
                DomainEvent::Authenticated {
                    user: user.ok_or_else(|| o.error("missing field user.id"))?,
                }
            }
            "auth_error" | "error" => {
                let (code, message) = error_parts(first(event, args)?);
                DomainEvent::ServerError {
                    code,
                    message: message.unwrap_or_else(|| format!("{event} without a message")),
                    source: event.into(),
                }
            }
            "chat_joined" => DomainEvent::ConversationJoined {
                conversation_id: object(event, args)?.id(SESSION)?,
                recent: vec![],
            },
            "user_joined" | "user_left" => {
                let o = object(event, args)?;
                DomainEvent::ParticipantChanged {
                    conversation_id: o.opt_id(SESSION),
                    user: someone(&o)?,
                    joined: event == "user_joined",
                    at: o.opt_text(["timestamp", "joined_at", "left_at", "at"]),
                }
            }
            "message_sent" => {
                let o = object(event, args)?.within("message");
                let id = o.id(["message_id", "messageId", "id", "_id"])?;
                // Socket sends carry our client id as the message id.
                DomainEvent::MessageSent {
                    conversation_id: o.opt_id(SESSION),
                    server_id: id.clone(),
                    client_id: Some(id),
                    message: None,
                }
            }
            "new_message" => DomainEvent::MessageReceived {
                message: socket_message(&object(event, args)?.within("message"))?,
            },
            "user_typing" => {
                let o = object(event, args)?;
                DomainEvent::TypingChanged {
                    conversation_id: o.opt_id(SESSION),
                    typing: o.bool(["is_typing", "isTyping", "typing"])?,
                    user: someone(&o).unwrap_or_default(),
                }
            }
            "message_reaction_update" => {
                let o = object(event, args)?;
                DomainEvent::ReactionChanged {
                    conversation_id: o.opt_id(SESSION),
                    message_id: o.id(["message_id", "messageId"])?,
                    user: someone(&o).unwrap_or_default(),
                    emoji: o.str(["reaction", "emoji"])?,
                    added: match o.opt_str("action").as_deref() {
                        Some("added" | "add") => Some(true),
                        Some("removed" | "remove") => Some(false),
                        _ => None,
                    },
                    totals: reaction_totals(&o),
                }
            }
            "message_read" => {
                let o = object(event, args)?;
                let mut message_ids: Vec<String> =
                    o.opt_id(["message_id", "messageId"]).into_iter().collect();
                message_ids.extend(o.ids_of(o.opt_arr(["message_ids", "messageIds"])));
                if message_ids.is_empty() {
                    return Err(o.error("missing field message_id"));
                }
                DomainEvent::MessagesRead {
                    conversation_id: o.opt_id(SESSION),
                    user_id: o.id(["user_id", "userId", "reader_id"])?,
                    message_ids,
                    read_at: o.opt_text(["read_at", "readAt"]),
                }
            }
            _ => return Err(ProtocolError::unknown(event, args)),
        };
        Ok(vec![ev])
    }

    /// `send_message` is confirmed by `message_sent {message_id}`; the newest REST history page
    /// (`GET /api/chat/messages`) tells after a reconnect whether an unconfirmed one arrived.
    fn message_delivery(&self) -> Option<MessageDelivery> {
        Some(MessageDelivery {
            confirmed_by: Confirmation::Event,
            reconcile: Reconcile::HistoryPage,
        })
    }

    /// Rejoin, then catch up with what arrived while we were away (the newest history page).
    fn rejoin(&self, conversation_id: &str) -> Vec<Command> {
        vec![
            Command::JoinConversation {
                conversation_id: conversation_id.to_owned(),
            },
            Command::FetchHistory {
                conversation_id: conversation_id.to_owned(),
                before: None,
                limit: Some(CATCH_UP_PAGE),
            },
        ]
    }

    /// The REST history: the newest page to catch up, or the page before the cache's oldest
    /// message once the cache has none older.
    fn voice_upload(&self) -> Option<&'static crate::model::VoiceUploadSpec> {
        Some(&voice::VOICE_UPLOAD)
    }

    fn decode_upload_answer(&self, answer: &Value) -> crate::model::UploadedNote {
        voice::uploaded_note(answer)
    }

    fn backfill(&self, page: &BackfillRequest<'_>) -> Option<Command> {
        let before = match (page.newest, page.older_than) {
            (true, _) => None,
            (false, Some(oldest)) => Some(oldest.to_owned()),
            (false, None) => return None,
        };
        Some(Command::FetchHistory {
            conversation_id: page.conversation_id.to_owned(),
            before,
            limit: Some(page.limit),
        })
    }

    /// The server stores the client's id as the message id and takes only uuids.
    fn check_client_id(&self, client_id: &str) -> Result<(), DialectError> {
        uuid::Uuid::parse_str(client_id).map(|_| ()).map_err(|_| {
            DialectError::InvalidCommand(format!(
                "tarot-chat message ids must be uuids, not {client_id:?}"
            ))
        })
    }

    /// The document's error codes that can only be about a message being sent.
    fn send_refusal(&self, code: Option<&str>) -> Option<SendRefusal> {
        match code? {
            "RATE_LIMIT_EXCEEDED" => Some(SendRefusal::SlowDown),
            "CHAT_ACCESS_DENIED" | "SESSION_NOT_FOUND" | "SESSION_INACTIVE"
            | "VALIDATION_ERROR" => Some(SendRefusal::Refused),
            _ => None,
        }
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
        // `{success: false, error, code}` (or any recognisable error) keeps the server's code.
        accepted(answer)?;
        let args = std::slice::from_ref(answer);
        let event = kind.0;
        let events = match kind.0 {
            // Marking read answers nothing the domain needs.
            "read" => vec![],
            "post-message" => {
                let m = rest_message(&payload(event, args)?, sent.sent_str("session_id"), false)?;
                vec![DomainEvent::MessageSent {
                    conversation_id: Some(m.conversation_id.clone()),
                    server_id: m.id.clone(),
                    client_id: sent.sent_str("id"),
                    message: Some(m),
                }]
            }
            "history" => {
                let query = |key: &str| match sent {
                    Outbound::Rest { request, .. } => request
                        .query
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| v.clone()),
                    _ => None,
                };
                let conversation_id = query("session_id").unwrap_or_default();
                let (list, page) = listed(event, args, "messages")?;
                let messages = page
                    .items(list)
                    .iter()
                    .filter_map(|m| {
                        rest_message(m, Some(conversation_id.clone()), true)
                            .map_err(|e| debug!(reason = %e.reason, "skipped a history item"))
                            .ok()
                    })
                    .collect();
                vec![DomainEvent::History {
                    conversation_id,
                    messages,
                    has_more: page.opt_bool(["has_more", "hasMore"]).unwrap_or(false),
                    before: query("before_message_id"),
                }]
            }
            "sessions" => {
                let (list, page) = listed(event, args, "sessions")?;
                let conversations = page.items(list).iter().filter_map(conversation).collect();
                vec![DomainEvent::Conversations { conversations }]
            }
            "session" | "session-created" => {
                let o = payload(event, args)?;
                vec![DomainEvent::Conversations {
                    conversations: vec![
                        conversation(&o).ok_or_else(|| o.error("missing field id"))?
                    ],
                }]
            }
            other => {
                return Err(DialectError::InvalidCommand(format!(
                    "tarot-chat has no reply kind {other}"
                )))
            }
        };
        Ok(events)
    }
}

/// Where 002 payloads carry the chat session (also `session: {id}`).
const SESSION: [&str; 4] = ["session_id", "sessionId", "chat_id", "chatId"];

/// The REST body's `data` object, or the body itself when it is not enveloped.
fn payload<'a>(event: &'a str, args: &'a [Value]) -> Result<Obj<'a>, ProtocolError> {
    let o = object(event, args)?;
    Ok(o.opt_obj("data").unwrap_or(o))
}

/// A listed page: the array under `key` (in `data` or at the top), or `data` itself when it
/// is the array; with the object that carries the page's own fields (`has_more`).
fn listed<'a>(
    event: &'a str,
    args: &'a [Value],
    key: &str,
) -> Result<(&'a [Value], Obj<'a>), ProtocolError> {
    let o = object(event, args)?;
    let page = o.opt_obj("data").unwrap_or(o);
    let list = match page.opt_arr(key) {
        [] => o.arr([key, "data", "items", "results"])?,
        list => list,
    };
    Ok((list, page))
}

fn non_empty(text: Option<&str>) -> Result<&str, DialectError> {
    text.filter(|t| !t.trim().is_empty())
        .ok_or_else(|| DialectError::InvalidCommand("a message needs text".into()))
}

/// A person object (`{id, name, avatar, role, email}`, or `first_name`/`last_name`).
fn person(o: &Obj<'_>) -> Option<Party> {
    let first = o.opt_str("first_name").unwrap_or_default();
    let last = o.opt_str("last_name").unwrap_or_default();
    let full = Some(format!("{first} {last}").trim().to_owned()).filter(|n| !n.is_empty());
    Some(Party {
        id: o.opt_id(["id", "_id", "user_id", "userId"])?,
        name: o.opt_str(["name", "user_name", "full_name"]).or(full),
        avatar: o.opt_str(["avatar", "avatar_url", "avatarUrl"]),
        role: o.opt_str("role"),
        email: o.opt_str("email"),
    })
}

/// Who an event is about: `user_id` / `user: {id}` with `user_name`, or only a name (the
/// document's `user_joined`, `user_typing` and reaction payloads print `user_name` alone).
fn someone(o: &Obj<'_>) -> Result<Party, ProtocolError> {
    if let Some(p) = party(
        o,
        &["user_id", "userId"],
        &["user_name", "userName"],
        "user",
    ) {
        return Ok(p);
    }
    let name = o.opt_str(["user_name", "userName"]);
    let nested = o.first_obj("user", |u| u.opt_str(["name", "user_name"]));
    match name.or(nested) {
        Some(name) => Ok(Party {
            name: Some(name),
            ..Party::default()
        }),
        None => Err(o.error("missing field user_id / user_name")),
    }
}

/// Totals per emoji when the server sends them: `{emoji: count}`, or a list of
/// `{reaction | emoji, count}` / `{reaction, user_id}` / emoji strings. Anything else is
/// ignored.
fn reaction_totals(o: &Obj<'_>) -> BTreeMap<String, u32> {
    let mut totals: BTreeMap<String, u32> = BTreeMap::new();
    let mut add = |emoji: String, n: u64| {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        let slot = totals.entry(emoji).or_default();
        *slot = slot.saturating_add(n);
    };
    if let Some(map) = o.opt_obj("reactions") {
        for (emoji, n) in map.entries() {
            match (u64_of(n), n.as_array()) {
                (Some(n), _) => add(emoji.clone(), n),
                (None, Some(users)) => add(emoji.clone(), users.len() as u64),
                _ => map.ignored(emoji, "a reaction count that is not a number"),
            }
        }
    }
    for item in o.opt_arr("reactions") {
        match item {
            Value::String(emoji) if !emoji.is_empty() => add(emoji.clone(), 1),
            Value::Object(_) => {
                let Ok(r) = Obj::nested(o.event(), item, o.args()) else {
                    continue;
                };
                let Some(emoji) = r.opt_str(["reaction", "emoji"]) else {
                    r.ignored("reactions", "a reaction without an emoji");
                    continue;
                };
                add(emoji, r.opt_u64(["count", "total"]).unwrap_or(1));
            }
            _ => o.ignored("reactions", "a reaction item of an unexpected shape"),
        }
    }
    totals
}

/// `type` as the document spells it; an unknown type reads as absent (a file when the
/// message carries a file, text otherwise).
fn kind(o: &Obj<'_>, has_file: bool) -> MessageKind {
    let fallback = if has_file {
        MessageKind::File
    } else {
        MessageKind::Text
    };
    match o.opt_str(["type", "message_type"]) {
        None => fallback,
        Some(t) => message_kind(&t).unwrap_or_else(|| {
            o.ignored("type", "unknown message type");
            fallback
        }),
    }
}

fn duration_secs(o: &Obj<'_>) -> Option<f32> {
    let d = o
        .first_obj("metadata", |m| m.opt_decimal("duration"))
        .or_else(|| o.opt_decimal(["duration", "duration_secs"]))?;
    d.to_string()
        .parse::<f32>()
        .ok()
        .filter(|f| f.is_finite() && *f >= 0.0)
}

/// The socket shape: `{id, session_id, content, type, sender:{id,name,avatar}, timestamp}`,
/// also enveloped as `{session_id, message: {...}}` (the shape of `send_message`).
fn socket_message(o: &Obj<'_>) -> Result<Message, ProtocolError> {
    let id = o.id(["id", "_id", "message_id", "messageId"])?;
    let sender = o
        .first_obj("sender", |s| person(&s))
        .or_else(|| {
            party(
                o,
                &["sender_id", "senderId", "sender", "user_id"],
                &["sender_name", "user_name"],
                "user",
            )
        })
        .ok_or_else(|| o.error("missing field sender.id"))?;
    let file_url = o.opt_str(["file_url", "fileUrl"]);
    Ok(Message {
        client_id: Some(id.clone()),
        id,
        conversation_id: o.opt_id(SESSION).unwrap_or_default(),
        sender,
        kind: kind(o, file_url.is_some()),
        text: o.opt_str(["content", "text", "message"]),
        file_url,
        file_name: o.opt_str(["file_name", "fileName"]),
        reply_to: o.opt_id(["reply_to", "reply_to_id", "replyToId"]),
        sent_at: o.opt_text(["timestamp", "created_at", "createdAt"]),
        read: o.opt_bool(["is_read", "isRead"]),
        reactions: BTreeMap::new(),
        duration_secs: duration_secs(o),
    })
}

/// The REST shape: `{id, session_id, sender_id, content, type, file_url, is_read, created_at,
/// profiles:{first_name,last_name,avatar_url}, message_reactions:[{user_id, reaction}]}`.
/// `conversation` stands in for a missing `session_id`; without `sender_id` the sender is
/// unknown (an error where `need_sender`).
pub fn rest_message(
    o: &Obj<'_>,
    conversation: Option<String>,
    need_sender: bool,
) -> Result<Message, ProtocolError> {
    let profile = o.first_obj(["profiles", "profile", "sender"], |p| {
        let first = p.opt_str("first_name").unwrap_or_default();
        let last = p.opt_str("last_name").unwrap_or_default();
        let name = Some(format!("{first} {last}").trim().to_owned())
            .filter(|n| !n.is_empty())
            .or_else(|| p.opt_str("name"));
        let avatar = p.opt_str(["avatar_url", "avatar"]);
        (name.is_some() || avatar.is_some()).then_some((name, avatar))
    });
    let (name, avatar) = profile.unwrap_or_default();
    let sender_id = match o.opt_id(["sender_id", "senderId", "user_id"]) {
        Some(id) => id,
        None if need_sender => return Err(o.error("missing field sender_id")),
        None => String::new(),
    };
    let mut reactions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in o.items(o.opt_arr(["message_reactions", "reactions"])) {
        match (
            r.opt_str(["reaction", "emoji"]),
            r.opt_id(["user_id", "userId"]),
        ) {
            (Some(emoji), Some(user)) => reactions.entry(emoji).or_default().push(user),
            _ => r.ignored("message_reactions", "a reaction without emoji or user"),
        }
    }
    let file_url = o.opt_str(["file_url", "fileUrl"]);
    Ok(Message {
        id: o.id(["id", "_id"])?,
        conversation_id: o
            .opt_id(SESSION)
            .or(conversation)
            .ok_or_else(|| o.error("missing field session_id"))?,
        client_id: o.opt_client_id(["client_id", "clientId"]),
        sender: Party {
            id: sender_id,
            name,
            avatar,
            ..Party::default()
        },
        kind: kind(o, file_url.is_some()),
        text: o.opt_str(["content", "text"]),
        file_url,
        file_name: o.opt_str(["file_name", "fileName"]),
        reply_to: o.opt_id(["reply_to", "reply_to_id", "replyToId"]),
        sent_at: o.opt_text(["created_at", "createdAt", "timestamp"]),
        read: o.opt_bool(["is_read", "isRead"]),
        reactions,
        duration_secs: duration_secs(o),
    })
}

/// A listed conversation; `None` without an id.
fn conversation(o: &Obj<'_>) -> Option<ConversationInfo> {
    let Some(id) = o.opt_id(["id", "_id", "session_id"]) else {
        o.ignored("id", "a conversation without an id");
        return None;
    };
    Some(ConversationInfo {
        id,
        status: o.opt_str("status"),
        participants: o.ids_of(o.opt_arr(["participants", "participant_ids"])),
        unread: o.opt_u64(["unread_count", "unreadCount"]),
        last_message_at: o.opt_text(["last_message_at", "lastMessageAt"]),
    })
}
