//! The socket supervisor: our own small layer around rust_socketio 0.6, because that crate
//! alone loses data and hangs in ways we measured (shared/recipes.md):
//!
//! - it reports nothing when the server goes away (no Close, no Error): we learn of a drop
//!   from its `on_reconnect` hook, from a server DISCONNECT (`Close`), or from a failed emit;
//! - its own reconnect cannot refresh a token per try, stop on an auth failure, or tell
//!   anyone what it is doing: we own reconnection (socket.io-client's backoff) and park its loop;
//! - `connect()` succeeds even when the token is refused: we wait for the namespace CONNECT
//!   (and, where the dialect says the server confirms logins by an event, for that event) and
//!   read `ConnectError` frames; a refused token is handed back to the token source and never
//!   sent again (see `supervisor`);
//! - an emit before CONNECT kills the connection: nothing is sent until `Connected`;
//! - ack ids are random in 0..999, so two acks in flight can collide (wrong answer, panic,
//!   zombie client): we keep exactly one ack in flight, queue the rest (bounded), time every
//!   ack out ourselves, and replace the connection after a timeout so a late answer can
//!   never reach a later request;
//! - callbacks run on its receive loop: ours only push into channels that never wait; server
//!   events beyond [`MAX_QUEUED_EVENTS`] not yet taken by the client are dropped, counted and
//!   reported ([`Inbound::Overflow`]), so a stalled reader cannot grow memory without bound.

use super::backoff::BackoffPolicy;
use super::login::LoginWatch;
use super::supervisor::{set_state, supervise};
use super::TransportError;
use crate::model::ConnectionState;
use crate::sync::lock;
use crate::token::SharedTokenSource;
use futures_util::FutureExt;
use rust_socketio::asynchronous::Client as RawClient;
use rust_socketio::Payload;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch, Semaphore};

/// How to reach one socket.io namespace.
#[derive(Debug, Clone)]
pub struct SocketConfig {
    /// Server URL (`http://host:port` or `https://…`; the socket.io path is added).
    pub url: String,
    /// Namespace, `/` by default.
    pub namespace: String,
    /// Reconnection policy.
    pub backoff: BackoffPolicy,
    /// How long one connection attempt may take before it counts as failed.
    pub connect_timeout: Duration,
    /// Default time a server has to answer an ack.
    pub ack_timeout: Duration,
    /// Requests allowed to wait behind the one ack in flight before `Busy` is returned.
    pub max_queued_requests: usize,
    /// TLS settings (extra trusted roots); `None` uses the system's, always verifying.
    pub tls: Option<native_tls::TlsConnector>,
    /// How the server answers a login after connecting (from the dialect); `None`: only the
    /// handshake can refuse.
    pub login: Option<LoginWatch>,
    /// After the server refused our token: when to ask the token source again for a new one
    /// (a token already refused is never sent again). `max_attempts` bounds the asks in a row
    /// that bring no working token; then the socket gives up (`Disconnected`).
    pub renewal: BackoffPolicy,
}

impl SocketConfig {
    /// A config with socket.io-client's defaults for `url` and `namespace`.
    pub fn new(url: impl Into<String>, namespace: impl Into<String>) -> Self {
        SocketConfig {
            url: url.into(),
            namespace: namespace.into(),
            backoff: BackoffPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            ack_timeout: Duration::from_secs(10),
            max_queued_requests: 1024,
            tls: None,
            login: None,
            renewal: BackoffPolicy {
                min_ms: 1000,
                max_ms: 30_000,
                jitter: 0.5,
                max_attempts: None,
            },
        }
    }
}

/// Something the server sent, or a state change, in arrival order.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// A server event with its arguments.
    Event {
        /// Event name.
        name: String,
        /// Arguments (usually one).
        args: Vec<Value>,
    },
    /// The connection state changed.
    State(ConnectionState),
    /// This many server events were dropped because the reader fell [`MAX_QUEUED_EVENTS`]
    /// behind (reported once the reader caught up, in place of the events).
    Overflow {
        /// Events dropped.
        missed: u64,
    },
}

/// Server events allowed to wait for the reader of the inbound channel; beyond this they are
/// dropped and counted (the receive loop never waits).
pub const MAX_QUEUED_EVENTS: usize = 16_384;

/// The receiving end of a socket: events and state changes in arrival order.
pub struct InboundReceiver {
    rx: mpsc::UnboundedReceiver<Inbound>,
    queue: Arc<InboundQueue>,
}

impl InboundReceiver {
    /// The next item, or `None` once the supervisor is gone.
    pub async fn recv(&mut self) -> Option<Inbound> {
        let item = match self.rx.try_recv() {
            Ok(item) => item,
            Err(mpsc::error::TryRecvError::Empty) => {
                // Dropped events that no later event has reported yet.
                let missed = self.queue.missed.swap(0, Ordering::SeqCst);
                if missed > 0 {
                    return Some(Inbound::Overflow { missed });
                }
                self.rx.recv().await?
            }
            Err(mpsc::error::TryRecvError::Disconnected) => return None,
        };
        if let Inbound::Event { .. } = item {
            self.queue.queued.fetch_sub(1, Ordering::SeqCst);
        }
        Some(item)
    }
}

/// The sending side's count of waiting events and of dropped ones.
#[derive(Default)]
pub(super) struct InboundQueue {
    queued: AtomicUsize,
    missed: AtomicU64,
}

/// Pushes into the inbound channel without ever waiting.
#[derive(Clone)]
pub(super) struct InboundSender {
    tx: mpsc::UnboundedSender<Inbound>,
    queue: Arc<InboundQueue>,
}

impl InboundSender {
    /// A server event: dropped and counted when the reader is too far behind; the first event
    /// accepted after a gap is preceded by the count, so the gap is reported where it was.
    pub(super) fn event(&self, name: String, args: Vec<Value>) {
        if self.queue.queued.fetch_add(1, Ordering::SeqCst) >= MAX_QUEUED_EVENTS {
            self.queue.queued.fetch_sub(1, Ordering::SeqCst);
            self.queue.missed.fetch_add(1, Ordering::SeqCst);
            return;
        }
        let missed = self.queue.missed.swap(0, Ordering::SeqCst);
        if missed > 0 {
            let _ = self.tx.send(Inbound::Overflow { missed });
        }
        if self.tx.send(Inbound::Event { name, args }).is_err() {
            self.queue.queued.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// A state change: never dropped (there are few).
    pub(super) fn state(&self, state: ConnectionState) {
        let _ = self.tx.send(Inbound::State(state));
    }
}

/// Messages to the supervisor task.
#[derive(Debug)]
pub(super) enum Control {
    /// The connection of `generation` is gone.
    Dropped { generation: u64, reason: String },
    /// The server refused the credentials of `generation` (handshake or a login event).
    AuthRejected { generation: u64, message: String },
    /// Replace the connection of `generation` (after an ack timeout).
    Recycle { generation: u64, reason: String },
    /// Stop for good.
    Shutdown,
}

#[derive(Clone)]
pub(super) struct Live {
    pub(super) client: RawClient,
    pub(super) generation: u64,
}

pub(super) struct Shared {
    pub(super) config: SocketConfig,
    pub(super) live: Mutex<Option<Live>>,
    pub(super) state_tx: watch::Sender<ConnectionState>,
    pub(super) control_tx: mpsc::UnboundedSender<Control>,
    pub(super) inbound: InboundSender,
    ack_slot: Semaphore,
    waiting: AtomicUsize,
}

/// A supervised socket.io connection. Cheap to clone; the supervisor stops on `shutdown()`
/// or when the last handle is dropped.
#[derive(Clone)]
pub struct Socket {
    shared: Arc<Shared>,
    _guard: Arc<ShutdownOnDrop>,
}

struct ShutdownOnDrop(mpsc::UnboundedSender<Control>);

impl Drop for ShutdownOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(Control::Shutdown);
    }
}

impl Socket {
    /// Starts the supervisor. Events and state changes arrive on the returned receiver.
    /// Must be called inside a tokio runtime.
    pub fn start(config: SocketConfig, tokens: SharedTokenSource) -> (Socket, InboundReceiver) {
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let (inbound_tx, inbound_rx) = mpsc::unbounded_channel();
        let queue = Arc::new(InboundQueue::default());
        let (state_tx, _) = watch::channel(ConnectionState::Connecting { attempt: 1 });
        let shared = Arc::new(Shared {
            config,
            live: Mutex::new(None),
            state_tx,
            control_tx: control_tx.clone(),
            inbound: InboundSender {
                tx: inbound_tx,
                queue: queue.clone(),
            },
            ack_slot: Semaphore::new(1),
            waiting: AtomicUsize::new(0),
        });
        tokio::spawn(supervise(shared.clone(), tokens, control_rx));
        let socket = Socket {
            shared,
            _guard: Arc::new(ShutdownOnDrop(control_tx)),
        };
        let inbound = InboundReceiver {
            rx: inbound_rx,
            queue,
        };
        (socket, inbound)
    }

    /// The current state.
    pub fn state(&self) -> ConnectionState {
        self.shared.state_tx.borrow().clone()
    }

    /// A receiver of state changes.
    pub fn watch_state(&self) -> watch::Receiver<ConnectionState> {
        self.shared.state_tx.subscribe()
    }

    /// Waits until connected, or fails when the server refused our token (at once while the
    /// token source has no new one), the supervisor stops, or `timeout` passes.
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), TransportError> {
        let mut rx = self.watch_state();
        let outcome = tokio::time::timeout(
            timeout,
            rx.wait_for(|s| {
                s.is_connected()
                    || s.is_terminal()
                    || matches!(s, ConnectionState::AuthFailed { .. })
            }),
        )
        .await;
        match outcome {
            Err(_) => Err(TransportError::Timeout(timeout)),
            Ok(Err(_)) => Err(TransportError::Closed),
            Ok(Ok(s)) => match &*s {
                ConnectionState::Connected => Ok(()),
                ConnectionState::AuthFailed { message } => {
                    Err(TransportError::AuthFailed(message.clone()))
                }
                other => Err(TransportError::NotConnected(format!("{other:?}"))),
            },
        }
    }

    /// Sends an event without waiting for an answer. Fails at once, losing nothing silently,
    /// when not connected; delivery beyond the socket is the outbox's business.
    pub async fn emit(&self, event: &str, args: Vec<Value>) -> Result<(), TransportError> {
        let live = self.live()?;
        if let Err(e) = live.client.emit(event, Payload::Text(args)).await {
            self.dropped(live.generation, format!("emit failed: {e}"));
            return Err(TransportError::SendFailed(e.to_string()));
        }
        Ok(())
    }

    /// Sends an event and waits for the server's ack, at most `timeout` (default from the
    /// config) including the time spent queued behind the ack in flight.
    pub async fn request(
        &self,
        event: &str,
        args: Vec<Value>,
        timeout: Option<Duration>,
    ) -> Result<Vec<Value>, TransportError> {
        let timeout = timeout.unwrap_or(self.shared.config.ack_timeout);
        let deadline = tokio::time::Instant::now() + timeout;
        let _queued = QueueTicket::take(&self.shared)?;
        let _permit = tokio::time::timeout_at(deadline, self.shared.ack_slot.acquire())
            .await
            .map_err(|_| TransportError::Timeout(timeout))?
            .map_err(|_| TransportError::Closed)?;
        let live = self.live()?;
        let (tx, rx) = oneshot::channel::<Payload>();
        let mut tx = Some(tx);
        let callback = move |payload: Payload, _c: RawClient| {
            if let Some(tx) = tx.take() {
                let _ = tx.send(payload);
            }
            async {}.boxed()
        };
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        // rust_socketio's own timeout is set far beyond ours so that it never drops the
        // callback before we decide; a late ack is made harmless by recycling below.
        if let Err(e) = live
            .client
            .emit_with_ack(event, Payload::Text(args), remaining * 4, callback)
            .await
        {
            self.dropped(live.generation, format!("emit failed: {e}"));
            return Err(TransportError::SendFailed(e.to_string()));
        }
        let mut state = self.watch_state();
        tokio::select! {
            answer = rx => match answer {
                Ok(Payload::Text(values)) => Ok(ack_arguments(values)),
                #[allow(deprecated)]
                Ok(Payload::String(s)) => Ok(vec![serde_json::from_str(&s).unwrap_or(Value::String(s))]),
                Ok(Payload::Binary(_)) => Err(TransportError::Unsupported("binary ack payload".into())),
                Err(_) => Err(TransportError::Closed),
            },
            _ = tokio::time::sleep_until(deadline) => {
                self.retire(live.generation, format!("no answer to {event} within {} ms", timeout.as_millis()));
                Err(TransportError::Timeout(timeout))
            }
            _ = state.wait_for(|s| !s.is_connected()) => {
                // Sent, so the server may have it: not the same as never sent.
                Err(TransportError::NoAnswer("the connection was lost while waiting for the answer".into()))
            }
        }
    }

    /// Closes the connection and stops reconnecting.
    pub async fn shutdown(&self) {
        let _ = self.shared.control_tx.send(Control::Shutdown);
        let mut rx = self.watch_state();
        let _ =
            tokio::time::timeout(Duration::from_secs(5), rx.wait_for(|s| s.is_terminal())).await;
    }

    /// Waits until the supervisor has stopped for good (after [`shutdown`](Self::shutdown),
    /// exhausted tries, or the last handle dropped): from then on nothing reconnects.
    pub async fn stopped(&self) {
        self.shared.control_tx.closed().await;
    }

    /// The live connection, or why there is none: `AuthFailed` while the server refuses our
    /// token (so that callers fail fast with the real reason), else `NotConnected`.
    fn live(&self) -> Result<Live, TransportError> {
        match self.state() {
            ConnectionState::Connected => {}
            ConnectionState::AuthFailed { message } => {
                return Err(TransportError::AuthFailed(message))
            }
            other => return Err(TransportError::NotConnected(format!("{other:?}"))),
        }
        lock(&self.shared.live)
            .clone()
            .ok_or_else(|| TransportError::NotConnected("no connection".into()))
    }

    /// Stops using the connection of `generation` at once (an unanswered ack may still
    /// arrive on it and must never meet a later request) and has the supervisor replace it.
    fn retire(&self, generation: u64, reason: String) {
        let mut live = lock(&self.shared.live);
        if live.as_ref().is_some_and(|l| l.generation == generation) {
            live.take();
            drop(live);
            set_state(
                &self.shared,
                ConnectionState::Reconnecting {
                    attempt: 1,
                    delay_ms: 0,
                    reason: reason.clone(),
                },
            );
        }
        let _ = self
            .shared
            .control_tx
            .send(Control::Recycle { generation, reason });
    }

    fn dropped(&self, generation: u64, reason: String) {
        let _ = self
            .shared
            .control_tx
            .send(Control::Dropped { generation, reason });
    }
}

/// rust_socketio hands an ack's data to the callback as one JSON value holding the whole
/// argument array (`[[arg1, arg2]]`); this returns the arguments themselves.
pub(super) fn ack_arguments(values: Vec<Value>) -> Vec<Value> {
    match <[Value; 1]>::try_from(values) {
        Ok([Value::Array(args)]) => args,
        Ok([other]) => vec![other],
        Err(values) => values,
    }
}

/// Counts a request waiting for the ack slot; refuses beyond the configured bound.
struct QueueTicket<'a>(&'a Shared);

impl<'a> QueueTicket<'a> {
    fn take(shared: &'a Shared) -> Result<Self, TransportError> {
        let before = shared.waiting.fetch_add(1, Ordering::SeqCst);
        if before > shared.config.max_queued_requests {
            shared.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(TransportError::Busy(shared.config.max_queued_requests));
        }
        Ok(QueueTicket(shared))
    }
}

impl Drop for QueueTicket<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}
