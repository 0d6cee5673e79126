//! What 001 sends for each command: REST calls for presence (when the expert's id is known),
//! sessions and Agora tokens; socket emits for presence otherwise, joining, leaving and chat.

use super::PresenceSessions;
use crate::command::Command;
use crate::dialect::{encode_raw, path_segment, rest_call, Dialect, DialectError, Outbound};
use crate::event::DomainEvent;
use crate::model::{ConsultationKind, Method};
use serde_json::{json, Value};

fn session_type(k: ConsultationKind) -> &'static str {
    match k {
        ConsultationKind::Text => "chat",
        ConsultationKind::Audio => "audio",
        ConsultationKind::Video => "video",
    }
}

/// What `d` sends for `cmd`.
pub(super) fn encode(d: &PresenceSessions, cmd: &Command) -> Result<Vec<Outbound>, DialectError> {
    if let Some(raw) = encode_raw(cmd) {
        return Ok(vec![raw]);
    }
    let end = |id: &str, rate: Option<&rust_decimal::Decimal>, duration: Option<u32>| {
        let mut body = json!({ "sessionId": id });
        if let Some(r) = rate {
            body["ratePerMinute"] = json!(r.to_string());
        }
        if let Some(d) = duration {
            body["duration"] = json!(d);
        }
        Outbound::rest(
            rest_call(Method::Post, "/api/sessions/end".into(), Some(body)),
            "session-end",
        )
    };
    let out = match cmd {
        // The REST call is the record of presence (the socket event only mirrors it), so
        // it is the one sent when the expert's id is known.
        Command::SetPresence { online } => match &d.account_id {
            None => Outbound::emit(
                if *online {
                    "presence:on"
                } else {
                    "presence:off"
                },
                Value::Null,
            ),
            Some(expert_id) => Outbound::rest(
                rest_call(
                    Method::Post,
                    format!(
                        "/api/v1/astrologers/{}/{}",
                        path_segment(expert_id, "id")?,
                        if *online { "online" } else { "offline" }
                    ),
                    None,
                ),
                if *online {
                    "presence-on"
                } else {
                    "presence-off"
                },
            ),
        },
        Command::ListOnlineExperts => Outbound::rest(
            rest_call(Method::Get, "/api/v1/astrologers/online".into(), None),
            "online-list",
        ),
        Command::RequestConsultation {
            expert_id,
            kind,
            rate_per_minute,
        } => {
            let mut body = json!({ "astrologerId": expert_id, "sessionType": session_type(*kind) });
            if let Some(r) = rate_per_minute {
                body["ratePerMinute"] = json!(r.to_string());
            }
            Outbound::rest(
                rest_call(Method::Post, "/api/sessions/start".into(), Some(body)),
                "session-start",
            )
        }
        Command::NotifyConsultationRequest { consultation_id } => {
            Outbound::emit("session:request", json!({ "sessionId": consultation_id }))
        }
        Command::AnswerConsultation {
            consultation_id,
            accept: true,
        } => Outbound::rest(
            rest_call(
                Method::Post,
                "/api/sessions/accept".into(),
                Some(json!({ "sessionId": consultation_id })),
            ),
            "session-accept",
        ),
        // The document has no reject: the astrologer ends the pending session.
        Command::AnswerConsultation {
            consultation_id,
            accept: false,
        }
        | Command::CancelConsultationRequest { consultation_id } => {
            end(consultation_id, None, None)
        }
        Command::EndConsultation {
            consultation_id,
            rate_per_minute,
            duration_minutes,
        } => end(consultation_id, rate_per_minute.as_ref(), *duration_minutes),
        // The document defines no ack for its socket events: plain emits (a server that
        // never acks must not stall us; a refused join is silent, as the document has it).
        Command::JoinConversation { conversation_id } => Outbound::emit_own_view(
            "join-session",
            json!({ "sessionId": conversation_id }),
            vec![DomainEvent::ConversationJoined {
                conversation_id: conversation_id.clone(),
                recent: vec![],
            }],
        ),
        Command::LeaveConversation { conversation_id } => Outbound::emit_own_view(
            "leave-session",
            json!({ "sessionId": conversation_id }),
            vec![DomainEvent::ConversationLeft {
                conversation_id: conversation_id.clone(),
            }],
        ),
        Command::SendMessage {
            conversation_id,
            client_id,
            text,
            reply_to,
            file_id,
        } => {
            if reply_to.is_some() || file_id.is_some() {
                return Err(DialectError::InvalidCommand(
                    "presence-sessions messages carry text only (no replies or files)".into(),
                ));
            }
            let text = text
                .as_deref()
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| DialectError::InvalidCommand("a message needs text".into()))?;
            Outbound::emit(
                "message:send",
                json!({ "sessionId": conversation_id, "text": text, "clientId": client_id }),
            )
        }
        Command::RequestAgoraToken { channel, uid } => {
            let mut body = json!({ "channelName": channel });
            if let Some(u) = uid {
                body["uid"] = json!(u);
            }
            Outbound::rest(
                rest_call(Method::Post, "/api/agora/token".into(), Some(body)),
                "agora",
            )
        }
        other => return Err(d.unsupported(other)),
    };
    Ok(vec![out])
}
