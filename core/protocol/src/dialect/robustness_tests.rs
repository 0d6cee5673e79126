//! No server payload can panic a decoder: every dialect is fed its own event names (and
//! unknown ones) with thousands of random JSON payloads, and every answer decoder likewise.
//! Deterministic (seeded) so a failure reproduces; the long-running fuzzing is cargo-fuzz's job.

use super::*;
use crate::model::{CallMedia, ConsultationKind};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

/// Every event name any dialect knows, plus a few it does not.
const EVENTS: &[&str] = &[
    "chat-request-response",
    "chat-request",
    "chat-status",
    "chat-started",
    "chat-paused",
    "chat-resumed",
    "chat-ended",
    "chat-timer",
    "chat-error",
    "wallet-error",
    "admin-monitor",
    "presence:online-list",
    "session:request",
    "session:accepted",
    "session:ended",
    "message:receive",
    "message:error",
    "authenticated",
    "auth_error",
    "chat_joined",
    "user_joined",
    "user_left",
    "message_sent",
    "new_message",
    "user_typing",
    "message_reaction_update",
    "message_read",
    "error",
    "joinedChat",
    "leftChat",
    "messageSent",
    "newMessage",
    "userTyping",
    "messagesMarkedRead",
    "messagesRead",
    "activeUsers",
    "participantUpdate",
    "chatStatusChanged",
    "telecaller:presence-changed",
    "call:ringing",
    "call:incoming",
    "call:accepted",
    "call:rejected",
    "call:cancelled",
    "call:missed",
    "call:ended",
    "call:error",
    "message",
    "",
    "constructor",
    "__proto__",
];

/// Field names the decoders look for, so random objects often hit real code paths.
const KEYS: &[&str] = &[
    "status",
    "message",
    "data",
    "roomId",
    "astrologerId",
    "userId",
    "userName",
    "chatType",
    "ratePerMinute",
    "duration",
    "cost",
    "totalCost",
    "balance",
    "requiredBalance",
    "error",
    "chats",
    "startTime",
    "id",
    "_id",
    "name",
    "isOnline",
    "busy",
    "sessionId",
    "sessionType",
    "senderId",
    "senderName",
    "text",
    "clientId",
    "user",
    "session_id",
    "user_id",
    "user_name",
    "message_id",
    "content",
    "type",
    "sender",
    "is_typing",
    "reaction",
    "reactions",
    "action",
    "chatId",
    "messages",
    "isTyping",
    "messageIds",
    "userIds",
    "readBy",
    "event",
    "callId",
    "telecallerId",
    "presence",
    "telecaller",
    "livekit",
    "url",
    "token",
    "roomName",
    "callType",
    "caller",
    "coins",
    "has_more",
    "sessions",
    "astrologers",
    "appId",
    "channelName",
    "uid",
    "replyTo",
    "replyToId",
    "metadata",
    "profiles",
    "message_reactions",
    "first_name",
    "participants",
    // Spellings and nestings the tolerant reader accepts (issue 14).
    "success",
    "ok",
    "code",
    "room",
    "session",
    "call",
    "chat",
    "sender_id",
    "errors",
];

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    let pick = if depth > 3 {
        rng.random_range(0..6)
    } else {
        rng.random_range(0..9)
    };
    match pick {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => json!(rng.random_range(-1_000_000i64..1_000_000)),
        3 => json!(rng.random::<f64>() * 1e6 - 5e5),
        4 => json!(
            [
                "", "0", "12.50", "-1", "1e400", "NaN", "accepted", "ONLINE", "text", "VIDEO",
                "joined", "\u{1e}", "ACTIVE"
            ][rng.random_range(0..13)]
        ),
        5 => json!(u64::MAX),
        6 | 7 => {
            let mut m = Map::new();
            for _ in 0..rng.random_range(0..8) {
                let k = KEYS[rng.random_range(0..KEYS.len())];
                m.insert(k.to_owned(), random_value(rng, depth + 1));
            }
            Value::Object(m)
        }
        _ => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
    }
}

fn all_dialects() -> Vec<Box<dyn Dialect>> {
    let mut v: Vec<Box<dyn Dialect>> = DialectId::ALL
        .iter()
        .map(|d| {
            dialect_for(
                *d,
                &DialectContext {
                    namespace: "/user".into(),
                    account_id: Some("me".into()),
                },
            )
        })
        .collect();
    v.push(dialect_for(
        DialectId::Telecaller,
        &DialectContext {
            namespace: "/telecaller".into(),
            account_id: None,
        },
    ));
    v
}

/// One sample of every command, so that every answer decoder is exercised.
fn sample_commands() -> Vec<Command> {
    let id = || "x1".to_string();
    vec![
        Command::RequestConsultation {
            expert_id: id(),
            kind: ConsultationKind::Text,
            rate_per_minute: None,
        },
        Command::AnswerConsultation {
            consultation_id: id(),
            accept: true,
        },
        Command::AnswerConsultation {
            consultation_id: id(),
            accept: false,
        },
        Command::EndConsultation {
            consultation_id: id(),
            rate_per_minute: None,
            duration_minutes: None,
        },
        Command::SetPresence { online: true },
        Command::ListOnlineExperts,
        Command::JoinConversation {
            conversation_id: id(),
        },
        Command::LeaveConversation {
            conversation_id: id(),
        },
        Command::RawRest {
            method: crate::model::Method::Post,
            path: "/x".into(),
            body: None,
        },
        Command::MarkRead {
            conversation_id: id(),
            message_ids: vec![id()],
        },
        Command::GetActiveUsers {
            conversation_id: id(),
        },
        Command::SetConversationStatus {
            conversation_id: id(),
            status: "CLOSED".into(),
        },
        Command::FetchHistory {
            conversation_id: id(),
            before: None,
            limit: None,
        },
        Command::ListConversations { status: None },
        Command::GetConversation {
            conversation_id: id(),
        },
        Command::CreateConversation {
            participant_ids: vec![id()],
            kind: None,
        },
        Command::SendMessage {
            conversation_id: id(),
            client_id: id(),
            text: Some("t".into()),
            reply_to: None,
            file_id: None,
        },
        Command::InitiateCall {
            callee_id: id(),
            media: CallMedia::Audio,
        },
        Command::RequestAgoraToken {
            channel: id(),
            uid: None,
        },
        Command::Raw {
            event: "e".into(),
            payload: json!(1),
            ack: true,
        },
    ]
}

#[test]
fn random_payloads_never_panic_any_event_decoder() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let dialects = all_dialects();
    let mut decoded = 0usize;
    for _ in 0..400 {
        for event in EVENTS {
            let args: Vec<Value> = (0..rng.random_range(0..3))
                .map(|_| random_value(&mut rng, 0))
                .collect();
            for d in &dialects {
                let _ = d.auth_rejection(event, &args);
                if let Ok(events) = d.decode(event, &args) {
                    decoded += events.len();
                    // Whatever decodes must also serialize (it goes to the harness and the UI).
                    for e in events {
                        serde_json::to_string(&e).expect("decoded events serialize");
                    }
                }
            }
        }
    }
    assert!(decoded > 0, "random payloads should sometimes be valid");
}

#[test]
fn random_answers_never_panic_any_reply_decoder() {
    let mut rng = StdRng::seed_from_u64(0xac4);
    for d in all_dialects() {
        let sent: Vec<Outbound> = sample_commands()
            .iter()
            .filter_map(|c| d.encode(c).ok())
            .flatten()
            .collect();
        for out in &sent {
            for _ in 0..300 {
                let answer = random_value(&mut rng, 0);
                let _ = d.decode_reply(out, &answer);
                let _ = d.decode_reply(out, &Value::Array(vec![answer]));
            }
        }
    }
}
