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

mod encode;
mod read;
mod voice;

use read::{
    conversation, listed, payload, person, reaction_totals, rest_message, socket_message, someone,
    SESSION,
};

use super::answer::{accepted, error_parts};
use super::wire::{first, object, ProtocolError};
use super::{
    decode_raw_reply, BackfillRequest, Capability, Confirmation, Dialect, DialectError, DialectId,
    DialectName, MessageDelivery, Outbound, Reconcile, SendRefusal,
};
use crate::command::Command;
use crate::event::DomainEvent;
use crate::model::Party;
use serde_json::Value;
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

impl Dialect for TarotChat {
    fn name(&self) -> DialectName {
        DialectId::TarotChat.into()
    }

    fn capabilities(&self) -> &'static [Capability] {
        CAPABILITIES
    }

    fn encode(&self, cmd: &Command) -> Result<Vec<Outbound>, DialectError> {
        encode::encode(cmd)?.ok_or_else(|| self.unsupported(cmd))
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
