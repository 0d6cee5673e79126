//! `CallService`: the call state machine attached to a 004 client. It refuses illegal
//! commands before anything is sent, applies the client-side initiation limit, turns the
//! server's `call:error` into the pending command's typed error, follows the document's
//! disconnect table, drives the media engine from the signalling, keeps callee presence live
//! and writes the call history.

use super::history;
use super::media::{MediaEngine, MediaJoin};
use super::state::{may_answer_initiate, CallMachine, CallRefusal, SERVER_CALL_ERROR};
use crate::client::{Client, Service, WeakClient};
use crate::command::Command;
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{CallPhase, CallSnapshot, Expert, MediaEvent, Presence};
use crate::store::Store;
use crate::transport::ConnectionState;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::{debug, warn};

/// `ended_by` of a call this client ended because its connection dropped.
const DROPPED: &str = "local:disconnected";

/// Timings and limits of the call service.
#[derive(Debug, Clone)]
pub struct CallConfig {
    /// A call still ringing this long is missed locally, in case the server never says (the
    /// server's own timeout is 30 s; ours is a little longer).
    pub ring_timeout: Duration,
    /// How long `call:initiate` waits for `call:ringing` or `call:error`.
    pub answer_timeout: Duration,
    /// Initiations allowed per `rate_window` (the server allows 5 per minute).
    pub max_initiations: usize,
    /// The window of the initiation limit.
    pub rate_window: Duration,
}

impl Default for CallConfig {
    fn default() -> Self {
        CallConfig {
            ring_timeout: Duration::from_secs(35),
            answer_timeout: Duration::from_secs(10),
            max_initiations: 5,
            rate_window: Duration::from_secs(60),
        }
    }
}

struct Shared {
    machine: CallMachine,
    /// The `call:initiate` waiting for `call:ringing` or `call:error`.
    pending: Option<oneshot::Sender<Result<Vec<DomainEvent>, Error>>>,
    /// When the recent initiations were sent.
    initiations: VecDeque<Instant>,
    /// Callees as last reported (snapshot on connect, then changes).
    presence: BTreeMap<String, Expert>,
    /// The call whose media room the engine was asked to join.
    media_call: Option<String>,
    connected: bool,
}

struct Inner {
    client: WeakClient,
    shared: Mutex<Shared>,
    engine: Option<Arc<dyn MediaEngine>>,
    store: Option<Store>,
    config: CallConfig,
    /// The runtime the service was attached on.
    runtime: Option<Handle>,
    /// Numbers the history snapshots, to write them in order.
    history_seq: AtomicU64,
    history_written: Arc<Mutex<u64>>,
}

/// The call service. Attach it with [`CallService::attach`]; then send the call commands
/// through the client as usual.
#[derive(Clone)]
pub struct CallService {
    inner: Arc<Inner>,
}

impl CallService {
    /// A service for `client` with `engine` for media (none: signalling only) and `store`
    /// for the history (none: no history), attached to the client.
    pub fn attach(
        client: &Client,
        engine: Option<Arc<dyn MediaEngine>>,
        store: Option<Store>,
        config: CallConfig,
    ) -> CallService {
        let service = CallService {
            inner: Arc::new(Inner {
                client: client.downgrade(),
                shared: Mutex::new(Shared {
                    machine: CallMachine::new(),
                    pending: None,
                    initiations: VecDeque::new(),
                    presence: BTreeMap::new(),
                    media_call: None,
                    connected: client.state().is_connected(),
                }),
                engine,
                store,
                config,
                runtime: Handle::try_current().ok(),
                history_seq: AtomicU64::new(0),
                history_written: Arc::default(),
            }),
        };
        client.attach(Arc::new(service.clone()));
        service
    }

    /// The current (or last) call.
    pub fn snapshot(&self) -> CallSnapshot {
        self.inner.lock().machine.snapshot().clone()
    }

    /// Callees as last reported, by id (offline ones are dropped).
    pub fn presence(&self) -> Vec<Expert> {
        self.inner.lock().presence.values().cloned().collect()
    }
}

impl Inner {
    /// Runs `work` on the client's runtime. Events may be published from outside it
    /// (`Client::publish` from any thread): side effects then still run, never panic.
    fn spawn(&self, work: impl std::future::Future<Output = ()> + Send + 'static) {
        match self.runtime.clone().or_else(|| Handle::try_current().ok()) {
            Some(rt) => {
                rt.spawn(work);
            }
            None => warn!("no tokio runtime: a call side effect was dropped"),
        }
    }

    fn spawn_blocking(&self, work: impl FnOnce() + Send + 'static) {
        match self.runtime.clone().or_else(|| Handle::try_current().ok()) {
            Some(rt) => {
                rt.spawn_blocking(work);
            }
            None => work(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Side effects of a change of the machine, run without the lock: history, media,
    /// the local ring timeout. Returns the event announcing the change.
    fn changed(self: &Arc<Self>, before: &CallPhase, now: CallSnapshot) -> DomainEvent {
        if let Some(store) = &self.store {
            let store = store.clone();
            let call = now.clone();
            let seq = self.history_seq.fetch_add(1, Ordering::SeqCst) + 1;
            let written = self.history_written.clone();
            // SQLite off the publishing task: observe must not block. Blocking tasks may run
            // out of order, so a snapshot older than the last one written is skipped.
            self.spawn_blocking(move || {
                let mut last = written.lock().unwrap_or_else(|p| p.into_inner());
                if seq <= *last {
                    return;
                }
                if let Err(e) = history::record(&store, &call) {
                    warn!(error = %e, "could not record the call in the history");
                }
                *last = seq;
            });
        }
        let call_id = now.call_id.clone().unwrap_or_default();
        if now.phase == CallPhase::Ringing && *before != CallPhase::Ringing {
            self.arm_ring_timeout(call_id.clone());
        }
        if now.phase == CallPhase::Accepted && *before != CallPhase::Accepted {
            self.join_media(&now);
        }
        if now.phase.is_over() {
            // Leave even if the media layer did not notice the call ended.
            self.leave_media(&call_id);
        }
        DomainEvent::CallStateChanged { call: now }
    }

    fn arm_ring_timeout(self: &Arc<Self>, call_id: String) {
        let me = Arc::downgrade(self);
        let wait = self.config.ring_timeout;
        self.spawn(async move {
            tokio::time::sleep(wait).await;
            if let Some(me) = me.upgrade() {
                me.settle(
                    &call_id,
                    CallPhase::Ringing,
                    CallPhase::Missed,
                    "local:timeout",
                );
            }
        });
    }

    /// Ends the call `call_id` locally with `to` if it is still in `from`, and publishes it.
    fn settle(self: &Arc<Self>, call_id: &str, from: CallPhase, to: CallPhase, by: &str) {
        let now = {
            let mut s = self.lock();
            let snap = s.machine.snapshot();
            if snap.call_id.as_deref() != Some(call_id) || snap.phase != from {
                return;
            }
            s.machine.finish(to, Some(by.into()));
            s.machine.snapshot().clone()
        };
        debug!(
            call_id,
            phase = now.phase.name(),
            by,
            "call settled locally"
        );
        let event = self.changed(&from, now);
        if let Some(client) = self.client.upgrade() {
            client.publish(event);
        }
    }

    fn join_media(self: &Arc<Self>, call: &CallSnapshot) {
        let (Some(engine), Some(call_id), Some(grant)) = (
            self.engine.clone(),
            call.call_id.clone(),
            call.livekit.clone(),
        ) else {
            return;
        };
        {
            let mut s = self.lock();
            if s.media_call.as_deref() == Some(call_id.as_str()) {
                return;
            }
            s.media_call = Some(call_id.clone());
        }
        let join = MediaJoin {
            call_id: call_id.clone(),
            media: call.media.unwrap_or(crate::model::CallMedia::Audio),
            grant,
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<MediaEvent>();
        let client = self.client.clone();
        let id = call_id.clone();
        // Media events become `call_media` domain events, in order.
        self.spawn(async move {
            while let Some(media) = rx.recv().await {
                let Some(c) = client.upgrade() else { break };
                c.publish(DomainEvent::CallMedia {
                    call_id: id.clone(),
                    media,
                });
            }
        });
        let me = Arc::downgrade(self);
        self.spawn(async move {
            if let Err(e) = engine.join(join, tx.clone()).await {
                warn!(error = %e, "media join failed");
                let _ = tx.send(MediaEvent::Disconnected {
                    reason: e.to_string(),
                });
                if let Some(me) = me.upgrade() {
                    let mut s = me.lock();
                    if s.media_call.as_deref() == Some(call_id.as_str()) {
                        s.media_call = None;
                    }
                }
                return;
            }
            // The call may have ended while we joined: then leave at once.
            if let Some(me) = me.upgrade() {
                let over = {
                    let s = me.lock();
                    let snap = s.machine.snapshot();
                    snap.call_id.as_deref() != Some(call_id.as_str()) || snap.phase.is_over()
                };
                if over {
                    // The end's own leave may have run before the join finished: leave here.
                    {
                        let mut s = me.lock();
                        if s.media_call.as_deref() == Some(call_id.as_str()) {
                            s.media_call = None;
                        }
                    }
                    engine.leave().await;
                }
            }
        });
    }

    fn leave_media(&self, call_id: &str) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        {
            let mut s = self.lock();
            if s.media_call.as_deref() != Some(call_id) {
                return;
            }
            s.media_call = None;
        }
        self.spawn(async move { engine.leave().await });
    }

    /// The document's disconnect table, applied locally when our link drops: a ringing call
    /// is missed and an accepted one ended (the server does the same on its side); a call
    /// still initiating failed. Pending commands fail with `NotConnected`. After the
    /// reconnect, an accepted call we ended that way is ended on the server too (see
    /// [`Inner::reconcile`]).
    fn on_connection(self: &Arc<Self>, state: &ConnectionState) -> Vec<DomainEvent> {
        let (before, now) = {
            let mut s = self.lock();
            let was = s.connected;
            s.connected = state.is_connected();
            if state.is_connected() {
                if !was {
                    // The server sends a fresh presence snapshot after every connect.
                    s.presence.clear();
                    let snap = s.machine.snapshot();
                    if snap.phase == CallPhase::Ended
                        && snap.ended_by.as_deref() == Some(DROPPED)
                        && snap.duration_secs.is_none()
                    {
                        if let Some(id) = snap.call_id.clone() {
                            self.reconcile(id);
                        }
                    }
                }
                return vec![];
            }
            if !was {
                return vec![];
            }
            if let Some(tx) = s.pending.take() {
                let _ = tx.send(Err(Error::NotConnected(
                    "the connection dropped before the server answered".into(),
                )));
            }
            let before = s.machine.phase().clone();
            let done = match before {
                CallPhase::Ringing => s.machine.finish(CallPhase::Missed, Some(DROPPED.into())),
                CallPhase::Accepted => s.machine.finish(CallPhase::Ended, Some(DROPPED.into())),
                CallPhase::Initiating => s.machine.finish(
                    CallPhase::Failed {
                        reason: "disconnected before the server answered".into(),
                    },
                    None,
                ),
                _ => false,
            };
            if !done {
                return vec![];
            }
            (before, s.machine.snapshot().clone())
        };
        vec![self.changed(&before, now)]
    }

    /// A server that kept the call across our drop (the reference server does across its own
    /// restart) would keep it open with nobody in it and refuse our next call: end it there
    /// too. Its answer (the ack's summary, or "Call is not active." when the server had
    /// already closed it as the document's table says) fills in or leaves the local record.
    fn reconcile(self: &Arc<Self>, call_id: String) {
        let client = self.client.clone();
        self.spawn(async move {
            let Some(client) = client.upgrade() else {
                return;
            };
            match client
                .send_to_server(Command::EndCall {
                    call_id: call_id.clone(),
                })
                .await
            {
                Ok(_) => debug!(call_id, "call ended on the server after the reconnect"),
                Err(e) => debug!(call_id, error = %e, "nothing to reconcile"),
            }
        });
    }

    fn on_presence(&self, expert_id: &str, presence: Presence, expert: &Option<Expert>) {
        let mut s = self.lock();
        match presence {
            Presence::Offline => {
                s.presence.remove(expert_id);
            }
            _ => {
                let entry = s.presence.entry(expert_id.to_owned()).or_insert_with(|| {
                    let mut e = expert.clone().unwrap_or_else(|| Expert {
                        party: Default::default(),
                        presence,
                        rate_per_minute: None,
                        language: None,
                        about: None,
                    });
                    e.party.id = expert_id.to_owned();
                    e
                });
                if let Some(details) = expert {
                    *entry = details.clone();
                    entry.party.id = expert_id.to_owned();
                }
                entry.presence = presence;
            }
        }
    }

    fn initiate(
        self: &Arc<Self>,
        cmd: Command,
    ) -> BoxFuture<'static, Result<Vec<DomainEvent>, Error>> {
        let Command::InitiateCall { callee_id, media } = &cmd else {
            return async { Err(Error::InvalidInput("not an initiate command".into())) }.boxed();
        };
        let (rx, announce) = {
            let mut s = self.lock();
            if let Err(r) = s.machine.check(&cmd) {
                return refused(r);
            }
            let now = Instant::now();
            let window = self.config.rate_window;
            while s
                .initiations
                .front()
                .is_some_and(|t| now.duration_since(*t) >= window)
            {
                s.initiations.pop_front();
            }
            if s.initiations.len() >= self.config.max_initiations {
                return refused(CallRefusal::RateLimited);
            }
            s.initiations.push_back(now);
            let before = s.machine.phase().clone();
            s.machine.initiate(callee_id, *media);
            let (tx, rx) = oneshot::channel();
            s.pending = Some(tx);
            (rx, (before, s.machine.snapshot().clone()))
        };
        let me = self.clone();
        async move {
            let Some(client) = me.client.upgrade() else {
                return Err(Error::Closed);
            };
            client.publish(me.changed(&announce.0, announce.1));
            if let Err(e) = client.send_to_server(cmd).await {
                me.fail_initiating(&client, e.to_string());
                return Err(e);
            }
            match tokio::time::timeout(me.config.answer_timeout, rx).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(_)) => Err(Error::Closed),
                Err(_) => {
                    me.lock().pending = None;
                    me.fail_initiating(&client, "no answer from the server".into());
                    Err(Error::Timeout(format!(
                        "no call:ringing or call:error within {:?}",
                        me.config.answer_timeout
                    )))
                }
            }
        }
        .boxed()
    }

    fn fail_initiating(self: &Arc<Self>, client: &Client, reason: String) {
        let now = {
            let mut s = self.lock();
            s.pending = None;
            if *s.machine.phase() != CallPhase::Initiating {
                return;
            }
            s.machine.finish(CallPhase::Failed { reason }, None);
            s.machine.snapshot().clone()
        };
        client.publish(self.changed(&CallPhase::Initiating, now));
    }

    /// Cancel, accept, reject, end: checked here, then sent (the dialect asks for the ack and
    /// turns it into the sender's event or the server's error verbatim).
    fn answer(
        self: &Arc<Self>,
        cmd: Command,
    ) -> BoxFuture<'static, Result<Vec<DomainEvent>, Error>> {
        if let Err(r) = self.lock().machine.check(&cmd) {
            return refused(r);
        }
        let me = self.clone();
        async move {
            let Some(client) = me.client.upgrade() else {
                return Err(Error::Closed);
            };
            match client.send_to_server(cmd.clone()).await {
                // A server that does not ack got the emit all the same: finish locally.
                Err(Error::Timeout(_)) => {
                    let (id, from, to) = match &cmd {
                        Command::CancelCall { call_id } => {
                            (call_id, CallPhase::Ringing, CallPhase::Cancelled)
                        }
                        Command::EndCall { call_id } => {
                            (call_id, CallPhase::Accepted, CallPhase::Ended)
                        }
                        Command::RejectCall { call_id } => {
                            (call_id, CallPhase::Ringing, CallPhase::Rejected)
                        }
                        _ => {
                            return Err(Error::Timeout(
                                "the server did not acknowledge the call command".into(),
                            ))
                        }
                    };
                    me.settle(id, from, to, "local:unacknowledged");
                    Ok(vec![])
                }
                other => other,
            }
        }
        .boxed()
    }

    fn media_command(&self, cmd: &Command) -> BoxFuture<'static, Result<Vec<DomainEvent>, Error>> {
        let Some(engine) = self.engine.clone() else {
            return async { Err(Error::Unsupported("no media engine is attached".into())) }.boxed();
        };
        {
            let s = self.lock();
            if *s.machine.phase() != CallPhase::Accepted || s.media_call.is_none() {
                return refused(CallRefusal::NotActive);
            }
        }
        let work = match cmd.clone() {
            Command::SetMicrophone { enabled } => engine.set_microphone(enabled),
            Command::SetCamera { enabled } => engine.set_camera(enabled),
            Command::SwitchMediaDevice { kind, device_id } => engine.switch_device(kind, device_id),
            _ => return async { Ok(vec![]) }.boxed(),
        };
        async move {
            work.await?;
            Ok(vec![])
        }
        .boxed()
    }

    fn list_history(
        &self,
        limit: Option<u32>,
    ) -> BoxFuture<'static, Result<Vec<DomainEvent>, Error>> {
        let Some(store) = self.store.clone() else {
            return async { Err(Error::Unsupported("no cache is attached".into())) }.boxed();
        };
        async move {
            let calls =
                tokio::task::spawn_blocking(move || history::list(&store, limit.unwrap_or(50)))
                    .await
                    .map_err(|e| Error::Protocol(format!("history task failed: {e}")))?
                    .map_err(|e| Error::Protocol(e.to_string()))?;
            Ok(vec![DomainEvent::CallHistory { calls }])
        }
        .boxed()
    }
}

fn refused(r: CallRefusal) -> BoxFuture<'static, Result<Vec<DomainEvent>, Error>> {
    async move { Err(r.into()) }.boxed()
}

impl Service for CallService {
    fn observe(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        // Absurd server figures (a call of u64::MAX seconds) are refused before the machine
        // and the history see them.
        let screened = crate::ranges::screen_call(event);
        let mut out: Vec<DomainEvent> = screened.refusal.into_iter().collect();
        if let Some(event) = screened.event {
            out.extend(self.observe_sane(&event));
        }
        out
    }

    fn handle(&self, cmd: &Command) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        self.handle_command(cmd)
    }
}

impl CallService {
    fn observe_sane(&self, event: &DomainEvent) -> Vec<DomainEvent> {
        let inner = &self.inner;
        match event {
            DomainEvent::Connection { state } => return inner.on_connection(state),
            DomainEvent::ExpertPresence {
                expert_id,
                presence,
                expert,
            } => {
                inner.on_presence(expert_id, *presence, expert);
                return vec![];
            }
            DomainEvent::CallRinging { .. }
            | DomainEvent::CallIncoming { .. }
            | DomainEvent::CallAccepted { .. }
            | DomainEvent::CallRejected { .. }
            | DomainEvent::CallCancelled { .. }
            | DomainEvent::CallMissed { .. }
            | DomainEvent::CallEnded { .. }
            | DomainEvent::CallError { .. } => {}
            _ => return vec![],
        }
        let (before, changed, now) = {
            let mut s = inner.lock();
            let before = s.machine.phase().clone();
            let changed = s.machine.apply(event);
            // The initiate waiting for its answer gets it: ringing, or the error verbatim.
            let answer = match event {
                DomainEvent::CallRinging { .. } if changed => Some(Ok(vec![event.clone()])),
                DomainEvent::CallError { code, message } if may_answer_initiate(message) => {
                    Some(Err(Error::Rejected {
                        code: code.clone().or_else(|| Some(SERVER_CALL_ERROR.into())),
                        status: None,
                        message: message.clone(),
                    }))
                }
                _ => None,
            };
            if let Some(answer) = answer {
                if let Some(tx) = s.pending.take() {
                    let _ = tx.send(answer);
                }
            }
            (before, changed, s.machine.snapshot().clone())
        };
        if changed {
            vec![inner.changed(&before, now)]
        } else {
            vec![]
        }
    }

    fn handle_command(
        &self,
        cmd: &Command,
    ) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        let inner = &self.inner;
        Some(match cmd {
            Command::InitiateCall { .. } => inner.initiate(cmd.clone()),
            Command::CancelCall { .. }
            | Command::AcceptCall { .. }
            | Command::RejectCall { .. }
            | Command::EndCall { .. } => inner.answer(cmd.clone()),
            Command::SetMicrophone { .. }
            | Command::SetCamera { .. }
            | Command::SwitchMediaDevice { .. } => inner.media_command(cmd),
            Command::GetCallState => {
                let call = inner.lock().machine.snapshot().clone();
                async move { Ok(vec![DomainEvent::CallStateChanged { call }]) }.boxed()
            }
            Command::ListCallHistory { limit } => inner.list_history(*limit),
            // 004 has no list of callees: the live presence is the answer.
            Command::ListOnlineExperts => {
                let experts = inner.lock().presence.values().cloned().collect();
                async move { Ok(vec![DomainEvent::ExpertsOnline { experts }]) }.boxed()
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::{LoopbackEngine, LoopbackOp};
    use crate::dialect::DialectId;
    use crate::model::{CallMedia, LiveKitGrant, Party};
    use crate::profile::ServerProfile;
    use crate::token::StaticToken;

    /// A 004 client that never connects (nothing listens on port 9), with the service.
    fn offline() -> (Client, CallService, LoopbackEngine) {
        let mut profile = ServerProfile::new(DialectId::Telecaller, "http://127.0.0.1:9");
        profile.namespace = "/telecaller".into();
        let client = Client::connect(profile, Arc::new(StaticToken::new("t"))).unwrap();
        let engine = LoopbackEngine::new();
        let service = CallService::attach(
            &client,
            Some(Arc::new(engine.clone())),
            None,
            CallConfig::default(),
        );
        (client, service, engine)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn events_published_from_any_thread_drive_the_call_and_its_media() {
        let (client, service, engine) = offline();
        let c = client.clone();
        std::thread::spawn(move || {
            c.publish(DomainEvent::CallIncoming {
                call_id: "c1".into(),
                media: CallMedia::Video,
                caller: Party {
                    id: "u".into(),
                    ..Party::default()
                },
            });
            c.publish(DomainEvent::CallAccepted {
                call_id: "c1".into(),
                livekit: LiveKitGrant {
                    url: "ws://lk".into(),
                    token: "t".into(),
                    room: "c1".into(),
                },
                media: None,
                caller: None,
            });
        })
        .join()
        .expect("no panic outside the runtime");
        assert_eq!(service.snapshot().phase, CallPhase::Accepted);
        let deadline = Instant::now() + Duration::from_secs(5);
        while engine.room().is_none() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(engine.room().as_deref(), Some("c1"));
        assert!(matches!(
            &engine.ops()[0],
            LoopbackOp::Join { camera: true, .. }
        ));
        // The signalling ends the call: the room is left although it said nothing.
        client.publish(DomainEvent::CallEnded {
            call_id: "c1".into(),
            duration_secs: Some(3),
            coins: None,
            ended_by: Some("USER".into()),
        });
        while engine.room().is_some() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(engine.room(), None);
        let state = client.send(Command::GetCallState).await.unwrap();
        assert!(matches!(
            &state[..],
            [DomainEvent::CallStateChanged { call }] if call.phase == CallPhase::Ended && call.duration_secs == Some(3)
        ));
    }

    #[tokio::test]
    async fn commands_offline_fail_typed_and_leave_the_machine_consistent() {
        let (client, service, _engine) = offline();
        // Illegal now: refused before the transport is even asked.
        let e = client
            .send(Command::EndCall {
                call_id: "c1".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), "rejected");
        assert_eq!(e.to_string(), "Call not found.");
        // No history without a cache, no media command without a call.
        assert_eq!(
            client
                .send(Command::ListCallHistory { limit: None })
                .await
                .unwrap_err()
                .code(),
            "unsupported"
        );
        assert_eq!(
            client
                .send(Command::SetMicrophone { enabled: false })
                .await
                .unwrap_err()
                .to_string(),
            "Call is not active."
        );
        // The expert side cannot initiate (the dialect refuses), and the call fails cleanly.
        let e = client
            .send(Command::InitiateCall {
                callee_id: "x".into(),
                media: CallMedia::Audio,
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), "unsupported");
        assert!(matches!(service.snapshot().phase, CallPhase::Failed { .. }));
        assert!(service.presence().is_empty());
    }
}
