//! `CallService`: the call state machine attached to a client whose server has calls. It refuses illegal
//! commands before anything is sent, applies the client-side initiation limit, turns the
//! server's `call:error` into the pending command's typed error, follows the document's
//! disconnect table, drives the media engine from the signalling, keeps callee presence live
//! and writes the call history.

use super::history;
use super::media::{MediaEngine, MediaJoin};
use super::state::{may_answer_initiate, CallMachine, CallRefusal, SERVER_CALL_ERROR};
use crate::client::{Client, Service, WeakClient};
use crate::command::{Command, LocalCommand};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::model::{CallPhase, CallRecord, CallSnapshot, Expert, MediaEvent, Presence};
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

mod link;
mod media_link;
mod placing;
#[cfg(test)]
mod tests;

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

    /// Past calls from the cache, newest first (`limit`, default 50; offline too).
    /// `Error::Unsupported` without a cache.
    pub async fn history(&self, limit: Option<u32>) -> Result<Vec<CallRecord>, Error> {
        let work = self.inner.history(limit);
        work.await
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

    fn handle_local(
        &self,
        cmd: &LocalCommand,
    ) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        let inner = &self.inner;
        Some(match cmd {
            LocalCommand::SetMicrophone { .. }
            | LocalCommand::SetCamera { .. }
            | LocalCommand::SwitchMediaDevice { .. } => inner.media_command(cmd),
            LocalCommand::GetCallState => {
                let call = inner.lock().machine.snapshot().clone();
                async move { Ok(vec![DomainEvent::CallStateChanged { call }]) }.boxed()
            }
            LocalCommand::ListCallHistory { limit } => inner.list_history(*limit),
            _ => return None,
        })
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
            // 004 has no list of callees: the live presence is the answer.
            Command::ListOnlineExperts => {
                let experts = inner.lock().presence.values().cloned().collect();
                async move { Ok(vec![DomainEvent::ExpertsOnline { experts }]) }.boxed()
            }
            _ => return None,
        })
    }
}
