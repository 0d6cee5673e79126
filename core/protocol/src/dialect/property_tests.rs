//! Property tests of the tolerant reader (issue 14): for every documented payload of every
//! dialect (the examples the documents print and the shapes the dialects accept), event or
//! answer,
//! - random extra fields at every object level (random names with any JSON value, and the
//!   names the decoders read, when absent, with values of no usable shape) change nothing;
//! - a field whose value has no usable shape decodes exactly like the field left out (an odd
//!   optional field becomes absent; an odd required field is an error like a missing one);
//! - ids as numbers decode like the same ids as strings;
//! - an id `xId: v` nested as `x: {id: v}` decodes like the flat one.

use super::*;
use crate::model::ConsultationKind;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// What to decode: an event, or the answer to a command.
enum Input {
    Event(&'static str),
    Reply(Command),
}

struct Case {
    /// Index into [`dialects`].
    dialect: usize,
    input: Input,
    payload: Value,
}

/// 000, 001, 002, 003, 004 user side, 004 telecaller side.
fn dialects() -> Vec<Box<dyn Dialect>> {
    let ctx = |namespace: &str| DialectContext {
        namespace: namespace.into(),
        account_id: Some("me".into()),
    };
    vec![
        dialect_for(DialectId::BillingChat, &ctx("/")),
        dialect_for(DialectId::PresenceSessions, &ctx("/")),
        dialect_for(DialectId::TarotChat, &ctx("/")),
        dialect_for(DialectId::SupportChat, &ctx("/")),
        dialect_for(DialectId::Telecaller, &ctx("/user")),
        dialect_for(DialectId::Telecaller, &ctx("/telecaller")),
    ]
}

const D000: usize = 0;
const D001: usize = 1;
const D002: usize = 2;
const D003: usize = 3;
const D004_USER: usize = 4;
const D004_TELECALLER: usize = 5;

fn event(dialect: usize, name: &'static str, payload: Value) -> Case {
    Case {
        dialect,
        input: Input::Event(name),
        payload,
    }
}

fn reply(dialect: usize, cmd: Command, payload: Value) -> Case {
    Case {
        dialect,
        input: Input::Reply(cmd),
        payload,
    }
}

/// Every payload the documents print (with real values where they print placeholders for
/// amounts), and the shapes beyond them that the dialects' module docs say they accept.
fn cases() -> Vec<Case> {
    let message_003 = json!({"id":"m1","chatId":"chat-id-123","senderId":1,"text":"hi","fileUrl":"https://f","replyToId":"m0","replyTo":{"id":"m0","chatId":"chat-id-123","senderId":2,"text":"a","createdAt":"t"},"createdAt":"2024-12-01T00:00:00Z","sender":{"id":1,"email":"a@b","role":"CLIENT"}});
    vec![
        // ----- 000 -----
        event(
            D000,
            "chat-request-response",
            json!({"status":"success","message":"Chat request sent to astrologer.","data":{"roomId":"ROOM_ID","astrologerId":"ASTROLOGER_ID"}}),
        ),
        event(
            D000,
            "chat-request-response",
            json!({"success":true,"roomId":"r9","astrologerId":"a1","ratePerMinute":"12.50","expiresAt":"t"}),
        ),
        event(
            D000,
            "chat-request-response",
            json!({"status":"error","error":"ASTROLOGER_BUSY","message":"Astrologer is busy."}),
        ),
        event(
            D000,
            "chat-request",
            json!({"roomId":"r1","userId":"u-asha","userName":"Asha Verma","chatType":"audio","ratePerMinute":"12.50","expiresAt":"2026-01-01T00:00:00Z"}),
        ),
        event(
            D000,
            "chat-request",
            json!({"room":{"id":"r1"},"user":{"_id":"u1","name":"Asha"},"chat_type":"VIDEO"}),
        ),
        event(
            D000,
            "chat-status",
            json!({"status":"accepted","message":"Astrologer has accepted/rejected the request.","roomId":"ROOM_ID"}),
        ),
        event(
            D000,
            "chat-status",
            json!({"status":"rejected","message":"no","roomId":"ROOM_ID"}),
        ),
        event(
            D000,
            "chat-started",
            json!({"status":"success","message":"Chat session started.","startTime":"TIMESTAMP"}),
        ),
        event(
            D000,
            "chat-started",
            json!({"status":"success","roomId":"r1","startTime":"t","ratePerMinute":"10.00","balance":"500","currency":"INR"}),
        ),
        event(
            D000,
            "chat-paused",
            json!({"status":"success","message":"Chat paused successfully."}),
        ),
        event(
            D000,
            "chat-resumed",
            json!({"status":"success","message":"Chat resumed successfully.","roomId":"r1","resumedBy":"user"}),
        ),
        event(
            D000,
            "chat-ended",
            json!({"status":"success","message":"Chat session ended.","duration":"DURATION_IN_MINUTES","totalCost":"TOTAL_COST"}),
        ),
        event(
            D000,
            "chat-ended",
            json!({"status":"success","message":"Chat session ended.","roomId":"r1","duration":4,"totalCost":"50.25","endedBy":"user","reason":"ended","balance":"449.75"}),
        ),
        event(
            D000,
            "chat-timer",
            json!({"roomId":"ROOM_ID","duration":"3","cost":"37.50","balance":"462.50","state":"active"}),
        ),
        event(
            D000,
            "chat-error",
            json!({"error":"ERROR_CODE","message":"ERROR_MESSAGE"}),
        ),
        event(
            D000,
            "wallet-error",
            json!({"status":"error","message":"Insufficient wallet balance to continue the chat.","requiredBalance":"MINIMUM_REQUIRED_BALANCE"}),
        ),
        event(
            D000,
            "wallet-error",
            json!({"status":"error","message":"Insufficient wallet balance to continue the chat.","requiredBalance":"10.00"}),
        ),
        event(
            D000,
            "admin-monitor",
            json!({"status":"success","message":"Action performed successfully."}),
        ),
        event(
            D000,
            "admin-monitor",
            json!({"status":"success","message":"ok","data":{"chats":[{"roomId":"r1","userId":"u","astrologerId":"a","status":"active","duration":"2","cost":"20.00"}]}}),
        ),
        // ----- 001 (the document prints no socket payloads: the common shapes) -----
        event(
            D001,
            "presence:online-list",
            json!([{"id":"astro_sharma","name":"Pandit Sharma","ratePerMinute":"10.00","isOnline":true,"busy":false,"currentSessionId":null},{"_id":"astro_meera","name":"Meera","isOnline":true,"currentSessionId":"s1"}]),
        ),
        event(
            D001,
            "presence:online-list",
            json!({"astrologers":[{"id":"a1","name":"A"},{"_id":"a2","isOnline":false}]}),
        ),
        event(
            D001,
            "session:request",
            json!({"sessionId":"s1","userId":"user_asha","userName":"Asha Verma","sessionType":"video","ratePerMinute":"10.00","expiresAt":"t"}),
        ),
        event(
            D001,
            "session:request",
            json!({"session":{"_id":"s1","sessionType":"chat","ratePerMinute":10},"user":{"_id":"u1","name":"Asha"}}),
        ),
        event(
            D001,
            "session:accepted",
            json!({"sessionId":"s1","astrologerId":"a","acceptedAt":"t","sessionType":"chat","channelName":"ch","ratePerMinute":"10"}),
        ),
        event(
            D001,
            "session:accepted",
            json!({"session":{"_id":"s1","channelName":"ch","acceptedAt":"t"}}),
        ),
        event(
            D001,
            "session:ended",
            json!({"sessionId":"s1","endedBy":"user","endReason":"ended","duration":3,"coinsDeducted":"30.00"}),
        ),
        event(
            D001,
            "session:ended",
            json!({"sessionId":"s1","endedBy":"astrologer","endReason":"rejected"}),
        ),
        event(
            D001,
            "message:receive",
            json!({"_id":"m1","sessionId":"s1","senderId":"user_asha","senderName":"Asha","text":"hello","clientId":"c1","createdAt":"t"}),
        ),
        event(
            D001,
            "message:receive",
            json!({"message":{"_id":"m1","sessionId":"s1","sender":{"_id":"u1","name":"Asha"},"text":"hello","createdAt":"t"}}),
        ),
        event(
            D001,
            "message:error",
            json!({"code":"NOT_A_PARTICIPANT","message":"no","sessionId":"s1","clientId":"c1"}),
        ),
        reply(
            D001,
            Command::RequestConsultation {
                expert_id: "a1".into(),
                kind: ConsultationKind::Video,
                rate_per_minute: None,
            },
            json!({"success":true,"session":{"_id":"s1","astrologerId":"a1","sessionType":"video","ratePerMinute":"10.00","status":"pending","expiresAt":"t"}}),
        ),
        reply(
            D001,
            Command::AnswerConsultation {
                consultation_id: "s1".into(),
                accept: true,
            },
            json!({"success":true,"session":{"_id":"s1","channelName":"ch","acceptedAt":"t","ratePerMinute":"10"}}),
        ),
        reply(
            D001,
            Command::EndConsultation {
                consultation_id: "s1".into(),
                rate_per_minute: None,
                duration_minutes: None,
            },
            json!({"success":true,"session":{"_id":"s1","duration":3,"coinsDeducted":"30","endedBy":"user","endReason":"ended"},"balance":"470"}),
        ),
        reply(
            D001,
            Command::ListOnlineExperts,
            json!({"success":true,"astrologers":[{"id":"a1","name":"A","ratePerMinute":"10"}]}),
        ),
        reply(
            D001,
            Command::RequestAgoraToken {
                channel: "c".into(),
                uid: None,
            },
            json!({"success":true,"token":"007abc","appId":"app","channelName":"c","uid":0,"expiresAt":"t"}),
        ),
        reply(
            D001,
            Command::JoinConversation {
                conversation_id: "s1".into(),
            },
            json!([{"ok":true}]),
        ),
        reply(
            D001,
            Command::JoinConversation {
                conversation_id: "s1".into(),
            },
            json!([{"ok":false,"code":"NOT_A_PARTICIPANT","message":"You are not part of this session"}]),
        ),
        reply(
            D001,
            Command::SetPresenceRest {
                expert_id: "a1".into(),
                online: true,
            },
            json!({"success":true,"astrologer":{"id":"a1","isOnline":true}}),
        ),
        // ----- 002 -----
        event(
            D002,
            "authenticated",
            json!({"user":{"id":"u1","name":"Sarah","avatar":"a.png","role":"client","email":"s@x"}}),
        ),
        event(D002, "auth_error", json!({"message":"Auth failed"})),
        event(D002, "chat_joined", json!({"session_id":"uuid"})),
        event(D002, "user_joined", json!({"user_name":"Sarah"})),
        event(
            D002,
            "user_left",
            json!({"user_name":"Sarah","user_id":"u1","session_id":"s","timestamp":"t"}),
        ),
        event(D002, "message_sent", json!({"message_id":"uuid"})),
        event(
            D002,
            "new_message",
            json!({"id":"uuid","content":"message text","type":"text","sender":{"id":"u1","name":"Sarah","avatar":"a.png"},"timestamp":"2024-12-01T00:00:00Z"}),
        ),
        event(
            D002,
            "new_message",
            json!({"session_id":"s","message":{"id":"m","content":"hi","type":"voice","file_url":"https://v","metadata":{"duration":15},"sender":{"id":"u1"},"reply_to":"m0"}}),
        ),
        event(
            D002,
            "user_typing",
            json!({"user_name":"Samia","is_typing":true}),
        ),
        event(
            D002,
            "message_reaction_update",
            json!({"message_id":"m","user_name":"Sarah","reaction":"❤️"}),
        ),
        event(
            D002,
            "message_reaction_update",
            json!({"message_id":"m","user_name":"Sarah","reaction":"❤️","session_id":"s","action":"added","reactions":[{"user_id":"u1","reaction":"❤️"},{"emoji":"🙏","count":3}]}),
        ),
        event(
            D002,
            "message_reaction_update",
            json!({"message_id":"m","user_id":"u1","reaction":"❤️","reactions":{"❤️":2,"🙏":"1"}}),
        ),
        event(
            D002,
            "message_read",
            json!({"session_id":"s","user_id":"u2","message_id":"m","read_at":"t"}),
        ),
        event(
            D002,
            "error",
            json!({"success":false,"error":"Human-readable error message","code":"ERROR_CODE","details":["Additional error details array"]}),
        ),
        reply(
            D002,
            Command::FetchHistory {
                conversation_id: "uuid".into(),
                before: None,
                limit: None,
            },
            json!({"success":true,"data":{"messages":[{"id":"uuid","session_id":"uuid","sender_id":"uuid","content":"Hello! How can I help you today?","type":"text","file_url":null,"file_name":null,"is_read":true,"created_at":"2024-12-...","profiles":{"first_name":"Samia","last_name":"Reader","avatar_url":"https://..."},"message_reactions":[{"user_id":"uuid","reaction":"❤️","profiles":{"first_name":"Sarah"}}]}],"has_more":true}}),
        ),
        reply(
            D002,
            Command::ListConversations { status: None },
            json!({"success":true,"data":{"sessions":[{"id":"uuid","booking_id":"uuid","session_type":"booking","status":"active","participants":["user1-id","reader1-id"],"last_message_at":"2024-12-...","unread_count":3,"bookings":{"id":"uuid","services":{"name":"Full Tarot Reading","type":"comprehensive"},"profiles":[]}}],"pagination":{"page":1,"limit":20,"total":45,"total_pages":3}}}),
        ),
        reply(
            D002,
            Command::GetConversation {
                conversation_id: "uuid".into(),
            },
            json!({"success":true,"data":{"id":"uuid","booking_id":"uuid","session_type":"booking","status":"active","participants":["user1","reader1"],"participant_profiles":[{"id":"user1","first_name":"Sarah","last_name":"Johnson","avatar_url":"https://...","role":"client"}],"metadata":{},"created_at":"2024-12-...","bookings":{}}}),
        ),
        reply(
            D002,
            Command::CreateConversation {
                participant_ids: vec!["user1".into()],
                kind: None,
            },
            json!({"success":true,"data":{"id":"new-session-uuid","booking_id":"uuid","session_type":"booking","status":"active","participants":["user1","reader1"],"created_at":"2024-12-..."},"message":"Chat session created successfully"}),
        ),
        reply(
            D002,
            Command::PostMessage {
                conversation_id: "uuid".into(),
                client_id: "c1".into(),
                text: "Thank you".into(),
            },
            json!({"success":true,"data":{"id":"new-message-uuid","session_id":"uuid","sender_id":"current-user-id","content":"Thank you for the reading...","type":"text","created_at":"2024-12-...","profiles":{}},"message":"Message sent successfully"}),
        ),
        reply(
            D002,
            Command::MarkRead {
                conversation_id: "s".into(),
                message_ids: vec!["m1".into()],
            },
            json!({"success":true,"message":"Message marked as read"}),
        ),
        // ----- 003 -----
        event(D003, "newMessage", message_003.clone()),
        event(D003, "messageSent", message_003.clone()),
        event(
            D003,
            "userTyping",
            json!({"userId":1,"email":"a@b","isTyping":true}),
        ),
        event(
            D003,
            "messagesRead",
            json!({"userId":2,"messageIds":["m1","m2"]}),
        ),
        event(
            D003,
            "participantUpdate",
            json!({"chatId":"c","userId":3,"action":"left","timestamp":"t"}),
        ),
        event(
            D003,
            "chatStatusChanged",
            json!({"chatId":"c","status":"CLOSED"}),
        ),
        event(D003, "activeUsers", json!({"chatId":"c","userIds":[1,10]})),
        event(D003, "messagesMarkedRead", json!([{"id":"m1","readBy":2}])),
        event(
            D003,
            "joinedChat",
            json!({"chatId":"chat-1","messages":[message_003.clone()]}),
        ),
        event(
            D003,
            "error",
            json!({"message":"Chat not found","code":"NOT_FOUND"}),
        ),
        reply(
            D003,
            Command::JoinConversation {
                conversation_id: "chat-1".into(),
            },
            json!([{"event":"joinedChat","data":{"chatId":"chat-1","messages":[message_003.clone()]}}]),
        ),
        reply(
            D003,
            Command::SendMessage {
                conversation_id: "chat-id-123".into(),
                client_id: "k".into(),
                text: Some("hi".into()),
                reply_to: None,
                file_id: None,
            },
            json!([{"event":"messageSent","data":message_003}]),
        ),
        reply(
            D003,
            Command::MarkRead {
                conversation_id: "c".into(),
                message_ids: vec!["m1".into()],
            },
            json!([{"event":"messagesMarkedRead","data":[{"id":"m1","readBy":1}]}]),
        ),
        reply(
            D003,
            Command::GetActiveUsers {
                conversation_id: "c".into(),
            },
            json!([{"event":"activeUsers","data":{"chatId":"c","userIds":[1,2]}}]),
        ),
        reply(
            D003,
            Command::LeaveConversation {
                conversation_id: "c".into(),
            },
            json!([{"event":"leftChat","data":"c"}]),
        ),
        reply(
            D003,
            Command::JoinConversation {
                conversation_id: "c".into(),
            },
            json!([{"event":"error","data":{"code":"CHAT_CLOSED","message":"closed"}}]),
        ),
        // ----- 004 -----
        event(
            D004_USER,
            "telecaller:presence-changed",
            json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"ONLINE","telecaller":{"_id":"507f1f77bcf86cd799439031","name":"Jane Smith","profile":"avatar-3","language":"hindi","about":"Experienced telecaller with 5 years of experience."}}),
        ),
        event(
            D004_USER,
            "telecaller:presence-changed",
            json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"OFFLINE","telecaller":null}),
        ),
        event(
            D004_USER,
            "telecaller:presence-changed",
            json!({"telecallerId":"507f1f77bcf86cd799439031","presence":"ON_CALL","telecaller":null}),
        ),
        event(
            D004_USER,
            "call:ringing",
            json!({"callId":"507f1f77bcf86cd799439081","telecaller":{"_id":"507f1f77bcf86cd799439031","name":"Jane Smith","profile":"avatar-3"}}),
        ),
        event(
            D004_USER,
            "call:accepted",
            json!({"callId":"507f1f77bcf86cd799439081","livekit":{"token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...","url":"wss://your-livekit-server.com","roomName":"507f1f77bcf86cd799439081"}}),
        ),
        event(
            D004_USER,
            "call:rejected",
            json!({"callId":"507f1f77bcf86cd799439081"}),
        ),
        event(
            D004_USER,
            "call:missed",
            json!({"callId":"507f1f77bcf86cd799439081"}),
        ),
        event(
            D004_USER,
            "call:ended",
            json!({"callId":"507f1f77bcf86cd799439081"}),
        ),
        event(
            D004_USER,
            "call:error",
            json!({"message":"This person is currently offline. Please try again later."}),
        ),
        event(D004_USER, "error", json!({"message":"An error occurred"})),
        event(
            D004_TELECALLER,
            "call:incoming",
            json!({"callId":"c","callType":"VIDEO","caller":{"_id":"u","name":"Arjun","profile":null}}),
        ),
        event(
            D004_TELECALLER,
            "call:accepted",
            json!({"callId":"c","callType":"AUDIO","caller":{"_id":"u","name":"Arjun"},"livekit":{"token":"t","url":"wss://lk","roomName":"c"}}),
        ),
        event(D004_TELECALLER, "call:cancelled", json!({"callId":"c"})),
        event(
            D004_TELECALLER,
            "call:ended",
            json!({"callId":"c","duration":65,"coins":"12","endedBy":"user"}),
        ),
    ]
}

/// The outcome of decoding, comparable: the events, or that it failed (errors name the raw
/// payload, which differs by construction).
#[derive(Debug, PartialEq)]
enum Outcome {
    Events(Vec<crate::event::DomainEvent>),
    Failed,
}

fn decode(dialects: &[Box<dyn Dialect>], case: &Case, payload: &Value) -> Outcome {
    let d = &dialects[case.dialect];
    match &case.input {
        Input::Event(name) => match d.decode(name, std::slice::from_ref(payload)) {
            Ok(e) => Outcome::Events(e),
            Err(_) => Outcome::Failed,
        },
        Input::Reply(cmd) => {
            let sent = d.encode(cmd).expect("the case's command encodes");
            let Some(first) = sent.first() else {
                return Outcome::Events(vec![]);
            };
            match d.decode_reply(first, payload) {
                Ok(e) => Outcome::Events(e),
                // A refusal is an answer too: compare it whole.
                Err(DialectError::Rejected { code, message }) => {
                    Outcome::Events(vec![crate::event::DomainEvent::ServerError {
                        code,
                        message,
                        source: "rejected".into(),
                    }])
                }
                Err(_) => Outcome::Failed,
            }
        }
    }
}

/// Every name a decoder could read: the identifier-like string literals of the dialect
/// sources (a superset: it also holds values and encode-side names).
fn known_names() -> &'static BTreeSet<String> {
    static NAMES: OnceLock<BTreeSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let sources = [
            include_str!("wire.rs"),
            include_str!("answer.rs"),
            include_str!("billing_chat/mod.rs"),
            include_str!("billing_chat/confirm.rs"),
            include_str!("presence_sessions.rs"),
            include_str!("tarot_chat/mod.rs"),
            include_str!("tarot_chat/voice.rs"),
            include_str!("support_chat.rs"),
            include_str!("telecaller.rs"),
        ];
        let mut names = BTreeSet::new();
        for src in sources {
            for (i, piece) in src.split('"').enumerate() {
                let ident = !piece.is_empty()
                    && piece.len() <= 40
                    && piece
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
                if i % 2 == 1 && ident {
                    names.insert(piece.to_owned());
                }
            }
        }
        names
    })
}

fn known_list() -> &'static Vec<String> {
    static LIST: OnceLock<Vec<String>> = OnceLock::new();
    LIST.get_or_init(|| known_names().iter().cloned().collect())
}

/// A field name no decoder reads.
fn unread_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-zA-Z_]{0,10}",
        Just(String::new()),
        Just("__proto__".to_owned()),
        Just("ключ 🔑".to_owned()),
    ]
    .prop_filter("a name a decoder reads", |n| !known_names().contains(n))
}

/// Any JSON value, nested, with any names inside (nothing reads below an unread name).
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        "[ -~]{0,12}".prop_map(Value::from),
        Just(json!("12.50")),
        Just(json!("ONLINE")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z_]{0,8}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A value no reader can use for any field: an object whose names no decoder reads (not a
/// string, number, boolean, array or id; as an object it carries nothing).
fn unusable() -> impl Strategy<Value = Value> {
    prop::collection::vec((unread_name(), any_json()), 0..3)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()))
}

/// One added field.
#[derive(Debug, Clone)]
enum Extra {
    /// A name no decoder reads, any value.
    Unread(String, Value),
    /// A name a decoder reads (an index into the known names), with an unusable value;
    /// added only where the object does not have that name.
    Colliding(usize, Value),
}

fn extra() -> impl Strategy<Value = Extra> {
    prop_oneof![
        3 => (unread_name(), any_json()).prop_map(|(k, v)| Extra::Unread(k, v)),
        2 => (any::<usize>(), unusable()).prop_map(|(i, v)| Extra::Colliding(i, v)),
    ]
}

/// Calls `f` on every object of `v` (pre-order), with the name it sits under.
fn each_object(v: &mut Value, under: &str, f: &mut dyn FnMut(&mut Map<String, Value>, &str)) {
    match v {
        Value::Object(m) => {
            f(m, under);
            for (k, child) in m.iter_mut() {
                each_object(child, k, f);
            }
        }
        Value::Array(items) => {
            for item in items {
                each_object(item, under, f);
            }
        }
        _ => {}
    }
}

fn with_extras(payload: &Value, extras: &[Vec<Extra>]) -> Value {
    let mut out = payload.clone();
    let mut n = 0usize;
    each_object(&mut out, "", &mut |m, under| {
        let chunk = extras.get(n).cloned().unwrap_or_default();
        n += 1;
        for e in chunk {
            match e {
                // The keys of a reaction-count map are data, not field names.
                Extra::Unread(k, v) if under != "reactions" => {
                    m.entry(k).or_insert(v);
                }
                Extra::Unread(..) => {}
                Extra::Colliding(i, v) => {
                    let names = known_list();
                    let k = &names[i % names.len()];
                    // Any object under `reactions` is data (emoji → count), never unusable.
                    if !m.contains_key(k) && k != "reactions" {
                        m.insert(k.clone(), v);
                    }
                }
            }
        }
    });
    out
}

/// The payload with field number `pick` (counting every key of every object) set to
/// `value`, or removed when `value` is `None`. A reaction-count map is not a field: any
/// object there is data (emoji → count), so it is left alone.
fn with_field(payload: &Value, pick: usize, value: Option<&Value>) -> Option<Value> {
    let mut total = 0usize;
    let mut probe = payload.clone();
    each_object(&mut probe, "", &mut |m, _| total += m.len());
    if total == 0 {
        return None;
    }
    let target = pick % total;
    let mut seen = 0usize;
    let mut out = payload.clone();
    each_object(&mut out, "", &mut |m, _| {
        let len = m.len();
        if (seen..seen + len).contains(&target) {
            let key = m.keys().nth(target - seen).filter(|k| *k != "reactions");
            if let Some(k) = key.cloned() {
                match value {
                    Some(v) => {
                        m.insert(k, v.clone());
                    }
                    None => {
                        m.remove(&k);
                    }
                }
            }
        }
        seen += len;
    });
    Some(out)
}

/// A server's id field. Client ids are not: they are strings Parlor made, and a number or
/// an object under such a name is read as someone else's field (absent), by design.
fn is_id_key(k: &str) -> bool {
    let client = matches!(k, "clientId" | "client_id" | "clientMessageId");
    !client && (k == "id" || k == "_id" || k == "uid" || k.ends_with("Id") || k.ends_with("_id"))
}

fn is_id_list_key(k: &str) -> bool {
    k.ends_with("Ids") || k.ends_with("_ids") || k == "participants"
}

/// A number standing for `id` (the same id always gets the same number).
fn number_for(id: &str, seed: u64) -> u64 {
    let mut h = seed ^ 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    1 + h % 1_000_000_000
}

/// Every string id replaced by a number: as its text (`as_numbers` false) or as a JSON
/// number, where the bit of `mask` for that id is set.
fn numeric_ids(payload: &Value, seed: u64, mask: u64, as_numbers: bool) -> Value {
    let mut out = payload.clone();
    let mut n = 0u32;
    let mut convert = |v: &mut Value| {
        if let Value::String(s) = v {
            let num = number_for(s, seed);
            let flip = as_numbers && mask & (1u64 << (n % 64)) != 0;
            n += 1;
            *v = if flip {
                json!(num)
            } else {
                json!(num.to_string())
            };
        }
    };
    each_object(&mut out, "", &mut |m, _| {
        for (k, v) in m.iter_mut() {
            if is_id_key(k) {
                convert(v);
            } else if is_id_list_key(k) {
                if let Value::Array(items) = v {
                    items.iter_mut().for_each(&mut convert);
                }
            }
        }
    });
    out
}

/// `xId: v` / `x_id: v` nested as `x: {id: v}` (or `{_id: v}`) where the object has no `x`,
/// for the ids whose bit of `mask` is set.
fn nested_ids(payload: &Value, mask: u64, underscore: bool) -> Value {
    let mut out = payload.clone();
    let mut n = 0u32;
    each_object(&mut out, "", &mut |m, _| {
        let keys: Vec<String> = m.keys().cloned().collect();
        for k in keys {
            // Client ids stay flat strings (see `is_id_key`).
            if !is_id_key(&k) {
                continue;
            }
            let Some(base) = k
                .strip_suffix("Id")
                .or_else(|| k.strip_suffix("_id"))
                .filter(|b| !b.is_empty())
                .map(str::to_owned)
            else {
                continue;
            };
            let pick = mask & (1u64 << (n % 64)) != 0;
            n += 1;
            if !pick || m.contains_key(&base) {
                continue;
            }
            if let Some(v) = m.remove(&k) {
                let inner = if underscore { "_id" } else { "id" };
                m.insert(base, json!({ inner: v }));
            }
        }
    });
    out
}

/// 256 cases per property (proptest's default; `PROPTEST_CASES` asks for more).
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

#[test]
fn every_case_decodes_as_it_is() {
    let dialects = dialects();
    for (i, case) in cases().iter().enumerate() {
        assert!(
            matches!(decode(&dialects, case, &case.payload), Outcome::Events(_)),
            "case {i} ({}) does not decode",
            case.payload
        );
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn extra_fields_at_every_level_change_nothing(
        extras in prop::collection::vec(prop::collection::vec(extra(), 0..3), 0..12)
    ) {
        let dialects = dialects();
        for case in cases() {
            let noisy = with_extras(&case.payload, &extras);
            prop_assert_eq!(
                decode(&dialects, &case, &noisy),
                decode(&dialects, &case, &case.payload),
                "with extras: {}", noisy
            );
        }
    }

    #[test]
    fn an_unusable_value_reads_like_no_value(pick in any::<usize>(), junk in unusable()) {
        let dialects = dialects();
        for case in cases() {
            let (Some(odd), Some(gone)) = (
                with_field(&case.payload, pick, Some(&junk)),
                with_field(&case.payload, pick, None),
            ) else {
                continue;
            };
            prop_assert_eq!(
                decode(&dialects, &case, &odd),
                decode(&dialects, &case, &gone),
                "odd: {}\nwithout: {}", odd, gone
            );
        }
    }

    #[test]
    fn ids_as_numbers_read_like_ids_as_strings(seed in any::<u64>(), mask in any::<u64>()) {
        let dialects = dialects();
        for case in cases() {
            let strings = numeric_ids(&case.payload, seed, mask, false);
            let numbers = numeric_ids(&case.payload, seed, mask, true);
            let as_strings = decode(&dialects, &case, &strings);
            prop_assert!(matches!(as_strings, Outcome::Events(_)), "{}", strings);
            prop_assert_eq!(decode(&dialects, &case, &numbers), as_strings, "numbers: {}", numbers);
        }
    }

    #[test]
    fn nested_ids_read_like_flat_ones(mask in any::<u64>(), underscore in any::<bool>()) {
        let dialects = dialects();
        for case in cases() {
            let nested = nested_ids(&case.payload, mask, underscore);
            prop_assert_eq!(
                decode(&dialects, &case, &nested),
                decode(&dialects, &case, &case.payload),
                "nested: {}", nested
            );
        }
    }
}
