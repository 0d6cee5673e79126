//! Shared by the dialect targets: the input's first line is an event name, the rest a JSON
//! array of arguments (or any JSON value). The same value is also fed to every answer decoder
//! of the dialect. Only panics count as findings: errors are the expected outcome.

use parlor_core::dialect::{dialect_for, Dialect, DialectContext, DialectId};
use parlor_core::model::{CallMedia, ConsultationKind};
use parlor_core::Command;
use serde_json::Value;

pub fn run(id: DialectId, namespace: &str, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (event, rest) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(value) = serde_json::from_str::<Value>(rest) else { return };
    let args = match &value {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let d: Box<dyn Dialect> = dialect_for(id, &DialectContext { namespace: namespace.into(), account_id: Some("me".into()) });
    let _ = d.auth_rejection(event, &args);
    if let Ok(events) = d.decode(event, &args) {
        for e in events {
            let _ = serde_json::to_string(&e);
        }
    }
    for cmd in commands() {
        if let Ok(outs) = d.encode(&cmd) {
            for out in outs {
                let _ = d.decode_reply(&out, &value);
            }
        }
    }
}

fn commands() -> Vec<Command> {
    let id = || "x1".to_string();
    vec![
        Command::RequestConsultation { expert_id: id(), kind: ConsultationKind::Text, rate_per_minute: None },
        Command::AnswerConsultation { consultation_id: id(), accept: true },
        Command::EndConsultation { consultation_id: id(), rate_per_minute: None, duration_minutes: None },
        Command::SetPresence { online: true },
        Command::ListOnlineExperts,
        Command::JoinConversation { conversation_id: id() },
        Command::LeaveConversation { conversation_id: id() },
        Command::RawRest { method: parlor_core::model::Method::Post, path: "/x".into(), body: None },
        Command::MarkRead { conversation_id: id(), message_ids: vec![id()] },
        Command::GetActiveUsers { conversation_id: id() },
        Command::FetchHistory { conversation_id: id(), before: None, limit: None },
        Command::ListConversations { status: None },
        Command::GetConversation { conversation_id: id() },
        Command::SendMessage { conversation_id: id(), client_id: id(), text: Some("t".into()), reply_to: None, file_id: None },
        Command::InitiateCall { callee_id: id(), media: CallMedia::Audio },
        Command::RequestAgoraToken { channel: id(), uid: None },
        Command::Raw { event: "e".into(), payload: Value::Null, ack: true },
    ]
}
