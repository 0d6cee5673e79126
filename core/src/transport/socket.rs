//! The socket supervisor: our own small layer around rust_socketio 0.6, because that crate
//! alone loses data and hangs in ways we measured (shared/recipes.md):
//!
//! - it reports nothing when the server goes away (no Close, no Error): we learn of a drop
//!   from its `on_reconnect` hook, from a server DISCONNECT (`Close`), or from a failed emit;
//! - its own reconnect cannot refresh a token per try, stop on an auth failure, or tell
//!   anyone what it is doing: we own reconnection (socket.io-client's backoff) and park its loop;
//! - `connect()` succeeds even when the token is refused: we wait for the namespace CONNECT
//!   and read `ConnectError` frames, stopping for good on one;
//! - an emit before CONNECT kills the connection: nothing is sent until `Connected`;
//! - ack ids are random in 0..999, so two acks in flight can collide (wrong answer, panic,
//!   zombie client): we keep exactly one ack in flight, queue the rest (bounded), time every
//!   ack out ourselves, and replace the connection after a timeout so a late answer can
//!   never reach a later request;
//! - callbacks run on its receive loop: ours only push into unbounded channels.

use super::backoff::BackoffPolicy;
use super::state::ConnectionState;
use super::TransportError;
use crate::token::SharedTokenSource;
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client as RawClient, ClientBuilder, ReconnectSettings};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch, Semaphore};
use tracing::{debug, warn};

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
}

/// Messages to the supervisor task.
#[derive(Debug)]
enum Control {
    /// The connection of `generation` is gone.
    Dropped { generation: u64, reason: String },
    /// The server refused our credentials (handshake or, via the dialect, an event).
    AuthRejected { message: String },
    /// Replace the connection of `generation` (after an ack timeout).
    Recycle { generation: u64, reason: String },
    /// Stop for good.
    Shutdown,
}

/// Signals of one connection attempt.
enum Phase {
    Connected,
    AuthError(String),
}

#[derive(Clone)]
struct Live {
    client: RawClient,
    generation: u64,
}

struct Shared {
    config: SocketConfig,
    live: Mutex<Option<Live>>,
    state_tx: watch::Sender<ConnectionState>,
    control_tx: mpsc::UnboundedSender<Control>,
    inbound_tx: mpsc::UnboundedSender<Inbound>,
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
    pub fn start(
        config: SocketConfig,
        tokens: SharedTokenSource,
    ) -> (Socket, mpsc::UnboundedReceiver<Inbound>) {
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let (inbound_tx, inbound_rx) = mpsc::unbounded_channel();
        let (state_tx, _) = watch::channel(ConnectionState::Connecting { attempt: 1 });
        let shared = Arc::new(Shared {
            config,
            live: Mutex::new(None),
            state_tx,
            control_tx: control_tx.clone(),
            inbound_tx,
            ack_slot: Semaphore::new(1),
            waiting: AtomicUsize::new(0),
        });
        tokio::spawn(supervise(shared.clone(), tokens, control_rx));
        let socket = Socket {
            shared,
            _guard: Arc::new(ShutdownOnDrop(control_tx)),
        };
        (socket, inbound_rx)
    }

    /// The current state.
    pub fn state(&self) -> ConnectionState {
        self.shared.state_tx.borrow().clone()
    }

    /// A receiver of state changes.
    pub fn watch_state(&self) -> watch::Receiver<ConnectionState> {
        self.shared.state_tx.subscribe()
    }

    /// Waits until connected, or fails when the supervisor stops or `timeout` passes.
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), TransportError> {
        let mut rx = self.watch_state();
        let outcome = tokio::time::timeout(
            timeout,
            rx.wait_for(|s| s.is_connected() || s.is_terminal()),
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
                Err(TransportError::NotConnected("connection lost while waiting for the answer".into()))
            }
        }
    }

    /// Tells the supervisor the server refused our credentials (used when a dialect reports
    /// rejection through an ordinary event, as seed 002 does).
    pub fn reject_auth(&self, message: impl Into<String>) {
        let _ = self.shared.control_tx.send(Control::AuthRejected {
            message: message.into(),
        });
    }

    /// Closes the connection and stops reconnecting.
    pub async fn shutdown(&self) {
        let _ = self.shared.control_tx.send(Control::Shutdown);
        let mut rx = self.watch_state();
        let _ =
            tokio::time::timeout(Duration::from_secs(5), rx.wait_for(|s| s.is_terminal())).await;
    }

    fn live(&self) -> Result<Live, TransportError> {
        if !self.state().is_connected() {
            return Err(TransportError::NotConnected(format!("{:?}", self.state())));
        }
        self.shared
            .live
            .lock()
            .expect("live lock")
            .clone()
            .ok_or_else(|| TransportError::NotConnected("no connection".into()))
    }

    /// Stops using the connection of `generation` at once (an unanswered ack may still
    /// arrive on it and must never meet a later request) and has the supervisor replace it.
    fn retire(&self, generation: u64, reason: String) {
        let mut live = self.shared.live.lock().expect("live lock");
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
fn ack_arguments(values: Vec<Value>) -> Vec<Value> {
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

/// How a connected period ended.
enum Ended {
    Retry { reason: String, immediately: bool },
    Stop(ConnectionState),
}

async fn supervise(
    shared: Arc<Shared>,
    tokens: SharedTokenSource,
    mut control_rx: mpsc::UnboundedReceiver<Control>,
) {
    let mut generation: u64 = 0;
    let mut failures: u32 = 0;
    let mut ever_connected = false;
    loop {
        if !ever_connected && failures == 0 {
            set_state(&shared, ConnectionState::Connecting { attempt: 1 });
        }
        let token = match tokens.token().await {
            Ok(t) => t,
            Err(e) => {
                set_state(
                    &shared,
                    ConnectionState::AuthFailed {
                        message: e.to_string(),
                    },
                );
                return;
            }
        };
        generation += 1;
        let ended = match connect_once(&shared, generation, token, &mut control_rx).await {
            Ok(client) => {
                failures = 0;
                ever_connected = true;
                *shared.live.lock().expect("live lock") = Some(Live {
                    client: client.clone(),
                    generation,
                });
                set_state(&shared, ConnectionState::Connected);
                let ended = serve(generation, &mut control_rx).await;
                shared.live.lock().expect("live lock").take();
                tokio::spawn(async move {
                    let _ = client.disconnect().await;
                });
                ended
            }
            Err(ended) => ended,
        };
        match ended {
            Ended::Stop(state) => {
                set_state(&shared, state);
                return;
            }
            Ended::Retry {
                reason,
                immediately,
            } => {
                failures += 1;
                if shared.config.backoff.exhausted(failures) {
                    set_state(
                        &shared,
                        ConnectionState::Disconnected {
                            reason: format!("gave up after {failures} tries: {reason}"),
                        },
                    );
                    return;
                }
                let delay = if immediately {
                    Duration::ZERO
                } else {
                    shared.config.backoff.delay(failures - 1)
                };
                debug!(%reason, ?delay, failures, "reconnecting");
                set_state(
                    &shared,
                    ConnectionState::Reconnecting {
                        attempt: failures,
                        delay_ms: delay.as_millis() as u64,
                        reason,
                    },
                );
                let sleep = tokio::time::sleep(delay);
                tokio::pin!(sleep);
                loop {
                    tokio::select! {
                        _ = &mut sleep => break,
                        ctl = control_rx.recv() => match ctl {
                            None | Some(Control::Shutdown) => {
                                set_state(&shared, ConnectionState::Disconnected { reason: "closed by the client".into() });
                                return;
                            }
                            Some(Control::AuthRejected { message }) => {
                                set_state(&shared, ConnectionState::AuthFailed { message });
                                return;
                            }
                            // Stale news about a connection already gone.
                            Some(_) => {}
                        }
                    }
                }
            }
        }
    }
}

/// Waits while connected; returns why the connected period ended.
async fn serve(generation: u64, control_rx: &mut mpsc::UnboundedReceiver<Control>) -> Ended {
    loop {
        match control_rx.recv().await {
            None | Some(Control::Shutdown) => {
                return Ended::Stop(ConnectionState::Disconnected {
                    reason: "closed by the client".into(),
                })
            }
            Some(Control::AuthRejected { message }) => {
                return Ended::Stop(ConnectionState::AuthFailed { message })
            }
            Some(Control::Dropped {
                generation: g,
                reason,
            }) if g == generation => {
                return Ended::Retry {
                    reason,
                    immediately: false,
                }
            }
            Some(Control::Recycle {
                generation: g,
                reason,
            }) if g == generation => {
                return Ended::Retry {
                    reason,
                    immediately: true,
                }
            }
            Some(other) => debug!(?other, "stale control message ignored"),
        }
    }
}

/// One connection attempt: build the client, wait for the namespace CONNECT or a refusal.
async fn connect_once(
    shared: &Arc<Shared>,
    generation: u64,
    token: String,
    control_rx: &mut mpsc::UnboundedReceiver<Control>,
) -> Result<RawClient, Ended> {
    let (phase_tx, mut phase_rx) = mpsc::unbounded_channel::<Phase>();
    let builder = raw_builder(shared, generation, token, phase_tx);
    let timeout = shared.config.connect_timeout;
    let client = match tokio::time::timeout(timeout, builder.connect()).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(retry(format!("cannot connect: {e}"))),
        Err(_) => {
            return Err(retry(format!(
                "no answer within {} ms",
                timeout.as_millis()
            )))
        }
    };
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let outcome = loop {
        tokio::select! {
            phase = phase_rx.recv() => match phase {
                Some(Phase::Connected) => break Ok(()),
                Some(Phase::AuthError(message)) => break Err(Ended::Stop(ConnectionState::AuthFailed { message })),
                None => break Err(retry("connection closed during the handshake".into())),
            },
            ctl = control_rx.recv() => match ctl {
                None | Some(Control::Shutdown) => break Err(Ended::Stop(ConnectionState::Disconnected { reason: "closed by the client".into() })),
                Some(Control::AuthRejected { message }) => break Err(Ended::Stop(ConnectionState::AuthFailed { message })),
                Some(Control::Dropped { generation: g, reason }) if g == generation => break Err(retry(reason)),
                Some(_) => {}
            },
            _ = &mut deadline => break Err(retry(format!("namespace not joined within {} ms", timeout.as_millis()))),
        }
    };
    match outcome {
        Ok(()) => Ok(client),
        Err(ended) => {
            // Ends rust_socketio's receive loop for good (its disconnect reason becomes Manual).
            let _ = client.disconnect().await;
            Err(ended)
        }
    }
}

fn retry(reason: String) -> Ended {
    Ended::Retry {
        reason,
        immediately: false,
    }
}

/// The rust_socketio builder for one attempt, with callbacks that only push into channels.
fn raw_builder(
    shared: &Arc<Shared>,
    generation: u64,
    token: String,
    phase_tx: mpsc::UnboundedSender<Phase>,
) -> ClientBuilder {
    let cfg = &shared.config;
    let on_connect = phase_tx.clone();
    let on_error_phase = phase_tx;
    let control_close = shared.control_tx.clone();
    let control_error = shared.control_tx.clone();
    let control_reconnect = shared.control_tx.clone();
    let inbound_any = shared.inbound_tx.clone();
    let inbound_error = shared.inbound_tx.clone();
    let mut parked = false;
    let mut builder = ClientBuilder::new(cfg.url.clone());
    if let Some(tls) = &cfg.tls {
        builder = builder.tls_config(tls.clone());
    }
    builder
        .namespace(cfg.namespace.clone())
        .transport_type(TransportType::Websocket)
        .auth(serde_json::json!({ "token": token }))
        // rust_socketio's reconnect stays on only because its `on_reconnect` hook is the one
        // signal it gives when the server vanishes. We report the drop and return an address
        // that cannot connect, so its loop ends (we disconnected it: reason Manual).
        .reconnect(true)
        .reconnect_on_disconnect(true)
        .max_reconnect_attempts(1)
        .reconnect_delay(1, 1)
        .on_reconnect(move || {
            if !parked {
                parked = true;
                let _ = control_reconnect.send(Control::Dropped {
                    generation,
                    reason: "connection lost".into(),
                });
            }
            async {
                let mut settings = ReconnectSettings::new();
                settings.address("parlor-reconnect-is-owned-by-the-supervisor");
                settings
            }
            .boxed()
        })
        .on(Event::Connect, move |_p, _c| {
            let _ = on_connect.send(Phase::Connected);
            async {}.boxed()
        })
        .on(Event::Close, move |_p, _c| {
            let _ = control_close.send(Control::Dropped {
                generation,
                reason: "the server closed the connection".into(),
            });
            async {}.boxed()
        })
        .on(Event::Error, move |payload, _c| {
            match classify_error(payload) {
                ErrorKind::ConnectRefused(message) => {
                    let _ = on_error_phase.send(Phase::AuthError(message.clone()));
                    let _ = control_error.send(Control::AuthRejected { message });
                }
                ErrorKind::Internal(text) => warn!(%text, "socket.io client error"),
                ErrorKind::ServerEvent(args) => {
                    let _ = inbound_error.send(Inbound::Event {
                        name: "error".into(),
                        args,
                    });
                }
            }
            async {}.boxed()
        })
        .on_any(move |event, payload, _c| {
            let (name, args) = event_of(event, payload);
            let _ = inbound_any.send(Inbound::Event { name, args });
            async {}.boxed()
        })
}

/// Name and arguments of an event as rust_socketio hands it over. It reads a frame of one
/// element (`["typing_stop"]`, an event without arguments) as a `message` event whose payload
/// is the event's name; we undo that. (A genuine `message` event with one string argument looks
/// the same; no protocol here uses `message`, so the named event is the likelier reading.)
fn event_of(event: Event, payload: Payload) -> (String, Vec<Value>) {
    let args = match payload {
        Payload::Text(values) => values,
        #[allow(deprecated)]
        Payload::String(s) => vec![Value::String(s)],
        // Binary frames are unsafe with rust_socketio (split on 0x1E); we never ask
        // for them and surface any that arrive as an unreadable payload.
        Payload::Binary(b) => vec![serde_json::json!({ "binary_bytes": b.len() })],
    };
    if event == Event::Message {
        if let [Value::String(name)] = args.as_slice() {
            return (name.clone(), Vec::new());
        }
    }
    (String::from(event), args)
}

/// What arrived through rust_socketio's `Event::Error` callback.
#[derive(Debug, PartialEq)]
enum ErrorKind {
    /// A `ConnectError` frame: the namespace refused us; the server's message.
    ConnectRefused(String),
    /// rust_socketio's own diagnostics.
    Internal(String),
    /// A server event named `error` (rust_socketio routes it here too).
    ServerEvent(Vec<Value>),
}

const CONNECT_ERROR_PREFIX: &str = "Received an ConnectError frame: ";

/// rust_socketio's own error texts (its `Error` Display strings) that share the callback.
const INTERNAL_PREFIXES: &[&str] = &[
    "Invalid packet id",
    "Error while parsing an incomplete packet",
    "Got an invalid packet which did not follow",
    "An error occurred while decoding",
    "An error occurred while encoding/decoding",
    "Invalid Url",
    "Got illegal handshake response",
    "Called an action before the connection was established",
    "string is not json serializable",
    "A lock was poisoned",
    "Got an IO-Error",
    "Error while parsing an integer",
    "EngineIO Error",
    "Invalid packet type while reading attachments",
    "Underlying Engine.IO connection has closed",
];

fn classify_error(payload: Payload) -> ErrorKind {
    let values = match payload {
        Payload::Text(v) => v,
        #[allow(deprecated)]
        Payload::String(s) => vec![Value::String(s)],
        Payload::Binary(_) => return ErrorKind::Internal("binary error payload".into()),
    };
    if let [Value::String(text)] = values.as_slice() {
        if let Some(rest) = text.strip_prefix(CONNECT_ERROR_PREFIX) {
            return ErrorKind::ConnectRefused(connect_error_message(rest));
        }
        if INTERNAL_PREFIXES.iter().any(|p| text.starts_with(p)) {
            return ErrorKind::Internal(text.clone());
        }
    }
    ErrorKind::ServerEvent(values)
}

/// `{"message":"Invalid token"}` → `Invalid token`; anything else verbatim.
fn connect_error_message(raw: &str) -> String {
    match serde_json::from_str::<Value>(raw) {
        Ok(Value::Object(map)) => map
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| raw.to_owned()),
        Ok(Value::String(s)) => s,
        _ => raw.to_owned(),
    }
}

fn set_state(shared: &Shared, state: ConnectionState) {
    let changed = shared.state_tx.send_if_modified(|current| {
        if *current == state {
            false
        } else {
            *current = state.clone();
            true
        }
    });
    if changed {
        let _ = shared.inbound_tx.send(Inbound::State(state));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn connect_error_frames_become_auth_refusals() {
        let p = Payload::Text(vec![Value::String(format!(
            "{CONNECT_ERROR_PREFIX}{{\"message\":\"Invalid or expired token\"}}"
        ))]);
        assert_eq!(
            classify_error(p),
            ErrorKind::ConnectRefused("Invalid or expired token".into())
        );
        let p = Payload::Text(vec![Value::String(format!(
            "{CONNECT_ERROR_PREFIX}\"No error message provided\""
        ))]);
        assert_eq!(
            classify_error(p),
            ErrorKind::ConnectRefused("No error message provided".into())
        );
    }

    #[test]
    fn ack_arguments_are_unwrapped_once() {
        assert_eq!(
            ack_arguments(vec![json!([{"ok": true}])]),
            vec![json!({"ok": true})]
        );
        assert_eq!(ack_arguments(vec![json!([[1, 2]])]), vec![json!([1, 2])]);
        assert_eq!(ack_arguments(vec![json!([])]), Vec::<Value>::new());
        assert_eq!(ack_arguments(vec![json!("x")]), vec![json!("x")]);
        assert_eq!(
            ack_arguments(vec![json!(1), json!(2)]),
            vec![json!(1), json!(2)]
        );
    }

    #[test]
    fn server_error_events_are_not_mistaken_for_internal_errors() {
        let obj = Payload::Text(vec![json!({"message": "An error occurred"})]);
        assert_eq!(
            classify_error(obj),
            ErrorKind::ServerEvent(vec![json!({"message": "An error occurred"})])
        );
        let s = Payload::Text(vec![json!("Chat not found")]);
        assert_eq!(
            classify_error(s),
            ErrorKind::ServerEvent(vec![json!("Chat not found")])
        );
        let internal = Payload::Text(vec![json!("EngineIO Error")]);
        assert!(matches!(classify_error(internal), ErrorKind::Internal(_)));
    }
}
