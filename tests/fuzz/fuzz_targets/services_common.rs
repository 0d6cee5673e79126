//! The services target's driver. Input: byte 0 picks the dialect; the rest is a sequence of
//! steps, each `[op, a, b, c]` plus, for raw steps, a JSON payload up to the next `\n`:
//! - op % 8 == 0: the link drops or comes back (the meter freezes or runs);
//! - op % 8 == 1: a command the services answer (list consultations, call history, …);
//! - op % 8 == 2: raw JSON arguments for event `a` (up to the next newline);
//! - otherwise: event `a`'s documented sample with field `b` replaced by hostile value `c`.

use parlor_core::calls::LoopbackEngine;
use parlor_core::dialect::{dialect_for, Dialect, DialectContext, DialectId};
use parlor_core::messaging::{Messenger, MessengerConfig};
use parlor_core::store::Store;
use parlor_core::{
    Client, ConnectionState, ConsultationService, DomainEvent, ExpertDirectory, LocalCommand,
    PresenceKeeper, ServerProfile, StaticToken,
};
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};

struct Rig {
    runtime: tokio::runtime::Runtime,
    clients: Vec<(DialectId, Client, Box<dyn Dialect>, Store)>,
}

const DIALECTS: [(DialectId, &str); 6] = [
    (DialectId::BillingChat, "/"),
    (DialectId::PresenceSessions, "/"),
    (DialectId::TarotChat, "/"),
    (DialectId::SupportChat, "/"),
    (DialectId::Telecaller, "/user"),
    (DialectId::Telecaller, "/telecaller"),
];

/// One offline client per dialect (and 004 side) with every service attached, made once per
/// fuzzing process: their state carries over between inputs, as a long session's would.
fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let dir = std::env::temp_dir().join(format!("parlor-fuzz-services-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let clients = runtime.block_on(async {
            DIALECTS
                .iter()
                .enumerate()
                .map(|(i, (d, ns))| {
                    // Nothing listens on port 9: the client stays offline.
                    let mut p = ServerProfile::new(*d, "http://127.0.0.1:9");
                    p.namespace = (*ns).into();
                    p.account_id = Some("me".into());
                    p.rest_url = Some("http://127.0.0.1:9".into());
                    let client =
                        Client::connect(p, Arc::new(StaticToken::new("t"))).expect("client");
                    let store = Store::open(&dir.join(format!("{i}.sqlite3"))).expect("cache");
                    let engine: Arc<dyn parlor_core::calls::MediaEngine> =
                        Arc::new(LoopbackEngine::new());
                    parlor_core::calls::attach(&client, Some(engine), Some(store.clone()));
                    ConsultationService::attach(&client, Some(store.clone()), 60_000);
                    ExpertDirectory::attach(&client);
                    PresenceKeeper::attach(&client);
                    Messenger::attach(&client, store.clone(), MessengerConfig::default());
                    let dialect = dialect_for(
                        *d,
                        &DialectContext {
                            namespace: (*ns).into(),
                            account_id: Some("me".into()),
                        },
                    );
                    (*d, client, dialect, store)
                })
                .collect()
        });
        Rig { runtime, clients }
    })
}

/// Documented samples of every event each dialect decodes (as `tests/servers/hostile.js`).
fn samples(d: DialectId) -> Vec<(&'static str, Value)> {
    match d {
        DialectId::BillingChat => vec![
            (
                "chat-request",
                json!({"roomId":"r1","userId":"u","userName":"U","chatType":"audio","ratePerMinute":"12.50","expiresAt":"2026-01-01T00:00:00Z"}),
            ),
            (
                "chat-request-response",
                json!({"status":"success","message":"sent","data":{"roomId":"r2","astrologerId":"a","ratePerMinute":"10.00","currency":"INR"}}),
            ),
            (
                "chat-status",
                json!({"status":"accepted","message":"ok","roomId":"r1"}),
            ),
            (
                "chat-started",
                json!({"status":"success","message":"started","roomId":"r1","startTime":"2026-01-01T00:00:00Z","ratePerMinute":"12.50","balance":"500.00","currency":"INR"}),
            ),
            (
                "chat-timer",
                json!({"roomId":"r1","duration":"1","cost":"12.50","balance":"487.50","state":"active"}),
            ),
            ("chat-paused", json!({"roomId":"r1","pausedBy":"user"})),
            ("chat-resumed", json!({"roomId":"r1","resumedBy":"user"})),
            (
                "wallet-error",
                json!({"status":"error","message":"Insufficient","requiredBalance":"10.00","currency":"INR"}),
            ),
            (
                "chat-error",
                json!({"status":"error","message":"no","error":"E"}),
            ),
            (
                "admin-monitor",
                json!({"status":"success","message":"ok","data":{"chats":[{"roomId":"r1","userId":"u","astrologerId":"a","status":"active","duration":"2","cost":"20.00"}]}}),
            ),
            (
                "chat-ended",
                json!({"status":"success","message":"ended","roomId":"r1","duration":3,"totalCost":"37.50","endedBy":"user","reason":"ended","balance":"462.50"}),
            ),
        ],
        DialectId::PresenceSessions => vec![
            (
                "presence:online-list",
                json!([{"_id":"a","name":"A","isOnline":true,"busy":false,"ratePerMinute":"10.00"}]),
            ),
            (
                "session:request",
                json!({"sessionId":"s1","userId":"u","userName":"U","sessionType":"video","ratePerMinute":"10.00","createdAt":"t"}),
            ),
            (
                "session:accepted",
                json!({"sessionId":"s1","astrologerId":"a","acceptedAt":"t","sessionType":"chat","channelName":"ch","ratePerMinute":"10.00"}),
            ),
            (
                "message:receive",
                json!({"_id":"m1","sessionId":"s1","senderId":"u","senderName":"U","text":"hi","clientId":"c1","createdAt":"2026-01-01T00:00:00Z"}),
            ),
            (
                "message:error",
                json!({"code":"E","message":"no","sessionId":"s1","clientId":"c1"}),
            ),
            (
                "session:ended",
                json!({"sessionId":"s1","endedBy":"user","endReason":"ended","duration":3,"coinsDeducted":"30.00"}),
            ),
        ],
        DialectId::TarotChat => vec![
            ("authenticated", json!({"user":{"id":"me","name":"Me"}})),
            ("chat_joined", json!({"session_id":"s1"})),
            (
                "user_joined",
                json!({"session_id":"s1","user_id":"u2","user_name":"O","timestamp":"2026-01-01T00:00:00Z"}),
            ),
            (
                "new_message",
                json!({"id":"m1","session_id":"s1","content":"hi","type":"voice","duration":12.5,"sender":{"id":"u2","name":"O"},"timestamp":"2026-01-01T00:00:00Z"}),
            ),
            ("message_sent", json!({"message_id":"m2","session_id":"s1"})),
            (
                "user_typing",
                json!({"session_id":"s1","user_id":"u2","user_name":"O","is_typing":true}),
            ),
            (
                "message_reaction_update",
                json!({"session_id":"s1","message_id":"m1","user_id":"u2","user_name":"O","reaction":"x","action":"added","reactions":{"x":1}}),
            ),
            (
                "message_read",
                json!({"session_id":"s1","user_id":"u2","message_id":"m1","read_at":"t"}),
            ),
            (
                "user_left",
                json!({"session_id":"s1","user_id":"u2","user_name":"O","timestamp":"t"}),
            ),
            ("error", json!({"code":"E","error":"bad","message":"m"})),
        ],
        DialectId::SupportChat => vec![
            (
                "joinedChat",
                json!({"chatId":"c1","messages":[{"id":"m0","chatId":"c1","senderId":"u2","text":"earlier"}]}),
            ),
            (
                "newMessage",
                json!({"id":"m1","chatId":"c1","senderId":"u2","text":"hi","clientMessageId":"cm1","sender":{"id":"u2","email":"e","role":"USER"}}),
            ),
            (
                "messageSent",
                json!({"id":"m2","chatId":"c1","senderId":"me","text":"mine","clientMessageId":"cm2"}),
            ),
            (
                "userTyping",
                json!({"chatId":"c1","userId":"u2","email":"e","isTyping":true}),
            ),
            ("messagesMarkedRead", json!([{"id":"m1","readBy":2}])),
            (
                "messagesRead",
                json!({"chatId":"c1","userId":"u2","messageIds":["m2"]}),
            ),
            ("activeUsers", json!({"chatId":"c1","userIds":["u1","u2"]})),
            (
                "participantUpdate",
                json!({"chatId":"c1","userId":"u2","action":"joined","timestamp":"t"}),
            ),
            (
                "chatStatusChanged",
                json!({"chatId":"c1","status":"ACTIVE"}),
            ),
            ("leftChat", json!({"chatId":"c1"})),
            ("error", json!({"message":"m"})),
        ],
        DialectId::Telecaller => vec![
            (
                "telecaller:presence-changed",
                json!({"telecallerId":"t","presence":"ONLINE","telecaller":{"_id":"t","name":"T","profile":"p","language":"hi","about":"x"}}),
            ),
            (
                "call:incoming",
                json!({"callId":"c","callType":"VIDEO","caller":{"_id":"u","name":"A","profile":null}}),
            ),
            (
                "call:ringing",
                json!({"callId":"c","telecaller":{"_id":"t","name":"T","profile":"p"}}),
            ),
            (
                "call:accepted",
                json!({"callId":"c","callType":"VIDEO","livekit":{"token":"x","url":"ws://127.0.0.1:7880","roomName":"c"},"caller":{"_id":"u","name":"A"}}),
            ),
            (
                "call:ended",
                json!({"callId":"c","duration":65,"coins":12,"endedBy":"USER"}),
            ),
            ("call:rejected", json!({"callId":"c"})),
            ("call:cancelled", json!({"callId":"c"})),
            ("call:missed", json!({"callId":"c"})),
            ("call:error", json!({"message":"Call is not active."})),
            ("error", json!({"message":"m"})),
        ],
    }
}

fn hostile(i: u8) -> Value {
    let values = [
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(-1e308),
        json!(1e308),
        json!(1.5),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(""),
        json!("NaN"),
        json!("Infinity"),
        json!("1e999"),
        json!("-1"),
        json!("-0.01"),
        json!("1000000000000000000"),
        json!("79228162514264337593543950335"),
        json!("0.0000000000000000000000000001"),
        json!("9".repeat(60)),
        json!("x".repeat(5000)),
        json!("\u{0}"),
        json!([]),
        json!([1, 2]),
        json!({}),
        json!({"$gt": ""}),
        json!("__proto__"),
        json!("ended"),
        json!("ONLINE"),
        json!("r1"),
        json!("c"),
        json!("s1"),
        json!("me"),
    ];
    values[usize::from(i) % values.len()].clone()
}

/// Every field path of `v` (to depth 3).
fn paths(v: &Value, prefix: Vec<Value>, out: &mut Vec<Vec<Value>>) {
    if prefix.len() > 3 {
        return;
    }
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            let mut p = prefix.clone();
            p.push(json!(k));
            out.push(p.clone());
            paths(x, p, out);
        }),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| {
            let mut p = prefix.clone();
            p.push(json!(i));
            out.push(p.clone());
            paths(x, p, out);
        }),
        _ => {}
    }
}

fn replace(v: &mut Value, path: &[Value], with: Value) {
    let Some((first, rest)) = path.split_first() else {
        *v = with;
        return;
    };
    let slot = match (v, first) {
        (Value::Object(m), Value::String(k)) => m.get_mut(k),
        (Value::Array(a), Value::Number(n)) => n.as_u64().and_then(|i| a.get_mut(i as usize)),
        _ => None,
    };
    if let Some(s) = slot {
        replace(s, rest, with);
    }
}

pub fn run(data: &[u8]) {
    let rig = rig();
    let Some((&which, mut rest)) = data.split_first() else {
        return;
    };
    let (d, client, dialect, store) = &rig.clients[usize::from(which) % rig.clients.len()];
    let _entered = rig.runtime.enter();
    let samples = samples(*d);
    let mut steps = 0;
    while rest.len() >= 4 && steps < 64 {
        steps += 1;
        let (op, a, b, c) = (rest[0], rest[1], rest[2], rest[3]);
        rest = &rest[4..];
        let (name, sample) = &samples[usize::from(a) % samples.len()];
        match op % 8 {
            0 => client.publish(DomainEvent::Connection {
                state: if a % 2 == 0 {
                    ConnectionState::Connected
                } else {
                    ConnectionState::Reconnecting {
                        attempt: 1,
                        delay_ms: 1000,
                        reason: "fuzz".into(),
                    }
                },
            }),
            1 => {
                let cmd = match a % 4 {
                    0 => LocalCommand::ListConsultations,
                    1 => LocalCommand::ListCallHistory { limit: Some(50) },
                    2 => LocalCommand::WatchExperts,
                    _ => LocalCommand::GetCallState,
                };
                // Offline: anything that would reach the server fails at once.
                let _ = rig.runtime.block_on(async {
                    tokio::time::timeout(std::time::Duration::from_secs(2), client.send(cmd)).await
                });
            }
            2 => {
                let end = rest.iter().position(|&x| x == b'\n').unwrap_or(rest.len());
                let (json, tail) = rest.split_at(end);
                rest = tail.get(1..).unwrap_or(&[]);
                if let Ok(v) = serde_json::from_slice::<Value>(json) {
                    let args = match v {
                        Value::Array(a) if b % 2 == 0 => a,
                        other => vec![other],
                    };
                    publish(client, dialect.as_ref(), name, &args);
                }
            }
            _ => {
                let mut v = sample.clone();
                let mut all = Vec::new();
                paths(&v, Vec::new(), &mut all);
                if let Some(p) = all.get(usize::from(b) % all.len().max(1)) {
                    replace(&mut v, p, hostile(c));
                }
                publish(client, dialect.as_ref(), name, &[v]);
            }
        }
    }
    // The services' state is still readable, and the cache still loads.
    let _ = rig
        .runtime
        .block_on(client.send(LocalCommand::ListConsultations));
    let _ = parlor_core::consultation::records::load_all(store);
    let _ = parlor_core::calls::history::list(store, 100);
}

/// Decodes one server event as the client's pump does and publishes what it yields.
fn publish(client: &Client, dialect: &dyn Dialect, name: &str, args: &[Value]) {
    match dialect.decode(name, args) {
        Ok(events) => events.into_iter().for_each(|e| client.publish(e)),
        Err(p) => client.publish(DomainEvent::ProtocolError {
            wire_event: p.event,
            reason: p.reason,
            raw: p.raw,
        }),
    }
}
