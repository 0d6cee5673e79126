//! What 002 sends for each command: socket emits for live traffic (`join_chat`,
//! `send_message`, typing, reactions) and REST calls for sessions, history, read status.
//! (002's REST `POST /api/chat/messages` is a second way to send; messages go by the socket,
//! whose broadcast reaches the other side at once.)

use super::read::non_empty;
use crate::command::Command;
use crate::dialect::{encode_raw, path_segment, rest_call, DialectError, Outbound};
use crate::model::{Method, RestRequest};
use serde_json::json;

/// What to send for `cmd`; `None` when 002 has no such command.
pub(super) fn encode(cmd: &Command) -> Result<Option<Vec<Outbound>>, DialectError> {
    if let Some(raw) = encode_raw(cmd) {
        return Ok(Some(vec![raw]));
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
        _ => return Ok(None),
    };
    Ok(Some(out))
}
