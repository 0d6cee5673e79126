//! Calls (issue 5) against the reference servers: both sides of every seed 004 flow through
//! the call service (state machine, loopback media, history), every `call:initiate` error
//! row, the rate limit, disconnects while ringing and while accepted, and the Agora join
//! info of seed 001.

use parlor_core::calls::{
    self, CallConfig, CallPhase, CallService, LoopbackEngine, LoopbackOp, MediaEngine, MediaEvent,
};
use parlor_core::model::{CallMedia, ConsultationKind, Presence, RequestOutcome};
use parlor_core::store::Store;
use parlor_core::{Command, DialectId, DomainEvent, Error, LocalCommand};
use parlor_harness::script::Actor;
use parlor_harness::servers::{server_file, RefServer};
use rust_decimal::Decimal;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod agora;
mod cli;
mod flows;
mod links;
mod refusals;

const ARJUN: &str = "507f1f77bcf86cd799439011";
const KAVYA: &str = "507f1f77bcf86cd799439012";
const JANE: &str = "507f1f77bcf86cd799439031";
const PRIYA: &str = "507f1f77bcf86cd799439032";
const PENDING: &str = "507f1f77bcf86cd799439033";

/// One party of a call: a connected actor with the call service, a loopback engine and a
/// cache of its own.
struct Side {
    actor: Actor,
    calls: CallService,
    engine: LoopbackEngine,
    store: Store,
    dir: std::path::PathBuf,
}

impl Drop for Side {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn server(env: &[(&str, &str)]) -> RefServer {
    RefServer::start(server_file(DialectId::Telecaller), env)
        .await
        .expect("004 server starts")
}

async fn side(server: &RefServer, account: &str, config: CallConfig) -> Side {
    let ns = if account.starts_with("507f1f77bcf86cd79943903") {
        "/telecaller"
    } else {
        "/user"
    };
    let token = server.mint(account).await.unwrap();
    let actor = Actor::connect(
        account,
        DialectId::Telecaller,
        &server.url(),
        ns,
        token,
        Some(account),
    )
    .await
    .unwrap();
    let dir = std::env::temp_dir().join(format!("parlor-calls-it-{}", uuid::Uuid::new_v4()));
    let store = Store::open(&dir.join("cache.db")).unwrap();
    let engine = LoopbackEngine::new();
    let media: Arc<dyn MediaEngine> = Arc::new(engine.clone());
    let calls = CallService::attach(&actor.client, Some(media), Some(store.clone()), config);
    Side {
        actor,
        calls,
        engine,
        store,
        dir,
    }
}

async fn online(jane: &mut Side) {
    jane.actor
        .send("online", Command::SetPresence { online: true })
        .await
        .unwrap();
    // The emit above is fire-and-forget, and a call placed at once on another socket could be
    // handled first. socket.io handles one socket's events in order, so an acknowledged
    // request after it returns only once the server has processed the presence change.
    jane.actor
        .send(
            "presence sync",
            Command::Raw {
                event: "presence:update".into(),
                payload: serde_json::json!({ "presence": "ONLINE" }),
                ack: true,
            },
        )
        .await
        .unwrap();
}

fn initiate(callee: &str, media: CallMedia) -> Command {
    Command::InitiateCall {
        callee_id: callee.into(),
        media,
    }
}

/// Waits until `side`'s call reaches `phase` (by name), returning the snapshot event's call.
async fn phase(side: &mut Side, want: &str) -> parlor_core::calls::CallSnapshot {
    side.actor
        .expect(&format!("call phase {want}"), 10, |e| match e {
            DomainEvent::CallStateChanged { call } if call.phase.name() == want => {
                Some(call.clone())
            }
            _ => None,
        })
        .await
        .unwrap()
}

async fn media(side: &mut Side, pick: impl Fn(&MediaEvent) -> bool) -> MediaEvent {
    side.actor
        .expect("media event", 10, |e| match e {
            DomainEvent::CallMedia { media, .. } if pick(media) => Some(media.clone()),
            _ => None,
        })
        .await
        .unwrap()
}

/// Starts an audio call from `user` to Jane and waits until both see it ringing.
async fn ring_from(user: &mut Side, jane: &mut Side) -> String {
    ring(user, jane, CallMedia::Audio).await
}

/// Starts a call from `user` to `jane` and waits until both see it ringing.
async fn ring(user: &mut Side, jane: &mut Side, kind: CallMedia) -> String {
    let answer = user.actor.send("call", initiate(JANE, kind)).await.unwrap();
    let id = match &answer[..] {
        [DomainEvent::CallRinging { call_id, callee }] => {
            assert_eq!(
                callee.as_ref().and_then(|c| c.name.as_deref()),
                Some("Jane Smith")
            );
            call_id.clone()
        }
        other => panic!("initiate answered {other:?}"),
    };
    let incoming = phase(jane, "ringing").await;
    assert_eq!(incoming.call_id.as_deref(), Some(id.as_str()));
    assert_eq!(incoming.media, Some(kind));
    assert!(
        incoming.peer.and_then(|p| p.name).is_some(),
        "the caller's name"
    );
    id
}

async fn accept(user: &mut Side, jane: &mut Side, id: &str) {
    jane.actor
        .send("accept", Command::AcceptCall { call_id: id.into() })
        .await
        .unwrap();
    for s in [&mut *user, &mut *jane] {
        let call = phase(s, "accepted").await;
        let grant = call.livekit.expect("LiveKit credentials");
        assert_eq!(grant.room, id);
        assert!(!grant.token.is_empty());
        media(s, |m| *m == MediaEvent::Connected).await;
        assert_eq!(s.engine.room().as_deref(), Some(id));
    }
}

/// Waits until `side` has left its media room.
async fn left(side: &mut Side) {
    media(
        side,
        |m| matches!(m, MediaEvent::Disconnected { reason } if reason == "left"),
    )
    .await;
    assert_eq!(side.engine.room(), None);
}

fn history(side: &Side, id: &str) -> parlor_core::calls::CallRecord {
    // The history is written off the publishing task: give it a moment.
    for _ in 0..50 {
        if let Some(r) = calls::history::get(&side.store, id).unwrap() {
            if r.outcome != "accepted" && r.outcome != "ringing" {
                return r;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("call {id} never reached the history as finished")
}

fn rejected(e: &Error) -> (&str, &str) {
    match e {
        Error::Rejected { code, message, .. } => (code.as_deref().unwrap_or(""), message),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// A raw `call:initiate` (for payloads the typed command cannot express): the server's
/// `call:error` message.
async fn raw_initiate_error(user: &mut Side, payload: serde_json::Value) -> String {
    user.actor.drain();
    user.actor
        .send(
            "raw initiate",
            Command::Raw {
                event: "call:initiate".into(),
                payload,
                ack: false,
            },
        )
        .await
        .unwrap();
    user.actor
        .expect("call:error", 5, |e| match e {
            DomainEvent::CallError { message, .. } => Some(message.clone()),
            _ => None,
        })
        .await
        .unwrap()
}

/// Jane accepts `id` and waits until her side is accepted.
async fn accept_only(jane: &mut Side, id: &str) {
    jane.actor
        .send("accept", Command::AcceptCall { call_id: id.into() })
        .await
        .unwrap();
    phase(jane, "accepted").await;
}
