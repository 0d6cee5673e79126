//! The `Client` handle: one connection to one server, in its dialect. Cheap to clone.
//! Commands go out through [`Client::send`]; everything the server says, and every change of
//! connection state, comes back as [`DomainEvent`]s on [`Client::subscribe`] streams.
//!
//! Delivery survives bugs: each service's `observe` and `handle` runs under `catch_unwind`, so
//! a panic (a bug, or a hostile value reaching an unchecked path) becomes an `internal_error`
//! [`DomainEvent::ServerError`] naming the service and carrying the event, and the events after
//! it still arrive. Memory stays bounded: see [`fanout`] for the slow-subscriber policy.

mod delivery;
mod fanout;

pub use fanout::DEFAULT_SUBSCRIBER_CAPACITY;

use crate::command::Command;
use crate::dialect::field_paths::FieldMoves;
use crate::dialect::overrides::Overridden;
use crate::dialect::{
    check_raw, raw_of_args, Capability, Dialect, DialectContext, DialectId, DialectRegistry,
    Outbound,
};
use crate::error::Error;
use crate::event::DomainEvent;
use crate::profile::{ProfileError, ServerProfile};
use crate::sync::{lock, read, write};
use crate::token::SharedTokenSource;
use crate::transport::{ConnectionState, LoginVerdict, LoginWatch, RestClient, RestError, Socket};
use delivery::{internal_error, pump};
use fanout::Queue;
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use serde_json::Value;
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;

#[cfg(test)]
mod tests;

/// A stream of domain events, bounded: a reader that falls [`DEFAULT_SUBSCRIBER_CAPACITY`]
/// events behind loses the oldest and gets [`DomainEvent::Lagged`] in their place; it never
/// stalls the socket.
pub struct EventStream(Arc<Queue>);

impl EventStream {
    /// The next event, or `None` once the client is gone.
    pub async fn recv(&mut self) -> Option<DomainEvent> {
        std::future::poll_fn(|cx| self.0.poll_pop(cx)).await
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<DomainEvent> {
        self.0.try_pop()
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.0.forget_reader();
    }
}

impl futures_util::Stream for EventStream {
    type Item = DomainEvent;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<DomainEvent>> {
        self.0.poll_pop(cx)
    }
}

/// One item of raw server traffic, before any decoding (see [`Client::subscribe_raw`]).
#[derive(Debug, Clone, PartialEq)]
pub enum RawTraffic {
    /// A socket event as received.
    Event {
        /// Event name.
        name: String,
        /// Its arguments.
        args: Vec<Value>,
    },
    /// The answer to something sent: the ack's arguments as one array, or the REST body.
    Answer {
        /// What was sent.
        sent: Outbound,
        /// The answer, undecoded.
        answer: Value,
    },
}

/// A domain service attached to a client (the consultation meter, the message outbox, the
/// call state machine …): it sees every published event first, in order, and may claim
/// commands before they reach the dialect.
pub trait Service: Send + Sync + 'static {
    /// Called for every event the client publishes, on the publishing task: must not block.
    /// Returns events derived from it, published right after it.
    fn observe(&self, _event: &DomainEvent) -> Vec<DomainEvent> {
        Vec::new()
    }

    /// Claims `cmd` (returning the future that performs it) or lets it through (`None`).
    fn handle(
        &self,
        _cmd: &Command,
    ) -> Option<BoxFuture<'static, Result<Vec<DomainEvent>, Error>>> {
        None
    }

    /// The service's name in error reports.
    fn name(&self) -> &'static str {
        std::any::type_name::<Self>()
    }
}

/// Derived events may derive further events, but not without end.
const MAX_DERIVATION_DEPTH: usize = 4;

struct Inner {
    profile: ServerProfile,
    dialect: Arc<dyn Dialect>,
    socket: Socket,
    rest: Option<RestClient>,
    subscribers: Mutex<Vec<Arc<Queue>>>,
    services: RwLock<Vec<Arc<dyn Service>>>,
    raw_subscribers: Mutex<Vec<mpsc::UnboundedSender<RawTraffic>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for q in lock(&self.subscribers).iter() {
            q.close();
        }
    }
}

impl Inner {
    /// Hands raw traffic to the raw subscribers; builds nothing when there are none.
    fn tap(&self, item: impl FnOnce() -> RawTraffic) {
        let mut subs = lock(&self.raw_subscribers);
        if subs.is_empty() {
            return;
        }
        let item = item();
        subs.retain(|tx| tx.send(item.clone()).is_ok());
    }

    fn publish(&self, event: &DomainEvent) {
        self.publish_at_depth(event, 0);
    }

    fn publish_at_depth(&self, event: &DomainEvent, depth: usize) {
        let services: Vec<Arc<dyn Service>> = read(&self.services).clone();
        let mut derived = Vec::new();
        for s in &services {
            match catch_unwind(AssertUnwindSafe(|| s.observe(event))) {
                Ok(more) => derived.extend(more),
                Err(panic) => derived.push(internal_error(s.name(), "observe", event, &*panic)),
            }
        }
        lock(&self.subscribers).retain(|q| q.push(event));
        if depth < MAX_DERIVATION_DEPTH {
            for d in &derived {
                self.publish_at_depth(d, depth + 1);
            }
        }
    }
}

/// A client handle that does not keep the client alive (services hold this one).
#[derive(Clone)]
pub struct WeakClient(Weak<Inner>);

impl WeakClient {
    /// The client, if it still exists.
    pub fn upgrade(&self) -> Option<Client> {
        self.0.upgrade().map(|inner| Client { inner })
    }
}

/// A connection to one server. Clone it freely; the connection closes when the last clone is
/// dropped or [`Client::disconnect`] is called.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// Starts connecting to `profile`'s server (in the background: the client works offline
    /// and reconnects by itself). Must be called inside a tokio runtime.
    /// Speaks the built-in dialect the profile names; see [`connect_in`](Self::connect_in)
    /// for an app's own.
    pub fn connect(profile: ServerProfile, tokens: SharedTokenSource) -> Result<Client, Error> {
        Self::connect_in(&DialectRegistry::builtin(), profile, tokens)
    }

    /// Like [`connect`](Self::connect), speaking the dialect `registry` has under the
    /// profile's name: a built-in one, or an app team's own registered beside them.
    pub fn connect_in(
        registry: &DialectRegistry,
        profile: ServerProfile,
        tokens: SharedTokenSource,
    ) -> Result<Client, Error> {
        let ctx = DialectContext {
            namespace: profile.namespace.clone(),
            account_id: profile.account_id.clone(),
        };
        let dialect = registry.create(&profile.dialect, &ctx).map_err(|_| {
            let known: Vec<&str> = registry.names().map(|n| n.as_str()).collect();
            Error::InvalidInput(format!(
                "no dialect is registered as {:?} (registered: {})",
                profile.dialect.as_str(),
                known.join(", ")
            ))
        })?;
        Self::connect_with(profile, tokens, dialect)
    }

    /// Like [`connect`](Self::connect), speaking `dialect`: an app team's own implementation
    /// of [`Dialect`] for a server that is not one of the five (see `core/examples/`). The
    /// profile's `dialect` names it (the cache's path), and its `[events]` renames and
    /// `[fields]` moves apply to it too.
    pub fn connect_with(
        profile: ServerProfile,
        tokens: SharedTokenSource,
        dialect: Arc<dyn Dialect>,
    ) -> Result<Client, Error> {
        profile.validate()?;
        let dialect: Arc<dyn Dialect> = if profile.events.is_empty() && profile.fields.is_empty() {
            dialect
        } else {
            let fields = FieldMoves::new(&profile.fields)
                .map_err(|e| ProfileError::Invalid(e.to_string()))?;
            Arc::new(Overridden::new(dialect, &profile.events, fields))
        };
        let extra_root = profile.trusted_certificate_pem()?;
        let rest = match &profile.rest_url {
            Some(url) => Some(RestClient::new(
                url.clone(),
                tokens.clone(),
                extra_root.as_deref(),
            )?),
            None => None,
        };
        let mut config = profile.socket_config();
        config.login = Some(login_watch(dialect.clone()));
        config.tls = match &extra_root {
            Some(pem) => {
                let cert = native_tls::Certificate::from_pem(pem)?;
                Some(
                    native_tls::TlsConnector::builder()
                        .add_root_certificate(cert)
                        .build()?,
                )
            }
            // rust_socketio would build a connector (loading every system root) per
            // connection; one shared connector serves every wss:// client of the process.
            None if profile.socket_url.starts_with("https")
                || profile.socket_url.starts_with("wss") =>
            {
                Some(shared_tls()?)
            }
            None => None,
        };
        let (socket, inbound) = Socket::start(config, tokens);
        let inner = Arc::new(Inner {
            profile,
            dialect,
            socket,
            rest,
            subscribers: Mutex::new(Vec::new()),
            services: RwLock::new(Vec::new()),
            raw_subscribers: Mutex::new(Vec::new()),
        });
        tokio::spawn(pump(Arc::downgrade(&inner), inbound));
        Ok(Client { inner })
    }

    /// A new stream of events, keeping up to [`DEFAULT_SUBSCRIBER_CAPACITY`] unread ones. Its
    /// first event is the current connection state.
    pub fn subscribe(&self) -> EventStream {
        self.subscribe_with_capacity(DEFAULT_SUBSCRIBER_CAPACITY)
    }

    /// [`subscribe`](Self::subscribe), keeping up to `capacity` unread events.
    pub fn subscribe_with_capacity(&self, capacity: usize) -> EventStream {
        let queue = Arc::new(Queue::new(capacity));
        queue.push(&DomainEvent::Connection {
            state: self.state(),
        });
        lock(&self.inner.subscribers).push(queue.clone());
        EventStream(queue)
    }

    /// Every socket event and every answer (ack or REST body) from now on, exactly as received
    /// and before decoding: for diagnostics such as `parlor conform`, which compares them with
    /// the documents. Unbounded like [`Client::subscribe`]; nothing is copied while nobody
    /// subscribes.
    pub fn subscribe_raw(&self) -> mpsc::UnboundedReceiver<RawTraffic> {
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&self.inner.raw_subscribers).push(tx);
        rx
    }

    /// The connection state now.
    pub fn state(&self) -> ConnectionState {
        self.inner.socket.state()
    }

    /// Waits until connected (or fails when the server refuses us or `timeout` passes).
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), Error> {
        Ok(self.inner.socket.wait_connected(timeout).await?)
    }

    /// The profile this client was made from.
    pub fn profile(&self) -> &ServerProfile {
        &self.inner.profile
    }

    /// The dialect spoken.
    pub fn dialect(&self) -> DialectId {
        self.inner.dialect.id()
    }

    /// This server's rules (its dialect), for the services that must follow them: what
    /// confirms a message, what to do after a reconnect, which ids it takes.
    pub fn rules(&self) -> &dyn Dialect {
        self.inner.dialect.as_ref()
    }

    /// The bytes `cmd` would put on the wire (socket payloads and REST bodies as JSON), to
    /// check it against the server's limits before queuing it.
    pub fn encoded_bytes(&self, cmd: &Command) -> Result<usize, Error> {
        let outbound = self.inner.dialect.encode(cmd)?;
        Ok(outbound
            .iter()
            .map(|o| {
                let name = match o {
                    Outbound::Emit { event, .. }
                    | Outbound::EmitOwnView { event, .. }
                    | Outbound::Request { event, .. } => event.len(),
                    Outbound::Rest { request, .. } => request.path.len(),
                };
                name + o
                    .sent_body()
                    .and_then(|b| serde_json::to_vec(b).ok())
                    .map_or(0, |b| b.len())
            })
            .sum())
    }

    /// What this server can do.
    pub fn capabilities(&self) -> &'static [Capability] {
        self.inner.dialect.capabilities()
    }

    /// The command that tells the server that this account's expert is `online` (or not),
    /// the way its dialect says; `None` where the server has no presence.
    pub fn presence_command(&self, online: bool) -> Option<Command> {
        self.capabilities()
            .contains(&Capability::Presence)
            .then(|| {
                self.inner
                    .dialect
                    .presence_command(online, self.profile().account_id.as_deref())
            })
    }

    /// Attaches a service: from now on it observes every event and may claim commands.
    pub fn attach(&self, service: Arc<dyn Service>) {
        write(&self.inner.services).push(service);
    }

    /// A handle that does not keep this client alive.
    pub fn downgrade(&self) -> WeakClient {
        WeakClient(Arc::downgrade(&self.inner))
    }

    /// Publishes an event to services and subscribers (services use it for events they
    /// produce on their own, such as the meter's per-second updates).
    pub fn publish(&self, event: DomainEvent) {
        self.inner.publish(&event);
    }

    /// Sends a command: an attached service may perform it (the outbox sends messages, the
    /// meter answers for consultations); otherwise the dialect encodes it for the server.
    /// Returns the events of the direct answer (ack or REST body), which are also published;
    /// events the server sends later arrive on the streams only.
    pub async fn send(&self, cmd: Command) -> Result<Vec<DomainEvent>, Error> {
        let services: Vec<Arc<dyn Service>> = read(&self.inner.services).clone();
        for s in services {
            let claimed = match catch_unwind(AssertUnwindSafe(|| s.handle(&cmd))) {
                Ok(claimed) => claimed,
                Err(panic) => return Err(self.report_panic(s.name(), &cmd, &*panic)),
            };
            if let Some(work) = claimed {
                return match AssertUnwindSafe(work).catch_unwind().await {
                    Ok(result) => result,
                    Err(panic) => Err(self.report_panic(s.name(), &cmd, &*panic)),
                };
            }
        }
        self.send_to_server(cmd).await
    }

    /// Publishes the internal error of a panic in `service` while it handled `cmd`, and
    /// returns the error for the caller.
    fn report_panic(&self, service: &str, cmd: &Command, panic: &(dyn Any + Send)) -> Error {
        let event = internal_error(service, "handle", cmd, panic);
        let message = match &event {
            DomainEvent::ServerError { message, .. } => message.clone(),
            _ => String::new(),
        };
        self.inner.publish(&event);
        Error::Protocol(format!("internal error: {message}"))
    }

    /// Sends a command straight to the server through the dialect, bypassing services (the
    /// services themselves use this to deliver).
    pub async fn send_to_server(&self, cmd: Command) -> Result<Vec<DomainEvent>, Error> {
        check_raw(&cmd)?;
        let outbound = self.inner.dialect.encode(&cmd)?;
        let mut answers = Vec::new();
        for out in &outbound {
            let (events, published) = match out {
                Outbound::Request { event, .. } => self.request(out, event).await?,
                _ => (self.perform(out).await?, false),
            };
            if !published {
                for e in &events {
                    self.inner.publish(e);
                }
            }
            answers.extend(events);
        }
        Ok(answers)
    }

    /// A request: its answer is the ack, or, where the dialect says the server may answer by
    /// an event instead (a NestJS gateway returning `{event, data}` emits it and never acks),
    /// that event, whichever comes first. Returns the answer's events and whether they were
    /// already published (an event answer went through the pump like any event).
    async fn request(
        &self,
        out: &Outbound,
        event: &str,
    ) -> Result<(Vec<DomainEvent>, bool), Error> {
        let answer_events = self.inner.dialect.answer_events(event);
        if answer_events.is_empty() {
            return Ok((self.perform(out).await?, false));
        }
        let mut raw = self.subscribe_raw();
        let by_event = async {
            while let Some(item) = raw.recv().await {
                if let RawTraffic::Event { name, args } = item {
                    if answer_events.contains(&name.as_str()) {
                        return (name, args);
                    }
                }
            }
            std::future::pending().await
        };
        tokio::select! {
            acked = self.perform(out) => Ok((acked?, false)),
            // Dropping the request frees the ack slot; a late ack finds its receiver gone.
            (name, args) = by_event => {
                let envelope = serde_json::json!([{
                    "event": name,
                    "data": args.into_iter().next().unwrap_or(Value::Null),
                }]);
                Ok((self.inner.dialect.decode_reply(out, &envelope)?, true))
            }
        }
    }

    async fn perform(&self, out: &Outbound) -> Result<Vec<DomainEvent>, Error> {
        match out {
            Outbound::Emit { event, arg } => {
                self.inner.socket.emit(event, args_of(arg)).await?;
                Ok(vec![])
            }
            Outbound::EmitOwnView {
                event,
                arg,
                own_view,
            } => {
                self.inner.socket.emit(event, args_of(arg)).await?;
                Ok(own_view.clone())
            }
            Outbound::Request { event, arg, .. } => {
                let answer = self.inner.socket.request(event, args_of(arg), None).await?;
                self.inner.tap(|| RawTraffic::Answer {
                    sent: out.clone(),
                    answer: raw_of_args(&answer),
                });
                Ok(self
                    .inner
                    .dialect
                    .decode_reply(out, &raw_of_args(&answer))?)
            }
            Outbound::Rest { request, .. } => {
                let rest = self.inner.rest.as_ref().ok_or(RestError::NoBaseUrl)?;
                let body = rest.send(request).await?;
                self.inner.tap(|| RawTraffic::Answer {
                    sent: out.clone(),
                    answer: body.clone(),
                });
                Ok(self.inner.dialect.decode_reply(out, &body)?)
            }
        }
    }

    /// The REST client of this profile, for uploads the dialect describes.
    pub fn rest(&self) -> Option<&RestClient> {
        self.inner.rest.as_ref()
    }

    /// Closes the connection for good.
    pub async fn disconnect(&self) {
        self.inner.socket.shutdown().await;
    }
}

/// The transport's reading of login events, from the dialect: a refusal event (002
/// `auth_error`) ends the login at any time; where the dialect names a confirming event (002
/// `authenticated`), `connected` waits for it.
fn login_watch(dialect: Arc<dyn Dialect>) -> LoginWatch {
    let confirmation = dialect.login_confirmation();
    LoginWatch::new(confirmation.is_some(), move |event, args| {
        if Some(event) == confirmation {
            return Some(LoginVerdict::Accepted);
        }
        dialect
            .auth_rejection(event, args)
            .map(LoginVerdict::Refused)
    })
}

/// The process-wide TLS connector with the system's roots (cheap to clone: shared context).
fn shared_tls() -> Result<native_tls::TlsConnector, Error> {
    static SHARED: std::sync::OnceLock<native_tls::TlsConnector> = std::sync::OnceLock::new();
    if let Some(c) = SHARED.get() {
        return Ok(c.clone());
    }
    let built = native_tls::TlsConnector::new()?;
    Ok(SHARED.get_or_init(|| built).clone())
}

/// A socket argument list from one JSON argument (`null` means none).
fn args_of(arg: &Value) -> Vec<Value> {
    match arg {
        Value::Null => vec![],
        other => vec![other.clone()],
    }
}
