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
//!   events beyond [`MAX_QUEUED_EVENTS`](super::MAX_QUEUED_EVENTS) not yet taken by the client
//!   are dropped, counted and reported ([`Inbound::Overflow`](super::Inbound::Overflow)), so a
//!   stalled reader cannot grow memory without bound.

use super::config::SocketConfig;
use super::inbound::{channel, InboundReceiver};
use super::shared::{Control, Live, Shared};
use super::supervisor::{set_state, supervise};
use super::TransportError;
use crate::model::ConnectionState;
use crate::send_steps::send_step;
use crate::sync::lock;
use crate::token::SharedTokenSource;
use futures_util::FutureExt;
use rust_socketio::asynchronous::Client as RawClient;
use rust_socketio::Payload;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch, Semaphore};

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
        let (inbound_tx, inbound) = channel();
        let (state_tx, _) = watch::channel(ConnectionState::Connecting { attempt: 1 });
        let shared = Arc::new(Shared {
            config,
            live: Mutex::new(None),
            state_tx,
            control_tx: control_tx.clone(),
            inbound: inbound_tx,
            ack_slot: Semaphore::new(1),
            waiting: AtomicUsize::new(0),
        });
        tokio::spawn(supervise(shared.clone(), tokens, control_rx));
        let socket = Socket {
            shared,
            _guard: Arc::new(ShutdownOnDrop(control_tx)),
        };
        (socket, inbound)
    }

    /// How many items (events, state changes) the socket has handed to the inbound channel so
    /// far; see [`InboundReceiver::taken`].
    pub fn inbound_sent(&self) -> u64 {
        self.shared.inbound.sent()
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
            send_step!("answered");
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
        send_step!("written");
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

    /// While waiting between connection tries, tries now instead (nothing when connected or
    /// stopped): for when the app learns the server has news, such as from a push.
    pub fn retry_now(&self) {
        let _ = self.shared.control_tx.send(Control::RetryNow);
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
